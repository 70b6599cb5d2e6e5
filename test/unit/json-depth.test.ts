/** The nesting check every JSON body passes before JSON.parse: one pass over the bytes, strings skipped. */
import fc from 'fast-check';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, parseJsonBody } from '../../shared/http/json-body';
import * as z from 'zod/mini';

const depthOf = (value: unknown): number =>
  typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf)) : 0;

describe('jsonNestsDeeperThan', () => {
  it('agrees with the depth of the parsed value, whatever the strings contain', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, max) => {
        const bytes = Buffer.from(JSON.stringify(value));
        expect(jsonNestsDeeperThan(bytes, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('skips brackets and escaped quotes inside strings, multi-byte text included', () => {
    expect(jsonNestsDeeperThan(Buffer.from(JSON.stringify({ s: `\\"[[[[[ ☕ {{{{ "` })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(Buffer.from(`{"a":${'['.repeat(65)}${']'.repeat(65)}}`))).toBe(true);
    expect(jsonNestsDeeperThan(Buffer.from(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`))).toBe(false);
  });

  it('makes a JSON request body nested past the limit a 400 that names it', () => {
    const request = { headers: { 'content-type': 'application/json' }, rawBody: Buffer.from(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`) };
    expect(() => parseJsonBody(request as never, z.unknown())).toThrow(expect.objectContaining({ status: 400, code: 'invalid_json', message: expect.stringContaining('64 levels') }));
  });
});
