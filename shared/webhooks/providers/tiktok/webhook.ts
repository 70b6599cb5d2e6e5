/**
 * TikTok webhooks as a provider of the shared pipeline (developers.tiktok.com/doc/webhooks-overview):
 * body `{client_key, event, create_time, user_openid, content}` where `content` is serialized JSON;
 * `TikTok-Signature` checked over the raw bytes with the app's client secret (5-minute tolerance);
 * dedup on open_id + event + create_time + a hash of `content` (TikTok sends no delivery id); routed by
 * the account's open_id (connection `tiktok:<open_id>`); events `tiktok.<event>` on
 * `ionflux.tiktok.ws_<workspace>.<event with "." as "_">` (`authorization_removed`, `video_upload_failed`,
 * `video_publish_completed`, …). `authorization.removed` also marks the connection revoked.
 */
import { createHash } from 'node:crypto';
import { normaliseAccountId } from '../../../connections/account-ids';
import { InvalidAccountIdError } from '../../../connections/errors';
import type { OutgoingEvent } from '../../../events/publisher';
import { moduleLogger } from '../../../observability/logger';
import { TIKTOK_EVENT, tiktokEvent } from '../../../tiktok/events';
import { MalformedWebhookError, WebhookSignatureError } from '../../errors';
import type { Delivery, WebhookProvider } from '../../provider';
import { parseTikTokSignature, verifyTikTokSignature } from './tiktok-signature';

const log = moduleLogger('tiktok-webhooks');

export interface TikTokDelivery extends Delivery {
  openId: string;
  event: string;
  /** Unix seconds, as TikTok sent it. */
  createTime: number;
  contentHash: string;
  /** `content` parsed when it is JSON, else the string as sent. */
  content: unknown;
  clientKey: string | null;
}

export const TIKTOK_SIGNATURE_HEADER = 'tiktok-signature';

export const tiktokWebhooks: WebhookProvider<TikTokDelivery> = {
  name: 'tiktok',
  secretProvider: 'tiktok',
  // TikTok retries failed deliveries for a while and names no window: keep dedup records for four days.
  dedupTtlSeconds: 4 * 86_400,
  keptHeaders: [TIKTOK_SIGNATURE_HEADER],

  requireSignature(request) {
    const header = request.headers[TIKTOK_SIGNATURE_HEADER];
    if (!header?.trim()) throw new WebhookSignatureError('tiktok', 'missing');
    if (!parseTikTokSignature(header)) throw new WebhookSignatureError('tiktok', 'invalid');
  },

  verify(request, credential) {
    const secrets = [credential.require('client_secret'), credential.get('previous_client_secret')].filter((s): s is string => Boolean(s));
    const check = verifyTikTokSignature(request.rawBody, request.headers[TIKTOK_SIGNATURE_HEADER], secrets, request.receivedAt);
    if (check !== 'ok') throw new WebhookSignatureError('tiktok', check);
  },

  parse(request) {
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new MalformedWebhookError('tiktok', 'body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new MalformedWebhookError('tiktok', 'body must be a JSON object');
    const { event, create_time: createTime, user_openid: rawOpenId, content, client_key: clientKey } = body as Record<string, unknown>;
    if (typeof event !== 'string' || !TIKTOK_EVENT.test(event) || event.length > 100) throw new MalformedWebhookError('tiktok', '"event" must be an event name such as authorization.removed');
    if (typeof createTime !== 'number' || !Number.isSafeInteger(createTime) || createTime <= 0) throw new MalformedWebhookError('tiktok', '"create_time" must be unix seconds');
    if (typeof rawOpenId !== 'string') throw new MalformedWebhookError('tiktok', '"user_openid" is missing');
    let openId: string;
    try {
      openId = normaliseAccountId('tiktok', rawOpenId);
    } catch (error) {
      if (error instanceof InvalidAccountIdError) throw new MalformedWebhookError('tiktok', error.message);
      throw error;
    }
    const rawContent = typeof content === 'string' ? content : content === undefined ? '' : JSON.stringify(content);
    let parsedContent: unknown = rawContent;
    try {
      if (rawContent) parsedContent = JSON.parse(rawContent);
    } catch {
      // kept as the string TikTok sent
    }
    const contentHash = createHash('sha256').update(rawContent).digest('hex');
    return [
      {
        dedupKey: `tiktok:${openId}:${event}:${createTime}:${contentHash}`,
        kind: event,
        account: { provider: 'tiktok', id: openId },
        openId,
        event,
        createTime,
        contentHash,
        content: parsedContent,
        clientKey: typeof clientKey === 'string' ? clientKey : null,
      },
    ];
  },

  toEvents(delivery, workspaceId): OutgoingEvent[] {
    // The publisher also writes it to ionflux.tiktok.all_workspaces (the fan-in), in the same request.
    return [
      tiktokEvent({
        workspaceId,
        event: delivery.event,
        idParts: [delivery.openId, delivery.event, String(delivery.createTime), delivery.contentHash],
        source: 'webhook-tiktok',
        key: delivery.openId,
        timestamp: new Date(delivery.createTime * 1000),
        payload: {
          open_id: delivery.openId,
          tiktok_event: delivery.event,
          create_time: new Date(delivery.createTime * 1000).toISOString(),
          client_key: delivery.clientKey,
          content: delivery.content,
        },
      }),
    ];
  },

  async afterPublish(delivery, workspaceId, deps) {
    if (delivery.event !== 'authorization.removed') return;
    const connection = await deps.connections.get('tiktok', delivery.openId);
    // Already cut off (revoked, or disconnected by the workspace, which revokes at TikTok and so causes this event).
    if (!connection || connection.workspace_id !== workspaceId || connection.status !== 'active') return;
    // A late (retried, or parked and replayed) removal of an earlier authorization must not cut off the account connected since.
    if (connection.connected_at && delivery.createTime * 1000 < Date.parse(connection.connected_at)) {
      log.info('authorization.removed predates the current connection; ignored', { open_id: delivery.openId, connected_at: connection.connected_at });
      return;
    }
    const reason = (delivery.content as { reason?: unknown } | null)?.reason;
    await deps.connections.setStatusIf('tiktok', delivery.openId, 'revoked', `authorization.removed webhook${typeof reason === 'number' ? ` (reason ${reason})` : ''}`, {
      workspaceId,
      connectId: connection.connect_id ?? null,
    });
  },
};
