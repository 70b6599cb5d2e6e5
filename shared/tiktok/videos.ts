/**
 * A connected account's own videos (`video.list` scope):
 * - `listVideos`: `POST /v2/video/list/`, newest first, TikTok's cursor (a ms timestamp) passed through both
 *   ways, at most 20 a page;
 * - `queryVideos`: `POST /v2/video/query/` for given ids (TikTok takes 20 a request: longer lists are sent in
 *   batches of 20 and merged, in the order asked); ids that are not the account's are listed in `not_found`.
 */
import { TikTokAccounts, type AccountContext } from './accounts';
import { defaultFields, endpoints, limits } from './api';
import type { TikTokClient } from './client';
import { InvalidTikTokRequestError } from './errors';
import { pickFields } from './fields';

export type Video = Record<string, unknown> & { id: string };

export interface VideoPage {
  videos: Video[];
  /** TikTok's cursor as it sent it: pass it back as `?cursor=` for the next page. */
  cursor: number | null;
  has_more: boolean;
}

export const MAX_QUERY_IDS = 100;

const videosOf = (data: unknown): Video[] => {
  const list = (data as { videos?: unknown } | null)?.videos;
  return Array.isArray(list) ? list.filter((v): v is Video => Boolean(v) && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') : [];
};

export async function listVideos(
  client: Pick<TikTokClient, 'call'>,
  account: AccountContext,
  input: { cursor?: string; maxCount?: number; fields?: string },
  deadline: number,
): Promise<VideoPage> {
  TikTokAccounts.requireScope(account, endpoints.videoList.scope);
  if (input.cursor !== undefined && !(/^\d{1,16}$/.test(input.cursor) && Number.isSafeInteger(Number(input.cursor)))) {
    throw new InvalidTikTokRequestError('cursor', 'must be the cursor of a previous page (digits)');
  }
  const maxCount = input.maxCount ?? limits.videoListMaxCount;
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > limits.videoListMaxCount) throw new InvalidTikTokRequestError('max_count', `must be an integer from 1 to ${limits.videoListMaxCount}`);
  const fields = pickFields(input.fields, endpoints.videoList.fields, defaultFields.videos);
  const data = await client.call(endpoints.videoList, {
    tokens: account.tokens,
    query: { fields: fields.join(',') },
    // TikTok's cursor is a ms timestamp: a safe integer, sent back as the number it was.
    body: { ...(input.cursor !== undefined ? { cursor: Number(input.cursor) } : {}), max_count: maxCount },
    deadline,
    openId: account.openId,
  });
  const page = data as { cursor?: unknown; has_more?: unknown };
  return { videos: videosOf(data), cursor: typeof page.cursor === 'number' && Number.isFinite(page.cursor) ? page.cursor : null, has_more: page.has_more === true };
}

export async function queryVideos(
  client: Pick<TikTokClient, 'call'>,
  account: AccountContext,
  input: { videoIds: string[]; fields?: string | string[] },
  deadline: number,
): Promise<{ videos: Video[]; not_found: string[] }> {
  TikTokAccounts.requireScope(account, endpoints.videoQuery.scope);
  const ids = [...new Set(input.videoIds.map((id) => id.trim()))];
  if (!ids.length || ids.length > MAX_QUERY_IDS) throw new InvalidTikTokRequestError('video_ids', `must name 1 to ${MAX_QUERY_IDS} video ids`);
  const bad = ids.find((id) => !/^\d{1,32}$/.test(id));
  if (bad !== undefined) throw new InvalidTikTokRequestError('video_ids', `"${bad}" is not a TikTok video id (digits)`);
  const fields = pickFields(input.fields, endpoints.videoQuery.fields, defaultFields.videos);
  const found = new Map<string, Video>();
  for (let i = 0; i < ids.length; i += limits.videoQueryMaxIds) {
    const batch = ids.slice(i, i + limits.videoQueryMaxIds);
    const data = await client.call(endpoints.videoQuery, { tokens: account.tokens, query: { fields: fields.join(',') }, body: { filters: { video_ids: batch } }, deadline, openId: account.openId });
    for (const video of videosOf(data)) found.set(video.id, video);
  }
  return { videos: ids.filter((id) => found.has(id)).map((id) => found.get(id)!), not_found: ids.filter((id) => !found.has(id)) };
}
