/**
 * The hashtags a workspace tracks (`PUT /v1/tiktok/workspaces/{id}/tracked-hashtags`), read by the daily
 * trend snapshot. One partition (`tiktok-state`, pk `tracked-hashtags`, sk the workspace) so the snapshot
 * finds every workspace with one query.
 */
import type { Table } from '../storage/table';
import { assertWorkspaceId } from '../workspaces/workspace-id';
import { InvalidTikTokRequestError } from './errors';
import { CONDITION_FIELDS, normaliseHashtag } from './research-query';

export const MAX_TRACKED_HASHTAGS = 20;

export interface TrackedHashtags {
  workspace_id: string;
  hashtags: string[];
  updated_at: string | null;
}

const PK = 'tracked-hashtags';

/** Normalised (no "#", lower case), de-duplicated, checked; 400 naming the bad one. */
export function checkHashtags(raw: readonly string[], field = 'hashtags', max = MAX_TRACKED_HASHTAGS): string[] {
  const tags = [...new Set(raw.map(normaliseHashtag))];
  if (tags.length > max) throw new InvalidTikTokRequestError(field, `at most ${max} hashtags`);
  const bad = tags.find((t) => !CONDITION_FIELDS.hashtag_name!.value.test(t));
  if (bad !== undefined) throw new InvalidTikTokRequestError(field, `"${bad}" is not a hashtag (no spaces, commas or "#" inside)`);
  return tags;
}

export class TrackedHashtagStore {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Replaces the workspace's list (an empty list stops tracking). */
  async set(workspaceId: string, hashtags: readonly string[]): Promise<TrackedHashtags> {
    assertWorkspaceId(workspaceId);
    const tags = checkHashtags(hashtags);
    const updatedAt = new Date(this.clock()).toISOString();
    if (!tags.length) await this.table.delete({ pk: PK, sk: workspaceId });
    else await this.table.put({ pk: PK, sk: workspaceId, hashtags: tags, updated_at: updatedAt });
    return { workspace_id: workspaceId, hashtags: tags, updated_at: updatedAt };
  }

  async get(workspaceId: string): Promise<TrackedHashtags> {
    const item = await this.table.get({ pk: PK, sk: assertWorkspaceId(workspaceId) });
    return { workspace_id: workspaceId, hashtags: Array.isArray(item?.hashtags) ? (item.hashtags as string[]) : [], updated_at: typeof item?.updated_at === 'string' ? item.updated_at : null };
  }

  /** Every workspace tracking at least one hashtag. */
  async all(): Promise<TrackedHashtags[]> {
    return (await this.table.query(PK)).map((item) => ({
      workspace_id: String(item.sk),
      hashtags: Array.isArray(item.hashtags) ? (item.hashtags as string[]) : [],
      updated_at: typeof item.updated_at === 'string' ? item.updated_at : null,
    }));
  }
}
