/**
 * A connected account's profile (`GET /v2/user/info/`): display name and avatar (`user.info.basic`, which
 * the call needs), bio, link and verification (`user.info.profile`), follower/following/likes/video counts
 * (`user.info.stats`). Only fields whose scope the account granted are asked for; the others are null and
 * their scopes listed in `missing_scopes`, so a partial grant still answers.
 */
import { TikTokAccounts, type AccountContext } from './accounts';
import { endpoints, userFieldScope } from './api';
import type { TikTokClient } from './client';
import { TikTokApiError } from './errors';

export interface UserInfo {
  open_id: string;
  union_id: string | null;
  display_name: string | null;
  avatar_url: string | null;
  avatar_large_url: string | null;
  username: string | null;
  bio_description: string | null;
  profile_deep_link: string | null;
  is_verified: boolean | null;
  follower_count: number | null;
  following_count: number | null;
  likes_count: number | null;
  video_count: number | null;
  missing_scopes: string[];
}

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const int = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export async function readUserInfo(client: Pick<TikTokClient, 'call'>, account: AccountContext, deadline: number): Promise<UserInfo> {
  TikTokAccounts.requireScope(account, endpoints.userInfo.scope);
  const fields = endpoints.userInfo.fields.filter((field) => field !== 'avatar_url_100' && account.scopes.includes(userFieldScope[field]!));
  const data = (await client.call(endpoints.userInfo, { tokens: account.tokens, query: { fields: fields.join(',') }, deadline, openId: account.openId })) as { user?: Record<string, unknown> };
  const user = data.user;
  if (!user || typeof user !== 'object') throw new TikTokApiError('tiktok_api_error', 'TikTok answered user info without a user', { status: 502, details: { open_id: account.openId } });
  const missing = [...new Set(Object.values(userFieldScope))].filter((scope) => !account.scopes.includes(scope));
  return {
    open_id: str(user.open_id) ?? account.openId,
    union_id: str(user.union_id),
    display_name: str(user.display_name),
    avatar_url: str(user.avatar_url),
    avatar_large_url: str(user.avatar_large_url),
    username: str(user.username),
    bio_description: str(user.bio_description),
    profile_deep_link: str(user.profile_deep_link),
    is_verified: typeof user.is_verified === 'boolean' ? user.is_verified : null,
    follower_count: int(user.follower_count),
    following_count: int(user.following_count),
    likes_count: int(user.likes_count),
    video_count: int(user.video_count),
    missing_scopes: missing,
  };
}
