/**
 * WhatsApp PlatformEvents on the workspace's stream topic; the publisher writes each to the
 * `ionflux.whatsapp.all_workspaces` fan-in too, in the same produce request (platform consumers such as
 * the agent dispatcher read that).
 */
import { createPlatformEvent } from '../events/platform-event';
import type { OutgoingEvent } from '../events/publisher';
import { topics, type WhatsAppStream } from '../events/topics';
import type { ConsentRecord } from './opt-in-registry';

export interface WhatsAppEventInput {
  stream: WhatsAppStream;
  /** Upstream identity (wamid, status, template id…): the same parts give the same event_id. */
  idParts: string[];
  eventType: string;
  workspaceId: string;
  source: string;
  /** Partition key: one conversation, one message or one template stays in order. */
  key: string;
  payload: Record<string, unknown>;
  timestamp?: Date;
}

export function whatsappEvents(input: WhatsAppEventInput): OutgoingEvent[] {
  const event = createPlatformEvent({
    idParts: ['whatsapp', ...input.idParts],
    eventType: input.eventType,
    workspaceId: input.workspaceId,
    source: input.source,
    payload: input.payload,
    ...(input.timestamp ? { timestamp: input.timestamp } : {}),
  });
  // The publisher also writes it to ionflux.whatsapp.all_workspaces (the fan-in), in the same request.
  return [{ topic: topics.whatsapp(input.workspaceId, input.stream), key: input.key, event }];
}

/** `whatsapp.opt_in` / `whatsapp.opt_out`: a consent change (API, STOP/START words, Meta's marketing opt-out). */
export function consentEvents(input: {
  record: Pick<ConsentRecord, 'workspace_id' | 'wa_id'> & Partial<ConsentRecord>;
  status: 'opted_in' | 'opted_out';
  scope: 'all' | 'marketing';
  phoneNumberId: string | null;
  via: 'api' | 'stop_word' | 'start_word' | 'meta_marketing_opt_out';
  idParts: string[];
  at: Date;
  source: string;
  extra?: Record<string, unknown>;
}): OutgoingEvent[] {
  return whatsappEvents({
    stream: 'opt_in_status',
    idParts: ['consent', ...input.idParts],
    eventType: input.status === 'opted_in' ? 'whatsapp.opt_in' : 'whatsapp.opt_out',
    workspaceId: input.record.workspace_id,
    source: input.source,
    key: input.record.wa_id,
    timestamp: input.at,
    payload: {
      wa_id: input.record.wa_id,
      status: input.status,
      scope: input.scope,
      phone_number_id: input.phoneNumberId,
      via: input.via,
      source: input.record.source ?? null,
      text_shown: input.record.text_shown ?? null,
      reason: input.record.reason ?? null,
      changed_at: input.at.toISOString(),
      ...input.extra,
    },
  });
}

/** `whatsapp.phone_number.paused`: Meta's quality limit stopped the number; an operator should look. */
export function numberPausedEvents(input: { workspaceId: string; phoneNumberId: string; until: number; reason: string; idParts: string[]; source: string; at: Date }): OutgoingEvent[] {
  return whatsappEvents({
    stream: 'account_status',
    idParts: ['paused', input.phoneNumberId, ...input.idParts],
    eventType: 'whatsapp.phone_number.paused',
    workspaceId: input.workspaceId,
    source: input.source,
    key: input.phoneNumberId,
    timestamp: input.at,
    payload: { phone_number_id: input.phoneNumberId, paused_until: new Date(input.until).toISOString(), reason: input.reason },
  });
}
