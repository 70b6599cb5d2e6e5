/**
 * `ionflux email …` as an operator runs it (a child process) on the embedded state folder — no account,
 * no services: `send` writes an RFC 5322 `.eml` any mail client opens; `suppressions list/remove` show and
 * lift what the workspace no longer mails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { suppressionStore } from '../../shared/runtime/email';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { ionflux as runIonflux } from '../support/cli';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'email-cli-'));
const env = { IONFLUX_HOME: home, AWS_ENDPOINT_URL: undefined, KAFKA_BROKERS: undefined, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux', IONFLUX_EMAIL_TRANSPORT: undefined };

const ionflux = (args: string[]) => runIonflux(args, env);

beforeAll(async () => {
  // This process reads the same embedded state as the CLI.
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await resetEnvironment();
});
afterAll(() => resetEnvironment());

describe('ionflux email', () => {
  it('sends with nothing configured: the message lands in $IONFLUX_HOME/mail as an .eml any client opens', async () => {
    const attachment = path.join(home, 'terms.txt');
    fs.writeFileSync(attachment, 'Terms and conditions');
    const sent = await ionflux(['email', 'send', '--workspace', 'acme', '--from', 'Acme <hello@acme.example>', '--to', 'ada@example.com', '--to', 'bob@example.com', '--subject', 'Welcome', '--text', 'Hello from Acme', '--attach', attachment]);
    expect(sent.code).toBe(0);
    const answer = JSON.parse(sent.stdout);
    expect(answer).toMatchObject({ provider: 'embedded', status: 'accepted', recipients: [{ email: 'ada@example.com', status: 'accepted' }, { email: 'bob@example.com', status: 'accepted' }] });
    const file = path.join(home, 'mail', `${answer.dispatch_id}.eml`);
    expect(sent.stderr).toContain(file);
    const mime = await simpleParser(fs.readFileSync(file));
    expect(mime.subject).toBe('Welcome');
    expect(mime.from?.value).toEqual([{ address: 'hello@acme.example', name: 'Acme' }]);
    expect(mime.text?.trim()).toBe('Hello from Acme');
    expect(mime.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['terms.txt', 'text/plain', 'Terms and conditions']]);
  }, 60_000);

  it('lists and lifts suppressions, and explains its usage', async () => {
    await suppressionStore().add({ workspaceId: 'acme', email: 'gone@example.com', reason: 'hard_bounce', source: 'ses' });
    await suppressionStore().add({ workspaceId: 'acme', email: 'quiet@example.com', reason: 'unsubscribe', source: 'ionflux' });
    const list = await ionflux(['email', 'suppressions', 'list', '--workspace', 'acme']);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['gone@example.com', 'hard_bounce', 'all mail', 'ses'],
      ['quiet@example.com', 'unsubscribe', 'marketing only', 'ionflux'],
    ]);
    const refused = await ionflux(['email', 'send', '--workspace', 'acme', '--from', 'hello@acme.example', '--to', 'gone@example.com', '--subject', 'Hi', '--text', 'Hi']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('every recipient is suppressed');
    expect((await ionflux(['email', 'suppressions', 'remove', '--workspace', 'acme', '--email', 'gone@example.com'])).code).toBe(0);
    const json = await ionflux(['email', 'suppressions', 'list', '--workspace', 'acme', '--json']);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l).email)).toEqual(['quiet@example.com']);
    const usage = await ionflux(['email', 'suppressions', 'list']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: ionflux email suppressions list --workspace <id>');
  }, 90_000);
});
