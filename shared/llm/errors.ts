/** Errors of the LLM orchestration service. Each says what is wrong and never carries a key value. */
import { IonfluxError } from '../errors';
import type { Attempt } from './contract';
import type { Blame } from './retry-policy';

/** 400 before any provider call: the request names a model, provider or option we cannot serve. */
export class LlmRequestError extends IonfluxError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 400, ...(details ? { details } : {}) });
  }
}

export const unknownModel = (model: string, known: string[]) =>
  new LlmRequestError('unknown_model', `model "${model}" is not in the model catalog`, { model, known_models: known });

export const unsupportedTask = (model: string, task: string, tasks: string[]) =>
  new LlmRequestError('unsupported_task', `model "${model}" cannot do ${task} (it does: ${tasks.join(', ')})`, { model, task_type: task, model_tasks: tasks });

/** An input URL (audio, image) that we refuse or could not fetch. */
export class InputError extends IonfluxError {
  constructor(status: 400 | 413 | 415 | 422, code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status, ...(details ? { details } : {}) });
  }
}

/**
 * No provider of a chain answered. The message names each provider and why; the details carry every
 * attempt (in the caller's shape: LLM attempts, audio attempts). The status says whose problem it is
 * (`failureVerdict`): 400 the request itself, 503 unavailable (with Retry-After), 504 timeouts, 502
 * anything else (errors, keys, quotas, configuration).
 */
export class ChainFailedError<A = Attempt> extends IonfluxError {
  readonly attempts: A[];

  constructor(
    status: 400 | 502 | 503 | 504,
    code: string,
    message: string,
    details: { attempts: A[]; request_id: string } & Record<string, unknown>,
    retryAfterS?: number,
  ) {
    super(code, message, {
      status,
      details: { status: 'error', ...details },
      ...(retryAfterS !== undefined ? { headers: { 'retry-after': String(retryAfterS) } } : {}),
    });
    this.attempts = details.attempts;
  }
}

/** Every provider of an LLM task's chain failed (or was skipped). */
export class LlmCallFailedError extends ChainFailedError<Attempt> {
  constructor(status: 400 | 502 | 503 | 504, code: string, message: string, details: { attempts: Attempt[]; task_type: string; request_id: string }, retryAfterS?: number) {
    super(status, code, message, details, retryAfterS);
  }
}

/** The successful response cannot be returned through Lambda (over the 6 MB response limit). */
export class ResponseTooLargeError extends IonfluxError {
  constructor(bytes: number, limit: number, hint: string) {
    super('response_too_large', `the provider's response is ${bytes} bytes; Lambda returns at most ${limit}. ${hint}`, {
      status: 502,
      details: { bytes, limit_bytes: limit },
    });
  }
}

/** One line naming an attempt's failure, as error messages list it (also kept as a cooldown's cause). */
export const describeFailure = (attempt: Pick<Attempt, 'provider' | 'model' | 'status' | 'error_code' | 'message'>): string =>
  `${attempt.provider}/${attempt.model}: ${[attempt.status, attempt.error_code].filter((x) => x !== undefined).join(' ')}${attempt.message ? ` — ${attempt.message}` : ''}`;

/**
 * What to tell the caller when no provider of a chain answered: a message naming each provider (and
 * model) with its last status, code and reason, and the status that says whose problem it is. The status
 * follows from every failure of the chain, not from where a provider stands in it, so a cause gets the
 * same answer on every route, with or without fallbacks (docs/llm.md, Errors): 400 when the providers
 * rejected the request itself; else 503 when one may answer again soon — rate-limited, overloaded,
 * unreachable, cooling down (Retry-After: the shortest wait any asked for); else 504 when one ran out of
 * time; else 502.
 */
export function failureVerdict(
  attempts: Attempt[],
  facts: { onlyRequestErrors?: boolean; blames?: Blame[]; retryAfterMs?: number; storageUnavailable?: boolean },
): { status: 400 | 502 | 503 | 504; code: string; message: string; retryAfterS?: number } {
  const groups = new Map<string, { count: number; last: Attempt }>();
  for (const a of attempts) {
    const key = `${a.provider}/${a.model}`;
    const g = groups.get(key);
    groups.set(key, { count: (g?.count ?? 0) + (a.outcome === 'error' ? 1 : 0), last: a });
  }
  const reasons = [...groups].map(([, { count, last }]) => `${describeFailure(last)}${count > 1 ? ` (${count} attempts)` : ''}`);
  const message = `${attempts.length > 1 || groups.size > 1 ? 'every provider failed' : 'the provider failed'}: ${reasons.join('; ')}`;
  const blames = new Set(facts.blames ?? []);
  if (facts.onlyRequestErrors) return { status: 400, code: 'provider_rejected_request', message };
  // A key we could not read because our own storage was down: a retry may work (whatever the others did).
  if (facts.storageUnavailable) return { status: 503, code: 'storage_unavailable', message, retryAfterS: 2 };
  if (blames.has('unavailable')) return { status: 503, code: 'provider_unavailable', message, retryAfterS: Math.max(1, Math.ceil((facts.retryAfterMs ?? 1000) / 1000)) };
  if (blames.has('timeout')) return { status: 504, code: 'provider_timeout', message };
  return { status: 502, code: 'provider_failed', message };
}
