/**
 * `POST /v1/emails/send-bulk` and `GET /v1/emails/batches/{batch_id}`. A bulk send is checked (templates,
 * every recipient's address and placeholders), stored as a batch with its recipients in chunks of 100,
 * and one message per chunk is queued for `email-bulk-worker`; 202 once all of it is durable. The
 * batch is `creating` until every chunk is queued — workers do not send a batch whose creation did not
 * finish — and a repeated idempotency key resumes or answers the same batch.
 */
import { CHUNK_SIZE, type BatchStatus, batchStatus, type BatchStore } from './batch-store';
import { type SendBulkRequest, toBulkParts } from './contract';
import type { IdempotencyStore } from './dispatch-store';
import { BatchNotFoundError, InvalidEmailRequestError } from './errors';
import { formatMailbox } from './addresses';
import { compileTemplates, missingPlaceholders } from './templates';

export interface BulkResponse {
  batch_id: string;
  total: number;
  /** Recipients listed more than once (same address, any case) are sent one message. */
  duplicates_removed: number;
}

/** What a chunk message on the `email-bulk` queue says. */
export interface ChunkJob {
  batch_id: string;
  chunk: number;
}

export interface BulkServiceDeps {
  batches: BatchStore;
  idempotency: Pick<IdempotencyStore, 'begin' | 'complete'>;
  enqueue: (job: ChunkJob) => Promise<void>;
  newBatchId: () => string;
  clock?: () => number;
  /** Chunks written and queued at once (default 8). */
  concurrency?: number;
}

/** Template data of one recipient, stored with its chunk: at most this much (chunks must fit a 400 KB item). */
export const MAX_RECIPIENT_DATA_BYTES = 3500;

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export class BulkEmailService {
  constructor(private readonly deps: BulkServiceDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  async create(request: SendBulkRequest, context: { publicBaseUrl: () => string }): Promise<BulkResponse> {
    const parts = toBulkParts(request);
    const templates = compileTemplates({ subject: parts.subject, ...(parts.text !== undefined ? { text: parts.text } : {}), ...(parts.html !== undefined ? { html: parts.html } : {}) });
    for (const [i, recipient] of parts.recipients.entries()) {
      const position = parts.positions[i]!;
      const missing = missingPlaceholders(templates, recipient.data);
      if (missing.length) throw new InvalidEmailRequestError(`recipients.${position}.data`, `has no value for ${missing.map((m) => `{{${m}}}`).join(', ')} (use null for an empty value)`);
      if (Buffer.byteLength(JSON.stringify(recipient.data)) > MAX_RECIPIENT_DATA_BYTES) {
        throw new InvalidEmailRequestError(`recipients.${position}.data`, `holds more than ${MAX_RECIPIENT_DATA_BYTES} bytes of template data`);
      }
    }

    const key = request.idempotency_key;
    let batchId = this.deps.newBatchId();
    if (key) {
      const claim = await this.deps.idempotency.begin('bulk', parts.workspaceId, key, request, batchId);
      if (claim.kind === 'done') return claim.response as BulkResponse;
      // A resumed creation finishes the same batch: every write below is idempotent.
      batchId = claim.id;
    }

    const chunks = Math.ceil(parts.recipients.length / CHUNK_SIZE);
    await this.deps.batches.createMeta({
      batch_id: batchId,
      workspace_id: parts.workspaceId,
      category: parts.category,
      from: formatMailbox(parts.from),
      ...(parts.replyTo ? { reply_to: formatMailbox(parts.replyTo) } : {}),
      subject: parts.subject,
      ...(parts.text !== undefined ? { text: parts.text } : {}),
      ...(parts.html !== undefined ? { html: parts.html } : {}),
      tags: parts.tags,
      public_base_url: context.publicBaseUrl(),
      total: parts.recipients.length,
      chunks,
      created_at: new Date(this.now()).toISOString(),
    });
    const indices = Array.from({ length: chunks }, (_, i) => i);
    const concurrency = this.deps.concurrency ?? 8;
    await inParallel(indices, concurrency, (chunk) => this.deps.batches.putChunk(batchId, chunk, parts.recipients.slice(chunk * CHUNK_SIZE, (chunk + 1) * CHUNK_SIZE)));
    await inParallel(indices, concurrency, (chunk) => this.deps.enqueue({ batch_id: batchId, chunk }));
    await this.deps.batches.markAccepted(batchId);
    const response: BulkResponse = { batch_id: batchId, total: parts.recipients.length, duplicates_removed: parts.duplicatesRemoved };
    if (key) await this.deps.idempotency.complete('bulk', parts.workspaceId, key, response);
    return response;
  }

  async status(batchId: string, workspaceId: string): Promise<BatchStatus> {
    const meta = /^bat_[A-Za-z0-9]{1,64}$/.test(batchId) ? await this.deps.batches.meta(batchId) : undefined;
    // Another workspace's batch does not exist for this one.
    if (!meta || meta.workspace_id !== workspaceId) throw new BatchNotFoundError(batchId);
    return batchStatus(meta, await this.deps.batches.tallies(batchId));
  }
}
