/**
 * The `hmac` of Shopify's OAuth redirects (and app URLs): hex HMAC-SHA256, keyed with the app's client
 * secret, over the query without `hmac` and `signature`, keys sorted, pairs `k=v` joined with `&` and
 * URL-encoded as URLSearchParams does except that spaces are `%20`. Verified over the exact parameters
 * of the raw query string, in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type QueryPairs = Array<[string, string]>;

/** Every `key=value` of a raw query string, decoded, in order (repeated keys kept). */
export function parseQueryPairs(rawQuery: string): QueryPairs {
  return [...new URLSearchParams(rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery)];
}

const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

const unsigned = (pairs: QueryPairs): QueryPairs => pairs.filter(([key]) => key !== 'hmac' && key !== 'signature');

/** The string Shopify signs, from decoded pairs. */
export function oauthSigningString(pairs: QueryPairs): string {
  return new URLSearchParams([...unsigned(pairs)].sort(byKey)).toString().replace(/\+/g, '%20');
}

export const signOAuthQuery = (pairs: QueryPairs, secret: string): string => createHmac('sha256', secret).update(oauthSigningString(pairs)).digest('hex');

/** The raw `k=v` segments as received, sorted: the same message when nothing needed escaping. */
function rawSigningString(rawQuery: string): string {
  const segments = (rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery)
    .split('&')
    .filter((s) => s !== '')
    .map((s): [string, string] => {
      const eq = s.indexOf('=');
      return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
    })
    .filter(([key]) => key !== 'hmac' && key !== 'signature');
  return segments.sort(byKey).map(([k, v]) => `${k}=${v}`).join('&');
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * True when the query's single `hmac` matches one of `secrets` (client-secret rotation keeps the
 * previous one valid). Both the canonical encoding and the raw segments are accepted: each is a
 * message only the secret's holder can sign, and any changed parameter changes both.
 */
export function verifyOAuthQuery(rawQuery: string, secrets: string[]): boolean {
  const pairs = parseQueryPairs(rawQuery);
  const hmacs = pairs.filter(([key]) => key === 'hmac').map(([, value]) => value);
  if (hmacs.length !== 1 || !HEX_SHA256.test(hmacs[0]!)) return false;
  const given = Buffer.from(hmacs[0]!.toLowerCase(), 'hex');
  const messages = [...new Set([oauthSigningString(pairs), rawSigningString(rawQuery)])];
  let ok = false;
  // No early exit: the time taken does not depend on which candidate matched.
  for (const secret of secrets) {
    for (const message of messages) {
      const expected = createHmac('sha256', secret).update(message).digest();
      ok = timingSafeEqual(expected, given) || ok;
    }
  }
  return ok;
}
