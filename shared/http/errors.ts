import { IonfluxError } from '../errors';

/** An error meant for the HTTP caller. */
export class HttpError extends IonfluxError {
  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(code, message, { status, ...options });
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new HttpError(400, code, message, details ? { details } : {});
export const unauthorized = (code: string, message: string) => new HttpError(401, code, message);
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const payloadTooLarge = (limitBytes: number, actualBytes: number) =>
  new HttpError(413, 'payload_too_large', `request body is ${actualBytes} bytes; the limit is ${limitBytes}`, {
    details: { limit_bytes: limitBytes, actual_bytes: actualBytes },
  });
export const unsupportedMediaType = (expected: string, got: string | undefined) =>
  new HttpError(415, 'unsupported_media_type', `content-type must be ${expected} (got ${got ?? 'none'})`);
