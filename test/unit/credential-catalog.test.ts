/** The niche service catalog (data) and the credential shapes it checks — without ever echoing a value. */
import { CUSTOM_SERVICE, ServiceCatalog, serviceCatalog } from '../../shared/credentials/catalog';

describe('niche service catalog', () => {
  const catalog = serviceCatalog();

  it('lists every §9 service with its credential shape, docs link and official flag', () => {
    const ids = catalog.list().map((s) => s.id);
    for (const id of ['clearbit', 'hunter', 'notion', 'jira', 'slack', 'calendly', 'google_calendar', 'outlook_calendar', 'meta_ads', 'google_ads', 'salesforce', 'hubspot']) expect(ids).toContain(id);
    expect(Object.keys(catalog.get('jira')!.fields)).toEqual(['site', 'email', 'api_token']);
    expect(Object.keys(catalog.get('notion')!.fields)).toEqual(['token']);
    expect(catalog.get('slack')!.fields.signing_secret!.required).toBe(false);
    expect(Object.keys(catalog.get('google_calendar')!.fields).sort()).toEqual(['client_id', 'client_secret', 'refresh_token']);
    expect(Object.keys(catalog.get('hubspot')!.fields)).toEqual(['private_app_token']);
    expect(catalog.get('playwright')!.official).toBe(false);
    for (const s of catalog.list()) expect(s.docs_url).toMatch(/^https:\/\//);
    expect(() => new ServiceCatalog({ version: '1', services: { custom: { name: 'x', official: true, docs_url: 'https://x', fields: {} } } })).toThrow(/reserved/);
  });

  it('checks values against the shape and names fields, never values', () => {
    const secretish = 'xoxp-this-is-not-a-bot-token';
    const problems = catalog.check('slack', { bot_token: secretish, extra: 'zzz-secret-zzz' });
    expect(problems.join(' ')).toMatch(/bot_token does not look like/);
    expect(problems.join(' ')).toMatch(/extra is not a field of slack/);
    expect(problems.join(' ')).not.toContain(secretish);
    expect(problems.join(' ')).not.toContain('zzz-secret-zzz');
    expect(catalog.check('jira', { site: 'not a url', email: 'nope', api_token: 't' })).toEqual([
      'site must be an http(s) URL such as https://your-team.atlassian.net',
      'email must be an email address',
    ]);
    expect(catalog.check('jira', { site: 'https://acme.atlassian.net' })).toEqual(['email is required (Atlassian account email the token belongs to)', 'api_token is required (API token from id.atlassian.com)']);
    expect(catalog.check('hubspot', { private_app_token: 'pat-na1-123' })).toEqual([]);
    expect(catalog.check('nope', { a: 'b' })[0]).toMatch(/unknown service "nope"/);
    expect(catalog.check(CUSTOM_SERVICE, { anything: 'x', n: 1 })).toEqual([]);
    expect(catalog.check(CUSTOM_SERVICE, {})).toEqual(['value has no fields']);
    expect(catalog.check(CUSTOM_SERVICE, { nested: { a: 1 } })).toEqual(['nested must be a string, number or boolean']);
    expect(catalog.check('notion', 'ntn_plain')).toEqual(['value must be a JSON object of credential fields']);
  });
});
