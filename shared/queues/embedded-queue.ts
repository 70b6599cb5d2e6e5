/**
 * A queue as a folder under IONFLUX_HOME/queues/<name>/: `ready/` holds visible messages, `inflight/`
 * received ones. Receiving is an atomic rename (one consumer wins, across processes); a message whose
 * visibility timeout passes goes back to `ready/`, and after `maxReceiveCount` receives into the
 * dead-letter queue's folder — the same contract as SQS with a redrive policy.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Queue, QueueMessage } from './queue';

interface StoredMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  sentTimestamp: number;
}

export interface EmbeddedQueueOptions {
  visibilityTimeoutMs: number;
  maxReceiveCount?: number;
  deadLetter?: EmbeddedQueue;
  clock?: () => number;
}

export class EmbeddedQueue implements Queue {
  private readonly ready: string;
  private readonly inflight: string;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly options: EmbeddedQueueOptions,
  ) {
    this.ready = path.join(dir, 'ready');
    this.inflight = path.join(dir, 'inflight');
    fs.mkdirSync(this.ready, { recursive: true });
    fs.mkdirSync(this.inflight, { recursive: true });
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private static fileName(message: StoredMessage): string {
    return `${String(message.sentTimestamp).padStart(15, '0')}-${message.messageId}.json`;
  }

  /** Writes a message into `ready/` (write to a temp name, then rename: readers never see half a file). */
  enqueue(message: StoredMessage): void {
    const file = path.join(this.ready, EmbeddedQueue.fileName(message));
    const tmp = path.join(this.dir, `.${message.messageId}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(message));
    fs.renameSync(tmp, file);
  }

  async send(body: string, attributes: Record<string, string> = {}): Promise<string> {
    const message: StoredMessage = { messageId: randomUUID(), body, attributes, receiveCount: 0, sentTimestamp: this.now() };
    this.enqueue(message);
    return message.messageId;
  }

  /** Returns timed-out in-flight messages to `ready/` (or to the dead-letter queue). */
  private expireInflight(): void {
    for (const entry of fs.readdirSync(this.inflight)) {
      const [deadline] = entry.split('~');
      if (Number(deadline) > this.now()) continue;
      this.returnToReady(path.join(this.inflight, entry));
    }
  }

  private returnToReady(inflightFile: string): void {
    let message: StoredMessage;
    try {
      message = JSON.parse(fs.readFileSync(inflightFile, 'utf8')) as StoredMessage;
    } catch {
      return; // another process moved it already
    }
    const max = this.options.maxReceiveCount;
    const target = max !== undefined && message.receiveCount >= max && this.options.deadLetter ? this.options.deadLetter : this;
    try {
      fs.rmSync(inflightFile);
    } catch {
      return;
    }
    if (target === this) this.enqueue(message);
    else target.enqueue({ ...message, receiveCount: 0 });
  }

  async receive(max: number, waitMs = 0): Promise<QueueMessage[]> {
    const until = this.now() + waitMs;
    for (;;) {
      this.expireInflight();
      const out: QueueMessage[] = [];
      for (const entry of fs.readdirSync(this.ready).sort()) {
        if (out.length >= max) break;
        const deadline = this.now() + this.options.visibilityTimeoutMs;
        const receiptHandle = `${deadline}~${randomUUID()}~${entry}`;
        const inflightFile = path.join(this.inflight, receiptHandle);
        try {
          fs.renameSync(path.join(this.ready, entry), inflightFile);
        } catch {
          continue; // another consumer took it
        }
        const message = JSON.parse(fs.readFileSync(inflightFile, 'utf8')) as StoredMessage;
        message.receiveCount += 1;
        fs.writeFileSync(inflightFile, JSON.stringify(message));
        out.push({ ...message, receiptHandle });
      }
      if (out.length || this.now() >= until) return out;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async delete(receiptHandle: string): Promise<void> {
    fs.rmSync(path.join(this.inflight, receiptHandle), { force: true });
  }

  async release(receiptHandle: string, delayMs = 0): Promise<void> {
    const file = path.join(this.inflight, receiptHandle);
    if (!fs.existsSync(file)) return;
    if (delayMs <= 0) return this.returnToReady(file);
    // Stays in flight with a new deadline; expireInflight() returns it (or dead-letters it) then.
    const [, ...rest] = receiptHandle.split('~');
    try {
      fs.renameSync(file, path.join(this.inflight, [this.now() + delayMs, ...rest].join('~')));
    } catch {
      /* taken by another process meanwhile */
    }
  }

  async depth(): Promise<number> {
    return fs.readdirSync(this.ready).length + fs.readdirSync(this.inflight).length;
  }
}
