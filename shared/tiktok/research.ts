/**
 * The Research API with the app's client token (`research.data.basic`), each request counted against the
 * daily quota by the client:
 * - `videos`: `POST /v2/research/video/query/` for a checked query (research-query.ts). TikTok takes at most
 *   30 days a query: a longer window is split (research-windows.ts) and the windows are read oldest first
 *   into one page. For a window of 30 days or less, TikTok's `cursor` and `search_id` pass through as they
 *   are; over split windows the cursor is `"<window>:<cursor>"` (with that window's `search_id`).
 * - `hashtags`: per hashtag, videos, views, likes, shares, comments and top creators, aggregated from
 *   research video queries (TikTok has no hashtag statistics endpoint of its own), reading at most
 *   `max_videos_per_hashtag` videos each (`sampled` says when there were more).
 */
import { IonfluxError } from '../errors';
import { moduleLogger } from '../observability/logger';
import { endpoints, limits } from './api';
import type { TikTokClient, TokenSource } from './client';
import { InvalidTikTokRequestError, TikTokRateLimitedError } from './errors';
import { condition, normaliseHashtag, type ResearchQuery } from './research-query';
import type { DateWindow } from './research-windows';

const log = moduleLogger('tiktok');

export type ResearchVideo = Record<string, unknown> & { id: string | number };

export interface ResearchVideosRequest {
  query: ResearchQuery;
  windows: DateWindow[];
  maxCount: number;
  cursor?: number | string;
  searchId?: string;
  fields: string[];
  isRandom?: boolean;
}

export interface ResearchVideosPage {
  videos: ResearchVideo[];
  /** Pass back with `search_id` for the next page; null when there is none. */
  cursor: number | string | null;
  search_id: string | null;
  has_more: boolean;
  windows: DateWindow[];
  /** Research API requests this page cost. */
  requests: number;
}

interface Position {
  window: number;
  cursor: number;
  searchId?: string;
}

/** Leave at least this much of the deadline when starting another window's request. */
const NEXT_REQUEST_MIN_MS = 3_000;

function position(request: ResearchVideosRequest): Position {
  const split = request.windows.length > 1;
  const { cursor, searchId } = request;
  if (cursor === undefined || cursor === '' || cursor === 0) return { window: 0, cursor: 0, ...(searchId ? { searchId } : {}) };
  if (!split) {
    const n = typeof cursor === 'number' ? cursor : /^\d{1,12}$/.test(cursor) ? Number(cursor) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidTikTokRequestError('cursor', 'must be the cursor of a previous page of this query');
    return { window: 0, cursor: n, ...(searchId ? { searchId } : {}) };
  }
  const match = typeof cursor === 'string' ? /^(\d{1,3}):(\d{1,12})$/.exec(cursor) : null;
  const window = match ? Number(match[1]) : Number.NaN;
  if (!match || window >= request.windows.length) {
    throw new InvalidTikTokRequestError('cursor', 'must be the cursor of a previous page of this query (over windows longer than 30 days it reads "<window>:<cursor>")');
  }
  return { window, cursor: Number(match[2]), ...(searchId ? { searchId } : {}) };
}

interface TikTokResearchPage {
  videos: ResearchVideo[];
  cursor: number;
  hasMore: boolean;
  searchId?: string;
}

export interface HashtagStats {
  hashtag: string;
  videos: number;
  views: number;
  likes: number;
  shares: number;
  comments: number;
  top_creators: Array<{ username: string; videos: number; views: number; likes: number }>;
  /** More videos matched than were read (`max_videos_per_hashtag`): totals cover the videos read. */
  sampled: boolean;
  /** Every window was read (false when the deadline or the quota stopped it). */
  complete: boolean;
  requests: number;
}

export interface HashtagReport {
  hashtags: HashtagStats[];
  windows: DateWindow[];
  complete: boolean;
  /** Why it stopped early, when it did. */
  stopped?: { code: string; message: string; retry_after_s?: number };
}

const HASHTAG_FIELDS = ['id', 'username', 'create_time', 'view_count', 'like_count', 'share_count', 'comment_count'];
const TOP_CREATORS = 5;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export class TikTokResearch {
  constructor(
    private readonly options: {
      client: Pick<TikTokClient, 'call'>;
      tokens: TokenSource;
      clock?: () => number;
    },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private async page(query: ResearchQuery, window: DateWindow, at: Position, maxCount: number, fields: string[], deadline: number, isRandom?: boolean): Promise<TikTokResearchPage> {
    const body = {
      query,
      start_date: window.start_date,
      end_date: window.end_date,
      max_count: maxCount,
      ...(at.cursor ? { cursor: at.cursor } : {}),
      ...(at.searchId ? { search_id: at.searchId } : {}),
      ...(isRandom ? { is_random: true } : {}),
    };
    const data = (await this.options.client.call(endpoints.researchVideos, { tokens: this.options.tokens, query: { fields: fields.join(',') }, body, deadline })) as Record<string, unknown>;
    const videos = Array.isArray(data.videos) ? (data.videos as unknown[]).filter((v): v is ResearchVideo => Boolean(v) && typeof v === 'object' && (typeof (v as ResearchVideo).id === 'string' || typeof (v as ResearchVideo).id === 'number')) : [];
    return {
      videos,
      cursor: typeof data.cursor === 'number' ? data.cursor : at.cursor + videos.length,
      hasMore: data.has_more === true,
      ...(typeof data.search_id === 'string' && data.search_id ? { searchId: data.search_id } : typeof data.search_id === 'number' ? { searchId: String(data.search_id) } : {}),
    };
  }

  async videos(request: ResearchVideosRequest, deadline: number): Promise<ResearchVideosPage> {
    if (!Number.isInteger(request.maxCount) || request.maxCount < 1 || request.maxCount > limits.researchMaxCount) {
      throw new InvalidTikTokRequestError('max_count', `must be an integer from 1 to ${limits.researchMaxCount}`);
    }
    const split = request.windows.length > 1;
    let at = position(request);
    const videos: ResearchVideo[] = [];
    const seen = new Set<string>();
    let requests = 0;
    for (;;) {
      const page = await this.page(request.query, request.windows[at.window]!, at, request.maxCount - videos.length, request.fields, deadline, request.isRandom);
      requests++;
      for (const video of page.videos) {
        if (seen.has(String(video.id))) continue;
        seen.add(String(video.id));
        videos.push(video);
      }
      const next: Position | undefined = page.hasMore
        ? { window: at.window, cursor: page.cursor, ...(page.searchId ? { searchId: page.searchId } : {}) }
        : at.window + 1 < request.windows.length
          ? { window: at.window + 1, cursor: 0 }
          : undefined;
      // One request per window: a window with more to read ends the page; an exhausted one lets the next fill it.
      const more = next !== undefined && !page.hasMore && videos.length < request.maxCount && deadline - this.now() > NEXT_REQUEST_MIN_MS;
      if (more) {
        at = next;
        continue;
      }
      return {
        videos,
        cursor: next === undefined ? null : split ? `${next.window}:${next.cursor}` : next.cursor,
        search_id: next?.searchId ?? null,
        has_more: next !== undefined,
        windows: request.windows,
        requests,
      };
    }
  }

  /** Per-hashtag statistics over the windows; stops early (complete: false) at the deadline or when the quota is spent. */
  async hashtags(input: { hashtags: string[]; windows: DateWindow[]; maxVideosPerHashtag: number; regionCodes?: string[] }, deadline: number): Promise<HashtagReport> {
    const tags = [...new Set(input.hashtags.map(normaliseHashtag))];
    const report: HashtagReport = { hashtags: [], windows: input.windows, complete: true };
    for (const tag of tags) {
      const query: ResearchQuery = { and: [condition.eq('hashtag_name', tag), ...(input.regionCodes?.length ? [condition.in('region_code', input.regionCodes)] : [])] };
      const stats: HashtagStats = { hashtag: tag, videos: 0, views: 0, likes: 0, shares: 0, comments: 0, top_creators: [], sampled: false, complete: false, requests: 0 };
      const creators = new Map<string, { username: string; videos: number; views: number; likes: number }>();
      const seen = new Set<string>();
      report.hashtags.push(stats);
      try {
        windows: for (const window of input.windows) {
          let at: Position = { window: 0, cursor: 0 };
          for (;;) {
            if (seen.size >= input.maxVideosPerHashtag) {
              stats.sampled = true;
              break windows;
            }
            if (deadline - this.now() < NEXT_REQUEST_MIN_MS) throw new DeadlineReached();
            const page = await this.page(query, window, at, Math.min(limits.researchMaxCount, input.maxVideosPerHashtag - seen.size), HASHTAG_FIELDS, deadline);
            stats.requests++;
            for (const video of page.videos) {
              const id = String(video.id);
              if (seen.has(id) || seen.size >= input.maxVideosPerHashtag) continue;
              seen.add(id);
              stats.videos++;
              stats.views += num(video.view_count);
              stats.likes += num(video.like_count);
              stats.shares += num(video.share_count);
              stats.comments += num(video.comment_count);
              const username = typeof video.username === 'string' ? video.username : '';
              if (username) {
                const creator = creators.get(username) ?? { username, videos: 0, views: 0, likes: 0 };
                creator.videos++;
                creator.views += num(video.view_count);
                creator.likes += num(video.like_count);
                creators.set(username, creator);
              }
            }
            if (!page.hasMore) break;
            if (seen.size >= input.maxVideosPerHashtag) {
              stats.sampled = true;
              break windows;
            }
            at = { window: 0, cursor: page.cursor, ...(page.searchId ? { searchId: page.searchId } : {}) };
          }
        }
        stats.complete = true;
      } catch (error) {
        report.complete = false;
        if (error instanceof DeadlineReached) {
          report.stopped = { code: 'deadline', message: 'stopped before the deadline; ask for fewer hashtags or a shorter window' };
        } else if (error instanceof TikTokRateLimitedError) {
          report.stopped = { code: error.code, message: error.message, retry_after_s: Math.ceil(error.retryAfterS) };
        } else {
          throw error;
        }
        log.warn('tiktok hashtag aggregation stopped early', { hashtag: tag, reason: report.stopped.code });
      } finally {
        stats.top_creators = [...creators.values()].sort((a, b) => b.views - a.views || b.videos - a.videos || a.username.localeCompare(b.username)).slice(0, TOP_CREATORS);
      }
      if (!report.complete) break;
    }
    return report;
  }
}

class DeadlineReached extends Error {}

/** A stopped report with nothing read is the caller's error to see (429 with Retry-After, or 503). */
export function assertSomethingRead(report: HashtagReport): void {
  if (report.complete || report.hashtags.some((h) => h.requests > 0) || !report.stopped) return;
  if (report.stopped.code === 'deadline') throw new IonfluxError('tiktok_timeout', 'no time left to query TikTok', { status: 503, retryAfterS: 1 });
  throw new TikTokRateLimitedError(report.stopped.code === 'research_quota_exhausted' ? 'research_quota_exhausted' : 'tiktok_rate_limited', report.stopped.message, report.stopped.retry_after_s ?? 60);
}

