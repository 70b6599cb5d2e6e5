/**
 * The daily trend snapshot: for every workspace's tracked hashtags, the Research API statistics of the
 * last complete UTC day (videos, views, likes, shares, comments, top creators per hashtag), published as
 * `tiktok.trend_snapshot` on `ionflux.tiktok.ws_<workspace>.trend_snapshot`. One event per workspace and
 * day (its event_id is derived from both, so a re-run is a redelivery, not a new snapshot). When the day's
 * research quota runs out, what was read is published (`complete: false`) and the remaining workspaces wait
 * for the next run.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { type Publisher, publishTikTokEvents } from './events';
import { formatDay } from './research-windows';
import type { TikTokResearch } from './research';
import type { TrackedHashtagStore } from './tracked-hashtags';

const log = moduleLogger('tiktok');

export interface TrendSnapshotDeps {
  tracked: Pick<TrackedHashtagStore, 'all'>;
  research: Pick<TikTokResearch, 'hashtags'>;
  publisher: Publisher;
  source: string;
  clock?: () => number;
  /** Videos read per hashtag at most (default 500). */
  maxVideosPerHashtag?: number;
}

export interface TrendSnapshotOutcome {
  day: string;
  workspaces: Array<{ workspace_id: string; hashtags: number; event_id: string | null; complete: boolean; note?: string }>;
}

const DAY_MS = 86_400_000;

export async function runTrendSnapshot(deps: TrendSnapshotDeps, options: { deadline: number; day?: string }): Promise<TrendSnapshotOutcome> {
  const now = (deps.clock ?? Date.now)();
  const day = options.day ?? formatDay(now - DAY_MS);
  const outcome: TrendSnapshotOutcome = { day, workspaces: [] };
  let stopped = false;
  for (const { workspace_id: workspaceId, hashtags } of await deps.tracked.all()) {
    if (!hashtags.length) continue;
    if (stopped) {
      outcome.workspaces.push({ workspace_id: workspaceId, hashtags: hashtags.length, event_id: null, complete: false, note: 'skipped: the research quota or the run time ran out' });
      continue;
    }
    try {
      const report = await deps.research.hashtags({ hashtags, windows: [{ start_date: day, end_date: day }], maxVideosPerHashtag: deps.maxVideosPerHashtag ?? 500 }, options.deadline);
      const read = report.hashtags.filter((h) => h.requests > 0);
      if (!report.complete) stopped = true;
      if (!read.length) {
        outcome.workspaces.push({ workspace_id: workspaceId, hashtags: hashtags.length, event_id: null, complete: false, note: report.stopped?.message ?? 'nothing read' });
        continue;
      }
      const [eventId] = await publishTikTokEvents(
        deps.publisher,
        [
          {
            workspaceId,
            event: 'trend_snapshot',
            idParts: [workspaceId, 'trend_snapshot', day],
            source: deps.source,
            key: workspaceId,
            payload: { day, hashtags: read, complete: report.complete, ...(report.stopped ? { stopped: report.stopped } : {}), tracked_hashtags: hashtags },
          },
        ],
        options.deadline,
      );
      outcome.workspaces.push({ workspace_id: workspaceId, hashtags: hashtags.length, event_id: eventId!, complete: report.complete });
    } catch (error) {
      log.error('tiktok trend snapshot of a workspace failed', { workspace_id: workspaceId, day, error: errorMessage(error) });
      outcome.workspaces.push({ workspace_id: workspaceId, hashtags: hashtags.length, event_id: null, complete: false, note: errorMessage(error) });
    }
  }
  log.info('tiktok trend snapshot done', { day, workspaces: outcome.workspaces.length, published: outcome.workspaces.filter((w) => w.event_id).length });
  return outcome;
}
