/**
 * Meta's WhatsApp webhook bodies, built the way Meta sends them: the `whatsapp_business_account`
 * envelope, `entry[].changes[]` with `field` and `value`, epoch-second string timestamps, and — with
 * `metaJson` — Meta's escaping (non-ASCII as lower-case `\uXXXX`, `/` as `\/`), the bytes it signs.
 */
import { randomBytes } from 'node:crypto';

type Json = Record<string, unknown>;

export const newWamid = () => `wamid.${randomBytes(24).toString('base64url')}`;
const seconds = (ms: number) => String(Math.floor(ms / 1000));

export interface NumberRef {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber?: string;
}

export const envelope = (entries: Array<{ wabaId: string; time?: number; changes: Array<{ field: string; value: Json }> }>): Json => ({
  object: 'whatsapp_business_account',
  entry: entries.map((e) => ({ id: e.wabaId, ...(e.time !== undefined ? { time: Math.floor(e.time / 1000) } : {}), changes: e.changes })),
});

export const messagesValue = (number: NumberRef, parts: { messages?: Json[]; statuses?: Json[]; contacts?: Json[]; errors?: Json[] }): Json => ({
  messaging_product: 'whatsapp',
  metadata: { display_phone_number: number.displayPhoneNumber ?? '15550001111', phone_number_id: number.phoneNumberId },
  ...parts,
});

export function textMessage(input: { from: string; text: string; wamid?: string; at?: number; context?: Json }): Json {
  return { from: input.from, id: input.wamid ?? newWamid(), timestamp: seconds(input.at ?? Date.now()), type: 'text', text: { body: input.text }, ...(input.context ? { context: input.context } : {}) };
}

export function statusUpdate(input: { wamid: string; status: string; recipient: string; at?: number; errors?: Json[]; clientReference?: string }): Json {
  return {
    id: input.wamid,
    status: input.status,
    timestamp: seconds(input.at ?? Date.now()),
    recipient_id: input.recipient,
    ...(input.clientReference ? { biz_opaque_callback_data: input.clientReference } : {}),
    ...(input.status === 'failed' ? {} : { pricing: { billable: true, pricing_model: 'PMP', category: 'utility' } }),
    ...(input.errors ? { errors: input.errors } : {}),
  };
}

/** One inbound message (with its contact), as Meta delivers it. */
export function inboundMessageWebhook(number: NumberRef, input: { from: string; text: string; name?: string; wamid?: string; at?: number }): Json {
  return envelope([
    {
      wabaId: number.wabaId,
      changes: [{ field: 'messages', value: messagesValue(number, { contacts: [{ profile: { name: input.name ?? 'Ada' }, wa_id: input.from }], messages: [textMessage(input)] }) }],
    },
  ]);
}

export function statusWebhook(number: NumberRef, statuses: Json[]): Json {
  return envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { statuses }) }] }]);
}

export function templateStatusWebhook(wabaId: string, input: { templateId: string; name: string; language: string; event: string; reason?: string; at?: number }): Json {
  return envelope([
    {
      wabaId,
      time: input.at ?? Date.now(),
      changes: [
        {
          field: 'message_template_status_update',
          value: { event: input.event, message_template_id: Number(input.templateId), message_template_name: input.name, message_template_language: input.language, reason: input.reason ?? 'NONE' },
        },
      ],
    },
  ]);
}

/** JSON as Meta writes it: every non-ASCII character as `\uXXXX` (lower-case hex, surrogate pairs), `/` as `\/`. */
export const metaJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');
