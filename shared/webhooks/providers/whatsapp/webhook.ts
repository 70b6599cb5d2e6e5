/**
 * WhatsApp (Meta Cloud API) webhooks as a provider of the shared pipeline:
 * - handshake: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` → the challenge, if the
 *   token is the platform secret's `verify_token`;
 * - verify: `X-Hub-Signature-256` over the raw bytes with `app_secret` (and `previous_app_secret` while
 *   rotating);
 * - parse: every message, status, error and template/account change its own delivery (envelope.ts);
 * - before the events: an inbound message opens the customer service window and applies STOP/START
 *   keywords to the consent registry; a status moves its message forward (never back: a late
 *   `delivered` after `read` is published, marked as such); 131050 in a failed status records a
 *   marketing opt-out, 131048 pauses the number; template status changes update the cached list;
 * - events on `ionflux.whatsapp.ws_<workspace>.<stream>` and the all-workspaces fan-in.
 */
import { timingSafeEqual } from 'node:crypto';
import type { OutgoingEvent } from '../../../events/publisher';
import { moduleLogger } from '../../../observability/logger';
import { consentEvents, numberPausedEvents, whatsappEvents } from '../../../whatsapp/events';
import { ionfluxCodeOf } from '../../../whatsapp/graph-policy';
import type { MessageStore } from '../../../whatsapp/message-store';
import type { NumberStates } from '../../../whatsapp/number-state';
import type { OptInRegistry } from '../../../whatsapp/opt-in-registry';
import type { KeywordMatcher } from '../../../whatsapp/stop-words';
import type { TemplateCache } from '../../../whatsapp/template-cache';
import { WebhookHandshakeError, WebhookSignatureError } from '../../errors';
import type { WebhookProvider } from '../../provider';
import { parseEnvelope, WHATSAPP_REPLAY_WINDOW_S, type WhatsAppDelivery } from './envelope';
import { isWhatsAppSignatureShape, verifyWhatsAppSignature } from './signature';

const log = moduleLogger('whatsapp-webhooks');

export const WHATSAPP_WEBHOOK_SOURCE = 'webhook-whatsapp';
const CHALLENGE = /^[\x21-\x7e]{1,256}$/;
const EVENT_SEGMENT = /^[a-z0-9_]+$/;

export interface WhatsAppWebhookDeps {
  messages: Pick<MessageStore, 'openWindow' | 'advanceStatus'>;
  optIns: Pick<OptInRegistry, 'record' | 'optOutOfMarketing'>;
  numbers: Pick<NumberStates, 'pauseUntil'>;
  templates: Pick<TemplateCache, 'updateStatus'>;
  keywords: KeywordMatcher;
  /** How long 131048 in a status pauses the number (default 1 h). */
  pauseMs?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const segment = (value: unknown, fallback: string) => {
  const s = typeof value === 'string' ? value.toLowerCase() : '';
  return EVENT_SEGMENT.test(s) ? s : fallback;
};

/** What a user typed, where a keyword can be: a text, a quick-reply button, an interactive reply. */
function typedText(message: Record<string, unknown>): string | undefined {
  const text = isObject(message.text) ? message.text.body : undefined;
  const button = isObject(message.button) ? message.button.text : undefined;
  const interactive = isObject(message.interactive) ? ((isObject(message.interactive.button_reply) ? message.interactive.button_reply.title : undefined) ?? (isObject(message.interactive.list_reply) ? message.interactive.list_reply.title : undefined)) : undefined;
  const found = text ?? button ?? interactive;
  return typeof found === 'string' ? found : undefined;
}

const errorsOf = (status: Record<string, unknown>): Array<Record<string, unknown>> => (Array.isArray(status.errors) ? status.errors.filter(isObject) : []);
const hasError = (status: Record<string, unknown>, code: number) => errorsOf(status).some((e) => Number(e.code) === code);

export function createWhatsAppWebhooks(deps: WhatsAppWebhookDeps): WebhookProvider<WhatsAppDelivery> {
  return {
    name: 'whatsapp',
    secretProvider: 'whatsapp',
    dedupTtlSeconds: WHATSAPP_REPLAY_WINDOW_S,
    keptHeaders: [],

    handshake(query, credential) {
      const expected = credential.get('verify_token');
      if (!expected) {
        // The operator's to fix; the caller learns nothing about the configuration.
        log.error('whatsapp webhook verification: verify_token is not set in the platform secret', { secret: credential.secretName });
        throw new WebhookHandshakeError('whatsapp');
      }
      const given = Buffer.from(query['hub.verify_token'] ?? '');
      const wanted = Buffer.from(expected);
      const tokenOk = given.length === wanted.length && timingSafeEqual(given, wanted);
      const challenge = query['hub.challenge'] ?? '';
      if (query['hub.mode'] !== 'subscribe' || !tokenOk || !CHALLENGE.test(challenge)) throw new WebhookHandshakeError('whatsapp');
      return challenge;
    },

    requireSignature(request) {
      const signature = request.headers['x-hub-signature-256'];
      if (!signature) throw new WebhookSignatureError('whatsapp', 'missing');
      if (!isWhatsAppSignatureShape(signature)) throw new WebhookSignatureError('whatsapp', 'invalid');
    },

    verify(request, credential) {
      const signature = request.headers['x-hub-signature-256'];
      if (!signature) throw new WebhookSignatureError('whatsapp', 'missing');
      // A configuration error (named for the operator; the public route says only that it failed).
      const secrets = [credential.require('app_secret'), credential.get('previous_app_secret')].filter((s): s is string => Boolean(s));
      if (!verifyWhatsAppSignature(request.rawBody, signature, secrets)) throw new WebhookSignatureError('whatsapp', 'invalid');
    },

    parse: parseEnvelope,

    async beforeEvents(delivery, workspaceId) {
      const phone = delivery.phoneNumberId;
      if (delivery.item === 'message' && phone) {
        const from = String(delivery.data.from ?? '');
        if (!from) return;
        // A user's message (not a system notice) opens the 24-hour customer service window.
        if (delivery.data.type !== 'system') await deps.messages.openWindow(phone, from, delivery.at);
        const keyword = deps.keywords.match(typedText(delivery.data));
        if (keyword) {
          delivery.keyword = keyword;
          const outcome = await deps.optIns.record(workspaceId, from, {
            status: keyword === 'stop' ? 'opted_out' : 'opted_in',
            phoneNumberId: phone,
            source: keyword === 'stop' ? 'stop_word' : 'start_word',
            reason: `the user sent "${typedText(delivery.data)!.trim().slice(0, 64)}"`,
            at: delivery.at,
          });
          delivery.consentApplied = outcome.applied;
        }
      } else if (delivery.item === 'status' && phone) {
        const wamid = String(delivery.data.id ?? '');
        const status = String(delivery.data.status ?? '');
        if (wamid) delivery.currentStatus = (await deps.messages.advanceStatus(wamid, status, delivery.at, { workspace_id: workspaceId, phone_number_id: phone })).current;
        const recipient = typeof delivery.data.recipient_id === 'string' ? delivery.data.recipient_id : undefined;
        if (status === 'failed' && recipient && hasError(delivery.data, 131050)) {
          await deps.optIns.optOutOfMarketing(workspaceId, recipient, phone, delivery.at);
          delivery.marketingOptOut = true;
        }
        const until = delivery.at + (deps.pauseMs ?? 3600_000);
        // A late (or replayed) report of a limit that has already run out pauses nothing.
        if (status === 'failed' && hasError(delivery.data, 131048) && until > Date.now()) {
          await deps.numbers.pauseUntil(phone, until, 'Meta error 131048 (spam rate limit) in a status webhook');
          delivery.pausedUntil = until;
          log.error('whatsapp phone number paused', { alert: 'whatsapp_number_paused', workspace_id: workspaceId, phone_number_id: phone, paused_until: new Date(until).toISOString() });
        }
      } else if (delivery.item === 'template' && delivery.field === 'message_template_status_update') {
        const v = delivery.data;
        if (typeof v.message_template_id !== 'undefined' && typeof v.message_template_name === 'string' && typeof v.message_template_language === 'string' && typeof v.event === 'string') {
          await deps.templates.updateStatus(delivery.wabaId, { id: String(v.message_template_id), name: v.message_template_name, language: v.message_template_language, status: v.event, reason: typeof v.reason === 'string' ? v.reason : null });
        }
      }
    },

    toEvents(delivery, workspaceId): OutgoingEvent[] {
      const at = new Date(delivery.at);
      const where = { phone_number_id: delivery.phoneNumberId ?? null, display_phone_number: delivery.displayPhoneNumber ?? null, waba_id: delivery.wabaId };
      const base = { workspaceId, source: WHATSAPP_WEBHOOK_SOURCE, timestamp: at };
      switch (delivery.item) {
        case 'message': {
          const m = delivery.data;
          const wamid = String(m.id ?? delivery.dedupKey);
          const from = String(m.from ?? 'unknown');
          const profile = isObject(delivery.contact?.profile) ? delivery.contact.profile : undefined;
          const events = whatsappEvents({
            ...base,
            stream: 'incoming_message',
            idParts: ['message', delivery.phoneNumberId ?? '', wamid],
            eventType: 'whatsapp.message.received',
            key: `${delivery.phoneNumberId}:${from}`,
            payload: { ...m, ...where, wamid, wa_id: String(delivery.contact?.wa_id ?? from), profile_name: typeof profile?.name === 'string' ? profile.name : null, sent_at: at.toISOString(), opt_keyword: delivery.keyword ?? null },
          });
          if (delivery.keyword && delivery.consentApplied) {
            events.push(
              ...consentEvents({
                record: { workspace_id: workspaceId, wa_id: from, source: delivery.keyword === 'stop' ? 'stop_word' : 'start_word', reason: `the user sent a ${delivery.keyword} word` },
                status: delivery.keyword === 'stop' ? 'opted_out' : 'opted_in',
                scope: 'all',
                phoneNumberId: delivery.phoneNumberId ?? null,
                via: delivery.keyword === 'stop' ? 'stop_word' : 'start_word',
                idParts: [wamid],
                at,
                source: WHATSAPP_WEBHOOK_SOURCE,
                extra: { wamid },
              }),
            );
          }
          return events;
        }
        case 'status': {
          const s = delivery.data;
          const wamid = String(s.id ?? delivery.dedupKey);
          const status = segment(s.status, 'unknown');
          const errors = errorsOf(s).map((e) => ({ ...e, ionflux_code: ionfluxCodeOf(e.code) }));
          const events = whatsappEvents({
            ...base,
            stream: 'message_status',
            idParts: ['status', delivery.phoneNumberId ?? '', wamid, status],
            eventType: `whatsapp.message.${status}`,
            key: wamid,
            payload: {
              ...s,
              ...where,
              wamid,
              ...(errors.length ? { errors } : {}),
              client_reference: typeof s.biz_opaque_callback_data === 'string' ? s.biz_opaque_callback_data : null,
              // How far the message has got: a late status (delivered after read) is published, never regresses it.
              current_status: delivery.currentStatus ?? status,
              late: delivery.currentStatus !== undefined && delivery.currentStatus !== status,
              status_at: at.toISOString(),
            },
          });
          const recipient = String(s.recipient_id ?? '');
          if (delivery.marketingOptOut && recipient) {
            events.push(
              ...consentEvents({
                record: { workspace_id: workspaceId, wa_id: recipient, source: 'meta', reason: 'error 131050: the user stopped marketing messages' },
                status: 'opted_out',
                scope: 'marketing',
                phoneNumberId: delivery.phoneNumberId ?? null,
                via: 'meta_marketing_opt_out',
                idParts: [wamid, 'marketing'],
                at,
                source: WHATSAPP_WEBHOOK_SOURCE,
                extra: { wamid },
              }),
            );
          }
          if (delivery.pausedUntil && delivery.phoneNumberId) {
            events.push(...numberPausedEvents({ workspaceId, phoneNumberId: delivery.phoneNumberId, until: delivery.pausedUntil, reason: 'Meta error 131048 (spam rate limit) in a status webhook', idParts: [wamid], source: WHATSAPP_WEBHOOK_SOURCE, at }));
          }
          return events;
        }
        case 'template': {
          const v = delivery.data;
          const action = delivery.field === 'message_template_status_update' ? segment(v.event, 'status_update') : delivery.field === 'template_category_update' ? 'category_updated' : delivery.field === 'message_template_quality_update' ? 'quality_updated' : segment(delivery.field, 'updated');
          return whatsappEvents({
            ...base,
            stream: 'template_status',
            idParts: ['template', delivery.dedupKey],
            eventType: `whatsapp.template.${action}`,
            key: String(v.message_template_id ?? delivery.wabaId),
            payload: { ...v, waba_id: delivery.wabaId, field: delivery.field, changed_at: at.toISOString() },
          });
        }
        case 'error':
          return whatsappEvents({
            ...base,
            stream: 'account_status',
            idParts: ['error', delivery.dedupKey],
            eventType: 'whatsapp.account.error',
            key: delivery.phoneNumberId ?? delivery.wabaId,
            payload: { ...delivery.data, ...where, ionflux_code: ionfluxCodeOf(delivery.data.code) },
          });
        case 'account':
          return whatsappEvents({
            ...base,
            stream: 'account_status',
            idParts: ['account', delivery.dedupKey],
            eventType: `whatsapp.account.${segment(delivery.field, 'update')}`,
            key: delivery.wabaId,
            payload: { ...delivery.data, waba_id: delivery.wabaId, field: delivery.field, changed_at: at.toISOString() },
          });
      }
    },
  };
}
