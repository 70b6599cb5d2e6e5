/** The shared HTTP stack: error bodies, 413 before work, unexpected errors hidden behind a request id. */
import { HttpError } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { invokeHttp } from '../support/http';

describe('httpHandler', () => {
  it('gives the domain function raw body bytes, lower-cased headers, params and a deadline', async () => {
    let seen: unknown;
    const handler = httpHandler(async (request) => {
      seen = { body: request.rawBody, headers: request.headers, query: request.query, deadline: request.deadline - Date.now() };
      return json(201, { ok: true });
    });
    const body = Buffer.from([0xff, 0x00, 0x7b]);
    const result = await invokeHttp(handler, {
      method: 'POST',
      rawPath: '/x',
      rawQueryString: 'a=1&a=2&b=3',
      headers: { 'X-Mixed-Case': 'v', 'content-type': 'application/octet-stream' },
      body,
    });
    expect(result.status).toBe(201);
    const s = seen as { body: Buffer; headers: Record<string, string>; query: Record<string, string>; deadline: number };
    expect(s.body.equals(body)).toBe(true);
    expect(s.headers['x-mixed-case']).toBe('v');
    expect(s.query).toEqual({ a: '1,2', b: '3' });
    expect(s.deadline).toBeGreaterThan(5000);
  });

  it('maps our errors to their status and body, and hides unexpected ones', async () => {
    const refused = await invokeHttp(
      httpHandler(async () => {
        throw new HttpError(409, 'conflict_here', 'that clashes', { details: { id: 1 }, headers: { 'retry-after': '3' } });
      }),
      { method: 'GET', rawPath: '/' },
    );
    expect(refused.status).toBe(409);
    expect(refused.headers['retry-after']).toBe('3');
    expect(refused.json).toEqual({ error: { code: 'conflict_here', message: 'that clashes', request_id: expect.any(String), details: { id: 1 } } });

    const crashed = await invokeHttp(
      httpHandler(async () => {
        throw new Error('database password is hunter2');
      }),
      { method: 'GET', rawPath: '/' },
    );
    expect(crashed.status).toBe(500);
    expect(crashed.json.error.code).toBe('internal_error');
    expect(crashed.text).not.toContain('hunter2');
  });

  it('refuses bodies over the limit with 413 before the function runs', async () => {
    let ran = false;
    const handler = httpHandler(
      async () => {
        ran = true;
        return json(200, {});
      },
      { maxBodyBytes: 1000 },
    );
    const result = await invokeHttp(handler, { method: 'POST', rawPath: '/', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1001) });
    expect(result.status).toBe(413);
    expect(result.json.error.details).toEqual({ limit_bytes: 1000, actual_bytes: 1001 });
    expect(ran).toBe(false);
    expect(() => httpHandler(async () => json(200, {}), { maxBodyBytes: -1 })).toThrow(/maxBytes/);

    // Text bodies are limited by their UTF-8 bytes, not their characters.
    const send = (body: string) => invokeHttp(handler, { method: 'POST', rawPath: '/', headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
    expect((await send('€'.repeat(333))).status).toBe(200); // 999 bytes
    expect((await send('é'.repeat(500))).status).toBe(200); // 1000 bytes
    const multibyte = await send('é'.repeat(501)); // 1002 bytes in 501 characters
    expect(multibyte.status).toBe(413);
    expect(multibyte.json.error.details).toEqual({ limit_bytes: 1000, actual_bytes: 1002 });

    // Binary bodies arrive base64-encoded: the decoded size counts, padding excluded.
    const binary = (bytes: number) => invokeHttp(handler, { method: 'POST', rawPath: '/', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(bytes, 7) });
    expect((await binary(1000)).status).toBe(200); // 1336 base64 characters, two of them padding
    expect((await binary(999)).status).toBe(200);
    const over = await binary(1001);
    expect(over.status).toBe(413);
    expect(over.json.error.details).toEqual({ limit_bytes: 1000, actual_bytes: 1001 });
  });
});

describe('validation messages', () => {
  it('say what was expected for each field', async () => {
    const { validate } = await import('../../shared/http/json-body');
    const z = await import('zod/mini');
    const schema = z.strictObject({ name: z.string().check(z.minLength(2)), count: z.number() });
    let message = '';
    try {
      validate({ name: 'x', count: 'three', extra: true }, schema);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('name: Too small: expected string to have >=2 characters');
    expect(message).toContain('count: Invalid input: expected number, received string');
    expect(message).toContain('Unrecognized key: "extra"');
  });
});
