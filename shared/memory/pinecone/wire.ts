/**
 * What crosses the wire on one Pinecone call, and what a failure was. The SDK is built once per
 * credential with `fetchApi: wireFetch()`; each call runs inside `onWire(call, fn)` (AsyncLocalStorage),
 * so the fetch the SDK makes carries that attempt's abort signal (its timeout, bounded by the request's
 * deadline), and the HTTP status and headers of the answer are kept for the retry policy. The SDK's own
 * errors say little that is machine-readable (a 429 is an "unmapped" error with the status in its
 * message); the status seen on the wire is the fact the policy uses.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProviderFailure } from '../../llm/provider';
import { retryAfterMs } from '../../llm/providers/wire';

export interface WireCall {
  /** Aborts this attempt (its timeout, or the deadline). */
  signal: AbortSignal;
  /** Status and headers of the last answer the SDK received in this attempt. */
  status?: number;
  headers?: Headers;
  /** Why the connection failed, when it did. */
  transportError?: unknown;
  /** Bytes of the last request body sent. */
  requestBytes?: number;
  /** A body over this many bytes is not sent: the fetch throws BodyTooLargeError (the caller splits the batch). */
  maxBodyBytes?: number;
}

/** The SDK serialised a body over the limit; nothing was sent. */
export class BodyTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`request body of ${bytes} bytes is over the limit`);
    this.name = 'BodyTooLargeError';
  }
}

const current = new AsyncLocalStorage<WireCall>();

export const onWire = <T>(call: WireCall, fn: () => Promise<T>): Promise<T> => current.run(call, fn);

/** The fetch the SDK uses: the attempt's signal added, the answer's status recorded. */
export function wireFetch(base: () => typeof globalThis.fetch = () => globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const call = current.getStore();
    if (!call) return base()(input, init);
    const signal = init?.signal ? AbortSignal.any([init.signal, call.signal]) : call.signal;
    if (typeof init?.body === 'string') {
      call.requestBytes = Buffer.byteLength(init.body);
      if (call.maxBodyBytes !== undefined && call.requestBytes > call.maxBodyBytes) throw new BodyTooLargeError(call.requestBytes);
    }
    try {
      const response = await base()(input, { ...init, signal });
      call.status = response.status;
      call.headers = response.headers;
      return response;
    } catch (error) {
      call.transportError = error;
      throw error;
    }
  };
}

/** Pinecone's monthly read/write unit limit (Starter plan) answers 429 too: waiting will not help. */
const QUOTA = /monthly|upgrade your plan|quota/i;

/**
 * The failure as facts for the retry policy (shared/llm/retry-policy.ts): the wire status when the API
 * answered, else a timeout / our deadline / a transport error, else an SDK-side problem.
 */
export function wireFailure(error: unknown, call: WireCall, cut: { timedOut: boolean; deadline: boolean }): ProviderFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (call.status !== undefined && call.status >= 400) {
    const failure: ProviderFailure = { kind: 'http', status: call.status, message };
    const wait = retryAfterMs(call.headers);
    if (wait !== undefined) failure.retryAfterMs = wait;
    if (call.status === 429 && QUOTA.test(message)) failure.quotaExhausted = true;
    return failure;
  }
  if (cut.deadline) return { kind: 'aborted', message: 'the request deadline cut the call' };
  if (cut.timedOut) return { kind: 'timeout', message: 'Pinecone did not answer in time' };
  if (call.transportError !== undefined) return { kind: 'network', message: errorText(call.transportError) };
  // It answered 2xx and the call still failed: the answer could not be read.
  if (call.status !== undefined) return { kind: 'bad_response', message: `unreadable answer: ${message}` };
  return { kind: 'internal', message };
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
