/**
 * A message queue with at-least-once delivery and a visibility timeout: SQS (AWS, moto) or a folder
 * of files under IONFLUX_HOME (embedded default). Lambda's SQS trigger receives for us in AWS; the local
 * runtime uses `receive` / `delete` / `release` to deliver the same SQS-shaped batches.
 */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  sentTimestamp: number;
}

export interface Queue {
  readonly name: string;
  send(body: string, attributes?: Record<string, string>): Promise<string>;
  /** Up to `max` visible messages; waits up to `waitMs` for the first one. */
  receive(max: number, waitMs?: number): Promise<QueueMessage[]>;
  /** Done with a message: it is never delivered again. */
  delete(receiptHandle: string): Promise<void>;
  /** Failed: make the message visible again after `delayMs` (default: now). */
  release(receiptHandle: string, delayMs?: number): Promise<void>;
  /** Approximate number of messages waiting. */
  depth(): Promise<number>;
}
