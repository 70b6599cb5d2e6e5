import { IonfluxError } from '../errors';

/** An AWS service answered with an error (its `__type` / `x-amzn-errortype` is the `name`). */
export class AwsServiceError extends Error {
  /** The service's error shape name, e.g. `ConditionalCheckFailedException`. */
  override readonly name: string;
  readonly service: string;
  readonly operation: string;
  readonly statusCode: number;
  readonly requestId?: string;
  /** The parsed error body: service-specific members such as DynamoDB's `CancellationReasons`. */
  readonly body: Record<string, unknown>;
  readonly retryable: boolean;

  constructor(options: {
    name: string;
    message: string;
    service: string;
    operation: string;
    statusCode: number;
    requestId?: string;
    body: Record<string, unknown>;
    retryable: boolean;
  }) {
    super(`${options.service} ${options.operation}: ${options.name}: ${options.message}`);
    this.name = options.name;
    this.service = options.service;
    this.operation = options.operation;
    this.statusCode = options.statusCode;
    if (options.requestId) this.requestId = options.requestId;
    this.body = options.body;
    this.retryable = options.retryable;
  }
}

/** The call never got an answer (connection refused or reset, timeout, unreadable response). */
export class AwsNetworkError extends Error {
  override readonly name = 'AwsNetworkError';
  constructor(
    readonly service: string,
    readonly operation: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${service} ${operation}: ${message}`, options);
  }
}

export class AwsCredentialsError extends IonfluxError {
  constructor(message: string, cause?: unknown) {
    super('aws_credentials_unavailable', message, { status: 500, cause });
  }
}

export const isAwsError = (error: unknown, name: string): error is AwsServiceError =>
  error instanceof AwsServiceError && error.name === name;
