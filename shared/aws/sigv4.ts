/**
 * AWS Signature Version 4 for the JSON-protocol calls the Lambdas make (DynamoDB, SQS, Secrets Manager).
 * Written against the published algorithm; `test/unit/aws-sigv4.test.ts` checks it against AWS's test
 * suite vectors and against the SDK's own signer for the requests we send.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; absent for long-lived keys. */
  expiration?: Date;
}

export interface SignableRequest {
  method: string;
  /** Host header value (with the port when it is not the scheme's default). */
  host: string;
  /** Path as sent on the wire (already percent-encoded). */
  path: string;
  query?: Record<string, string>;
  /** Header names in any case; every header given is signed except the ones AWS never signs. */
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface SigningScope {
  region: string;
  service: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Headers proxies may rewrite: never part of a signature (as the SDK's signer). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 unreserved characters stay; everything else is %XX (upper case), as SigV4 requires. */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20261125T093000Z` and `20261125` for a date. */
export function amzDate(date: Date): { dateTime: string; day: string } {
  const dateTime = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return { dateTime, day: dateTime.slice(0, 8) };
}

/** Signing keys change once a day per secret, region and service: derive each once. */
const keyCache = new Map<string, Buffer>();
function signingKey(secret: string, day: string, scope: SigningScope): Buffer {
  const cacheKey = `${sha256Hex(secret)}/${day}/${scope.region}/${scope.service}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), scope.region), scope.service), 'aws4_request');
    if (keyCache.size > 50) keyCache.clear();
    keyCache.set(cacheKey, key);
  }
  return key;
}

function canonicalPath(path: string): string {
  // Non-S3 services sign the path with each segment escaped once more (it is already encoded on the wire).
  return path.split('/').map(uriEscape).join('/') || '/';
}

function canonicalQuery(query: Record<string, string> = {}): string {
  return Object.keys(query)
    .map((k) => [uriEscape(k), uriEscape(query[k]!)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export interface SignatureParts {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
}

/** Computes the signature of a request whose headers already include `x-amz-date` (and the token). */
export function computeSignature(request: SignableRequest, credentials: AwsCredentials, scope: SigningScope, date: Date): SignatureParts {
  const { dateTime, day } = amzDate(date);
  const headers = new Map<string, string>();
  headers.set('host', request.host);
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (!UNSIGNABLE.has(lower)) headers.set(lower, value.trim().replace(/\s+/g, ' '));
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    names.map((n) => `${n}:${headers.get(n)}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, dateTime, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, scope)).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature, signedHeaders };
}

/**
 * Signs a request: returns its headers plus `x-amz-date`, `x-amz-security-token` (temporary credentials)
 * and `authorization`.
 */
export function signRequest(request: SignableRequest, credentials: AwsCredentials, scope: SigningScope, date = new Date()): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, 'x-amz-date': amzDate(date).dateTime };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const { signature, signedHeaders } = computeSignature({ ...request, headers }, credentials, scope, date);
  const credentialScope = `${amzDate(date).day}/${scope.region}/${scope.service}/aws4_request`;
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/**
 * A presigned URL (SigV4 in the query string, only `host` signed, empty payload), as the SDK's
 * `SignatureV4.presign` makes it. `unsignedQuery` is appended after signing (e.g. a User-Agent).
 */
export function presignUrl(
  request: { host: string; path: string; query: Record<string, string>; unsignedQuery?: Record<string, string> },
  credentials: AwsCredentials,
  scope: SigningScope,
  options: { date?: Date; expiresSeconds: number },
): string {
  const date = options.date ?? new Date();
  const { dateTime, day } = amzDate(date);
  const query: Record<string, string> = {
    ...request.query,
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${credentials.accessKeyId}/${day}/${scope.region}/${scope.service}/aws4_request`,
    'X-Amz-Date': dateTime,
    'X-Amz-Expires': String(Math.floor(options.expiresSeconds)),
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-SignedHeaders': 'host',
  };
  const { signature } = computeSignature({ method: 'GET', host: request.host, path: request.path, query, headers: {}, body: '' }, credentials, scope, date);
  const all: Record<string, string> = { ...query, 'X-Amz-Signature': signature, ...request.unsignedQuery };
  const queryString = Object.keys(all)
    .sort()
    .map((k) => `${uriEscape(k)}=${uriEscape(all[k]!)}`)
    .join('&');
  return `https://${request.host}${request.path}?${queryString}`;
}
