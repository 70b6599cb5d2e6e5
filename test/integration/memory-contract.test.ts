/**
 * One contract, two backends: every memory route through its real handler, against the embedded exact
 * store under IONFLUX_HOME and against Pinecone (the fake, through the real v9 SDK). The same requests
 * must give the same answers — nearest records and scores by each metric, the metadata filter language,
 * fetch/delete/stats, namespace templates — and the same 400s. Texts are embedded through the LLM engine
 * in process (the fake OpenAI); usage events reach Kafka through the outbox.
 */
import { topics } from '../../shared/events/topics';
import { eventBus } from '../../shared/runtime/events';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import type { FakePinecone } from '../fakes/pinecone/fake-pinecone';
import { FakeOpenAi, fakeEmbedding } from '../fakes/openai/fake-openai';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { newKey, platformKey, workspaceKeys } from '../support/llm';
import { callMemory, clearMemorySettings, cosine, createIndex, memoryStats, startPinecone, useMemory, vectorOf } from '../support/memory';
import { drainOutbox } from '../support/outbox';

const INDEX = 'contract-text';
const SMALL = 'contract-small';
const DOT = 'contract-dot';
const EUCLID = 'contract-euclid';

describe.each(['embedded', 'pinecone'] as const)('memory contract on the %s store', (backend) => {
  let openai: FakeOpenAi;
  let pinecone: FakePinecone | undefined;
  const openaiKey = newKey('sk-proj-memory');

  beforeAll(async () => {
    await useLocalServices();
    await useMemory({ store: backend, index: INDEX, indexes: [SMALL, DOT, EUCLID] });
    openai = await FakeOpenAi.start({ keys: [openaiKey] });
    await platformKey('openai', openaiKey, openai.baseUrl);
    if (backend === 'pinecone') {
      pinecone = (await startPinecone()).fake;
      // In Pinecone the configured index is created by the platform (the embedded store has it from the first call).
      expect((await createIndex({ name: INDEX, embedding_model: 'text-embedding-3-small' })).status).toBe(201);
    }
    for (const [name, dimension, metric] of [
      [SMALL, 8, 'cosine'],
      [DOT, 4, 'dotproduct'],
      [EUCLID, 4, 'euclidean'],
    ] as const) {
      const created = await createIndex({ name, dimension, metric });
      expect([created.status, created.json]).toEqual([201, expect.objectContaining({ name, dimension, metric, ready: true, backend })]);
    }
  });

  afterAll(async () => {
    await Promise.all([openai?.close(), pinecone?.close()]);
    clearMemorySettings();
    await resetEnvironment();
  });

  const ns = { namespace_template: '{workspace_id}/{agent_id}/memory', variables: { agent_id: 'agent-7' } };

  it('finds the nearest records by vector and by id, scored by cosine; metadata by default, values on request', async () => {
    const ws = newWorkspaceId('mem');
    const vectors = Array.from({ length: 6 }, (_, i) => vectorOf(i + 1, 8));
    const up = await callMemory('upsert', ws, { ...ns, index: SMALL, records: vectors.map((values, i) => ({ id: `r${i + 1}`, values, metadata: { n: i + 1 } })) });
    expect([up.status, up.json]).toEqual([200, { upserted: 6, namespace: `${ws}/agent-7/memory`, index: SMALL }]);

    const target = vectors[2]!;
    const expected = vectors
      .map((v, i) => ({ id: `r${i + 1}`, score: cosine(target, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
    const byVector = await callMemory('query', ws, { ...ns, index: SMALL, vector: target, top_k: 3 });
    expect(byVector.status).toBe(200);
    expect(byVector.json.namespace).toBe(`${ws}/agent-7/memory`);
    expect(byVector.json.matches.map((m: { id: string }) => m.id)).toEqual(expected.map((e) => e.id));
    byVector.json.matches.forEach((m: { score: number; metadata: unknown; values?: unknown }, i: number) => {
      expect(m.score).toBeCloseTo(expected[i]!.score, 5);
      expect(m.metadata).toEqual({ n: Number(expected[i]!.id.slice(1)) });
      expect(m.values).toBeUndefined();
    });

    const byId = await callMemory('query', ws, { ...ns, index: SMALL, id: 'r3', top_k: 2, include_values: true, include_metadata: false });
    expect(byId.json.matches.map((m: { id: string }) => m.id)).toEqual(expected.slice(0, 2).map((e) => e.id));
    expect(byId.json.matches[0].metadata).toBeUndefined();
    byId.json.matches[0].values.forEach((x: number, i: number) => expect(x).toBeCloseTo(target[i]!, 6));

    const unknownId = await callMemory('query', ws, { ...ns, index: SMALL, id: 'nope', top_k: 2 });
    expect([unknownId.status, unknownId.json.matches]).toEqual([200, []]);
    const emptyNamespace = await callMemory('query', ws, { resolved_namespace: 'nothing/here', index: SMALL, vector: target, top_k: 2 });
    expect([emptyNamespace.status, emptyNamespace.json.matches]).toEqual([200, []]);
  });

  it('dot product ranks by magnitude too; euclidean scores are squared distances, closest first', async () => {
    const ws = newWorkspaceId('mem');
    const records = [
      { id: 'small', values: [1, 0, 0, 0] },
      { id: 'big', values: [3, 0.5, 0, 0] },
      { id: 'side', values: [0, 2.2, 0, 0] },
      { id: 'back', values: [-1, 0, 0, 0.5] },
    ];
    for (const index of [DOT, EUCLID]) expect((await callMemory('upsert', ws, { resolved_namespace: 'metric', index, records })).status).toBe(200);
    const query = [1, 0.5, 0, 0];
    const dot = await callMemory('query', ws, { resolved_namespace: 'metric', index: DOT, vector: query, top_k: 4 });
    expect(dot.json.matches.map((m: { id: string; score: number }) => [m.id, Number(m.score.toFixed(4))])).toEqual([
      ['big', 3.25],
      ['side', 1.1],
      ['small', 1],
      ['back', -1],
    ]);
    const euclid = await callMemory('query', ws, { resolved_namespace: 'metric', index: EUCLID, vector: query, top_k: 4 });
    expect(euclid.json.matches.map((m: { id: string; score: number }) => [m.id, Number(m.score.toFixed(4))])).toEqual([
      ['small', 0.25],
      ['side', 3.89],
      ['big', 4],
      ['back', 4.5],
    ]);
  });

  describe('the metadata filter language', () => {
    const ws = newWorkspaceId('mem');
    const where = { resolved_namespace: 'catalog', index: SMALL };
    const docs: Array<{ id: string; metadata: Record<string, unknown> }> = [
      { id: 'a', metadata: { genre: 'comedy', year: 2019, tags: ['funny', 'family'], draft: false } },
      { id: 'b', metadata: { genre: 'drama', year: 2021, tags: ['sad'] } },
      { id: 'c', metadata: { genre: 'comedy', year: 2023, tags: ['funny'], draft: true } },
      { id: 'd', metadata: { genre: 'documentary', year: 2020 } },
      { id: 'e', metadata: { year: 2018, rating: 4.5 } },
    ];

    beforeAll(async () => {
      const up = await callMemory('upsert', ws, { ...where, records: docs.map((d, i) => ({ ...d, values: vectorOf(100 + i, 8) })) });
      expect(up.status).toBe(200);
    });

    it.each([
      ['implicit $eq', { genre: 'comedy' }, ['a', 'c']],
      ['$eq', { genre: { $eq: 'drama' } }, ['b']],
      ['$ne (a missing field is not equal)', { genre: { $ne: 'comedy' } }, ['b', 'd', 'e']],
      ['$gt', { year: { $gt: 2020 } }, ['b', 'c']],
      ['$gte', { year: { $gte: 2020 } }, ['b', 'c', 'd']],
      ['$lt', { year: { $lt: 2019 } }, ['e']],
      ['$lte and $gte on one field', { year: { $gte: 2019, $lte: 2020 } }, ['a', 'd']],
      ['$in', { genre: { $in: ['drama', 'documentary'] } }, ['b', 'd']],
      ['$nin (a missing field is in no list)', { genre: { $nin: ['comedy'] } }, ['b', 'd', 'e']],
      ['$exists true', { draft: { $exists: true } }, ['a', 'c']],
      ['$exists false', { draft: { $exists: false } }, ['b', 'd', 'e']],
      ['boolean $eq', { draft: true }, ['c']],
      ['a list field contains', { tags: 'funny' }, ['a', 'c']],
      ['a list field, $in', { tags: { $in: ['sad', 'family'] } }, ['a', 'b']],
      ['a list field, $nin', { tags: { $nin: ['funny'] } }, ['b', 'd', 'e']],
      ['$and', { $and: [{ genre: 'comedy' }, { year: { $gt: 2020 } }] }, ['c']],
      ['$or', { $or: [{ genre: 'drama' }, { rating: { $gte: 4 } }] }, ['b', 'e']],
      ['nested $or in $and', { $and: [{ year: { $lt: 2022 } }, { $or: [{ tags: 'family' }, { genre: 'documentary' }] }] }, ['a', 'd']],
      ['several fields at once', { genre: 'comedy', draft: false }, ['a']],
    ])('%s', async (_, filter, ids) => {
      const res = await callMemory('query', ws, { ...where, vector: vectorOf(1, 8), top_k: 10, filter, include_metadata: false });
      expect(res.status).toBe(200);
      expect(res.json.matches.map((m: { id: string }) => m.id).sort()).toEqual(ids);
    });

    it.each([
      [{ genre: { $regex: 'com' } }, 'unknown operator $regex'],
      [{ $not: { genre: 'comedy' } }, 'unknown operator $not'],
      [{ year: { $gt: '2020' } }, 'takes a number'],
      [{ genre: { $in: [] } }, 'non-empty list'],
      [{ genre: ['comedy'] }, 'must be a string, number or boolean'],
      [{ $or: [] }, 'non-empty list of filters'],
      [{}, 'non-empty object'],
    ])('refuses %j', async (filter, message) => {
      const res = await callMemory('query', ws, { ...where, vector: vectorOf(1, 8), top_k: 3, filter });
      expect([res.status, res.json.error.code]).toEqual([400, 'invalid_filter']);
      expect(res.json.error.message).toContain(message);
    });
  });

  it('fetches records by id and names the missing ones; deletes by ids, by filter and all; stats count per namespace', async () => {
    const ws = newWorkspaceId('mem');
    const records = Array.from({ length: 5 }, (_, i) => ({ id: `k${i}`, values: vectorOf(200 + i, 8), metadata: { batch: i < 2 ? 'old' : 'new' } }));
    await callMemory('upsert', ws, { resolved_namespace: 'one', index: SMALL, records });
    await callMemory('upsert', ws, { resolved_namespace: 'two', index: SMALL, records: records.slice(0, 2) });

    const fetched = await callMemory('fetch', ws, { resolved_namespace: 'one', index: SMALL, ids: ['k1', 'k9', 'k3'] });
    expect(fetched.status).toBe(200);
    expect(fetched.json.records.map((r: { id: string }) => r.id)).toEqual(['k1', 'k3']);
    expect(fetched.json.missing).toEqual(['k9']);
    expect(fetched.json.records[0].metadata).toEqual({ batch: 'old' });
    fetched.json.records[1].values.forEach((x: number, i: number) => expect(x).toBeCloseTo(records[3]!.values[i]!, 6));

    const stats = async () => (await memoryStats(ws, SMALL)).json;
    expect(await stats()).toEqual({
      workspace_id: ws,
      index: SMALL,
      dimension: 8,
      metric: 'cosine',
      backend,
      namespaces: [
        { namespace: 'one', record_count: 5 },
        { namespace: 'two', record_count: 2 },
      ],
      total_record_count: 7,
    });

    expect((await callMemory('delete', ws, { resolved_namespace: 'one', index: SMALL, ids: ['k0', 'k4', 'missing'] })).json).toEqual({ deleted: 'ids', ids: 3, namespace: 'one', index: SMALL });
    expect((await callMemory('delete', ws, { resolved_namespace: 'one', index: SMALL, filter: { batch: 'new' } })).json).toMatchObject({ deleted: 'filter' });
    expect((await stats()).namespaces).toEqual([
      { namespace: 'one', record_count: 1 },
      { namespace: 'two', record_count: 2 },
    ]);
    expect((await callMemory('delete', ws, { resolved_namespace: 'two', index: SMALL, all: true })).json).toMatchObject({ deleted: 'all' });
    // Deleting from a namespace that holds nothing is not an error.
    expect((await callMemory('delete', ws, { resolved_namespace: 'two', index: SMALL, ids: ['k0'] })).status).toBe(200);
    expect((await stats()).namespaces).toEqual([{ namespace: 'one', record_count: 1 }]);
    expect((await stats()).total_record_count).toBe(1);

    const both = await callMemory('delete', ws, { resolved_namespace: 'one', index: SMALL, ids: ['k1'], all: true });
    expect([both.status, both.json.error.code]).toEqual([400, 'invalid_delete']);
  });

  it('a template and its resolved namespace are the same namespace; placeholders must all be given, none empty', async () => {
    const ws = newWorkspaceId('mem');
    await callMemory('upsert', ws, { namespace_template: 'agents/{agent_id}/users/{user_id}', variables: { agent_id: 'sentinel', user_id: 42 }, index: SMALL, records: [{ id: 'x', values: vectorOf(9, 8) }] });
    const viaResolved = await callMemory('fetch', ws, { resolved_namespace: 'agents/sentinel/users/42', index: SMALL, ids: ['x'] });
    expect(viaResolved.json.records.map((r: { id: string }) => r.id)).toEqual(['x']);

    const cases: Array<[unknown, string, string]> = [
      [{ namespace_template: '{agent_id}/{run_id}', variables: { agent_id: 'a' } }, 'unknown_placeholder', 'uses {run_id}, which variables does not give'],
      [{ namespace_template: '{agent_id}/m', variables: { agent_id: '' } }, 'empty_variable', 'variables.agent_id is empty'],
      [{ namespace_template: '{agent_id}/m', variables: { agent_id: '../other' } }, 'invalid_variable', 'no "/"'],
      [{ namespace_template: 'a/{agent_id', variables: { agent_id: 'x' } }, 'invalid_namespace_template', 'unbalanced'],
      [{ resolved_namespace: 'a//b' }, 'invalid_namespace', 'empty, "." or ".." level'],
      [{ resolved_namespace: 'a/{x}' }, 'invalid_namespace', 'still has placeholders'],
      [{ namespace_template: 'a', resolved_namespace: 'a' }, 'invalid_namespace', 'exactly one'],
      [{ namespace_template: '{workspace_id}/m', variables: { workspace_id: 'someone_else' } }, 'workspace_mismatch', 'is not this route'],
      [{ resolved_namespace: 'x'.repeat(505) }, 'invalid_namespace', 'fit under this workspace'],
    ];
    for (const [ref, code, message] of cases) {
      const res = await callMemory('query', ws, { ...(ref as object), index: SMALL, vector: vectorOf(1, 8), top_k: 1 });
      expect([res.status, res.json.error.code]).toEqual([400, code]);
      expect(res.json.error.message).toContain(message);
    }
  });

  it('texts are embedded through the LLM engine in process; a query by text finds them', async () => {
    const ws = newWorkspaceId('mem');
    const before = openai.on('embeddings').length;
    const texts = ['the customer asked for a refund', 'order 1042 shipped on Monday', 'prefers email over phone'];
    const up = await callMemory('upsert', ws, { ...ns, records: texts.map((text, i) => ({ id: `t${i}`, text, metadata: { text } })) });
    expect([up.status, up.json]).toEqual([200, { upserted: 3, namespace: `${ws}/agent-7/memory`, index: INDEX, embedded: { model: 'text-embedding-3-small', texts: 3, input_tokens: 15 } }]);
    expect(openai.on('embeddings').length).toBe(before + 1);
    expect(openai.keysUsed('embeddings').at(-1)).toBe(openaiKey);

    const q = await callMemory('query', ws, { ...ns, text: 'order 1042 shipped on Monday', top_k: 2 });
    expect(q.status).toBe(200);
    expect(q.json.matches[0]).toMatchObject({ id: 't1', metadata: { text: texts[1] } });
    expect(q.json.matches[0].score).toBeCloseTo(1, 5);
    const expectedSecond = [0, 2].map((i) => ({ id: `t${i}`, s: cosine(fakeEmbedding(texts[1]!, 1536), fakeEmbedding(texts[i]!, 1536)) })).sort((a, b) => b.s - a.s)[0]!;
    expect(q.json.matches[1].id).toBe(expectedSecond.id);
    expect(q.json.matches[1].score).toBeCloseTo(expectedSecond.s, 4);

    // A mixed upsert: vectors as given, texts embedded.
    const mixed = await callMemory('upsert', ws, { ...ns, records: [{ id: 'v', values: fakeEmbedding('x', 1536) }, { id: 't9', text: 'x' }] });
    expect(mixed.json).toMatchObject({ upserted: 2, embedded: { texts: 1 } });

    // A workspace that maps its own OpenAI key pays for its own embeddings (the LLM service's SecretResolver).
    const own = newWorkspaceId('mem');
    const ownKey = newKey('sk-proj-own');
    openai.keys.add(ownKey);
    await workspaceKeys(own, { openai: { key: ownKey, baseUrl: openai.baseUrl } });
    expect((await callMemory('upsert', own, { ...ns, records: [{ id: 'o', text: 'mine' }] })).status).toBe(200);
    expect(openai.keysUsed('embeddings').at(-1)).toBe(ownKey);
  });

  it('dimension mismatches are 400s naming both numbers, before anything is embedded or written', async () => {
    const ws = newWorkspaceId('mem');
    const embeddingsBefore = openai.on('embeddings').length;
    const wrong = await callMemory('upsert', ws, { resolved_namespace: 'dims', index: SMALL, records: [{ id: 'ok', values: vectorOf(1, 8) }, { id: 'big', values: fakeEmbedding('x', 1536) }] });
    expect([wrong.status, wrong.json.error.code]).toEqual([400, 'dimension_mismatch']);
    expect(wrong.json.error.message).toBe(`records[1].values has 1536 dimensions; index ${SMALL} has 8`);
    expect(wrong.json.error.details).toEqual({ index: SMALL, index_dimension: 8, dimension: 1536 });

    const text = await callMemory('upsert', ws, { resolved_namespace: 'dims', index: SMALL, records: [{ id: 't', text: 'hello' }] });
    expect([text.status, text.json.error.code]).toEqual([400, 'dimension_mismatch']);
    expect(text.json.error.message).toBe(`embedding model text-embedding-3-small makes 1536 dimensions; index ${SMALL} has 8`);
    expect(openai.on('embeddings').length).toBe(embeddingsBefore);

    const query = await callMemory('query', ws, { resolved_namespace: 'dims', index: SMALL, vector: [1, 2, 3], top_k: 1 });
    expect(query.json.error).toMatchObject({ code: 'dimension_mismatch', message: `vector has 3 dimensions; index ${SMALL} has 8` });
    expect((await memoryStats(ws, SMALL)).json.namespaces).toEqual([]);
  });

  it('bad records, limits and indexes are named: nothing is written', async () => {
    const ws = newWorkspaceId('mem');
    const where = { resolved_namespace: 'limits', index: SMALL };
    const v = vectorOf(3, 8);
    const cases: Array<[unknown, number, string, string]> = [
      [{ ...where, records: [{ id: 'a', values: v, metadata: { note: null } }] }, 400, 'invalid_records', 'records[0].metadata.note: null is not a metadata value'],
      [{ ...where, records: [{ id: 'a', values: v, metadata: { nested: { x: 1 } } }] }, 400, 'invalid_records', 'must be a string, number, boolean or list of strings'],
      [{ ...where, records: [{ id: 'a', values: v, metadata: { tags: ['x', 2] } }] }, 400, 'invalid_records', 'a list must hold strings only'],
      [{ ...where, records: [{ id: 'a', values: v, metadata: { blob: 'x'.repeat(41_000) } }] }, 400, 'invalid_records', 'the limit is 40960 (40 KB) per record'],
      [{ ...where, records: [{ id: 'x'.repeat(513), values: v }] }, 400, 'invalid_records', 'longer than 512 bytes'],
      [{ ...where, records: [{ id: 'a', values: v }, { id: 'a', values: v }] }, 400, 'invalid_records', 'appears more than once'],
      [{ ...where, records: [{ id: 'a', values: v, text: 'both' }] }, 400, 'invalid_records', 'exactly one'],
      [{ ...where, records: [{ id: 'a', values: [0, 0, 0, 0, 0, 0, 0, 0] }] }, 400, 'invalid_records', 'all-zero vector'],
      [{ ...where, records: [{ id: 'a', values: [1, 2, 3, 4, 5, 6, 7, 'x'] }] }, 400, 'invalid_records', 'records[0].values[7]: must be a finite number'],
      [{ ...where, records: [] }, 400, 'invalid_body', 'records'],
      [{ resolved_namespace: 'limits', index: 'not-allowed', records: [{ id: 'a', values: v }] }, 400, 'index_not_allowed', 'allowed:'],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await callMemory('upsert', ws, body);
      expect([res.status, res.json.error.code]).toEqual([status, code]);
      expect(res.json.error.message).toContain(message);
    }
    const topK = await callMemory('query', ws, { ...where, vector: v, top_k: 1001 });
    expect([topK.status, topK.json.error.code]).toEqual([400, 'top_k_too_large']);
    const bareTopK = await callMemory('query', ws, { ...where, vector: v, top_k: 5000, include_metadata: false });
    expect(bareTopK.status).toBe(200);
    const tooMany = await callMemory('fetch', ws, { ...where, ids: Array.from({ length: 1001 }, (_, i) => `i${i}`) });
    expect([tooMany.status, tooMany.json.error.code]).toEqual([400, 'invalid_body']);
    expect((await memoryStats(ws, SMALL)).json.namespaces).toEqual([]);
  });

  it('one vector.usage.recorded event per call on ionflux.platform.vector_usage, through the outbox', async () => {
    const startedAt = Date.now() - 1000;
    const ws = newWorkspaceId('mem');
    const records = [1, 2, 3].map((i) => ({ id: `u${i}`, values: vectorOf(i, 8) }));
    await callMemory('upsert', ws, { ...ns, index: SMALL, records });
    await callMemory('query', ws, { ...ns, index: SMALL, vector: records[0]!.values, top_k: 2 });
    await callMemory('upsert', ws, { ...ns, records: [{ id: 'txt', text: 'remember this' }] });
    await callMemory('fetch', ws, { ...ns, index: SMALL, ids: ['u1', 'nope'] });
    await callMemory('delete', ws, { ...ns, index: SMALL, ids: ['u1'] });
    await memoryStats(ws, SMALL);
    // Refused before the backend: no event.
    await callMemory('upsert', ws, { ...ns, index: SMALL, records: [{ id: 'bad', values: [1] }] });

    await drainOutbox();
    const events = (await eventBus().readAll(topics.platform('vector_usage'), { since: startedAt })).map((r) => ({ key: r.key, event: JSON.parse(r.value) })).filter((e) => e.event.workspace_id === ws);
    expect(events.map((e) => e.key)).toEqual(Array(6).fill(ws));
    const payloads = events.map((e) => e.event.payload_json);
    for (const e of events) expect(e.event).toMatchObject({ event_type: 'vector.usage.recorded', workspace_id: ws });
    const pinecone = backend === 'pinecone';
    expect(payloads.map((p) => [p.operation, p.index, p.namespace, p.records, p.requests, p.status, p.backend])).toEqual([
      ['upsert', SMALL, `${ws}/agent-7/memory`, 3, 1, 'success', backend],
      ['query', SMALL, `${ws}/agent-7/memory`, 2, 1, 'success', backend],
      ['upsert', INDEX, `${ws}/agent-7/memory`, 1, 1, 'success', backend],
      ['fetch', SMALL, `${ws}/agent-7/memory`, 1, 1, 'success', backend],
      ['delete', SMALL, `${ws}/agent-7/memory`, 1, 1, 'success', backend],
      ['stats', SMALL, null, 1, 1, 'success', backend],
    ]);
    // Pinecone reports read units for query and fetch (rounded up); the embedded store reports none.
    expect(payloads.map((p) => p.read_units)).toEqual(pinecone ? [null, 1, null, 1, null, null] : Array(6).fill(null));
    expect(payloads.every((p) => p.write_units === null)).toBe(true);
    expect(payloads[2].embedding).toEqual({ model: 'text-embedding-3-small', texts: 1, input_tokens: 2 });
    expect(payloads[0].embedding).toBeNull();
    // The embedding's own LLM usage event names memory as its source.
    const llm = (await eventBus().readAll(topics.platform('llm_usage'), { since: startedAt })).map((r) => JSON.parse(r.value)).filter((e) => e.workspace_id === ws);
    expect(llm.map((e) => [e.payload_json.task_type, e.payload_json.metadata])).toEqual([['embedding', { source: 'memory', operation: 'upsert', index: INDEX, namespace: `${ws}/agent-7/memory` }]]);
  });
});
