/**
 * `email-bulk-worker`: sends one chunk (≤ 100 recipients) of a batch, one message per recipient, each
 * with its own unsubscribe link. Recipients go out concurrently, each at its slot on the account's shared
 * rate timeline (inside the SES transport), so every worker of every Lambda together sends at
 * MaxSendRate. Each recipient is claimed by a conditional write before it is sent and counted once when
 * it ends; a throttled or failed recipient is put back alone, with a backoff, and retried in a later round
 * — never the chunk, never the batch.
 *
 * A crash (or a timeout) can leave a recipient `sending` with nobody left to finish it. After its lease,
 * the provider's own report (the `email.sent`… events a status recorder turns into confirmations) says
 * whether it went out; it is sent again only if no report came within the grace period.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { parseMailbox } from './addresses';
import { type BatchMeta, type BatchStore, CHUNK_SIZE, type RecipientRecord, recipientDispatchId, TERMINAL, tallyOf } from './batch-store';
import type { ChunkJob } from './bulk-service';
import type { EmailDispatcher } from './dispatcher';
import type { ConfirmationStore } from './dispatch-store';
import { EmailUnavailableError, MessageRejectedError } from './errors';
import type { Mailbox, OutgoingEmail } from './message';
import type { SuppressionStore } from './suppressions';
import type { CompiledTemplates } from './templates';
import { SendDeferredError } from './transport';
import type { UnsubscribeLinks } from './unsubscribe';

const log = moduleLogger('email-bulk');

export interface BulkWorkerSettings {
  claimLeaseMs: number;
  confirmGraceMs: number;
  maxAttempts: number;
  /** Recipients of one chunk in flight at once (waiting for their slot or sending). */
  concurrency?: number;
  /** A batch still `creating` this long after it was started was abandoned by its request. */
  abandonedAfterMs?: number;
}

export interface BulkWorkerDeps {
  batches: BatchStore;
  suppressions: Pick<SuppressionStore, 'blocking'>;
  confirmations: Pick<ConfirmationStore, 'get'>;
  dispatcher: Pick<EmailDispatcher, 'deliver'>;
  links: Pick<UnsubscribeLinks, 'headers'>;
  templates: (meta: BatchMeta) => CompiledTemplates;
  settings: BulkWorkerSettings;
  newAttemptId: () => string;
  clock?: () => number;
}

export type ChunkOutcome =
  | { kind: 'done'; sent: number; failed: number; suppressed: number }
  /** Some recipients are not finished: run the chunk again in `delayMs`. */
  | { kind: 'later'; delayMs: number; waiting: number }
  /** The job cannot be done (its batch is gone or was abandoned): delete it. */
  | { kind: 'drop'; reason: string };

/** Time one recipient needs at least (a slot, the call, the record): none is started with less left. */
export const MIN_RECIPIENT_MS = 3000;
/** Kept before a claim's lease ends: the call is over before anyone may take the recipient over. */
const LEASE_MARGIN_MS = 5000;
const DEFAULT_ABANDONED_AFTER_MS = 15 * 60_000;
/** Recipients ended between two counts of a chunk's progress within a round. */
const TALLY_EVERY = 25;

/** Backoff of a bulk recipient's next attempt: 15 s, 30 s, 1 min … at most 10 min. */
export const retryDelayMs = (attempts: number, hintMs = 0): number => Math.max(hintMs, Math.min(600_000, 15_000 * 2 ** Math.max(0, attempts - 1)));

export class BulkEmailWorker {
  constructor(private readonly deps: BulkWorkerDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  async processChunk(job: ChunkJob, deadline: number): Promise<ChunkOutcome> {
    const { batches } = this.deps;
    const meta = await batches.meta(job.batch_id);
    if (!meta) return { kind: 'drop', reason: `batch ${job.batch_id} does not exist (expired?)` };
    if (meta.state === 'creating') {
      if (this.now() - Date.parse(meta.created_at) > (this.deps.settings.abandonedAfterMs ?? DEFAULT_ABANDONED_AFTER_MS)) {
        return { kind: 'drop', reason: `batch ${job.batch_id} was never accepted: its request did not finish (its caller saw no 202)` };
      }
      return { kind: 'later', delayMs: 5000, waiting: 0 };
    }
    const chunk = await batches.chunk(job.batch_id, job.chunk);
    if (!chunk) return { kind: 'drop', reason: `batch ${job.batch_id} has no chunk ${job.chunk}` };
    const records = await batches.records(job.batch_id, job.chunk);
    const templates = this.deps.templates(meta);
    const round = { laterAt: Number.POSITIVE_INFINITY, waiting: 0, sent: 0, failed: 0, suppressed: 0 };
    const later = (at: number) => {
      round.waiting++;
      round.laterAt = Math.min(round.laterAt, at);
    };

    const indices = chunk.recipients.map((_, i) => chunk.start + i);
    const tally = async () => batches.putTally(job.batch_id, job.chunk, tallyOf((await batches.records(job.batch_id, job.chunk)).values()));
    let next = 0;
    let ended = 0;
    const lane = async () => {
      while (next < indices.length) {
        const index = indices[next++]!;
        const recipient = chunk.recipients[index - chunk.start]!;
        try {
          const before = round.sent + round.failed + round.suppressed;
          await this.recipient(meta, index, recipient, records.get(index), templates, deadline, round, later);
          // The batch's progress moves during a round too, every TALLY_EVERY recipients ended.
          if (round.sent + round.failed + round.suppressed > before && ++ended % TALLY_EVERY === 0) await tally();
        } catch (error) {
          // Our bug or our store: leave the recipient as it is (its lease, if claimed, settles it later).
          log.error('bulk recipient failed unexpectedly', { batch_id: meta.batch_id, index, error: errorMessage(error) });
          later(this.now() + this.deps.settings.claimLeaseMs);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.settings.concurrency ?? 50, CHUNK_SIZE) }, lane));
    // The chunk's count, from its records (whoever ended them: this round, an earlier one, a dead worker).
    await tally();
    if (round.waiting) return { kind: 'later', delayMs: Math.max(0, round.laterAt - this.now()), waiting: round.waiting };
    return { kind: 'done', sent: round.sent, failed: round.failed, suppressed: round.suppressed };
  }

  private async recipient(
    meta: BatchMeta,
    index: number,
    recipient: { to: string; data: Record<string, string | number | boolean | null> },
    record: RecipientRecord | undefined,
    templates: CompiledTemplates,
    deadline: number,
    round: { sent: number; failed: number; suppressed: number },
    later: (at: number) => void,
  ): Promise<void> {
    const { batches, settings } = this.deps;
    const dispatchId = recipientDispatchId(meta.batch_id, index);
    if (record && TERMINAL.has(record.state)) return;
    const now = this.now();
    if (record?.state === 'sending') {
      if (record.claimed_until > now) return later(record.claimed_until);
      // In doubt: the attempt that claimed it died. Did the provider take the message?
      const confirmed = await this.deps.confirmations.get(dispatchId);
      if (confirmed) {
        const claimed = await batches.claim(meta.batch_id, index, record, this.deps.newAttemptId(), settings.claimLeaseMs);
        if (!claimed) return later(now + 1000);
        if (await batches.finish(meta.batch_id, index, claimed.attempt_id, { state: 'sent', provider: confirmed.provider, ...(confirmed.provider_message_id ? { providerMessageId: confirmed.provider_message_id } : {}), reason: 'confirmed by the provider after the sending attempt died' })) round.sent++;
        return;
      }
      if (record.claimed_at + settings.confirmGraceMs > now) return later(record.claimed_at + settings.confirmGraceMs);
      log.warn('bulk recipient in doubt with no provider report after the grace period: sending again', { batch_id: meta.batch_id, index, claimed_at: new Date(record.claimed_at).toISOString() });
    }
    if (record?.state === 'retry' && (record.retry_at ?? 0) > now) return later(record.retry_at!);
    if (deadline - now < MIN_RECIPIENT_MS) return later(now);

    const claimed = await batches.claim(meta.batch_id, index, record, this.deps.newAttemptId(), settings.claimLeaseMs);
    if (!claimed) return later(now + 1000);

    const to = parseMailbox(recipient.to) as Mailbox;
    const blocking = await this.deps.suppressions.blocking(meta.workspace_id, to.address, meta.category);
    if (blocking) {
      if (await batches.finish(meta.batch_id, index, claimed.attempt_id, { state: 'suppressed', reason: blocking.reason })) round.suppressed++;
      return;
    }
    let rendered: ReturnType<CompiledTemplates['render']>;
    try {
      rendered = templates.render(recipient.data);
    } catch (error) {
      if (await batches.finish(meta.batch_id, index, claimed.attempt_id, { state: 'failed', reason: `template: ${errorMessage(error)}` })) round.failed++;
      return;
    }
    const message: OutgoingEmail = {
      dispatchId,
      workspaceId: meta.workspace_id,
      batchId: meta.batch_id,
      category: meta.category,
      from: parseMailbox(meta.from) as Mailbox,
      to: [to],
      cc: [],
      bcc: [],
      ...(meta.reply_to ? { replyTo: parseMailbox(meta.reply_to) as Mailbox } : {}),
      subject: rendered.subject,
      ...(rendered.text !== undefined ? { text: rendered.text } : {}),
      ...(rendered.html !== undefined ? { html: rendered.html } : {}),
      attachments: [],
      tags: meta.tags,
      headers: meta.category === 'marketing' ? await this.deps.links.headers(meta.public_base_url, { workspaceId: meta.workspace_id, email: to.address, dispatchId }) : {},
    };
    try {
      const sent = await this.deps.dispatcher.deliver(message, { deadline: Math.min(deadline, claimed.claimed_until - LEASE_MARGIN_MS), maxRetries: 0, deferPacing: true });
      if (await batches.finish(meta.batch_id, index, claimed.attempt_id, { state: 'sent', provider: sent.provider, providerMessageId: sent.providerMessageId })) round.sent++;
      else log.error('bulk recipient sent after its claim was taken over', { batch_id: meta.batch_id, index, provider: sent.provider });
    } catch (error) {
      if (error instanceof SendDeferredError) {
        await batches.unclaim(meta.batch_id, index, claimed);
        return later(this.now() + Math.min(error.waitMs, 60_000));
      }
      if (error instanceof MessageRejectedError) {
        if (await batches.finish(meta.batch_id, index, claimed.attempt_id, { state: 'failed', provider: error.provider, reason: error.reason })) round.failed++;
        return;
      }
      if (error instanceof EmailUnavailableError) {
        const attempts = (error.details?.attempts ?? []) as Array<{ code: string; message: string }>;
        // Our deadline cut a call short: the provider may have taken it. The lease runs out; the doubt is settled then.
        if (attempts.some((a) => a.code === 'deadline')) return later(claimed.claimed_until);
        const reason = attempts.map((a) => `${a.code}: ${a.message}`).join('; ').slice(0, 1000) || error.message;
        if (claimed.attempts >= settings.maxAttempts) {
          if (await batches.finish(meta.batch_id, index, claimed.attempt_id, { state: 'failed', reason: `gave up after ${claimed.attempts} attempts: ${reason}` })) round.failed++;
          return;
        }
        const retryAt = this.now() + retryDelayMs(claimed.attempts, Number(error.headers?.['retry-after'] ?? 0) * 1000);
        await batches.retryLater(meta.batch_id, index, claimed.attempt_id, retryAt, reason);
        return later(retryAt);
      }
      throw error;
    }
  }
}
