/**
 * Sending a message, with Meta's policy enforced before anything leaves:
 *   the number is this workspace's (403) and not paused → the recipient has not opted out → a template
 *   needs an opt-in (and no marketing opt-out for a marketing template); anything else needs an open
 *   customer service window (the user wrote within 24 h) → media links pass the SSRF guard → a
 *   client_reference already accepted answers again with its message id (nothing sent twice) → a pacing
 *   lease on the number's shared throughput budget → `POST /{phone_number_id}/messages`.
 * Meta's answers go through graph-policy.ts: rate limits are waited out and paced again within the
 * deadline, refusals come back with our code, and their effects are carried out here (131048 pauses the
 * number and raises an alert event, 131050 records a marketing opt-out).
 */
import { errorMessage } from '../errors';
import type { EventPublisher } from '../events/publisher';
import { moduleLogger } from '../observability/logger';
import type { WhatsAppAccounts } from './accounts';
import { checkSendMessage, type SendMessageRequest } from './contract';
import { GraphApiError, SendRefusedError, WhatsAppError } from './errors';
import { consentEvents, numberPausedEvents } from './events';
import type { GraphClient, GraphFailure } from './graph-api/client';
import { type GraphSendResponse, mediaLinks, readSendResponse, toGraphMessage } from './graph-api/messages';
import { withGraphRetries } from './graph-policy';
import { type MessageStore, WINDOW_MS } from './message-store';
import type { NumberStates } from './number-state';
import type { OptInRegistry } from './opt-in-registry';
import type { ThroughputPacer } from './throughput-pacer';

const log = moduleLogger('whatsapp');

export interface TemplateCategories {
  category(workspaceId: string, wabaId: string, name: string, language: string, options: { deadline: number }): Promise<string | undefined>;
}

export interface SendServiceDeps {
  accounts: Pick<WhatsAppAccounts, 'phoneNumber' | 'access' | 'tokenRejected'>;
  graph: Pick<GraphClient, 'call'>;
  optIns: Pick<OptInRegistry, 'get' | 'optOutOfMarketing'>;
  messages: MessageStore;
  numbers: Pick<NumberStates, 'pause' | 'pauseUntil'>;
  pacer: Pick<ThroughputPacer, 'acquire'>;
  templates: TemplateCategories;
  publisher: Pick<EventPublisher, 'publish'>;
  /** The SSRF guard for links Meta will fetch (throws `unsafe_url`). */
  vetLink: (url: string, what: string) => Promise<void>;
  source: string;
  /** How long 131048 pauses a number (default 1 h). */
  pauseMs?: number;
  /** Time kept after the pacing wait for the call to Meta (default 3 s). */
  sendBudgetMs?: number;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Every retried Graph failure (logs; the benchmark counts 130429 answers). */
  onGraphRetry?: (failure: GraphFailure, waitMs: number) => void;
}

export interface SendResult {
  message_id: string;
  status: 'accepted';
  phone_number_id: string;
  to: string;
  client_reference?: string;
  /** The client_reference was accepted before: this is its message, sent once. */
  replayed?: boolean;
}

const DEFAULT_PAUSE_MS = 3600_000;

export class SendService {
  constructor(private readonly deps: SendServiceDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  async send(workspaceId: string, request: SendMessageRequest, options: { deadline: number }): Promise<SendResult> {
    const message = checkSendMessage(request);
    const { deps } = this;
    const phone = message.phone_number_id;
    const waId = message.wa_id;
    // One round of reads, made at the same time; the owner check is answered first whatever else fails.
    const ownerRead = deps.accounts.phoneNumber(workspaceId, phone);
    const reads = [
      deps.numbers.pause(phone),
      deps.optIns.get(workspaceId, waId),
      message.type === 'template' ? Promise.resolve(undefined) : deps.messages.lastInbound(phone, waId),
    ] as const;
    for (const read of reads) read.catch(() => undefined);
    const account = await ownerRead;
    const [pause, consent, lastInbound] = [await reads[0], await reads[1], await reads[2]];
    const who = { phone_number_id: phone, wa_id: waId };
    if (pause) {
      throw new SendRefusedError('phone_number_paused', `phone number ${phone} is paused until ${new Date(pause.paused_until).toISOString()}: ${pause.reason}`, { ...who, paused_until: new Date(pause.paused_until).toISOString() }, (pause.paused_until - this.now()) / 1000);
    }
    if (consent?.status === 'opted_out') {
      throw new SendRefusedError('recipient_opted_out', `${waId} opted out of WhatsApp messages from this business on ${consent.opted_out_at} (${consent.source}); nothing may be sent until they opt in again (e.g. by sending START)`, {
        ...who,
        opted_out_at: consent.opted_out_at,
        source: consent.source,
      });
    }
    if (message.type === 'template') {
      if (consent?.status !== 'opted_in') {
        throw new SendRefusedError('no_opt_in', `${waId} never opted in to WhatsApp messages from this business: record their opt-in (POST …/opt-ins) before sending a template`, who);
      }
      if (consent.marketing_opt_outs[phone] && account.wabaId) {
        const t = message.template!;
        const language = typeof t.language === 'string' ? t.language : t.language.code;
        const category = await deps.templates.category(workspaceId, account.wabaId, t.name, language, options);
        if (category === 'MARKETING') {
          throw new SendRefusedError('recipient_opted_out', `${waId} stopped marketing messages from ${phone} in WhatsApp on ${consent.marketing_opt_outs[phone]}; template ${t.name} is a marketing template`, {
            ...who,
            scope: 'marketing',
            template: t.name,
          });
        }
      }
    } else if (lastInbound === undefined || this.now() - lastInbound >= WINDOW_MS) {
      throw new SendRefusedError(
        'outside_customer_service_window',
        lastInbound === undefined
          ? `${waId} has not written to ${phone}: outside a customer service window only an approved template can be sent`
          : `${waId} last wrote to ${phone} at ${new Date(lastInbound).toISOString()}, more than 24 hours ago: only an approved template can be sent`,
        { ...who, last_inbound_at: lastInbound === undefined ? null : new Date(lastInbound).toISOString(), window_closed_at: lastInbound === undefined ? null : new Date(lastInbound + WINDOW_MS).toISOString() },
      );
    }
    for (const link of mediaLinks(message)) await deps.vetLink(link.url, link.what);

    const reference = message.client_reference ? `${workspaceId}#${phone}#${message.client_reference}` : undefined;
    const result = (wamid: string, replayed = false): SendResult => ({
      message_id: wamid,
      status: 'accepted',
      phone_number_id: phone,
      to: waId,
      ...(message.client_reference ? { client_reference: message.client_reference } : {}),
      ...(replayed ? { replayed: true } : {}),
    });
    if (reference) {
      const claim = await deps.messages.claimReference(reference);
      if (claim.state === 'done') return result(claim.wamid, true);
      if (claim.state === 'busy') {
        throw new WhatsAppError(409, 'request_in_progress', `a message with client_reference "${message.client_reference}" is being sent by another request; retry shortly`, { details: { client_reference: message.client_reference }, retryAfterS: 2 });
      }
    }
    let tokenSecret: string | undefined;
    try {
      const access = await deps.accounts.access(workspaceId, account.tokenSecretRef);
      tokenSecret = access.tokenSecret;
      const body = toGraphMessage(message);
      // The last instant a send may start (pacing waits and retry waits end by then): the call needs time too.
      const latestAt = options.deadline - Math.min(deps.sendBudgetMs ?? 3000, (options.deadline - this.now()) / 2);
      const sent = await withGraphRetries(
        async () => {
          await deps.pacer.acquire(phone, account.throughputMps, latestAt);
          const response = await deps.graph.call<GraphSendResponse>('sendMessage', { settings: access.settings, token: access.token, params: { phone_number_id: phone }, body, deadline: options.deadline });
          return readSendResponse(response);
        },
        {
          deadline: latestAt,
          ...(deps.sleep ? { sleep: deps.sleep } : {}),
          onRetry: (failure, waitMs, attempt) => {
            log.warn('whatsapp send retried', { phone_number_id: phone, attempt, wait_ms: waitMs, graph_code: failure.info.code ?? null, http_status: failure.info.http_status });
            deps.onGraphRetry?.(failure, waitMs);
          },
        },
      );
      await Promise.all([
        deps.messages.recordSent(sent.wamid, {
          workspace_id: workspaceId,
          phone_number_id: phone,
          wa_id: sent.waId ?? waId,
          type: message.type,
          accepted_at: new Date(this.now()).toISOString(),
          ...(message.template ? { template_name: message.template.name } : {}),
          ...(message.client_reference ? { client_reference: message.client_reference } : {}),
        }),
        reference ? deps.messages.completeReference(reference, sent.wamid) : undefined,
      ]);
      log.info('whatsapp message accepted', { workspace_id: workspaceId, phone_number_id: phone, type: message.type, wamid: sent.wamid });
      return result(sent.wamid);
    } catch (error) {
      if (reference) await deps.messages.releaseReference(reference).catch((e: unknown) => log.error('could not release a client_reference claim', { error: errorMessage(e) }));
      if (error instanceof GraphApiError && error.effect) await this.carryOut(error, { workspaceId, phone, waId, tokenSecret, deadline: options.deadline });
      throw error;
    }
  }

  /** What a Meta refusal obliges us to do; a failure here is logged, never hides the refusal itself. */
  private async carryOut(error: GraphApiError, at: { workspaceId: string; phone: string; waId: string; tokenSecret: string | undefined; deadline: number }): Promise<void> {
    const { deps } = this;
    const now = this.now();
    try {
      if (error.effect === 'token_rejected' && at.tokenSecret) {
        deps.accounts.tokenRejected(at.tokenSecret);
      } else if (error.effect === 'pause_number') {
        const until = now + (deps.pauseMs ?? DEFAULT_PAUSE_MS);
        const reason = `Meta error 131048 (spam rate limit): ${error.graph.message}`;
        await deps.numbers.pauseUntil(at.phone, until, reason);
        // The alert: an operations-grade log line (alarmed) and an event for the workspace's people.
        log.error('whatsapp phone number paused', { alert: 'whatsapp_number_paused', workspace_id: at.workspaceId, phone_number_id: at.phone, paused_until: new Date(until).toISOString(), fbtrace_id: error.graph.fbtrace_id ?? null });
        await deps.publisher.publish(numberPausedEvents({ workspaceId: at.workspaceId, phoneNumberId: at.phone, until, reason, idParts: [String(until)], source: deps.source, at: new Date(now) }), { deadline: at.deadline });
      } else if (error.effect === 'opt_out_marketing') {
        await deps.optIns.optOutOfMarketing(at.workspaceId, at.waId, at.phone, now);
        await deps.publisher.publish(
          consentEvents({
            record: { workspace_id: at.workspaceId, wa_id: at.waId, source: 'meta', reason: 'error 131050: the user stopped marketing messages' },
            status: 'opted_out',
            scope: 'marketing',
            phoneNumberId: at.phone,
            via: 'meta_marketing_opt_out',
            idParts: [at.phone, at.waId, String(now)],
            at: new Date(now),
            source: deps.source,
          }),
          { deadline: at.deadline },
        );
      }
    } catch (effectError) {
      log.error('could not carry out what a WhatsApp error requires', { effect: error.effect, phone_number_id: at.phone, error: errorMessage(effectError) });
    }
  }
}
