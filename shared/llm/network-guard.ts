/**
 * SSRF guard for URLs we fetch or send keys to on a caller's behalf: https only (http only to loopback,
 * and loopback only in local mode), no credentials in the URL, and every address the host resolves to
 * must be public — private, loopback, link-local (cloud metadata), CGNAT, multicast and reserved
 * ranges are refused, IPv4-mapped/translated IPv6 forms included. Callers connect to the address that
 * was checked (pinned), so a second DNS answer cannot swap it.
 */
import dns from 'node:dns';
import net from 'node:net';
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
  ['::', 128],
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
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
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
  if (!net.isIPv6(address)) return false;
  const v4 = embeddedIpv4(address);
  if (v4) return !blocked.check(v4, 'ipv4');
  return !blocked.check(address, 'ipv6');
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

export interface VettedUrl {
  url: URL;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

const refuse = (what: string, why: string) => new InputError(400, 'unsafe_url', `${what} is refused: ${why}`);

export async function vetUrl(raw: string | URL, options: GuardOptions): Promise<VettedUrl> {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new InputError(400, 'invalid_url', `${options.what} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse(options.what, `only https URLs are fetched (got ${url.protocol})`);
  if (url.username || url.password) throw refuse(options.what, 'URLs with credentials are not fetched');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await (options.lookup ?? systemLookup)(host).catch((error: Error) => {
    throw new InputError(422, 'input_fetch_failed', `${options.what}: host ${host} does not resolve (${error.message})`);
  });
  if (!addresses.length) throw new InputError(422, 'input_fetch_failed', `${options.what}: host ${host} does not resolve`);
  const allLoopback = addresses.every((a) => isLoopbackAddress(a.address));
  if (url.protocol === 'http:' && !(options.localMode && allLoopback)) {
    throw refuse(options.what, options.localMode ? 'http is allowed to loopback only; use https' : 'only https URLs are fetched');
  }
  for (const { address } of addresses) {
    if (isPublicAddress(address)) continue;
    if (options.localMode && isLoopbackAddress(address)) continue;
    throw refuse(options.what, `${host} resolves to a private or reserved address`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * Checks base URLs a workspace supplies with its own key (they receive that key and our requests):
 * same rules as inputs, results remembered per URL for `ttlMs` so calls do not pay a DNS lookup each.
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
