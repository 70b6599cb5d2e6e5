/**
 * PlatformEvents of the TikTok integration: `event_type` `tiktok.<event>` on
 * `ionflux.tiktok.ws_<workspace>.<event with "." as "_">` (e.g. `tiktok.account.connected` on
 * `…account_connected`, TikTok's `authorization.removed` webhook on `…authorization_removed`). The
 * publisher also writes each to the fan-in `ionflux.tiktok.all_workspaces` itself.
 */
import { createPlatformEvent } from '../events/platform-event';
import type { EventPublisher, OutgoingEvent } from '../events/publisher';
import { topics } from '../events/topics';

export type Publisher = Pick<EventPublisher, 'publish'>;

/** `authorization.removed`, `account.connected`, `trend_snapshot`…: lower-case words joined by "." or "_". */
export const TIKTOK_EVENT = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

export interface TikTokEventInput {
  workspaceId: string;
  /** Without the `tiktok.` prefix: `account.connected`, `authorization.removed`, `trend_snapshot`. */
  event: string;
  /** Upstream identity of the event: the same parts always give the same event_id. */
  idParts: string[];
  /** Function or service that produced it. */
  source: string;
  payload: Record<string, unknown>;
  /** Kafka key: the entity (open_id, workspace) whose events must stay ordered. */
  key: string;
  timestamp?: Date;
}

export const tiktokTopic = (workspaceId: string, event: string): string => topics.tiktok(workspaceId, event.replaceAll('.', '_'));

export function tiktokEvent(input: TikTokEventInput): OutgoingEvent {
  const event = createPlatformEvent({
    idParts: ['tiktok', ...input.idParts],
    eventType: `tiktok.${input.event}`,
    workspaceId: input.workspaceId,
    source: input.source,
    payload: input.payload,
    ...(input.timestamp ? { timestamp: input.timestamp } : {}),
  });
  return { topic: tiktokTopic(input.workspaceId, input.event), key: input.key, event };
}

/** Publishes with a bounded share of the caller's time (Kafka, else the outbox); returns the event ids. */
export async function publishTikTokEvents(publisher: Publisher, inputs: TikTokEventInput[], deadline: number): Promise<string[]> {
  const outgoing = inputs.map(tiktokEvent);
  await publisher.publish(outgoing, { deadline });
  return outgoing.map((o) => o.event.event_id);
}
