/** `npx ionflux credentials …` and `npx ionflux agents …` as an operator runs them (child processes), on embedded state. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DispatchQueue } from '../../shared/agents/dispatch-queue';
import { EmbeddedQueue } from '../../shared/queues/embedded-queue';
import { ionflux as runCli } from '../support/cli';
import { recordSecretValue } from '../support/secrets';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'agents-cli-'));
const env = { IONFLUX_HOME: home, AWS_ENDPOINT_URL: undefined, KAFKA_BROKERS: undefined, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux' };

const ionflux = (...args: string[]) => runCli(args, env);

const embeddedQueue = (name: string) => new EmbeddedQueue(`ionflux-${name}`, path.join(home, 'queues', `ionflux-${name}`), { visibilityTimeoutMs: 120_000 });

describe('ionflux credentials and agents commands', () => {
  it('sets, lists and deletes credentials without ever printing values', async () => {
    const token = 'ntn_cli-notion-token-0001';
    recordSecretValue(token);
    const set = await ionflux('credentials', 'set', 'acme', 'notion', JSON.stringify({ token }));
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('stored notion (notion; fields token) as ionflux/workspaces/acme/credentials/notion');
    const bad = await ionflux('credentials', 'set', 'acme', 'crm', '--service', 'hubspot', '{"private_app_token":"nope-0002"}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/private_app_token does not look like/);
    expect(bad.stderr).not.toContain('nope-0002');
    const list = await ionflux('credentials', 'list', 'acme', '--json');
    expect(list.stdout.trim().split('\n').map((l) => JSON.parse(l).label)).toEqual(['notion']);
    const services = await ionflux('credentials', 'services');
    expect(services.stdout).toMatch(/^jira {2}official {2}\{site, email, api_token\}/m);
    expect(services.stdout).toMatch(/^playwright {2}UNOFFICIAL/m);
    expect((await ionflux('credentials', 'delete', 'acme', 'notion')).stdout).toContain('deleted notion of acme');
    expect((await ionflux('credentials', 'list', 'acme')).stdout.trim()).toBe('');
    for (const r of [set, list, services]) expect(r.stdout + r.stderr).not.toContain(token);
    expect((await ionflux('credentials', 'set', 'acme')).code).toBe(2);
  }, 60_000);

  it('lists dead-lettered invocations and redrives them to the retry queue', async () => {
    const dead = new DispatchQueue({ retry: embeddedQueue('agent-dispatch'), deadLetter: embeddedQueue('agent-dispatch-dlq') });
    await dead.deadLetter(
      { version: 1, workspace_id: 'acme', agent_id: 'orders_watch', trigger_index: 1, events: ['{"event_id":"e1"}'], event_ids: ['e1'], webhook_id: 'msg_x', first_attempt_at: '', attempts: 10, last_error: 'AgentService answered 503', last_status: 503 },
      'retries_exhausted',
    );
    const listed = await ionflux('agents', 'dead-letters');
    expect(listed.stdout).toMatch(/acme\/orders_watch trigger 1 {2}1 event\(s\) {2}retries_exhausted after 10 attempt\(s\): AgentService answered 503/);
    const redrive = await ionflux('agents', 'redrive');
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain('moved 1 invocation(s) back to agent-dispatch');
    expect(await embeddedQueue('agent-dispatch-dlq').depth()).toBe(0);
    const [back] = await embeddedQueue('agent-dispatch').receive(1);
    expect(JSON.parse(back!.body)).toMatchObject({ agent_id: 'orders_watch', webhook_id: 'msg_x', attempts: 0 });
    expect(JSON.parse(back!.body).dead_reason).toBeUndefined();
    expect((await ionflux('agents', 'redrive', '--limit', 'x')).code).toBe(2);
  }, 60_000);
});
