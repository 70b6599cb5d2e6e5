/**
 * The SSRF guard as it runs in Lambda (localMode false): https only, every resolved address public
 * (private, loopback, link-local/metadata, CGNAT, reserved, IPv4-mapped IPv6 — property-tested over
 * whole ranges), with DNS answers injected; the fetch the provider SDKs use for a workspace's base URL
 * (addresses checked when each connection opens, no redirects, every body kind); and recognising media
 * formats from their bytes.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { modelCatalog } from '../../shared/llm/catalog';
import type { LlmRequests } from '../../shared/llm/contract';
import { Cooldowns } from '../../shared/llm/cooldown';
import { InputError, type LlmCallFailedError } from '../../shared/llm/errors';
import { mediaFetcher } from '../../shared/llm/inputs';
import { recogniseAudio, recogniseImage } from '../../shared/llm/media-types';
import { baseUrlGuard, guardedFetch, isLoopbackAddress, isPublicAddress, type Lookup, vetUrl } from '../../shared/llm/network-guard';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { defaultRetryPolicy } from '../../shared/llm/retry-policy';
import { type CredentialSource, LlmService } from '../../shared/llm/service';

const lookupOf = (table: Record<string, string[]>): Lookup => async (host) => {
  const addresses = table[host];
  if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const dns = lookupOf({
  'api.example.com': ['93.184.216.34'],
  'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
  'cgnat.example.com': ['100.64.1.1'],
  'ula.example.com': ['fd00:ec2::254'],
  'mapped.example.com': ['::ffff:192.168.0.1'],
  localhost: ['127.0.0.1', '::1'],
});

async function refusal(url: string, localMode = false): Promise<InputError> {
  try {
    await vetUrl(url, { localMode, lookup: dns, what: 'url' });
  } catch (error) {
    return error as InputError;
  }
  throw new Error(`${url} was accepted`);
}

describe('addresses', () => {
  it.each([
    ['93.184.216.34', true],
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['10.0.0.1', false],
    ['172.16.5.4', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:a00:1', false],
    ['::ffff:8.8.8.8', true],
    // IPv4-compatible and IPv4-translated spellings of private addresses (the URL parser writes ::a9fe:a9fe).
    ['::169.254.169.254', false],
    ['::a9fe:a9fe', false],
    ['::7f00:1', false],
    ['::8.8.8.8', false],
    ['::ffff:0:169.254.169.254', false],
    ['::ffff:0:a9fe:a9fe', false],
    ['64:ff9b::a00:1', false],
    ['2001:db8::1', false],
    ['not-an-ip', false],
  ])('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('no address inside a private or reserved IPv4 range is public, in dotted or IPv4-mapped IPv6 form', () => {
    const ranges: Array<[number, number]> = [
      [0x0a000000, 8],
      [0xac100000, 12],
      [0xc0a80000, 16],
      [0x7f000000, 8],
      [0xa9fe0000, 16],
      [0x64400000, 10],
      [0xe0000000, 4],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...ranges), fc.integer({ min: 0, max: 2 ** 32 - 1 }), ([base, bits], noise) => {
        const value = (base | (noise & (2 ** (32 - bits) - 1))) >>> 0;
        const dotted = [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.');
        expect(isPublicAddress(dotted)).toBe(false);
        expect(isPublicAddress(`::ffff:${dotted}`)).toBe(false);
      }),
    );
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
  });
});

describe('URLs (Lambda rules: localMode off)', () => {
  it('accepts https to public addresses, and IP literals that are public', async () => {
    await expect(vetUrl('https://api.example.com/v1', { localMode: false, lookup: dns, what: 'u' })).resolves.toMatchObject({ address: '93.184.216.34', family: 4 });
    await expect(vetUrl('https://v6.example.com/x', { localMode: false, lookup: dns, what: 'u' })).resolves.toMatchObject({ family: 6 });
    await expect(vetUrl('https://8.8.8.8/x', { localMode: false, lookup: dns, what: 'u' })).resolves.toMatchObject({ address: '8.8.8.8' });
  });

  it.each([
    ['http://api.example.com/a.wav', 'only https URLs are fetched'],
    ['https://127.0.0.1/a.wav', 'resolves to a private or reserved address'],
    ['https://localhost:8443/a.wav', 'resolves to a private or reserved address'],
    ['https://[::1]/a.wav', 'resolves to a private or reserved address'],
    ['https://metadata.example.com/latest', 'resolves to a private or reserved address'],
    ['https://mixed.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://cgnat.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://ula.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://mapped.example.com/a.png', 'resolves to a private or reserved address'],
    ['https://[::ffff:10.0.0.1]/a.png', 'resolves to a private or reserved address'],
    ['https://[::169.254.169.254]/latest/meta-data', 'resolves to a private or reserved address'],
    ['https://[::ffff:0:169.254.169.254]/', 'resolves to a private or reserved address'],
    ['https://user:pass@api.example.com/a.png', 'URLs with credentials are not fetched'],
    ['gopher://api.example.com/', 'only https URLs are fetched'],
  ])('refuses %s', async (url, why) => {
    const error = await refusal(url);
    expect(error).toBeInstanceOf(InputError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('unsafe_url');
    expect(error.message).toContain(why);
  });

  it('an unknown host is a 422, not a crash', async () => {
    const error = await refusal('https://nowhere.example.com/x');
    expect(error).toMatchObject({ status: 422, code: 'input_fetch_failed' });
  });

  it('local mode allows loopback (http too), and nothing else private', async () => {
    await expect(vetUrl('http://localhost:9000/a', { localMode: true, lookup: dns, what: 'u' })).resolves.toBeDefined();
    await expect(vetUrl('https://127.0.0.1/a', { localMode: true, lookup: dns, what: 'u' })).resolves.toBeDefined();
    expect((await refusal('http://mixed.example.com/a', true)).message).toContain('http is allowed to loopback only');
    expect((await refusal('https://metadata.example.com/a', true)).message).toContain('private or reserved');
  });

  it('the fetcher applies the same rules before connecting', async () => {
    const fetch = mediaFetcher({ localMode: false, timeoutMs: 1000, lookup: dns });
    await expect(fetch('http://127.0.0.1:1/a.wav', { kind: 'audio', field: 'audio_input_url', maxBytes: 100 }, Date.now() + 5000)).rejects.toMatchObject({
      code: 'unsafe_url',
      message: 'audio_input_url is refused: only https URLs are fetched',
    });
  });

  it('workspace base URLs are checked once per URL and TTL', async () => {
    let lookups = 0;
    let now = 0;
    const counting: Lookup = async (host) => {
      lookups++;
      return dns(host);
    };
    const guard = baseUrlGuard({ localMode: false, lookup: counting, ttlMs: 1000, clock: () => now });
    await guard('https://api.example.com/v1', 'base_url');
    await guard('https://api.example.com/v1', 'base_url');
    expect(lookups).toBe(1);
    now += 1001;
    await guard('https://api.example.com/v1', 'base_url');
    expect(lookups).toBe(2);
    await expect(guard('https://metadata.example.com/v1', 'base_url of x')).rejects.toThrow('base_url of x is refused');
  });
});

/** A TCP listener on 127.0.0.1 that counts connections (and drops them): did anything get through? */
async function tcpCounter(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTP server on 127.0.0.1 recording each request and answering as told. */
async function httpServer(answer: (req: Received, res: http.ServerResponse) => void) {
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const r = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
    received.push(r);
    answer(r, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    url: (path: string, host = '127.0.0.1') => `http://${host}:${port}${path}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const refusedWith = async (promise: Promise<unknown>): Promise<InputError> => {
  try {
    await promise;
  } catch (error) {
    return error as InputError;
  }
  throw new Error('the request was not refused');
};

/**
 * A text-generation call through the service (real OpenAI SDK) with a workspace key whose base_url is
 * `baseUrl`, behind the guard configured by `guard`; the call is expected to fail, its error is returned.
 */
async function failedCall(baseUrl: string, guard: { localMode: boolean; lookup?: Lookup; maxResponseBytes?: number }): Promise<LlmCallFailedError> {
  const fields: Record<string, string> = { api_key: 'sk-ws-guarded', base_url: baseUrl };
  const secrets: CredentialSource = {
    resolve: async () => ({ source: 'workspace', secretName: 'root/workspaces/acme/openai', get: (f) => fields[f], require: (f) => fields[f]!, fields: () => fields }),
    invalidate: () => undefined,
  };
  const lookup = guard.lookup ? { lookup: guard.lookup } : {};
  const service = new LlmService({
    catalog: modelCatalog(),
    providers: [openaiProvider],
    secrets,
    publisher: { publish: async () => undefined },
    cooldowns: new Cooldowns(),
    fetchMedia: mediaFetcher({ localMode: guard.localMode, timeoutMs: 1000, ...lookup }),
    vetBaseUrl: baseUrlGuard({ localMode: guard.localMode, ...lookup }),
    workspaceFetch: guardedFetch({ localMode: guard.localMode, ...lookup, what: 'the workspace base_url', ...(guard.maxResponseBytes ? { maxResponseBytes: guard.maxResponseBytes } : {}) }),
    policy: { ...defaultRetryPolicy, maxRetries: 0 },
    source: 'test',
  });
  const request = { workspace_id: 'acme', model: 'gpt-4o', prompt: 'hi' } as LlmRequests['text_generation'];
  return (await refusedWith(service.run('text_generation', request, { requestId: 'r-guarded', deadline: Date.now() + 10_000 }))) as unknown as LlmCallFailedError;
}

describe('guardedFetch: what the provider SDKs use for a workspace base_url', () => {
  it('checks the addresses when the connection opens (injected resolver): a host that now resolves to a private address is not connected to', async () => {
    const target = await tcpCounter();
    try {
      const lookup: Lookup = async () => [{ address: '127.0.0.1', family: 4 }];
      const lambda = guardedFetch({ localMode: false, lookup, what: 'the workspace base_url' });
      const refused = await refusedWith(lambda(`https://llm.example.com:${target.port}/v1/chat/completions`, { method: 'POST', body: '{}' }));
      expect(refused).toBeInstanceOf(InputError);
      expect(refused).toMatchObject({ code: 'unsafe_url', message: 'the workspace base_url is refused: its host resolves to a private or reserved address' });
      // IP literals are never looked up: checked before connecting.
      expect((await refusedWith(lambda(`https://127.0.0.1:${target.port}/v1`))).code).toBe('unsafe_url');
      expect((await refusedWith(lambda(`https://[::ffff:127.0.0.1]:${target.port}/v1`))).code).toBe('unsafe_url');
      // A mixed answer is refused as a whole.
      const mixed = guardedFetch({ localMode: false, lookup: async () => [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }], what: 'u' });
      expect((await refusedWith(mixed(`https://llm.example.com:${target.port}/v1`))).code).toBe('unsafe_url');
      expect(target.connections()).toBe(0);

      // The same resolver in local mode (loopback allowed): the connection is made — it was the check that stopped it.
      const local = guardedFetch({ localMode: true, lookup, what: 'u' });
      await expect(local(`https://llm.example.com:${target.port}/v1`)).rejects.toThrow();
      expect(target.connections()).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('a DNS answer that flips after the base_url was vetted does not reach the private address (real OpenAI SDK through the service)', async () => {
    const target = await tcpCounter();
    try {
      // First answer (the early check) public, every later one private. "localhost" so that a client
      // resolving by itself (the SDK's own fetch) would reach the listener.
      let answers = 0;
      const flipping: Lookup = async () => (answers++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
      const failed = await failedCall(`https://localhost:${target.port}/v1`, { localMode: false, lookup: flipping });
      expect(target.connections()).toBe(0);
      expect(failed.attempts).toMatchObject([
        { provider: 'openai', outcome: 'error', error_code: 'unsafe_url', retryable: false, key_source: 'workspace', message: 'the workspace base_url is refused: its host resolves to a private or reserved address' },
      ]);
      expect(answers).toBe(2);
    } finally {
      await target.close();
    }
  });

  it('never follows a redirect (even to an address it would allow)', async () => {
    const inside = await httpServer((_r, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":"from inside"}'));
    const outside = await httpServer((_r, res) => res.writeHead(307, { location: inside.url('/latest/meta-data') }).end());
    try {
      const local = guardedFetch({ localMode: true, what: 'the workspace base_url' });
      for (const method of ['GET', 'POST']) {
        const refused = await refusedWith(local(outside.url('/v1/chat/completions'), { method, ...(method === 'POST' ? { body: '{"prompt":"x"}' } : {}) }));
        expect(refused).toMatchObject({ code: 'unsafe_url', message: 'the workspace base_url is refused: its server answered 307 (a redirect); redirects are not followed' });
      }
      expect(outside.received).toHaveLength(2);
      expect(inside.received).toHaveLength(0);
    } finally {
      await Promise.all([inside.close(), outside.close()]);
    }
  });

  it('sends every body fetch accepts (JSON, multipart FormData, URLSearchParams, bytes, a stream) and answers a Web Response (gzip decoded, headers, empty bodies)', async () => {
    const server = await httpServer((r, res) => {
      if (r.path === '/gzip') return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-request-id': 'req_1' }).end(zlib.gzipSync('{"ok":true}'));
      if (r.path === '/empty') return void res.writeHead(204).end();
      res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end(JSON.stringify({ got: r.body.toString('base64') }));
    });
    try {
      const local = guardedFetch({ localMode: true, what: 'u' });
      const sent = () => server.received.at(-1)!;

      const json = await local(server.url('/json', 'localhost'), { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: '{"a":1}' });
      expect(json.status).toBe(201);
      expect(json.headers.get('set-cookie')).toBe('a=1, b=2');
      expect(Buffer.from(((await json.json()) as { got: string }).got, 'base64').toString()).toBe('{"a":1}');
      expect(sent().headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer k', 'content-length': '7' });

      const form = new FormData();
      const audio = Buffer.from('RIFF....WAVEfmt audio bytes');
      form.append('model', 'whisper-1');
      form.append('file', new File([audio], 'input.wav', { type: 'audio/wav' }));
      await (await local(server.url('/multipart'), { method: 'POST', body: form })).arrayBuffer();
      const parsed = await new Request('http://x/', { method: 'POST', headers: { 'content-type': String(sent().headers['content-type']) }, body: sent().body }).formData();
      expect(parsed.get('model')).toBe('whisper-1');
      expect(Buffer.from(await (parsed.get('file') as File).arrayBuffer()).equals(audio)).toBe(true);
      expect(Number(sent().headers['content-length'])).toBe(sent().body.length);

      await (await local(server.url('/form'), { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) })).arrayBuffer();
      expect(sent().body.toString()).toBe('a=1&b=x+y');
      expect(sent().headers['content-type']).toContain('application/x-www-form-urlencoded');

      await (await local(server.url('/bytes'), { method: 'PUT', body: new Uint8Array([1, 2, 3]) })).arrayBuffer();
      expect(sent()).toMatchObject({ method: 'PUT', body: Buffer.from([1, 2, 3]) });

      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('one,'));
          controller.enqueue(new TextEncoder().encode('two'));
          controller.close();
        },
      });
      await (await local(server.url('/stream'), { method: 'POST', body: stream, duplex: 'half' } as RequestInit)).arrayBuffer();
      expect(sent().body.toString()).toBe('one,two');

      const gzip = await local(new URL(server.url('/gzip')));
      expect(await gzip.json()).toEqual({ ok: true });
      expect(gzip.headers.get('x-request-id')).toBe('req_1');
      expect(gzip.headers.get('content-encoding')).toBeNull();

      const empty = await local(server.url('/empty'), { method: 'DELETE' });
      expect(empty.status).toBe(204);
      expect(empty.body).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('an aborted request rejects with an AbortError (what the SDKs read as their timeout), also while the body is read', async () => {
    const server = await httpServer((r, res) => {
      if (r.path === '/half') res.writeHead(200, { 'content-type': 'application/json' }).write('{"partial":');
    });
    try {
      const local = guardedFetch({ localMode: true, what: 'u' });
      const controller = new AbortController();
      const pending = local(server.url('/slow'), { method: 'POST', body: '{}', signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      await expect(local(server.url('/slow'), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      const reading = new AbortController();
      const half = await local(server.url('/half'), { signal: reading.signal });
      setTimeout(() => reading.abort(), 50);
      await expect(half.text()).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await server.close();
    }
  });
});

describe('guardedFetch: a workspace server cannot exhaust the function\'s memory', () => {
  const LIMIT = 256 * 1024;
  const big = Buffer.alloc(LIMIT + 1, 0x61);

  it('refuses a body over the limit: declared, streamed without a length, or inflating from a small gzip', async () => {
    // 64 MB of zeros gzip to about 64 KB: decoded, it is 256 times the limit.
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const server = await httpServer((r, res) => {
      if (r.path === '/declared') return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big);
      if (r.path === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < big.length; i += 16 * 1024) res.write(big.subarray(i, i + 16 * 1024));
        return void res.end();
      }
      if (r.path === '/bomb') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
        for (let i = 0; i < bomb.length; i += 1024) res.write(bomb.subarray(i, i + 1024));
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync(Buffer.alloc(LIMIT, 0x62)));
    });
    try {
      const capped = guardedFetch({ localMode: true, what: 'the workspace base_url', maxResponseBytes: LIMIT });
      await expect(capped(server.url('/declared'))).rejects.toMatchObject({ name: 'ResponseSizeExceeded', message: expect.stringContaining(`larger than ${LIMIT} bytes`) });
      await expect((await capped(server.url('/chunked'))).arrayBuffer()).rejects.toMatchObject({ name: 'ResponseSizeExceeded' });
      const before = process.memoryUsage().arrayBuffers;
      await expect((await capped(server.url('/bomb'))).arrayBuffer()).rejects.toMatchObject({ name: 'ResponseSizeExceeded' });
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
      // Exactly at the limit, decoded: accepted.
      expect((await (await capped(server.url('/at-limit'))).arrayBuffer()).byteLength).toBe(LIMIT);
    } finally {
      await server.close();
    }
  });

  it('an oversized answer to a provider SDK call is a bad_response attempt, not a crash (real OpenAI SDK through the service)', async () => {
    const server = await httpServer((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(zlib.gzipSync(JSON.stringify({ id: 'x', choices: [{ message: { content: 'a'.repeat(LIMIT) } }] })));
    });
    try {
      const failed = await failedCall(server.url('/v1'), { localMode: true, maxResponseBytes: LIMIT });
      expect(failed.attempts).toMatchObject([{ provider: 'openai', outcome: 'error', error_code: 'bad_response', retryable: false, message: expect.stringContaining('larger than') }]);
    } finally {
      await server.close();
    }
  });
});

describe('media formats from bytes', () => {
  it.each([
    [Buffer.from('RIFF\0\0\0\0WAVEfmt '), 'audio/wav'],
    [Buffer.from('ID3\x04\0\0'), 'audio/mpeg'],
    [Buffer.from([0xff, 0xfb, 0x90, 0x00]), 'audio/mpeg'],
    [Buffer.from('fLaC\0\0'), 'audio/flac'],
    [Buffer.from('OggS\0\0'), 'audio/ogg'],
    [Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0]), 'audio/webm'],
    [Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypM4A ')]), 'audio/mp4'],
    [Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom')]), 'video/mp4'],
  ])('audio %#', (bytes, type) => {
    expect(recogniseAudio(bytes)?.mediaType).toBe(type);
  });

  it('images, and what is neither', () => {
    expect(recogniseImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))?.mediaType).toBe('image/png');
    expect(recogniseImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))?.mediaType).toBe('image/jpeg');
    expect(recogniseImage(Buffer.from('GIF89a..'))?.mediaType).toBe('image/gif');
    expect(recogniseImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))?.mediaType).toBe('image/webp');
    expect(recogniseImage(Buffer.from('<svg xmlns=...'))).toBeUndefined();
    expect(recogniseAudio(Buffer.from('<html>'))).toBeUndefined();
    expect(recogniseAudio(Buffer.alloc(0))).toBeUndefined();
  });
});
