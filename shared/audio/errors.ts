/** Errors of the audio service. Each says what is wrong and never carries a key value. */
import { IonfluxError } from '../errors';
import { ChainFailedError } from '../llm/errors';

/** 400 before any provider call: the request names a voice, language, format or provider we cannot serve. */
export class AudioRequestError extends IonfluxError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 400, ...(details ? { details } : {}) });
  }
}

/** One provider attempt as the audio responses report it. */
export interface AudioAttempt {
  provider: string;
  /** The voice (catalog id) or model the attempt asked for. */
  voice_id?: string;
  model?: string;
  outcome: 'success' | 'error' | 'skipped';
  /** Time the attempt took, in milliseconds. */
  ms: number;
  status?: number;
  error_code?: string;
  provider_error_code?: string;
  message?: string;
  retryable?: boolean;
  not_retried?: string;
  key_source?: 'workspace' | 'platform';
  provider_request_id?: string;
}

/**
 * No provider produced the audio (or the transcript): 400 a provider rejected the content itself (bad
 * SSML, unknown voice, text too long: no fallback is tried), 503 the providers are rate-limited,
 * overloaded or cooling down (Retry-After), 504 they timed out, 502 anything else. The details carry
 * every attempt.
 */
export class AudioCallFailedError extends ChainFailedError<AudioAttempt> {}

/** The audio could not be stored or handed out (S3 or the local folder): try again. */
export class AudioStorageError extends IonfluxError {
  constructor(message: string, cause?: unknown) {
    super('storage_unavailable', message, { status: 503, headers: { 'retry-after': '1' }, ...(cause !== undefined ? { cause } : {}) });
  }
}

/** The provider answered 2xx with something that is not audio of the format asked for. */
export class AudioFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioFormatError';
  }
}
