/**
 * AWS SDK errors as this project reads them. The SDK throws service errors as classes named after the
 * service's error shape (`ConditionalCheckFailedException`, `ResourceNotFoundException`, …), timeouts as
 * `TimeoutError` and calls cut by the deadline scope as `AbortError` (its `cause` the DeadlineExceededError);
 * each carries `$metadata` (HTTP status, request id, attempts).
 */
export const isAwsError = (error: unknown, name: string): error is Error & { $metadata?: { httpStatusCode?: number } } =>
  error instanceof Error && error.name === name;
