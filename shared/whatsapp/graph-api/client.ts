/**
 * One Graph API call over Node's fetch: the URL from the endpoint description and the settings, the
 * token as a bearer header, a timeout no later than the caller's deadline, Meta's error body read into a
 * GraphFailure (facts only: what to do about it is decided in graph-policy.ts). Never retries.
 */
import { errorMessage } from '../../errors';
import { retryAfterMs } from '../../llm/providers/wire';
import { moduleLogger } from '../../observability/logger';
import type { GraphErrorInfo } from '../errors';
import { type GraphEndpointName, graphEndpoints, type GraphErrorBody, type GraphSettings } from './api';

const log = moduleLogger('whatsapp-graph');

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** Connection errors that mean the request never left: sending again cannot duplicate anything. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export class GraphFailure extends Error {
  constructor(
    readonly endpoint: GraphEndpointName,
    /** `http`: Meta answered with an error; `network`/`timeout`: no answer; `bad_response`: a 2xx we could not read. */
    readonly kind: 'http' | 'network' | 'timeout' | 'bad_response',
    readonly info: GraphErrorInfo,
    options: { transient?: boolean; retryAfterMs?: number; maybeSent?: boolean; cause?: unknown } = {},
  ) {
    super(`Graph ${endpoint}: ${info.code !== undefined ? `(#${info.code}) ` : ''}${info.message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GraphFailure';
    this.transient = options.transient ?? false;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.maybeSent = options.maybeSent ?? kind !== 'http';
  }
  /** Meta's `is_transient` (or a 5xx): trying again later may work. */
  readonly transient: boolean;
  readonly retryAfterMs?: number;
  /** Meta may have acted on the request although we have no answer (a timeout, a dropped connection). */
  readonly maybeSent: boolean;
}

export interface GraphCall {
  settings: GraphSettings;
  /** Bearer token (every endpoint but the code exchange). Never logged. */
  token?: string;
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  deadline: number;
}

export function graphUrl(name: GraphEndpointName, settings: GraphSettings, params: Record<string, string> = {}, query: GraphCall['query'] = {}): string {
  const path = graphEndpoints[name].path.replace(/\{([a-z_]+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined || value === '') throw new Error(`Graph ${name}: missing path parameter ${key}`);
    return encodeURIComponent(value);
  });
  const url = new URL(`${settings.baseUrl.replace(/\/+$/, '')}/${settings.apiVersion}${path}`);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url.toString();
}

function readError(endpoint: GraphEndpointName, status: number, text: string, headers: Headers): GraphFailure {
  let body: GraphErrorBody | undefined;
  try {
    body = JSON.parse(text) as GraphErrorBody;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  const details = typeof e?.error_data === 'string' ? e.error_data : e?.error_data?.details;
  const info: GraphErrorInfo = { http_status: status, message: e?.message ?? (text.slice(0, 300) || `HTTP ${status}`) };
  if (typeof e?.code === 'number') info.code = e.code;
  if (typeof e?.error_subcode === 'number') info.subcode = e.error_subcode;
  if (e?.type) info.type = e.type;
  if (details) info.details = details;
  if (e?.fbtrace_id) info.fbtrace_id = e.fbtrace_id;
  const wait = retryAfterMs(headers);
  return new GraphFailure(endpoint, 'http', info, { transient: e?.is_transient === true || status >= 500, ...(wait !== undefined ? { retryAfterMs: wait } : {}), maybeSent: false });
}

export class GraphClient {
  constructor(private readonly options: { fetch?: FetchFn; requestTimeoutMs?: number } = {}) {}

  async call<T>(name: GraphEndpointName, call: GraphCall): Promise<T> {
    const endpoint = graphEndpoints[name];
    const url = graphUrl(name, call.settings, call.params, call.query);
    const timeoutMs = Math.min(call.deadline - Date.now(), this.options.requestTimeoutMs ?? 20_000);
    if (timeoutMs <= 0) throw new GraphFailure(name, 'timeout', { http_status: 0, message: 'no time left before the deadline' }, { maybeSent: false });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (call.token) headers.authorization = `Bearer ${call.token}`;
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method: endpoint.method,
        headers,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      const code = (error as { cause?: { code?: string } }).cause?.code;
      const message = timedOut ? `no answer within ${timeoutMs} ms` : `connection failed: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`;
      log.warn('graph call failed without an answer', { endpoint: name, error: message, ms: Date.now() - started });
      throw new GraphFailure(name, timedOut ? 'timeout' : 'network', { http_status: 0, message }, { transient: true, maybeSent: timedOut || !code || !NOT_SENT_CODES.has(code), cause: error });
    }
    log.debug('graph call', { endpoint: name, status: response.status, ms: Date.now() - started });
    if (!response.ok) throw readError(name, response.status, text, response.headers);
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch (error) {
      throw new GraphFailure(name, 'bad_response', { http_status: response.status, message: `unreadable answer: ${text.slice(0, 200)}` }, { maybeSent: true, cause: error });
    }
  }
}
