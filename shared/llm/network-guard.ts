/**
 * SSRF guard for URLs we fetch or send keys to on a caller's behalf: https only (http only to loopback,
 * and loopback only in local mode), no credentials in the URL, and every address the host resolves to
 * must be public — private, loopback, link-local (cloud metadata), CGNAT, multicast and reserved
 * ranges are refused, IPv4-mapped/translated IPv6 forms included. Callers connect only to addresses
 * that were checked, so a second DNS answer cannot swap them: inputs by URL connect to the address
 * `vetUrl` checked (`pinnedLookup`); provider SDKs talking to a workspace's base URL get `guardedFetch`,
 * whose connections resolve the host once and check every answer as they are opened, and which never
 * follows a redirect.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import { pipeline, Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import { InputError } from './errors';

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  // IPv4-compatible (::a.b.c.d, deprecated) and IPv4-translated (::ffff:0:a.b.c.d) forms: no public use,
  // and a way to spell a private IPv4 address as IPv6. (IPv4-mapped ::ffff:a.b.c.d is judged by its IPv4.)
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible IPv6 address, if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::ffff:0:|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|::ffff:0:|::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

export function isLoopbackAddress(address: string): boolean {
  const v4 = net.isIPv4(address) ? address : embeddedIpv4(address);
  return v4 ? loopback.check(v4, 'ipv4') : net.isIPv6(address) && loopback.check(address, 'ipv6');
}

/** True for an address reachable on the public internet (none of the ranges above). */
export function isPublicAddress(address: string): boolean {
  if (net.isIPv4(address)) return !blocked.check(address, 'ipv4');
  if (!net.isIPv6(address) || blocked.check(address, 'ipv6')) return false;
  const v4 = embeddedIpv4(address);
  return v4 ? !blocked.check(v4, 'ipv4') : true;
}

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: Lookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export interface GuardOptions {
  /** Local runtime and tests: loopback is allowed (over http too). */
  localMode: boolean;
  lookup?: Lookup;
  /** Name used in error messages (`audio_input_url`, `base_url of secret …`). */
  what: string;
}

/**
 * The most a workspace's own server may answer (after decompression): far above any LLM answer we can
 * return (Lambda returns at most 6 MB), far below what would exhaust a function's memory.
 */
export const WORKSPACE_RESPONSE_MAX_BYTES = 16 * 1024 * 1024;

/** A response larger than the guard allows: the SDK sees it as the body's read error. */
export class ResponseSizeExceeded extends Error {
  constructor(
    what: string,
    readonly limitBytes: number,
  ) {
    super(`${what}: the server's response is larger than ${limitBytes} bytes (after decompression); refused`);
    this.name = 'ResponseSizeExceeded';
  }
}

/** The guard's size refusal somewhere in an error's cause chain (the SDKs may wrap a body's read error). */
export function oversizedResponse(error: unknown): ResponseSizeExceeded | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof ResponseSizeExceeded) return current;
  }
  return undefined;
}

export interface VettedUrl {
  url: URL;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

const refuse = (what: string, why: string) => new InputError(400, 'unsafe_url', `${what} is refused: ${why}`);

/** The URL's own rules (before any DNS): http(s), no credentials. Returns the bare host name. */
function checkUrlShape(url: URL, what: string): string {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse(what, `only https URLs are fetched (got ${url.protocol})`);
  if (url.username || url.password) throw refuse(what, 'URLs with credentials are not fetched');
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Every address the host resolved to must be allowed; http only when all of them are loopback (local
 * mode). `name` is how refusals name the host.
 */
function checkAddresses(name: string, protocol: string, addresses: ReadonlyArray<{ address: string }>, options: { localMode: boolean; what: string }): void {
  const allLoopback = addresses.every((a) => isLoopbackAddress(a.address));
  if (protocol === 'http:' && !(options.localMode && allLoopback)) {
    throw refuse(options.what, options.localMode ? 'http is allowed to loopback only; use https' : 'only https URLs are fetched');
  }
  for (const { address } of addresses) {
    if (isPublicAddress(address)) continue;
    if (options.localMode && isLoopbackAddress(address)) continue;
    throw refuse(options.what, `${name} resolves to a private or reserved address`);
  }
}

export async function vetUrl(raw: string | URL, options: GuardOptions): Promise<VettedUrl> {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new InputError(400, 'invalid_url', `${options.what} is not a valid URL`);
  }
  const host = checkUrlShape(url, options.what);
  const literal = net.isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await (options.lookup ?? systemLookup)(host).catch((error: Error) => {
    throw new InputError(422, 'input_fetch_failed', `${options.what}: host ${host} does not resolve (${error.message})`);
  });
  if (!addresses.length) throw new InputError(422, 'input_fetch_failed', `${options.what}: host ${host} does not resolve`);
  checkAddresses(host, url.protocol, addresses, options);
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A `lookup` for node:net that answers only the address `vetUrl` checked, whatever DNS says now. */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * A `lookup` for node:net that resolves the host when a connection is opened and refuses it unless every
 * address is allowed (same rules as `vetUrl`); the connection then goes to one of those addresses.
 */
function checkingLookup(protocol: string, options: GuardOptions): LookupFunction {
  const resolve = options.lookup ?? systemLookup;
  return (hostname, opts, callback) => {
    const wanted = (opts as { family?: number | string }).family;
    const family = wanted === 4 || wanted === 'IPv4' ? 4 : wanted === 6 || wanted === 'IPv6' ? 6 : 0;
    resolve(hostname).then(
      (answers) => {
        const addresses = answers.filter((a) => !family || a.family === family);
        if (!addresses.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        checkAddresses(HOST, protocol, addresses, options);
        if ((opts as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
    ).catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

/** The guard's refusal (an `unsafe_url` InputError) somewhere in an error's cause chain, e.g. inside an SDK's connection error. */
export function guardRefusal(error: unknown): InputError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof InputError && current.code === 'unsafe_url') return current;
  }
  return undefined;
}

/**
 * How guardedFetch's refusals name the host. Not the name itself: it is the workspace's, and the SDKs
 * read "timeout" anywhere in a connection error's text as a timeout (which would hide the refusal).
 */
const HOST = 'its host';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * A `fetch` for the provider SDKs when the base URL is not ours (a workspace's `base_url`): node:http(s)
 * on its own keep-alive agents, whose connections resolve the host once and check every address as they
 * are opened (IP literals are checked before connecting) — a DNS answer that changed since `vetUrl` ran
 * cannot reach a private address — and no redirect is ever followed: a 3xx from an LLM API is refused
 * (`unsafe_url`), so nothing is sent to, or read from, wherever it points. Any body `fetch` accepts
 * works (JSON strings, multipart FormData, URLSearchParams, buffers, streams): the request is built as a
 * Web `Request` and its bytes sent with a content-length. Gzip/deflate/br answers are decoded, like
 * fetch. Refusals reject with the guard's InputError (`guardRefusal` finds it inside the SDK's error).
 * The body is capped at `maxResponseBytes` after decoding (default WORKSPACE_RESPONSE_MAX_BYTES): a larger
 * (or inflating) answer fails with ResponseSizeExceeded, so a workspace's server cannot exhaust memory.
 */
export function guardedFetch(options: GuardOptions & { maxResponseBytes?: number }): typeof fetch {
  const maxBytes = options.maxResponseBytes ?? WORKSPACE_RESPONSE_MAX_BYTES;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 }),
  };
  const lookups = { 'http:': checkingLookup('http:', options), 'https:': checkingLookup('https:', options) };
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const host = checkUrlShape(url, options.what);
    const protocol = url.protocol as 'http:' | 'https:';
    // An IP literal is connected to without a lookup: checked here.
    const literal = net.isIP(host);
    if (literal) checkAddresses(HOST, protocol, [{ address: host }], options);
    const { signal } = request;
    if (signal.aborted) throw abortReason(signal);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    if (signal.aborted) throw abortReason(signal);
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    if (body) headers['content-length'] = String(body.length);

    return new Promise<Response>((resolve, reject) => {
      const client = protocol === 'https:' ? https : http;
      let response: http.IncomingMessage | undefined;
      const done = () => signal.removeEventListener('abort', onAbort);
      const req = client.request(url, { method: request.method, headers, agent: agents[protocol], lookup: lookups[protocol] }, (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          done();
          res.destroy();
          return reject(refuse(options.what, `its server answered ${status} (a redirect); redirects are not followed`));
        }
        res.on('close', done);
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const decoder = decoderFor(res.headers['content-encoding']);
        const declared = Number(res.headers['content-length']);
        if (!decoder && Number.isFinite(declared) && declared > maxBytes) {
          done();
          res.destroy();
          return reject(new ResponseSizeExceeded(options.what, maxBytes));
        }
        if (decoder) {
          responseHeaders.delete('content-encoding');
          responseHeaders.delete('content-length');
        }
        // Bytes are counted after decoding: a small gzip body that inflates to gigabytes stops at the limit,
        // and the connection and the decoder are torn down with it (pipeline).
        let seen = 0;
        const cap = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            seen += chunk.length;
            callback(seen > maxBytes ? new ResponseSizeExceeded(options.what, maxBytes) : null, chunk);
          },
        });
        const stream = (decoder ? pipeline(res, decoder, cap, () => undefined) : pipeline(res, cap, () => undefined)) as Readable;
        const nullBody = request.method === 'HEAD' || NULL_BODY.has(status);
        if (nullBody) res.resume();
        try {
          resolve(new Response(nullBody ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
        } catch (error) {
          res.destroy();
          reject(error as Error);
        }
      });
      req.on('error', (error) => {
        done();
        reject(error);
      });
      // Our deadline (the SDK's timeout or the engine's): before the answer, or while its body is read.
      const onAbort = () => {
        const reason = abortReason(signal);
        response?.destroy(reason);
        req.destroy(reason);
        reject(reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  };
}

/**
 * Checks base URLs a workspace supplies with its own key before anything is sent (a clear `unsafe_url`
 * early): same rules as inputs, verdicts remembered per URL for `ttlMs`. This is not what keeps the
 * calls safe — DNS can answer differently a moment later, and the server can redirect — the SDKs' fetch
 * does that (`guardedFetch`).
 */
export function baseUrlGuard(options: { localMode: boolean; lookup?: Lookup; ttlMs?: number; clock?: () => number }) {
  const checked = new Map<string, number>();
  const now = options.clock ?? Date.now;
  return async (url: string, what: string): Promise<void> => {
    if ((checked.get(url) ?? 0) > now()) return;
    await vetUrl(url, { localMode: options.localMode, what, ...(options.lookup ? { lookup: options.lookup } : {}) });
    if (checked.size > 256) checked.clear();
    checked.set(url, now() + (options.ttlMs ?? 60_000));
  };
}
