/**
 * Pinecone through the real v9 SDK against the fake (test/fakes/pinecone): the API version and key on
 * every call, one describe per index; 429s and 5xx retried with backoff inside the deadline; a failed
 * batch retried alone; per-namespace pacing; the limits as Pinecone enforces them; the admin routes;
 * a workspace's own Pinecone project; refused keys and exhausted quotas.
 */
import { Pinecone } from '@pinecone-database/pinecone';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { type FakePinecone, pineconeErrors } from '../fakes/pinecone/fake-pinecone';
import { newWorkspaceId, secretRoot, useLocalServices } from '../support/environment';
import { newKey } from '../support/llm';
import { callMemory, clearMemorySettings, createIndex, deleteIndex, deleteWorkspaceMemory, describeIndex, memoryStats, startPinecone, useMemory, vectorOf } from '../support/memory';
import { storeSecret } from '../support/secrets';

const MAIN = 'pc-main';
const OTHER = 'pc-other';
const EXTRA = ['IONFLUX_MEMORY_NAMESPACE_IN_FLIGHT', 'IONFLUX_MEMORY_NAMESPACE_RPS', 'IONFLUX_MEMORY_ATTEMPT_TIMEOUT_MS'];

let fake: FakePinecone;
let platformKey: string;
const acmeKey = newKey('pcsk-acme');

const settings = (extra: Record<string, string> = {}) => useMemory({ store: 'pinecone', index: MAIN, indexes: [OTHER, 'pc-late'], extra: { IONFLUX_MEMORY_BACKOFF_BASE_MS: '10', ...extra } });

beforeAll(async () => {
  await useLocalServices();
  await settings();
  ({ fake, key: platformKey } = await startPinecone({ projects: { [acmeKey]: 'acme' } }));
  fake.addIndex({ name: MAIN, dimension: 8 });
});

afterEach(async () => {
  fake.server.clearScript();
  fake.delays.clear();
  fake.limits.namespaceRequestsPerSecond = 100;
});

afterAll(async () => {
  await fake?.close();
  for (const k of EXTRA) delete process.env[k];
  clearMemorySettings();
  await resetEnvironment();
});

const records = (n: number, seed = 0, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `r${seed + i}`, values: vectorOf(seed + i + 1, 8), ...extra(i) }));

describe('the wire', () => {
  it('every call carries the API version the SDK pins and the platform key; an index is described once', async () => {
    const ws = newWorkspaceId('pc');
    const before = fake.server.requests.length;
    const describes = fake.on('describe_index').length;
    expect((await callMemory('upsert', ws, { resolved_namespace: 'wire', records: records(3) })).status).toBe(200);
    expect((await callMemory('query', ws, { resolved_namespace: 'wire', vector: vectorOf(1, 8), top_k: 2 })).status).toBe(200);
    expect((await callMemory('fetch', ws, { resolved_namespace: 'wire', ids: ['r0'] })).status).toBe(200);
    expect((await memoryStats(ws)).status).toBe(200);
    const sent = fake.server.requests.slice(before);
    expect(sent.map((r) => r.route)).toEqual(expect.arrayContaining(['upsert', 'query', 'fetch', 'list_namespaces']));
    for (const r of sent) {
      expect(r.headers['x-pinecone-api-version']).toBe('2026-07');
      expect(r.headers['api-key']).toBe(platformKey);
    }
    expect(fake.on('describe_index').length - describes).toBeLessThanOrEqual(1);
    // What Pinecone holds is under the workspace's prefix.
    expect([...fake.index(MAIN)!.namespaces.keys()]).toContain(`ws_${ws}/wire`);
  });
});

describe('retries and pacing', () => {
  it('429s and 5xx are retried with backoff', async () => {
    const ws = newWorkspaceId('pc');
    await callMemory('upsert', ws, { resolved_namespace: 'retry', records: records(2) });
    const before = fake.on('query').length;
    fake.script('query', pineconeErrors.rateLimited(), pineconeErrors.unavailable(), pineconeErrors.serverError());
    const res = await callMemory('query', ws, { resolved_namespace: 'retry', vector: vectorOf(1, 8), top_k: 1 });
    expect([res.status, res.json.matches[0].id]).toEqual([200, 'r0']);
    expect(fake.on('query').length - before).toBe(4);
  });

  it('an answer that cannot be read is a 502, not retried', async () => {
    const ws = newWorkspaceId('pc');
    await callMemory('upsert', ws, { resolved_namespace: 'garbled', records: records(1) });
    const before = fake.on('query').length;
    fake.script('query', { status: 200, body: 'not json' });
    const res = await callMemory('query', ws, { resolved_namespace: 'garbled', vector: vectorOf(1, 8), top_k: 1 });
    expect([res.status, res.json.error.code]).toEqual([502, 'vector_store_bad_response']);
    expect(fake.on('query').length - before).toBe(1);
  });

  it('a batch that fails is retried alone: the others are not sent again', async () => {
    const ws = newWorkspaceId('pc');
    const before = fake.on('upsert').length;
    fake.script('upsert', pineconeErrors.unavailable());
    const res = await callMemory('upsert', ws, { resolved_namespace: 'bulk', records: records(2500) });
    expect([res.status, res.json.upserted]).toEqual([200, 2500]);
    const sent = fake.on('upsert').slice(before).map((r) => r.body.vectors.map((v: { id: string }) => v.id) as string[]);
    expect(sent.map((ids) => ids.length).sort()).toEqual([1000, 1000, 1000, 500].sort());
    const firstIds = sent.map((ids) => ids[0]);
    const repeated = firstIds.filter((id, i) => firstIds.indexOf(id) !== i);
    expect(repeated).toHaveLength(1);
    expect(new Set(firstIds).size).toBe(3);
    expect(fake.index(MAIN)!.namespaces.get(`ws_${ws}/bulk`)!.size).toBe(2500);
  });

  it('a batch that keeps failing is named, with what was written; the answer is a 503 with Retry-After', async () => {
    await settings({ IONFLUX_MEMORY_NAMESPACE_IN_FLIGHT: '1' });
    try {
      const ws = newWorkspaceId('pc');
      // One call and five retries: the first batch (sent alone) fails for good, the next two go through.
      fake.script('upsert', ...Array.from({ length: 6 }, () => pineconeErrors.unavailable()));
      const res = await callMemory('upsert', ws, { resolved_namespace: 'partial', records: records(2500) });
      expect([res.status, res.json.error.code]).toEqual([503, 'vector_store_unavailable']);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json.error.details).toEqual({
        upserted: 1500,
        failed_records: 1000,
        failed_batches: [{ records: 1000, first_id: 'r0', last_id: 'r999', error: 'vector_store_unavailable' }],
        namespace: 'partial',
      });
      expect(res.json.error.message).toContain('1 of 3 batch(es) could not be written (1000 record(s); 1500 written)');
      expect(fake.index(MAIN)!.namespaces.get(`ws_${ws}/partial`)!.size).toBe(1500);
    } finally {
      await settings();
    }
  });

  it('retries stop at the deadline: a Pinecone that does not answer gets a 503 with Retry-After before the function times out', async () => {
    const ws = newWorkspaceId('pc');
    await callMemory('upsert', ws, { resolved_namespace: 'slow', records: records(1) });
    fake.script('query', { status: 200, hang: true }, { status: 200, hang: true });
    const started = Date.now();
    const res = await callMemory('query', ws, { resolved_namespace: 'slow', vector: vectorOf(1, 8), top_k: 1 }, { timeoutS: 3 });
    const took = Date.now() - started;
    expect([res.status, res.json.error.code]).toEqual([503, 'vector_store_timeout']);
    expect(res.headers['retry-after']).toBe('1');
    expect(took).toBeLessThan(3000);
  });

  it("Pinecone's own per-namespace rate limit is ridden out with backoff; pacing at its rate avoids the 429s", async () => {
    const ws = newWorkspaceId('pc');
    await callMemory('upsert', ws, { resolved_namespace: 'rate', records: records(2) });
    fake.limits.namespaceRequestsPerSecond = 3;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const run = () => Promise.all(Array.from({ length: 5 }, () => callMemory('query', ws, { resolved_namespace: 'rate', vector: vectorOf(1, 8), top_k: 1 })));

    await settings({ IONFLUX_MEMORY_NAMESPACE_RPS: '0', IONFLUX_MEMORY_BACKOFF_BASE_MS: '150' });
    let before = fake.on('query').length;
    expect((await run()).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const unpaced = fake.on('query').length - before;
    expect(unpaced).toBeGreaterThan(5);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    // A bucket of 1.5 calls per second (bursting 1.5) puts at most 2.5 calls in any second, under the fake's 3.
    await settings({ IONFLUX_MEMORY_NAMESPACE_RPS: '1.5', IONFLUX_MEMORY_BACKOFF_BASE_MS: '150' });
    before = fake.on('query').length;
    expect((await run()).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(fake.on('query').length - before).toBe(5);
    await settings();
  }, 20_000);

  it("per-namespace pacing: one agent's bulk upsert does not hold back another namespace's query", async () => {
    await settings({ IONFLUX_MEMORY_NAMESPACE_IN_FLIGHT: '2' });
    try {
      const ws = newWorkspaceId('pc');
      await callMemory('upsert', ws, { resolved_namespace: 'agent-b', records: records(1) });
      fake.delays.set('upsert', 150);
      const start = fake.server.requests.length;
      let bulkDone = 0;
      const bulk = callMemory('upsert', ws, { resolved_namespace: 'agent-a', records: records(6000) }).then((r) => {
        bulkDone = Date.now();
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const queried = await callMemory('query', ws, { resolved_namespace: 'agent-b', vector: vectorOf(1, 8), top_k: 1 });
      const queryDone = Date.now();
      expect((await bulk).json.upserted).toBe(6000);
      expect(queried.status).toBe(200);
      expect(queryDone).toBeLessThan(bulkDone);
      const order = fake.server.requests.slice(start).map((r) => r.route);
      const lastUpsert = order.lastIndexOf('upsert');
      expect(order.indexOf('query')).toBeLessThan(lastUpsert);
      // Never more than two of the namespace's batches out at once.
      expect(order.filter((r) => r === 'upsert')).toHaveLength(6);
    } finally {
      await settings();
    }
  });
});

describe('limits, as Pinecone enforces them', () => {
  it('the fake refuses what Pinecone refuses (the SDK alone)', async () => {
    const pc = new Pinecone({ apiKey: platformKey, controllerHostUrl: fake.controllerUrl, maxRetries: 0 });
    const index = pc.index({ name: MAIN, host: fake.hostOf('default', MAIN) }).namespace('sdk-direct');
    const fail = async (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
    expect(await fail(index.upsert({ records: records(1001) }))).toContain('at most 1000 vectors');
    const big = Array.from({ length: 300 }, (_, i) => ({ id: `b${i}`, values: vectorOf(i + 1, 8), metadata: { blob: 'x'.repeat(8000) } }));
    expect(await fail(index.upsert({ records: big }))).toContain('exceeds the maximum supported size of 2MB');
    expect(await fail(index.upsert({ records: [{ id: 'd', values: [1, 2, 3] }] }))).toContain('Vector dimension 3 does not match the dimension of the index 8');
    expect(await fail(index.upsert({ records: [{ id: 'm', values: vectorOf(1, 8), metadata: { blob: 'x'.repeat(41_000) } }] }))).toContain('exceeds the limit of 40960 bytes');
    expect(await fail(index.upsert({ records: [{ id: 'z', values: [0, 0, 0, 0, 0, 0, 0, 0] }] }))).toContain('at least one non-zero value');
    expect(await fail(index.query({ vector: vectorOf(1, 8), topK: 10_001 }))).toContain('topK must be between 1 and 10000');
    expect(await fail(index.query({ vector: vectorOf(1, 8), topK: 1001, includeMetadata: true }))).toContain('at most 1000 when includeValues or includeMetadata');
    expect(await fail(index.fetch({ ids: Array.from({ length: 1001 }, (_, i) => `f${i}`) }))).toContain('at most 1000 ids');
    expect(await fail(index.query({ vector: vectorOf(1, 8), topK: 1, filter: { a: { $regex: 'x' } } }))).toContain('unknown operator $regex');
    const stranger = new Pinecone({ apiKey: 'pcsk-nobody', controllerHostUrl: fake.controllerUrl, maxRetries: 0 });
    expect(await fail(stranger.indexes.describe(MAIN))).toContain('PineconeAuthorizationError');
    const noVersion = await fetch(`${fake.controllerUrl}/indexes/${MAIN}`, { headers: { 'Api-Key': platformKey } });
    expect([noVersion.status, ((await noVersion.json()) as { error: { message: string } }).error.message]).toEqual([400, expect.stringContaining('X-Pinecone-Api-Version')]);
  });

  it('the route stays within them: large records go in several batches of at most 1,000 records and 2 MB', async () => {
    const ws = newWorkspaceId('pc');
    const before = fake.on('upsert').length;
    const res = await callMemory('upsert', ws, { resolved_namespace: 'sized', records: records(1000, 0, () => ({ metadata: { note: 'y'.repeat(5000) } })) });
    expect([res.status, res.json.upserted]).toEqual([200, 1000]);
    const sent = fake.on('upsert').slice(before);
    expect(sent.length).toBeGreaterThan(2);
    for (const r of sent) expect(r.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(sent.reduce((n, r) => n + r.body.vectors.length, 0)).toBe(1000);
  });

  it('a batch estimated under 2 MB that serialises over it is split before anything is sent', async () => {
    const ws = newWorkspaceId('pc');
    const before = fake.on('upsert').length;
    // The estimate samples every 125th record: those are short; the rest serialise to 17-digit doubles.
    const mixed = Array.from({ length: 1000 }, (_, i) => ({
      id: `m${i}`,
      values: i % 125 === 0 ? Array.from({ length: 8 }, (_, j) => (j + 1) / 2) : Array.from({ length: 8 }, (_, j) => Math.PI / (i + j + 3)),
      metadata: { pad: 'p'.repeat(2200) },
    }));
    const res = await callMemory('upsert', ws, { resolved_namespace: 'mixed', records: mixed });
    expect([res.status, res.json.upserted]).toEqual([200, 1000]);
    const sent = fake.on('upsert').slice(before);
    for (const r of sent) expect(r.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    // Estimated as two batches (909 + 91 records); the first serialised to 2.2 MB and went as two halves.
    expect(sent.map((r) => r.body.vectors.length).sort((a, b) => a - b)).toEqual([91, 454, 455]);
    expect(fake.index(MAIN)!.namespaces.get(`ws_${ws}/mixed`)!.size).toBe(1000);
  });
});

describe('admin routes (platform key)', () => {
  it('creates an index from the catalog model, refuses a second, describes and deletes it', async () => {
    const created = await createIndex({ name: OTHER, embedding_model: 'all-minilm-l6-v2' });
    expect([created.status, created.json]).toEqual([
      201,
      { name: OTHER, dimension: 384, metric: 'cosine', ready: true, state: 'Ready', embedding_model: 'all-minilm-l6-v2', host: fake.hostOf('default', OTHER), deletion_protection: 'disabled', backend: 'pinecone' },
    ]);
    const sentBody = fake.on('create_index').at(-1)!.body;
    expect(sentBody).toEqual({
      name: OTHER,
      deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
      schema: { fields: { _values: { type: 'dense_vector', dimension: 384, metric: 'cosine' } } },
      tags: { embedding_model: 'all-minilm-l6-v2' },
      deletion_protection: 'disabled',
    });
    const again = await createIndex({ name: OTHER, dimension: 384, metric: 'cosine' });
    expect([again.status, again.json.error.code]).toEqual([409, 'index_exists']);
    expect((await describeIndex(OTHER)).json).toMatchObject({ name: OTHER, dimension: 384, embedding_model: 'all-minilm-l6-v2' });
    expect((await describeIndex('pc-nope')).status).toBe(404);

    // Its embedding model is the index's default for texts: a 1536-d model is refused, before any call.
    const ws = newWorkspaceId('pc');
    const text = await callMemory('upsert', ws, { resolved_namespace: 'n', index: OTHER, embedding_model: 'text-embedding-3-small', records: [{ id: 'a', text: 'hi' }] });
    expect(text.json.error).toMatchObject({ code: 'dimension_mismatch', message: `embedding model text-embedding-3-small makes 1536 dimensions; index ${OTHER} has 384` });

    expect((await deleteIndex(OTHER)).json).toEqual({ deleted: OTHER });
    expect((await deleteIndex(OTHER)).status).toBe(404);
    const gone = await callMemory('upsert', ws, { resolved_namespace: 'n', index: OTHER, records: [{ id: 'a', values: vectorOf(1, 384) }] });
    expect([gone.status, gone.json.error.code]).toEqual([404, 'index_not_found']);
    expect(gone.json.error.message).toContain('create it with POST /v1/memory/indexes');
  });

  it.each([
    [{ name: 'Bad_Name', dimension: 8, metric: 'cosine' }, 'invalid_index_name'],
    [{ name: 'no-shape' }, 'invalid_index'],
    [{ name: 'mismatch', embedding_model: 'all-minilm-l6-v2', dimension: 768 }, 'dimension_mismatch'],
    [{ name: 'unknown', embedding_model: 'no-such-model' }, 'unknown_model'],
    [{ name: 'chat', embedding_model: 'gpt-4o' }, 'not_an_embedding_model'],
    [{ name: 'metric', dimension: 8, metric: 'manhattan' }, 'invalid_body'],
  ])('refuses %j', async (body, code) => {
    const res = await createIndex(body);
    expect([res.status, res.json.error.code]).toEqual([400, code]);
  });

  it('an index still initialising answers 503 with Retry-After, then serves once ready', async () => {
    const late = fake.addIndex({ name: 'pc-late', dimension: 8 });
    late.state = 'Initializing';
    const ws = newWorkspaceId('pc');
    const early = await callMemory('upsert', ws, { resolved_namespace: 'n', index: 'pc-late', records: records(1) });
    expect([early.status, early.json.error.code, early.headers['retry-after']]).toEqual([503, 'index_not_ready', '5']);
    late.state = 'Ready';
    expect((await callMemory('upsert', ws, { resolved_namespace: 'n', index: 'pc-late', records: records(1) })).status).toBe(200);
  });
});

describe("a workspace's own Pinecone project", () => {
  async function mapOwnKey(ws: string, secret: Record<string, string>): Promise<void> {
    const name = `${secretRoot()}/workspaces/${ws}/pinecone`;
    await storeSecret(name, secret);
    await workspaceDirectory().putSettings(ws, { generic_secrets_config_json: { pinecone: name } });
  }

  it('holds its records when it maps its own key; the platform project holds none of them', async () => {
    fake.addIndex({ name: MAIN, dimension: 8, project: 'acme' });
    const ws = newWorkspaceId('pc');
    await mapOwnKey(ws, { api_key: acmeKey, controller_host_url: fake.controllerUrl });
    expect((await callMemory('upsert', ws, { resolved_namespace: 'own', records: records(2) })).status).toBe(200);
    expect([...fake.index(MAIN, 'acme')!.namespaces.keys()]).toEqual([`ws_${ws}/own`]);
    expect([...fake.index(MAIN)!.namespaces.keys()]).not.toContain(`ws_${ws}/own`);
    expect(fake.on('upsert').at(-1)!.headers['api-key']).toBe(acmeKey);
    expect((await memoryStats(ws)).json.namespaces).toEqual([{ namespace: 'own', record_count: 2 }]);
  });

  it("offboarding clears its own project and the platform's, where it wrote before it mapped its key", async () => {
    if (!fake.index(MAIN, 'acme')) fake.addIndex({ name: MAIN, dimension: 8, project: 'acme' });
    const ws = newWorkspaceId('pc');
    expect((await callMemory('upsert', ws, { resolved_namespace: 'before', records: records(2) })).status).toBe(200);
    await mapOwnKey(ws, { api_key: acmeKey, controller_host_url: fake.controllerUrl });
    expect((await callMemory('upsert', ws, { resolved_namespace: 'after', records: records(3) })).status).toBe(200);
    const res = await deleteWorkspaceMemory(ws);
    expect(res.json.deleted_namespaces).toEqual([
      { index: MAIN, namespace: 'after', records: 3 },
      { index: MAIN, namespace: 'before', records: 2 },
    ]);
    for (const project of ['acme', 'default']) expect([...fake.index(MAIN, project)!.namespaces.keys()].filter((n) => n.startsWith(`ws_${ws}/`))).toEqual([]);
  });

  it('a Pinecone secret without its key is named with the command that completes it', async () => {
    const ws = newWorkspaceId('pc');
    await mapOwnKey(ws, { controller_host_url: fake.controllerUrl });
    const res = await callMemory('query', ws, { resolved_namespace: 'own', vector: vectorOf(1, 8), top_k: 1 });
    expect([res.status, res.json.error.code]).toEqual([500, 'secret_not_configured']);
    expect(res.json.error.message).toContain(`secret ${secretRoot()}/workspaces/${ws}/pinecone is not configured`);
    expect(res.json.error.message).toContain('api_key');
  });

  it('a controller_host_url at a private address is refused before the key is sent', async () => {
    const ws = newWorkspaceId('pc');
    await mapOwnKey(ws, { api_key: acmeKey, controller_host_url: 'http://10.20.30.40:5080' });
    const before = fake.server.requests.length;
    const res = await callMemory('upsert', ws, { resolved_namespace: 'own', records: records(1) });
    expect([res.status, res.json.error.code]).toEqual([400, 'unsafe_url']);
    expect(res.json.error.message).toContain(`controller_host_url of ${secretRoot()}/workspaces/${ws}/pinecone is refused`);
    expect(fake.server.requests.length).toBe(before);
  });

  it('a key Pinecone refuses is a 502 naming the secret, never the key; a monthly quota is not retried', async () => {
    const ws = newWorkspaceId('pc');
    const revoked = newKey('pcsk-revoked');
    await mapOwnKey(ws, { api_key: revoked, controller_host_url: fake.controllerUrl });
    const res = await callMemory('upsert', ws, { resolved_namespace: 'own', records: records(1) });
    expect([res.status, res.json.error.code]).toEqual([502, 'vector_store_auth_failed']);
    expect(res.json.error.message).toContain(`${secretRoot()}/workspaces/${ws}/pinecone`);
    expect(res.text).not.toContain(revoked);

    const other = newWorkspaceId('pc');
    await callMemory('upsert', other, { resolved_namespace: 'q', records: records(1) });
    const before = fake.on('query').length;
    fake.script('query', pineconeErrors.monthlyQuota());
    const quota = await callMemory('query', other, { resolved_namespace: 'q', vector: vectorOf(1, 8), top_k: 1 });
    expect([quota.status, quota.json.error.code]).toEqual([502, 'vector_store_quota_exceeded']);
    expect(fake.on('query').length - before).toBe(1);
  });
});
