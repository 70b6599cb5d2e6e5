/**
 * `POST /v1/emails/send`: one message to up to 50 recipients. Checks the request, answers a repeated
 * idempotency key with the first answer, leaves out suppressed recipients (409 when none is left), adds
 * the one-click unsubscribe headers to marketing mail, and hands the message to the dispatcher (retry,
 * failover). 202 once a provider accepted it.
 */
import { addressKey } from './addresses';
import { type SendRequest, toSendParts } from './contract';
import type { EmailDispatcher } from './dispatcher';
import type { Confirmation, ConfirmationStore, IdempotencyStore } from './dispatch-store';
import { AllRecipientsSuppressedError, EmailUnavailableError, RequestInProgressError } from './errors';
import type { Mailbox, OutgoingEmail } from './message';
import type { SuppressionStore } from './suppressions';
import type { UnsubscribeLinks } from './unsubscribe';

export interface RecipientStatus {
  email: string;
  status: 'accepted' | 'suppressed';
}

export interface SendResponse {
  dispatch_id: string;
  provider: string;
  provider_message_id: string;
  status: 'accepted';
  recipients: RecipientStatus[];
}

export interface SendServiceDeps {
  dispatcher: Pick<EmailDispatcher, 'deliver'>;
  suppressions: Pick<SuppressionStore, 'blocking'>;
  idempotency: Pick<IdempotencyStore, 'begin' | 'complete' | 'release'>;
  confirmations: Pick<ConfirmationStore, 'get'>;
  links: Pick<UnsubscribeLinks, 'headers'>;
  /** How long a send in doubt waits for the provider's own report before it is sent again. */
  confirmGraceMs: number;
  newDispatchId: () => string;
  clock?: () => number;
}

/** Time kept after the provider call to store the answer under the idempotency key. */
const COMPLETE_MARGIN_MS = 500;

export class EmailSendService {
  constructor(private readonly deps: SendServiceDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  async send(request: SendRequest, context: { deadline: number; publicBaseUrl: () => string }): Promise<SendResponse> {
    const parts = toSendParts(request);
    const key = request.idempotency_key;
    let dispatchId = this.deps.newDispatchId();
    if (key) {
      const claim = await this.deps.idempotency.begin('send', parts.workspaceId, key, request, dispatchId);
      if (claim.kind === 'done') return claim.response as SendResponse;
      dispatchId = claim.id;
      if (claim.resumed) {
        // The first attempt died mid-send: the provider may have accepted it. Its own report settles that.
        const confirmed = await this.deps.confirmations.get(dispatchId);
        if (confirmed) return this.finish(key, parts.workspaceId, this.answer(dispatchId, confirmed, await this.statuses(parts)));
        const waitMs = claim.resumed.claimedAt + this.deps.confirmGraceMs - this.now();
        if (waitMs > 0) throw new RequestInProgressError(Math.ceil(waitMs / 1000));
      }
    }
    let response: SendResponse;
    try {
      const recipients = await this.statuses(parts);
      const kept = (list: Mailbox[]) => list.filter((m) => recipients.find((r) => addressKey(r.email) === addressKey(m.address))?.status === 'accepted');
      const message: OutgoingEmail = {
        dispatchId,
        workspaceId: parts.workspaceId,
        category: parts.category,
        from: parts.from,
        to: kept(parts.to),
        cc: kept(parts.cc),
        bcc: kept(parts.bcc),
        subject: parts.subject,
        attachments: parts.attachments,
        tags: parts.tags,
        headers: {},
        ...(parts.replyTo ? { replyTo: parts.replyTo } : {}),
        ...(parts.text !== undefined ? { text: parts.text } : {}),
        ...(parts.html !== undefined ? { html: parts.html } : {}),
      };
      if (!message.to.length && !message.cc.length && !message.bcc.length) {
        throw new AllRecipientsSuppressedError(recipients.map((r) => ({ email: r.email, reason: r.reason ?? 'suppressed' })));
      }
      if (parts.category === 'marketing') {
        // One recipient (the contract checks it): the link unsubscribes exactly that address.
        const [recipient] = [...message.to, ...message.cc, ...message.bcc];
        message.headers = await this.deps.links.headers(context.publicBaseUrl(), { workspaceId: parts.workspaceId, email: recipient!.address, dispatchId });
      }
      const sent = await this.deps.dispatcher.deliver(message, { deadline: context.deadline - (key ? COMPLETE_MARGIN_MS : 0) });
      response = {
        dispatch_id: dispatchId,
        provider: sent.provider,
        provider_message_id: sent.providerMessageId,
        status: 'accepted',
        recipients: recipients.map(({ email, status }) => ({ email, status })),
      };
    } catch (error) {
      // Nothing was sent: a retry with the same key is processed afresh. Unless our deadline cut a call
      // short — the provider may have taken it — then the key stays claimed and the retry settles the doubt.
      const inDoubt = error instanceof EmailUnavailableError && (error.details?.attempts as Array<{ code: string }> | undefined)?.some((a) => a.code === 'deadline');
      if (key && !inDoubt) await this.deps.idempotency.release('send', parts.workspaceId, key).catch(() => undefined);
      throw error;
    }
    return key ? this.finish(key, parts.workspaceId, response) : response;
  }

  private async finish(key: string, workspaceId: string, response: SendResponse): Promise<SendResponse> {
    await this.deps.idempotency.complete('send', workspaceId, key, response);
    return response;
  }

  private answer(dispatchId: string, confirmed: Confirmation, recipients: RecipientStatus[]): SendResponse {
    return { dispatch_id: dispatchId, provider: confirmed.provider, provider_message_id: confirmed.provider_message_id ?? '', status: 'accepted', recipients };
  }

  /** Every requested recipient, accepted or suppressed for this category (with why). */
  private async statuses(parts: ReturnType<typeof toSendParts>): Promise<Array<RecipientStatus & { reason?: string }>> {
    const all = [...parts.to, ...parts.cc, ...parts.bcc];
    const blocking = await Promise.all(all.map((m) => this.deps.suppressions.blocking(parts.workspaceId, m.address, parts.category)));
    return all.map((m, i) => (blocking[i] ? { email: m.address, status: 'suppressed' as const, reason: blocking[i]!.reason } : { email: m.address, status: 'accepted' as const }));
  }
}
