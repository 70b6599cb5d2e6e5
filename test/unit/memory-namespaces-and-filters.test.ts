/**
 * Namespaces are under the workspace's prefix whatever a request sends (property), and the filter
 * language means the same in the embedded store as in the fake Pinecone (written apart, from Pinecone's
 * documentation): same verdict on validity, same answer on every record (property).
 */
import fc from 'fast-check';
import { compileFilter } from '../../shared/memory/filter';
import type { Metadata } from '../../shared/memory/metadata';
import { metadataProblems } from '../../shared/memory/metadata';
import { namespaceFromStored, renderTemplate, workspaceNamespace, workspacePrefix } from '../../shared/memory/namespaces';
import { filterTest } from '../fakes/pinecone/fake-pinecone';

describe('namespaces', () => {
  it('renders templates with variables and the path workspace', () => {
    expect(workspaceNamespace('acme', { namespace_template: '{workspace_id}/{agent_id}/memory', variables: { agent_id: 'sentinel-2' } })).toMatchObject({
      workspaceId: 'acme',
      relative: 'acme/sentinel-2/memory',
      stored: 'ws_acme/acme/sentinel-2/memory',
    });
    expect(workspaceNamespace('acme', { resolved_namespace: 'kb/faq' }).stored).toBe('ws_acme/kb/faq');
    expect(renderTemplate('u/{user_id}', { user_id: 42 }, 'acme')).toBe('u/42');
  });

  it('whatever a request sends, the stored namespace is under its own workspace prefix, or the request is refused', () => {
    const piece = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('..', '.', '/', '{x}', '{workspace_id}', 'ws_other', '%2F', ''));
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 6 }).map((parts) => parts.join('')),
        fc.dictionary(fc.constantFrom('x', 'agent_id', 'workspace_id', 'Bad-Name'), fc.oneof(piece, fc.integer()), { maxKeys: 3 }),
        fc.boolean(),
        (text, variables, asTemplate) => {
          let ns;
          try {
            ns = workspaceNamespace('ws-1', asTemplate ? { namespace_template: text, variables } : { resolved_namespace: text });
          } catch (error) {
            expect((error as { status: number }).status).toBe(400);
            return;
          }
          expect(ns.stored.startsWith('ws_ws-1/')).toBe(true);
          expect(ns.stored).toBe(`ws_ws-1/${ns.relative}`);
          expect(ns.stored.split('/').slice(1).every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
          expect(ns.stored.length).toBeLessThanOrEqual(512);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a listed name outside the prefix is never taken for one of the workspace', () => {
    const prefix = workspacePrefix('a');
    expect(namespaceFromStored(prefix, 'ws_a/kb')?.relative).toBe('kb');
    expect(namespaceFromStored(prefix, 'ws_ab/kb')).toBeUndefined();
    expect(namespaceFromStored(prefix, 'ws_a/')).toBeUndefined();
    expect(namespaceFromStored(prefix, 'ws_b/ws_a/kb')).toBeUndefined();
  });
});

describe('metadata', () => {
  it('takes what Pinecone takes and names what it does not', () => {
    expect(metadataProblems({ s: 'x', n: 1.5, b: false, l: ['a', 'b'] }, 'm')).toEqual([]);
    expect(metadataProblems({ n: null, o: { a: 1 }, l: [1], i: Infinity, $x: 1 }, 'm')).toEqual([
      'm.n: null is not a metadata value (omit the key instead)',
      'm.o: must be a string, number, boolean or list of strings (got an object)',
      'm.l: a list must hold strings only',
      'm.i: must be a finite number',
      'm: "$x" is not a metadata field name (non-empty, not starting with "$")',
    ]);
  });
});

describe('the filter language: embedded and fake Pinecone agree', () => {
  const fields = ['genre', 'year', 'tags', 'flag'];
  const scalar = fc.oneof(fc.constantFrom('comedy', 'drama', 'x'), fc.integer({ min: 2015, max: 2025 }), fc.boolean());
  const metadata: fc.Arbitrary<Metadata> = fc.record(
    { genre: fc.constantFrom('comedy', 'drama', 'x'), year: fc.integer({ min: 2015, max: 2025 }), tags: fc.array(fc.constantFrom('comedy', 'drama', 'a'), { maxLength: 3 }), flag: fc.boolean() },
    { requiredKeys: [] },
  );
  const operand = fc.oneof(scalar, fc.array(fc.oneof(fc.constantFrom('comedy', 'a'), fc.integer({ min: 2015, max: 2025 })), { maxLength: 3 }), fc.constant(null), fc.constant({}));
  const op = fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$regex');
  const { filter } = fc.letrec((tie) => ({
    clause: fc.oneof(
      fc.record({ f: fc.constantFrom(...fields), v: scalar }).map(({ f, v }) => ({ [f]: v })),
      fc.record({ f: fc.constantFrom(...fields), o: op, v: operand }).map(({ f, o, v }) => ({ [f]: { [o]: v } })),
    ),
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('clause'),
      fc.record({ k: fc.constantFrom('$and', '$or'), v: fc.array(tie('filter'), { maxLength: 3 }) }).map(({ k, v }) => ({ [k]: v })),
      fc.tuple(tie('clause'), tie('clause')).map(([a, b]) => ({ ...(a as object), ...(b as object) })),
    ),
  }));

  it('same validity, same verdict on every record', () => {
    fc.assert(
      fc.property(filter, fc.array(metadata, { minLength: 1, maxLength: 8 }), (f, records) => {
        let ours: ((m: Metadata | undefined) => boolean) | undefined;
        let theirs: ((m: Metadata | undefined) => boolean) | undefined;
        try {
          ours = compileFilter(f);
        } catch {
          /* refused */
        }
        try {
          theirs = filterTest(f);
        } catch {
          /* refused */
        }
        expect(ours === undefined).toBe(theirs === undefined);
        if (ours && theirs) for (const m of records) expect(ours(m)).toBe(theirs(m));
      }),
      { numRuns: 3000 },
    );
  });
});
