/** Errors of the LLM orchestration service. Each says what is wrong and never carries a key value. */
import { IonfluxError } from '../errors';
import type { Attempt } from './contract';

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
 * Every provider of the chain failed (or was skipped). The message names each provider and why; the
 * details carry every attempt. The status says whose problem it is: 400 the providers rejected the
 * request itself, 503 they are rate-limited or overloaded (with Retry-After), 504 they timed out, 502
 * anything else (errors, keys, quotas, configuration).
 */
export class LlmCallFailedError extends IonfluxError {
  readonly attempts: Attempt[];

  constructor(
    status: 400 | 502 | 503 | 504,
    code: string,
    message: string,
    details: { attempts: Attempt[]; task_type: string; request_id: string },
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

/** The successful response cannot be returned through Lambda (over the 6 MB response limit). */
export class ResponseTooLargeError extends IonfluxError {
  constructor(bytes: number, limit: number, hint: string) {
    super('response_too_large', `the provider's response is ${bytes} bytes; Lambda returns at most ${limit}. ${hint}`, {
      status: 502,
      details: { bytes, limit_bytes: limit },
    });
  }
}
