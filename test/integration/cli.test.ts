/** The operator CLI as an operator runs it (`npx ionflux …`, a child process), on embedded state and on Kafka + moto. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createPlatformEvent } from '../../shared/events/platform-event';
import { EventPublisher } from '../../shared/events/publisher';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { useLocalServices } from '../support/environment';
import { projectRoot } from '../support/paths';
import { verifyInstallLink } from '../../shared/shopify/install-link';
import { recordSecretValue } from '../support/secrets';
import { cliEntry, ionflux } from '../support/cli';


afterAll(() => resetEnvironment());

describe('ionflux CLI on the embedded state folder', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-home-'));
  const env = { IONFLUX_HOME: home, AWS_ENDPOINT_URL: undefined, KAFKA_BROKERS: undefined, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux' };

  it('stores secrets without ever printing values, and lists names only', async () => {
    recordSecretValue('sk-cli-embedded-0001');
    const set = await ionflux(['secrets', 'set', 'ionflux/platform/openai', '{"api_key":"sk-cli-embedded-0001"}'], env);
    expect(set).toMatchObject({ code: 0 });
    expect(set.stdout).toContain('stored ionflux/platform/openai');
    expect(set.stdout + set.stderr).not.toContain('sk-cli-embedded-0001');
    const list = await ionflux(['secrets', 'list'], env);
    expect(list.stdout.trim().split('\n')).toEqual(['ionflux/platform/openai']);
    const stored = JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8'));
    expect(JSON.parse(stored['ionflux/platform/openai'])).toEqual({ api_key: 'sk-cli-embedded-0001' });
    expect(fs.statSync(path.join(home, 'secrets.json')).mode & 0o077).toBe(0);
  }, 60_000);

  it('sets workspace mappings and refuses ones outside the workspace prefix', async () => {
    const ok = await ionflux(['workspaces', 'set', 'acme', '--secrets-config', '{"openai":"ionflux/workspaces/acme/openai"}'], env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).settings.generic_secrets_config_json.openai).toBe('ionflux/workspaces/acme/openai');
    const refused = await ionflux(['workspaces', 'set', 'acme', '--secrets-config', '{"openai":"ionflux/platform/openai"}'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('outside this workspace');
    const usage = await ionflux(['workspaces', 'set', 'acme'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: ionflux workspaces set <workspace_id> --secrets-config '<json>'");
  }, 60_000);

  it('reads the embedded event log as one JSON line per event', async () => {
    const topicFile = path.join(home, 'topics', 'ionflux.platform.user_activity.jsonl');
    fs.mkdirSync(path.dirname(topicFile), { recursive: true });
    const event = createPlatformEvent({ idParts: ['cli'], eventType: 'platform.user.signed_in', workspaceId: 'acme', source: 'test', payload: { user: 1 } });
    fs.writeFileSync(topicFile, `${JSON.stringify({ timestamp: Date.now(), key: 'u1', headers: {}, value: event, value_encoding: 'json' })}\n`);
    const read = await ionflux(['events', 'read', 'ionflux.platform.user_activity', '--json'], env);
    expect(read.code).toBe(0);
    expect(read.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([event]);
    // --since: only what was written since an instant or within an age.
    const auditFile = path.join(home, 'topics', 'ionflux.platform.audit_trail.jsonl');
    const older = createPlatformEvent({ idParts: ['cli-old'], eventType: 'platform.user.signed_in', workspaceId: 'acme', source: 'test', payload: { user: 2 } });
    fs.writeFileSync(
      auditFile,
      [{ at: Date.now() - 3 * 3_600_000, value: older }, { at: Date.now(), value: event }].map((l) => `${JSON.stringify({ timestamp: l.at, key: 'u', headers: {}, value: l.value, value_encoding: 'json' })}\n`).join(''),
    );
    const recent = await ionflux(['events', 'read', 'ionflux.platform.audit_trail', '--json', '--since', '1h'], env);
    expect(recent.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([event]);
    const since = await ionflux(['events', 'read', 'ionflux.platform.audit_trail', '--json', '--since', new Date(Date.now() - 4 * 3_600_000).toISOString()], env);
    expect(since.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([older, event]);
    const badSince = await ionflux(['events', 'read', 'ionflux.platform.audit_trail', '--since', 'yesterday'], env);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since "yesterday" is neither an ISO 8601 time');
    // events tail follows the topic until interrupted.
    const { spawn } = await import('node:child_process');
    const tail = spawn(process.execPath, [cliEntry, 'events', 'tail', 'ionflux.platform.user_activity', '--json', '--from-beginning'], {
      env: { ...process.env, ...env, AWS_ENDPOINT_URL: '', KAFKA_BROKERS: '' },
      cwd: projectRoot,
    });
    let out = '';
    tail.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (n: number) => {
      for (let i = 0; i < 150 && out.trim().split('\n').filter(Boolean).length < n; i++) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor(1);
    const later = createPlatformEvent({ idParts: ['cli-tail'], eventType: 'platform.user.signed_out', workspaceId: 'acme', source: 'test', payload: {} });
    fs.appendFileSync(topicFile, `${JSON.stringify({ timestamp: Date.now(), key: 'u1', headers: {}, value: later, value_encoding: 'json' })}\n`);
    await waitFor(2);
    const exited = new Promise<number | null>((resolve) => tail.on('exit', (code) => resolve(code)));
    tail.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.trim().split('\n').map((l) => JSON.parse(l).event_id)).toEqual([event.event_id, later.event_id]);

    const unknown = await ionflux(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
  }, 60_000);

  it('connects a WhatsApp number with its WABA and throughput', async () => {
    const added = await ionflux(['connections', 'add', 'whatsapp', '106540352242922', '--workspace', 'acme42', '--waba', '102290129340398', '--mps', '40'], env);
    expect(added.stdout).toContain('connected whatsapp_waba 102290129340398 → workspace acme42');
    expect(added.stdout).toContain('connected whatsapp 106540352242922 → workspace acme42');
    const listed = (await ionflux(['connections', 'list', '--json'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(listed.find((c) => c.account_id === '106540352242922')).toMatchObject({ provider: 'whatsapp', details: { waba_id: '102290129340398', throughput_mps: 40 } });
    const misuse = await ionflux(['connections', 'add', 'shopify', 'x.myshopify.com', '--workspace', 'acme42', '--mps', '40'], env);
    expect([misuse.code, misuse.stderr]).toEqual([2, expect.stringContaining('--waba and --mps are for WhatsApp')]);
  }, 60_000);
});

describe('the newcomer demo: connect a shop, send a webhook, read the event', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-demo-'));
  const env = { IONFLUX_HOME: home, AWS_ENDPOINT_URL: undefined, KAFKA_BROKERS: undefined, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux' };
  let runtime: Awaited<ReturnType<typeof import('../../local/runtime').startLocalRuntime>>;

  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, { IONFLUX_HOME: home, IONFLUX_SECRET_ROOT: 'ionflux', IONFLUX_RESOURCE_PREFIX: 'ionflux' });
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.KAFKA_BROKERS;
    await resetEnvironment();
    const { startLocalRuntime } = await import('../../local/runtime');
    runtime = await startLocalRuntime({ port: 0, log: () => undefined });
  });
  afterAll(async () => {
    await runtime.stop();
    process.env = saved;
    await resetEnvironment();
  });

  it('works with nothing but the CLI and the local runtime', async () => {
    recordSecretValue('shpss_cli_demo_secret');
    expect((await ionflux(['secrets', 'set', 'ionflux/platform/shopify', '{"client_secret":"shpss_cli_demo_secret"}'], env)).code).toBe(0);
    expect((await ionflux(['connections', 'add', 'shopify', 'Demo-Store.myshopify.com', '--workspace', 'acme42'], env)).stdout).toContain(
      'connected shopify demo-store.myshopify.com → workspace acme42',
    );
    const refused = await ionflux(['connections', 'add', 'shopify', 'demo-store.myshopify.com', '--workspace', 'other'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already connected to workspace acme42');
    expect((await ionflux(['connections', 'list'], env)).stdout).toMatch(/shopify\s+demo-store\.myshopify\.com\s+acme42\s+active/);

    const sent = await ionflux(['webhook', 'send', 'shopify', 'orders/create', '--shop', 'demo-store.myshopify.com', '--url', runtime.http.url], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^200 .*"status":"accepted"/);
    const read = await ionflux(['events', 'read', 'ionflux.shopify.ws_acme42.orders.created', '--json'], env);
    const [event] = read.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(event).toMatchObject({ event_type: 'shopify.orders.created', workspace_id: 'acme42', payload_json: { shop_domain: 'demo-store.myshopify.com' } });

    const parked = await ionflux(['webhook', 'send', 'shopify', 'products/create', '--shop', 'later.myshopify.com', '--url', runtime.http.url], env);
    expect(parked.stdout).toContain('"status":"parked"');
    expect((await ionflux(['parked', 'list'], env)).stdout).toContain('later.myshopify.com  products/create');
    await ionflux(['connections', 'add', 'shopify', 'later.myshopify.com', '--workspace', 'beta'], env);
    const accountOnly = await ionflux(['parked', 'replay', '--account', 'later.myshopify.com'], env);
    expect(accountOnly.code).toBe(2);
    expect(accountOnly.stderr).toContain('--account needs --provider');
    const replay = await ionflux(['parked', 'replay'], env);
    expect(replay.stdout).toContain('replayed 1, still parked 0, failed 0');
    expect((await ionflux(['events', 'read', 'ionflux.shopify.ws_beta.products.created', '--json'], env)).stdout.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('a store connected by hand answers 409 (no OAuth token), not 404', async () => {
    const response = await fetch(`${runtime.http.url}/v1/shopify/workspaces/acme42/shop`, { headers: { authorization: `Bearer ${runtime.internalToken}` } });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'shop_not_connected',
      message: expect.stringContaining('demo-store.myshopify.com was connected without an OAuth install'),
    });
  });

  it('uses a fixed secret at once: completed in place with --merge, then rotated, while the runtime runs', async () => {
    const name = 'ionflux/platform/shopify';
    const installLink = async () => {
      const response = await fetch(`${runtime.http.url}/v1/shopify/workspaces/acme42/install-link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${runtime.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ shop: 'demo-store.myshopify.com' }),
      });
      return { status: response.status, body: (await response.json()) as { url?: string; error?: { code: string; message: string } } };
    };
    const signedWith = (url: string, secret: string) => {
      const q = new URL(url).searchParams;
      verifyInstallLink([secret], { shop: q.get('shop')!, workspaceId: q.get('workspace_id')!, expires: q.get('expires')!, signature: q.get('signature')! }, Date.now());
      return true;
    };
    // The demo stored client_secret only: the answer names the complete fix, and the runtime keeps no copy of it.
    const incomplete = await installLink();
    expect(incomplete.status).toBe(500);
    expect(incomplete.body.error).toMatchObject({ code: 'secret_not_configured' });
    expect(incomplete.body.error!.message).toContain(`npx ionflux secrets set ${name} --merge '{"client_id":"…"}'`);
    expect((await ionflux(['secrets', 'set', name, '--merge', '{"client_id":"demo-app"}'], env)).code).toBe(0);
    const completed = await installLink();
    expect(completed.status).toBe(201);
    expect(signedWith(completed.body.url!, 'shpss_cli_demo_secret')).toBe(true);
    // A complete secret is cached (300 s), but a local `secrets set` makes the runtime drop its copy.
    recordSecretValue('shpss_cli_demo_rotated');
    expect((await ionflux(['secrets', 'set', name, '--merge', '{"client_secret":"shpss_cli_demo_rotated"}'], env)).code).toBe(0);
    const rotated = await installLink();
    expect(rotated.status).toBe(201);
    expect(signedWith(rotated.body.url!, 'shpss_cli_demo_rotated')).toBe(true);
  }, 60_000);
});

describe('ionflux CLI on Kafka and moto', () => {
  beforeAll(() => useLocalServices());

  it('reads every PlatformEvent of a Kafka topic, then exits', async () => {
    const topic = `ionflux.test.${process.env.IONFLUX_TEST_ID}.cli_${randomUUID().slice(0, 6)}`;
    const events = [1, 2, 3].map((i) => createPlatformEvent({ idParts: ['cli-kafka', String(i)], eventType: 'test.cli.read', workspaceId: 'acme', source: 'test', payload: { i } }));
    await new EventPublisher({ bus: eventBus() }).publish(events.map((event, i) => ({ topic, key: `k${i}`, event })), { deadline: Date.now() + 10_000 });
    const read = await ionflux(['events', 'read', topic, '--json'], {});
    expect(read.code).toBe(0);
    const got = read.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(got.map((e) => e.event_id).sort()).toEqual(events.map((e) => e.event_id).sort());
    const missing = await ionflux(['events', 'read', `${topic}_missing`], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`topic ${topic}_missing does not exist; topics like it: `);
    expect(missing.stderr).toContain(topic);
  }, 60_000);

  it('stores secrets in Secrets Manager (moto)', async () => {
    recordSecretValue('sk-cli-moto-00000001');
    const name = `${process.env.IONFLUX_SECRET_ROOT}/platform/cli-check`;
    expect((await ionflux(['secrets', 'set', name, 'sk-cli-moto-00000001'], {})).stdout).toContain('Secrets Manager');
    expect((await ionflux(['secrets', 'list', '--prefix', `${process.env.IONFLUX_SECRET_ROOT}/platform/cli`], {})).stdout.trim()).toBe(name);
  }, 60_000);
});
