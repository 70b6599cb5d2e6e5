/**
 * Helpers every provider folder shares (no engine code here): the declarative parameter map, reading
 * retry headers, the transport failures of the official SDKs, and the model-reported usage fields that
 * need care.
 */
import type { ProviderFailure } from '../provider';

/** How one of our parameters becomes a provider's: its name there, a range to clamp to, a conversion. */
export interface ParamRule {
  param: string;
  min?: number;
  max?: number;
  transform?: (value: unknown) => unknown;
}

/** Our parameter name → its rule; parameters without a rule are not sent (the provider has no such option). */
export type ParamMap = Record<string, ParamRule>;

/** Builds the provider's parameters from ours with the map (Portkey's `transformToProviderRequest`, small). */
export function mapParams(map: ParamMap, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const rule = map[name];
    if (!rule || value === undefined) continue;
    const mapped: unknown = rule.transform ? rule.transform(value) : value;
    out[rule.param] = typeof mapped === 'number' ? Math.min(rule.max ?? Infinity, Math.max(rule.min ?? -Infinity, mapped)) : mapped;
  }
  return out;
}

/**
 * How long the provider asks us to wait: `retry-after-ms` (OpenAI, Azure), else `retry-after` in seconds
 * or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined | null, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `x-should-retry: true|false` (OpenAI and Anthropic send it to override the default decision). */
export function shouldRetryHeader(headers: { get(name: string): string | null } | undefined | null): boolean | undefined {
  const value = headers?.get('x-should-retry');
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** A non-negative integer, or undefined (usage fields can be missing or null). */
export const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/** Removes undefined fields (for compact usage objects). */
export function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** Rough token estimate for servers that report none (self-hosted embeddings): ≈ 4 characters per token. */
export const estimateTokens = (texts: string[]): number => texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);

/** The error classes the official SDKs (openai, @anthropic-ai/sdk: the same generator) throw off the wire. */
export interface SdkTransportErrors {
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
}

/**
 * What actually failed under a connection error: the innermost cause with something to say ("fetch
 * failed" wraps "getaddrinfo ENOTFOUND api.openai.com" or "connect ECONNREFUSED 127.0.0.1:9"; a refused
 * dual-stack connect is an AggregateError with only a code).
 */
export function connectionCause(error: unknown): string | undefined {
  let said: string | undefined;
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    const text = current.message && !/^(fetch failed|Connection error\.?)$/i.test(current.message) ? current.message : typeof code === 'string' ? code : undefined;
    if (text) said = text;
  }
  return said;
}

/** An abort, timeout or connection failure of an SDK call as a ProviderFailure; undefined for anything else. */
export function sdkTransportFailure(error: unknown, sdk: SdkTransportErrors): ProviderFailure | undefined {
  if (error instanceof sdk.APIUserAbortError) return { kind: 'aborted', message: 'the request was aborted at the deadline' };
  if (error instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', message: 'no response before the attempt timeout' };
  if (error instanceof sdk.APIConnectionError) return { kind: 'network', message: connectionCause((error as { cause?: unknown }).cause) ?? 'connection failed' };
  return undefined;
}
