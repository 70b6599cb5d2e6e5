/**
 * The OAuth callback `hmac`: Shopify's documented example (secret `hush`) verifies, with and without
 * `state`; any changed, added or removed parameter does not; malformed or repeated `hmac` never does.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { oauthSigningString, parseQueryPairs, signOAuthQuery, verifyOAuthQuery } from '../../shared/shopify/oauth-hmac';
import { FakeShopify } from '../fakes/shopify/fake-shopify';

const DOC = 'code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173';
const DOC_HMAC = '700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf';
const NO_STATE = 'code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com&timestamp=1337178173';
const NO_STATE_HMAC = '4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20';

describe('Shopify OAuth hmac', () => {
  it("computes Shopify's documented vectors (secret hush)", () => {
    expect(signOAuthQuery(parseQueryPairs(DOC), 'hush')).toBe(DOC_HMAC);
    expect(signOAuthQuery(parseQueryPairs(NO_STATE), 'hush')).toBe(NO_STATE_HMAC);
  });

  it('verifies the documented callback wherever hmac sits in the query, and in upper-case hex', () => {
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC}`, ['hush'])).toBe(true);
    expect(verifyOAuthQuery(`hmac=${DOC_HMAC}&${DOC}`, ['hush'])).toBe(true);
    expect(verifyOAuthQuery(`timestamp=1337178173&hmac=${DOC_HMAC}&state=0.6784241404160823&shop=some-shop.myshopify.com&code=0907a61c0c8d55e99db179b68161bc00`, ['hush'])).toBe(true);
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC.toUpperCase()}`, ['hush'])).toBe(true);
    expect(verifyOAuthQuery(`${NO_STATE}&hmac=${NO_STATE_HMAC}`, ['hush'])).toBe(true);
  });

  it('ignores `signature` and accepts the previous secret during a rotation', () => {
    expect(verifyOAuthQuery(`${DOC}&signature=whatever&hmac=${DOC_HMAC}`, ['hush'])).toBe(true);
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC}`, ['new-secret', 'hush'])).toBe(true);
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC}`, ['new-secret'])).toBe(false);
  });

  it('refuses a changed, added or removed parameter', () => {
    const changed = [
      DOC.replace('some-shop', 'other-shop'),
      DOC.replace('1337178173', '1337178174'),
      DOC.replace('state=0.6784241404160823', 'state=0.6784241404160824'),
      DOC.replace('code=0907', 'code=1907'),
      `${DOC}&host=YWRtaW4uc2hvcGlmeS5jb20`,
      NO_STATE,
    ];
    for (const query of changed) expect(verifyOAuthQuery(`${query}&hmac=${DOC_HMAC}`, ['hush'])).toBe(false);
  });

  it('refuses a missing, malformed or repeated hmac', () => {
    expect(verifyOAuthQuery(DOC, ['hush'])).toBe(false);
    expect(verifyOAuthQuery(`${DOC}&hmac=`, ['hush'])).toBe(false);
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC.slice(0, 63)}`, ['hush'])).toBe(false);
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC}zz`, ['hush'])).toBe(false);
    expect(verifyOAuthQuery(`${DOC}&hmac=${DOC_HMAC}&hmac=${DOC_HMAC}`, ['hush'])).toBe(false);
    expect(verifyOAuthQuery(`${DOC}&hmac=${createHmac('sha256', 'hush').update(DOC).digest('base64')}`, ['hush'])).toBe(false);
  });

  it('encodes like Shopify: sorted keys, URL-encoded values, spaces as %20', () => {
    expect(oauthSigningString([['b', 'x y'], ['a', 'é&='], ['hmac', 'h']])).toBe('a=%C3%A9%26%3D&b=x%20y');
    // The fake signs the same way independently: its callbacks verify.
    const fake = new FakeShopify({ clientId: 'c', clientSecret: 's3cret' });
    const params = { code: 'abc', host: 'YWRtaW4=', shop: 'a.myshopify.com', state: 'st ate', timestamp: '1700000000' };
    const query = `${new URLSearchParams(params).toString()}&hmac=${fake.signQuery(params)}`;
    expect(verifyOAuthQuery(query, ['s3cret'])).toBe(true);
  });

  it('property: any value change breaks the signature', () => {
    const value = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('code', 'shop', 'state', 'timestamp', 'host'), value, { minKeys: 1 }), fc.string({ minLength: 1, maxLength: 5 }), (params, extra) => {
        const pairs = Object.entries(params) as Array<[string, string]>;
        const signed = `${new URLSearchParams(pairs).toString()}&hmac=${signOAuthQuery(pairs, 'hush')}`;
        expect(verifyOAuthQuery(signed, ['hush'])).toBe(true);
        const [key, v] = pairs[0]!;
        const tampered = pairs.map(([k, x]): [string, string] => (k === key ? [k, v + extra] : [k, x]));
        expect(verifyOAuthQuery(`${new URLSearchParams(tampered).toString()}&hmac=${signOAuthQuery(pairs, 'hush')}`, ['hush'])).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
