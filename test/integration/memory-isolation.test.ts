/**
 * No request reaches another workspace's vectors, through any route, on either backend: what a request
 * names is rendered under its own workspace's prefix (`ws_<id>/…`), so the attempts below land in the
 * caller's own namespaces or are refused. Offboarding removes every namespace a workspace owns, in every
 * allowed index, and nothing else.
 */
import { resetEnvironment } from '../../shared/runtime/per-environment';
import type { FakePinecone } from '../fakes/pinecone/fake-pinecone';
import { newWorkspaceId, useLocalServices } from '../support/environment';
import { callMemory, clearMemorySettings, createIndex, deleteWorkspaceMemory, memoryStats, startPinecone, useMemory, vectorOf } from '../support/memory';

const MAIN = 'iso-main';
const SECOND = 'iso-second';

describe.each(['embedded', 'pinecone'] as const)('isolation between workspaces on the %s store', (backend) => {
  let fake: FakePinecone | undefined;

  beforeAll(async () => {
    await useLocalServices();
    await useMemory({ store: backend, index: MAIN, indexes: [SECOND] });
    if (backend === 'pinecone') fake = (await startPinecone()).fake;
    for (const name of [MAIN, SECOND]) {
      const created = await createIndex({ name, dimension: 8, metric: 'cosine' });
      // The embedded store has its configured index from the first call; Pinecone's comes from the admin route.
      expect([201, 409]).toContain(created.status);
    }
  });

  afterAll(async () => {
    await fake?.close();
    clearMemorySettings();
    await resetEnvironment();
  });

  const where = { resolved_namespace: 'shared/memory' };
  const secret = { id: 'a-only', values: vectorOf(1, 8), metadata: { owner: 'a', note: 'private' } };

  async function seed(a: string): Promise<void> {
    for (const index of [MAIN, SECOND]) expect((await callMemory('upsert', a, { ...where, index, records: [secret] })).status).toBe(200);
  }

  async function intact(a: string): Promise<void> {
    for (const index of [MAIN, SECOND]) {
      const got = await callMemory('fetch', a, { ...where, index, ids: ['a-only'] });
      expect(got.json.records).toEqual([{ id: 'a-only', values: expect.any(Array), metadata: secret.metadata }]);
    }
    expect((await memoryStats(a)).json.namespaces).toEqual([{ namespace: 'shared/memory', record_count: 1 }]);
  }

  it("every route, with the other workspace's namespace names, ids and filters, reaches only the caller's own", async () => {
    const a = newWorkspaceId('alice');
    const b = newWorkspaceId('bob');
    await seed(a);
    const sentBefore = fake?.server.requests.length ?? 0;

    // upsert under the same name: B's own namespace.
    expect((await callMemory('upsert', b, { ...where, records: [{ id: 'b-own', values: vectorOf(2, 8), metadata: { owner: 'b' } }] })).json).toMatchObject({ upserted: 1, namespace: 'shared/memory' });
    // query by vector, by A's id, with A's metadata in the filter.
    const byVector = await callMemory('query', b, { ...where, vector: secret.values, top_k: 10 });
    expect(byVector.json.matches.map((m: { id: string }) => m.id)).toEqual(['b-own']);
    expect((await callMemory('query', b, { ...where, id: 'a-only', top_k: 10 })).json.matches).toEqual([]);
    expect((await callMemory('query', b, { ...where, vector: secret.values, top_k: 10, filter: { owner: 'a' } })).json.matches).toEqual([]);
    // fetch A's id.
    expect((await callMemory('fetch', b, { ...where, ids: ['a-only'] })).json).toMatchObject({ records: [], missing: ['a-only'] });
    // A's stored name, spelled out: it is a name inside B's prefix.
    for (const resolved of [`ws_${a}/shared/memory`, `${a}/shared/memory`]) {
      expect((await callMemory('fetch', b, { resolved_namespace: resolved, ids: ['a-only'] })).json.missing).toEqual(['a-only']);
      expect((await callMemory('delete', b, { resolved_namespace: resolved, all: true })).status).toBe(200);
    }
    // Templates that try to climb out, or to name A as the workspace.
    const refused: Array<[unknown, string]> = [
      [{ resolved_namespace: `../ws_${a}/shared/memory` }, 'invalid_namespace'],
      [{ resolved_namespace: `shared/../../ws_${a}` }, 'invalid_namespace'],
      [{ namespace_template: '{x}/memory', variables: { x: '..' } }, 'invalid_variable'],
      [{ namespace_template: '{x}/memory', variables: { x: `ws_${a}/shared` } }, 'invalid_variable'],
      [{ namespace_template: '{workspace_id}/memory', variables: { workspace_id: a } }, 'workspace_mismatch'],
    ];
    for (const [ref, code] of refused) {
      for (const route of ['upsert', 'query', 'fetch', 'delete'] as const) {
        const body = route === 'upsert' ? { records: [{ id: 'x', values: vectorOf(3, 8) }] } : route === 'query' ? { vector: vectorOf(3, 8), top_k: 1 } : route === 'fetch' ? { ids: ['a-only'] } : { all: true };
        const res = await callMemory(route, b, { ...(ref as object), ...body });
        expect([route, res.status, res.json.error?.code]).toEqual([route, 400, code]);
      }
    }
    // delete everything B can name: all, by A's ids, by A's metadata.
    expect((await callMemory('delete', b, { ...where, ids: ['a-only'] })).status).toBe(200);
    expect((await callMemory('delete', b, { ...where, filter: { owner: 'a' } })).status).toBe(200);
    expect((await callMemory('delete', b, { ...where, index: SECOND, all: true })).status).toBe(200);
    expect((await callMemory('delete', b, { ...where, all: true })).status).toBe(200);
    // A path that is not one workspace id.
    const path = await callMemory('fetch', `${b}/../${a}`, { ...where, ids: ['a-only'] });
    expect([path.status, path.json.error.code]).toEqual([400, 'invalid_workspace_id']);
    // stats: B sees only its own.
    expect((await memoryStats(b)).json.namespaces.map((n: { namespace: string }) => n.namespace)).not.toContain('shared/memory');
    expect(JSON.stringify((await memoryStats(b)).json)).not.toContain(a);
    // offboarding B.
    expect((await deleteWorkspaceMemory(b)).status).toBe(200);
    const madeByB = fake?.server.requests.slice(sentBefore) ?? [];

    await intact(a);
    if (fake) {
      // Every data-plane call B made named a namespace (or a listing prefix) under B's prefix.
      const named = madeByB.flatMap((r) => {
        const { query } = r;
        if (['upsert', 'query', 'delete'].includes(r.route)) return [r.body.namespace as string];
        if (r.route === 'fetch') return [query.get('namespace')!];
        if (r.route === 'list_namespaces') return [query.get('prefix')!];
        if (r.route === 'delete_namespace') return [decodeURIComponent(r.path.split('/').pop()!)];
        return [];
      });
      expect(named.length).toBeGreaterThan(10);
      expect(named.filter((n) => !n.startsWith(`ws_${b}/`))).toEqual([]);
      // And the fake holds nothing of B's outside its prefix.
      for (const index of [MAIN, SECOND]) for (const ns of fake.index(index)!.namespaces.keys()) expect(ns.startsWith(`ws_${b}/`) && ns.includes(a)).toBe(false);
    }
  });

  it('offboarding removes every namespace the workspace owns in every allowed index, and only those; a second run finds none', async () => {
    const a = newWorkspaceId('alice');
    const c = newWorkspaceId('carol');
    await seed(a);
    for (const [index, namespace] of [
      [MAIN, 'agents/one/memory'],
      [MAIN, 'agents/two/memory'],
      [SECOND, 'kb'],
    ] as const) {
      expect((await callMemory('upsert', c, { resolved_namespace: namespace, index, records: [{ id: 'c1', values: vectorOf(4, 8) }, { id: 'c2', values: vectorOf(5, 8) }] })).status).toBe(200);
    }
    const first = await deleteWorkspaceMemory(c);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      workspace_id: c,
      deleted_namespaces: [
        { index: MAIN, namespace: 'agents/one/memory', records: 2 },
        { index: MAIN, namespace: 'agents/two/memory', records: 2 },
        { index: SECOND, namespace: 'kb', records: 2 },
      ],
      deleted_records: 6,
    });
    for (const index of [MAIN, SECOND]) expect((await memoryStats(c, index)).json.namespaces).toEqual([]);
    expect((await deleteWorkspaceMemory(c)).json).toEqual({ workspace_id: c, deleted_namespaces: [], deleted_records: 0 });
    await intact(a);
  });
});
