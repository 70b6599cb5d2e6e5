/**
 * Meta's webhook envelope → deliveries. One POST carries `entry[]` (one per WABA) × `changes[]` (one per
 * field); a `messages` change carries any number of inbound messages, statuses and errors of one phone
 * number. Each of those is its own delivery, de-duplicated on its own id (a message on its wamid, a status
 * on wamid + status), so a redelivered or re-batched POST publishes nothing twice.
 *   messages field → routed by `metadata.phone_number_id` (connection `whatsapp:<id>`);
 *   template and other account fields → routed by the WABA (`entry[].id`, connection `whatsapp_waba:<id>`).
 */
import { hash } from 'node:crypto';
import { MalformedWebhookError, StaleWebhookError } from '../../errors';
import { parseWebhookJson } from '../../json';
import type { Delivery, WebhookRequest } from '../../provider';

type Json = Record<string, unknown>;

export type WhatsAppItem = 'message' | 'status' | 'template' | 'account' | 'error';

export interface WhatsAppDelivery extends Delivery {
  item: WhatsAppItem;
  field: string;
  wabaId: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  /** When it happened (epoch ms): the message's or status's timestamp, else the entry's time, else arrival. */
  at: number;
  /** The message, status, error, or the change's value (template and account fields), as Meta sent it. */
  data: Json;
  /** The sender's contact entry (profile name, wa_id), for messages. */
  contact?: Json;
  // Set by the provider's beforeEvents:
  keyword?: 'stop' | 'start';
  consentApplied?: boolean;
  currentStatus?: string;
  marketingOptOut?: boolean;
  pausedUntil?: number;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
/** Ids the registry can route by (anything else is parked, never dropped). */
const ROUTABLE_ID = /^\d{5,32}$/;
const digest = (value: unknown) => hash('sha256', JSON.stringify(value) ?? '', 'hex').slice(0, 24);

/** Meta's timestamps are epoch seconds, as strings or numbers. */
function epochMs(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Meta retries a failed webhook for up to 7 days: dedup records live 8, and a delivery that says it
 * happened longer ago than that is a captured request played again (only the body is signed, and its
 * dedup record is gone), refused as stale.
 */
export const WHATSAPP_REPLAY_WINDOW_S = 8 * 86_400;

/** Fields about templates: routed by WABA, published on the template_status topic. */
export const TEMPLATE_FIELDS = new Set(['message_template_status_update', 'message_template_quality_update', 'message_template_components_update', 'template_category_update']);

export function parseEnvelope(request: WebhookRequest): WhatsAppDelivery[] {
  const body = parseWebhookJson('whatsapp', request.rawBody);
  if (!isObject(body)) throw new MalformedWebhookError('whatsapp', 'body must be a JSON object');
  if (body.object !== 'whatsapp_business_account') throw new MalformedWebhookError('whatsapp', `object must be "whatsapp_business_account" (got ${JSON.stringify(body.object)})`);
  if (!Array.isArray(body.entry)) throw new MalformedWebhookError('whatsapp', 'entry must be an array');
  const deliveries: WhatsAppDelivery[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) throw new MalformedWebhookError('whatsapp', 'each entry needs an id and a changes array');
    const wabaId = str(entry.id) ?? 'unknown';
    const entryAt = epochMs(entry.time) ?? request.receivedAt;
    for (const change of entry.changes) {
      if (!isObject(change) || typeof change.field !== 'string' || !isObject(change.value)) throw new MalformedWebhookError('whatsapp', 'each change needs a field and a value object');
      const field = change.field;
      const value = change.value;
      if (field === 'messages') deliveries.push(...messagesChange(wabaId, value, entryAt));
      else deliveries.push(accountChange(wabaId, field, value, entryAt));
    }
  }
  const stale = deliveries.find((d) => request.receivedAt - d.at > WHATSAPP_REPLAY_WINDOW_S * 1000);
  if (stale) throw new StaleWebhookError('whatsapp', new Date(stale.at).toISOString(), WHATSAPP_REPLAY_WINDOW_S);
  return deliveries;
}

function messagesChange(wabaId: string, value: Json, entryAt: number): WhatsAppDelivery[] {
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const phoneNumberId = str(metadata.phone_number_id);
  const displayPhoneNumber = str(metadata.display_phone_number);
  const common = {
    field: 'messages',
    wabaId,
    ...(phoneNumberId ? { phoneNumberId } : {}),
    ...(phoneNumberId && ROUTABLE_ID.test(phoneNumberId) ? { account: { provider: 'whatsapp' as const, id: phoneNumberId } } : {}),
    ...(displayPhoneNumber ? { displayPhoneNumber } : {}),
  };
  const phone = phoneNumberId ?? 'unknown';
  const contacts = Array.isArray(value.contacts) ? value.contacts.filter(isObject) : [];
  const out: WhatsAppDelivery[] = [];
  for (const message of Array.isArray(value.messages) ? value.messages.filter(isObject) : []) {
    const wamid = str(message.id) ?? `hash-${digest(message)}`;
    const from = str(message.from) ?? 'unknown';
    const contact = contacts.find((c) => str(c.wa_id) === from) ?? (contacts.length === 1 ? contacts[0] : undefined);
    out.push({
      ...common,
      item: 'message',
      dedupKey: `whatsapp:message:${phone}:${wamid}`,
      kind: `message.${str(message.type) ?? 'unknown'}`,
      // One conversation's messages in order (a STOP then a START in one POST).
      orderKey: `conversation:${phone}:${from}`,
      at: epochMs(message.timestamp) ?? entryAt,
      data: message,
      ...(contact ? { contact } : {}),
    });
  }
  for (const status of Array.isArray(value.statuses) ? value.statuses.filter(isObject) : []) {
    const wamid = str(status.id) ?? `hash-${digest(status)}`;
    const name = str(status.status) ?? 'unknown';
    out.push({
      ...common,
      item: 'status',
      dedupKey: `whatsapp:status:${phone}:${wamid}:${name}`,
      kind: `status.${name}`,
      orderKey: `message:${wamid}`,
      at: epochMs(status.timestamp) ?? entryAt,
      data: status,
    });
  }
  for (const error of Array.isArray(value.errors) ? value.errors.filter(isObject) : []) {
    out.push({ ...common, item: 'error', dedupKey: `whatsapp:error:${phone}:${entryAt}:${digest(error)}`, kind: 'error', at: entryAt, data: error });
  }
  return out;
}

function accountChange(wabaId: string, field: string, value: Json, entryAt: number): WhatsAppDelivery {
  const template = TEMPLATE_FIELDS.has(field);
  const templateId = str(value.message_template_id);
  return {
    item: template ? 'template' : 'account',
    field,
    wabaId,
    ...(ROUTABLE_ID.test(wabaId) ? { account: { provider: 'whatsapp_waba' as const, id: wabaId } } : {}),
    dedupKey: template && templateId ? `whatsapp:${field}:${wabaId}:${templateId}:${str(value.event) ?? ''}:${entryAt}:${digest(value)}` : `whatsapp:${field}:${wabaId}:${entryAt}:${digest(value)}`,
    kind: template ? `${field}.${str(value.event) ?? 'change'}` : field,
    ...(templateId ? { orderKey: `template:${wabaId}:${templateId}` } : {}),
    at: entryAt,
    data: value,
  };
}
