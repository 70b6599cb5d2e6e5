/**
 * TikTok's API as this integration uses it (TikTok for Developers v2: Login Kit, Display API, Research
 * API), described once: endpoints, the token each needs, scopes, field lists, limits, and how TikTok's
 * `error.code`s map to our errors. The client (client.ts) and the transforms read it; nothing else hard-codes
 * a TikTok path. Sources: developers.tiktok.com (oauth-user-access-token-management,
 * client-access-token-management, tiktok-api-v2-get-user-info, -video-list, -video-query,
 * research-api-specs-query-videos, tiktok-api-v2-rate-limit, tiktok-api-v2-error-handling).
 */

export const DEFAULT_BASE_URL = 'https://open.tiktokapis.com';
export const DEFAULT_AUTH_URL = 'https://www.tiktok.com/v2/auth/authorize/';

/** Form-encoded; `authorization_code`, `refresh_token` and `client_credentials` grants. */
export const TOKEN_PATH = '/v2/oauth/token/';

/** Form-encoded `client_key`, `client_secret`, `token` (a user access token): disconnects the app from the account. */
export const REVOKE_PATH = '/v2/oauth/revoke/';

/** What a connection asks for when the install link names no scopes. */
export const DEFAULT_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'] as const;

export interface TikTokEndpoint {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** `user`: the connected account's token (Login Kit); `client`: the app's client token (Research API). */
  token: 'user' | 'client';
  /** The scope the call needs (user tokens: checked against the connection before calling). */
  scope: string;
  /** Every field TikTok can return. */
  fields: readonly string[];
  /** One-minute sliding window per endpoint, or a daily request quota. */
  limit: { perMinute: number } | { perDay: number };
}

const USER_FIELDS_BY_SCOPE = {
  'user.info.basic': ['open_id', 'union_id', 'avatar_url', 'avatar_url_100', 'avatar_large_url', 'display_name'],
  'user.info.profile': ['bio_description', 'profile_deep_link', 'is_verified', 'username'],
  'user.info.stats': ['follower_count', 'following_count', 'likes_count', 'video_count'],
} as const;

const VIDEO_FIELDS = [
  'id',
  'create_time',
  'cover_image_url',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_html',
  'embed_link',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
] as const;

const RESEARCH_VIDEO_FIELDS = [
  'id',
  'video_description',
  'create_time',
  'region_code',
  'share_count',
  'view_count',
  'like_count',
  'comment_count',
  'music_id',
  'hashtag_names',
  'username',
  'effect_ids',
  'playlist_id',
  'voice_to_text',
  'is_stem_verified',
  'favourites_count',
  'video_duration',
  'hashtag_info_list',
  'video_mention_list',
  'video_label',
] as const;

export const endpoints = {
  userInfo: {
    name: 'user_info',
    method: 'GET',
    path: '/v2/user/info/',
    token: 'user',
    scope: 'user.info.basic',
    fields: Object.values(USER_FIELDS_BY_SCOPE).flat(),
    limit: { perMinute: 600 },
  },
  videoList: { name: 'video_list', method: 'POST', path: '/v2/video/list/', token: 'user', scope: 'video.list', fields: VIDEO_FIELDS, limit: { perMinute: 600 } },
  videoQuery: { name: 'video_query', method: 'POST', path: '/v2/video/query/', token: 'user', scope: 'video.list', fields: VIDEO_FIELDS, limit: { perMinute: 600 } },
  researchVideos: {
    name: 'research_video_query',
    method: 'POST',
    path: '/v2/research/video/query/',
    token: 'client',
    scope: 'research.data.basic',
    fields: RESEARCH_VIDEO_FIELDS,
    limit: { perDay: 1000 },
  },
} as const satisfies Record<string, TikTokEndpoint>;

/** The scope each user-info field needs. */
export const userFieldScope: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(USER_FIELDS_BY_SCOPE).flatMap(([scope, fields]) => fields.map((field) => [field, scope])),
);

/** Limits of the calls themselves. */
export const limits = {
  videoListMaxCount: 20,
  videoQueryMaxIds: 20,
  researchMaxCount: 100,
  /** `end_date` at most 30 days after `start_date`: longer windows are split (research-windows.ts). */
  researchMaxWindowDays: 30,
} as const;

/** Fields asked for when the caller names none. */
export const defaultFields = {
  videos: ['id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'title', 'like_count', 'comment_count', 'share_count', 'view_count'],
  research: ['id', 'video_description', 'create_time', 'region_code', 'share_count', 'view_count', 'like_count', 'comment_count', 'music_id', 'hashtag_names', 'username'],
} as const;

/**
 * TikTok's `error.code` → our error. `refresh`: refresh the token and retry once; `backoff`: retry within the
 * deadline; anything not listed is a 502 `tiktok_api_error`.
 */
export const errorCodes: Readonly<Record<string, { status: number; code: string; retry?: 'refresh' | 'backoff' }>> = {
  access_token_invalid: { status: 502, code: 'tiktok_token_rejected', retry: 'refresh' },
  scope_not_authorized: { status: 403, code: 'missing_scope' },
  scope_permission_missed: { status: 403, code: 'missing_scope' },
  rate_limit_exceeded: { status: 429, code: 'tiktok_rate_limited', retry: 'backoff' },
  invalid_params: { status: 400, code: 'tiktok_invalid_params' },
  internal_error: { status: 503, code: 'tiktok_unavailable', retry: 'backoff' },
};
