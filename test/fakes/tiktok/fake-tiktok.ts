/**
 * A fake TikTok for Developers speaking TikTok's wire format (v2), on 127.0.0.1:
 * - `GET /v2/auth/authorize/` → 302 back to `redirect_uri` with `code`, `scopes` and `state` (or
 *   `error=access_denied` when the next authorization is declined);
 * - `POST /v2/oauth/token/` (form-encoded, `client_key` + `client_secret`): `authorization_code` (single-use
 *   codes, the authorize step's `redirect_uri`), `refresh_token` (rotates: a spent refresh token is dead),
 *   `client_credentials`; OAuth errors as `{error, error_description, log_id}` with HTTP 200, as TikTok does;
 * - `POST /v2/oauth/revoke/` (form-encoded, a user access token): every token of that user dies, `{}`;
 * - `GET /v2/user/info/`, `POST /v2/video/list/`, `POST /v2/video/query/` with a user token, fields checked
 *   against the granted scopes (`scope_not_authorized` 401, `scope_permission_missed` 400);
 * - `POST /v2/research/video/query/` with a client token: the query's conditions evaluated over a corpus,
 *   windows of at most 30 days, cursor + `search_id` paging (continuing a search needs its search_id), and a
 *   daily request quota answered with 429 `rate_limit_exceeded`.
 * Every response is `{data, error: {code, message, log_id}}`; faults can be injected per endpoint.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../support/listen';

export type FakeKind = 'authorize' | 'token' | 'revoke' | 'user_info' | 'video_list' | 'video_query' | 'research';

export interface FakeVideo {
  id: string;
  create_time: number;
  title: string;
  video_description: string;
  cover_image_url: string;
  share_url: string;
  duration: number;
  height: number;
  width: number;
  embed_html: string;
  embed_link: string;
  like_count: number;
  comment_count: number;
  share_count: number;
  view_count: number;
}

export interface FakeUser {
  open_id: string;
  union_id: string;
  display_name: string;
  username: string;
  avatar_url: string;
  avatar_large_url: string;
  bio_description: string;
  profile_deep_link: string;
  is_verified: boolean;
  follower_count: number;
  following_count: number;
  likes_count: number;
  videos: FakeVideo[];
}

export interface ResearchCorpusVideo {
  id: string;
  create_time: number;
  username: string;
  region_code: string;
  hashtag_names: string[];
  video_description: string;
  view_count: number;
  like_count: number;
  share_count: number;
  comment_count: number;
  music_id: string;
  effect_ids: string[];
  video_duration: number;
}

export interface FakeTikTokOptions {
  clientKey: string;
  clientSecret: string;
  port?: number;
  /** Access token lifetime (default 86400 s). */
  accessTtlS?: number;
  refreshTtlS?: number;
  clientTokenTtlS?: number;
  /** Research API requests a day before 429 (default 1000). */
  researchDailyQuota?: number;
  /** Delay of each token endpoint response (to widen races in tests). */
  tokenEndpointDelayMs?: number;
  /** Called with every token and code the fake issues (tests record them for the log scan). */
  onSecretIssued?: (value: string) => void;
  /** An authorization with no user queued authorizes as this user (default: a fresh user each time). */
  defaultOpenId?: string;
  /** A user the fake creates gets this many videos (default 0). */
  videosPerNewUser?: number;
}

export interface RecordedRequest {
  kind: FakeKind;
  status: number;
  at: number;
  grant?: string;
  openId?: string;
  token?: string;
  code?: string;
  body?: Record<string, unknown>;
}

const USER_SCOPES: Record<string, string> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

const VIDEO_FIELDS = ['id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'height', 'width', 'title', 'embed_html', 'embed_link', 'like_count', 'comment_count', 'share_count', 'view_count'];
const RESEARCH_FIELDS = ['id', 'video_description', 'create_time', 'region_code', 'share_count', 'view_count', 'like_count', 'comment_count', 'music_id', 'hashtag_names', 'username', 'effect_ids', 'video_duration'];
const DAY_MS = 86_400_000;

const logId = () => `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(8).toString('hex').toUpperCase()}`;
const day = (unixS: number) => new Date(unixS * 1000).toISOString().slice(0, 10).replaceAll('-', '');
const dayStart = (yyyymmdd: string) => Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)));

interface Condition {
  operation: string;
  field_name: string;
  field_values: string[];
}

export class FakeTikTok {
  readonly requests: RecordedRequest[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly research: ResearchCorpusVideo[] = [];
  /** Shifts the fake's clock (token expiry, research quota day) without sleeping. */
  clockOffsetMs = 0;
  private server: http.Server | undefined;
  private port = 0;
  private readonly authorizations: Array<{ openId?: string; grantScopes?: string[]; deny?: boolean }> = [];
  private readonly codes = new Map<string, { openId: string; scope: string; redirectUri: string; used: boolean }>();
  private readonly accessTokens = new Map<string, { openId: string; scope: string; expiresAt: number; revoked?: boolean }>();
  private readonly refreshTokens = new Map<string, { openId: string; scope: string; state: 'active' | 'spent' | 'revoked'; expiresAt: number }>();
  private readonly clientTokens = new Map<string, { expiresAt: number }>();
  private readonly searches = new Map<string, ResearchCorpusVideo[]>();
  private readonly researchPerDay = new Map<string, number>();
  private readonly faults: Array<{ kind: FakeKind; status: number; code: string; retryAfter?: string }> = [];
  private nextVideoId = 7_300_000_000_000_000_000n;

  constructor(private readonly options: FakeTikTokOptions) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get authUrl(): string {
    return `${this.origin}/v2/auth/authorize/`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: String(error), log_id: logId() } }));
      });
    });
    await listen(this.server, this.options.port ?? 0);
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // ── setup and control ──────────────────────────────────────────────────────────────────────────
  addUser(openId: string, data: Partial<FakeUser> = {}): FakeUser {
    const name = data.username ?? `creator_${openId.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
    const user: FakeUser = {
      open_id: openId,
      union_id: data.union_id ?? `union.${openId}`,
      display_name: data.display_name ?? `Creator ${openId.slice(-4)}`,
      username: name,
      avatar_url: data.avatar_url ?? `https://p16.tiktokcdn.example/${name}.jpeg`,
      avatar_large_url: data.avatar_large_url ?? `https://p16.tiktokcdn.example/${name}-large.jpeg`,
      bio_description: data.bio_description ?? 'styling tips every day',
      profile_deep_link: data.profile_deep_link ?? `https://vm.tiktok.example/${name}`,
      is_verified: data.is_verified ?? false,
      follower_count: data.follower_count ?? 1200,
      following_count: data.following_count ?? 80,
      likes_count: data.likes_count ?? 45_000,
      videos: data.videos ?? [],
    };
    this.users.set(openId, user);
    return user;
  }

  /** `count` videos for a user, one a day going back from `newest` (unix s), newest first. */
  addVideos(openId: string, count: number, newest = Math.floor(this.now() / 1000) - 3600): FakeVideo[] {
    const user = this.users.get(openId) ?? this.addUser(openId);
    const videos = Array.from({ length: count }, (_, i) => {
      const id = String(this.nextVideoId++);
      return {
        id,
        create_time: newest - i * 86_400,
        title: `Look ${i + 1}`,
        video_description: `Look ${i + 1} #ootd`,
        cover_image_url: `https://p16.tiktokcdn.example/cover/${id}.jpeg`,
        share_url: `https://www.tiktok.example/@${user.username}/video/${id}`,
        duration: 15 + i,
        height: 1920,
        width: 1080,
        embed_html: `<blockquote data-video-id="${id}"></blockquote>`,
        embed_link: `https://www.tiktok.example/embed/${id}`,
        like_count: 100 * (i + 1),
        comment_count: 10 * (i + 1),
        share_count: 5 * (i + 1),
        view_count: 1000 * (i + 1),
      };
    });
    user.videos.push(...videos);
    user.videos.sort((a, b) => b.create_time - a.create_time);
    return videos;
  }

  addResearchVideos(videos: Array<Partial<ResearchCorpusVideo> & { create_time: number }>): ResearchCorpusVideo[] {
    const added = videos.map((v) => ({
      id: v.id ?? String(this.nextVideoId++),
      create_time: v.create_time,
      username: v.username ?? 'someone',
      region_code: v.region_code ?? 'US',
      hashtag_names: v.hashtag_names ?? [],
      video_description: v.video_description ?? '',
      view_count: v.view_count ?? 0,
      like_count: v.like_count ?? 0,
      share_count: v.share_count ?? 0,
      comment_count: v.comment_count ?? 0,
      music_id: v.music_id ?? '1',
      effect_ids: v.effect_ids ?? [],
      video_duration: v.video_duration ?? 30,
    }));
    this.research.push(...added);
    return added;
  }

  /** The next authorize request: as this user (created when new), granting these scopes, or declined. */
  nextAuthorization(authorization: { openId?: string; grantScopes?: string[]; deny?: boolean }): void {
    this.authorizations.push(authorization);
  }

  /** The next `count` requests of `kind` answer `status` with TikTok error `code`. */
  failNext(kind: FakeKind, status: number, options: { count?: number; code?: string; retryAfter?: string } = {}): void {
    for (let i = 0; i < (options.count ?? 1); i++) {
      this.faults.push({
        kind,
        status,
        code: options.code ?? (status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'internal_error' : 'invalid_params'),
        ...(options.retryAfter ? { retryAfter: options.retryAfter } : {}),
      });
    }
  }

  /** Drops every injected fault not yet served. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Access tokens of a user stop working (as if expired early); refresh tokens still do. */
  expireAccessTokens(openId: string): void {
    for (const token of this.accessTokens.values()) if (token.openId === openId) token.expiresAt = this.now() - 1;
  }

  /** Client tokens stop working (as if expired early). */
  expireClientTokens(): void {
    for (const token of this.clientTokens.values()) token.expiresAt = this.now() - 1;
  }

  /** The user removed the app: every token of theirs stops working. */
  revokeUser(openId: string): void {
    for (const token of this.accessTokens.values()) if (token.openId === openId) token.revoked = true;
    for (const token of this.refreshTokens.values()) if (token.openId === openId) token.state = 'revoked';
  }

  /** Issues a user's tokens directly (tests that start from a connected account). */
  issueTokens(openId: string, scopes: readonly string[], options: { expiresInS?: number } = {}) {
    if (!this.users.has(openId)) this.addUser(openId);
    return this.mintUserTokens(openId, scopes.join(','), options.expiresInS);
  }

  count(kind: FakeKind, filter: (r: RecordedRequest) => boolean = () => true): number {
    return this.requests.filter((r) => r.kind === kind && filter(r)).length;
  }

  researchRequestsToday(): number {
    return this.researchPerDay.get(day(Math.floor(this.now() / 1000))) ?? 0;
  }

  // ── tokens ─────────────────────────────────────────────────────────────────────────────────────
  private issued(value: string): string {
    this.options.onSecretIssued?.(value);
    return value;
  }

  private mintUserTokens(openId: string, scope: string, expiresInS?: number) {
    const access = this.issued(`act.${randomBytes(24).toString('hex')}`);
    const refresh = this.issued(`rft.${randomBytes(24).toString('hex')}`);
    const accessTtl = expiresInS ?? this.options.accessTtlS ?? 86_400;
    const refreshTtl = this.options.refreshTtlS ?? 365 * 86_400;
    this.accessTokens.set(access, { openId, scope, expiresAt: this.now() + accessTtl * 1000 });
    this.refreshTokens.set(refresh, { openId, scope, state: 'active', expiresAt: this.now() + refreshTtl * 1000 });
    return { access_token: access, expires_in: accessTtl, open_id: openId, refresh_token: refresh, refresh_expires_in: refreshTtl, scope, token_type: 'Bearer' };
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────────
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname === '/v2/auth/authorize/' && req.method === 'GET') return this.authorize(url, res);
    if (url.pathname === '/v2/oauth/token/' && req.method === 'POST') return this.token(req, raw, send);
    if (url.pathname === '/v2/oauth/revoke/' && req.method === 'POST') return this.revoke(req, raw, send);

    const routes: Record<string, { kind: FakeKind; method: string }> = {
      '/v2/user/info/': { kind: 'user_info', method: 'GET' },
      '/v2/video/list/': { kind: 'video_list', method: 'POST' },
      '/v2/video/query/': { kind: 'video_query', method: 'POST' },
      '/v2/research/video/query/': { kind: 'research', method: 'POST' },
    };
    const route = routes[url.pathname];
    if (!route || route.method !== req.method) return send(404, { error: { code: 'not_found', message: 'no such endpoint', log_id: logId() } });
    const token = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return this.apiError(route.kind, send, 400, 'invalid_params', 'body is not JSON', { token });
      }
    }
    const record = (status: number, extra: Partial<RecordedRequest> = {}) => this.requests.push({ kind: route.kind, status, at: this.now(), token, body, ...extra });
    const fault = this.faults.findIndex((f) => f.kind === route.kind);
    if (fault >= 0) {
      const [f] = this.faults.splice(fault, 1);
      record(f!.status);
      return send(f!.status, { data: {}, error: { code: f!.code, message: 'injected fault', log_id: logId() } }, f!.retryAfter ? { 'retry-after': f!.retryAfter } : {});
    }
    const fields = (url.searchParams.get('fields') ?? '').split(',').map((f) => f.trim()).filter(Boolean);

    if (route.kind === 'research') {
      const client = this.clientTokens.get(token);
      if (!client || client.expiresAt <= this.now()) return this.apiError(route.kind, send, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.', { token });
      return this.researchQuery(fields, body, send, record);
    }
    const access = this.accessTokens.get(token);
    if (!access || access.revoked || access.expiresAt <= this.now()) {
      return this.apiError(route.kind, send, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.', { token, ...(access ? { openId: access.openId } : {}) });
    }
    const user = this.users.get(access.openId)!;
    const granted = access.scope.split(',');
    const ok = (data: unknown) => {
      record(200, { openId: user.open_id });
      send(200, { data, error: { code: 'ok', message: '', log_id: logId() } });
    };
    const fail = (status: number, code: string, message: string) => this.apiError(route.kind, send, status, code, message, { token, openId: user.open_id });

    if (route.kind === 'user_info') {
      if (!granted.includes('user.info.basic')) return fail(401, 'scope_not_authorized', 'The user did not authorize the scope required for completing this request.');
      const unknown = fields.filter((f) => !USER_SCOPES[f]);
      if (!fields.length || unknown.length) return fail(400, 'invalid_params', `invalid fields: ${unknown.join(',') || '(none)'}`);
      if (fields.some((f) => !granted.includes(USER_SCOPES[f]!))) return fail(400, 'scope_permission_missed', 'Some fields need additional scopes.');
      const full: Record<string, unknown> = { ...user, avatar_url_100: user.avatar_url, video_count: user.videos.length };
      return ok({ user: Object.fromEntries(fields.map((f) => [f, full[f]])) });
    }
    if (!granted.includes('video.list')) return fail(401, 'scope_not_authorized', 'The user did not authorize the scope required for completing this request.');
    if (!fields.length || fields.some((f) => !VIDEO_FIELDS.includes(f))) return fail(400, 'invalid_params', 'invalid fields');
    const pick = (v: FakeVideo) => Object.fromEntries([...new Set(['id', ...fields])].map((f) => [f, v[f as keyof FakeVideo]]));
    if (route.kind === 'video_list') {
      const maxCount = body.max_count === undefined ? 10 : Number(body.max_count);
      if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > 20) return fail(400, 'invalid_params', 'max_count must be 1-20');
      const cursor = body.cursor === undefined ? Number.POSITIVE_INFINITY : Number(body.cursor);
      const older = user.videos.filter((v) => v.create_time * 1000 < cursor);
      const page = older.slice(0, maxCount);
      const last = page[page.length - 1];
      return ok({ videos: page.map(pick), cursor: last ? last.create_time * 1000 : 0, has_more: older.length > page.length });
    }
    const ids = (body.filters as { video_ids?: unknown } | undefined)?.video_ids;
    if (!Array.isArray(ids) || !ids.length || ids.length > 20) return fail(400, 'invalid_params', 'filters.video_ids must list 1-20 ids');
    return ok({ videos: user.videos.filter((v) => ids.includes(v.id)).map(pick) });
  }

  private apiError(kind: FakeKind, send: (s: number, p: unknown) => void, status: number, code: string, message: string, extra: Partial<RecordedRequest>): void {
    this.requests.push({ kind, status, at: this.now(), ...extra });
    send(status, { data: {}, error: { code, message, log_id: logId() } });
  }

  private authorize(url: URL, res: http.ServerResponse): void {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri') ?? '';
    const page = (status: number, text: string) => {
      this.requests.push({ kind: 'authorize', status, at: this.now() });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text);
    };
    if (p.get('client_key') !== this.options.clientKey) return page(400, 'unknown client_key');
    if (p.get('response_type') !== 'code') return page(400, 'response_type must be code');
    if (!/^https?:\/\//.test(redirectUri) || !p.get('scope') || !p.get('state')) return page(400, 'redirect_uri, scope and state are required');
    const next = this.authorizations.shift() ?? {};
    const back = new URL(redirectUri);
    back.searchParams.set('state', p.get('state')!);
    if (next.deny) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user denied the request');
    } else {
      const openId = next.openId ?? this.options.defaultOpenId ?? `-000${randomUUID().replace(/-/g, '').slice(0, 20)}`;
      if (!this.users.has(openId)) {
        this.addUser(openId);
        if (this.options.videosPerNewUser) this.addVideos(openId, this.options.videosPerNewUser);
      }
      const scope = (next.grantScopes ?? p.get('scope')!.split(',')).join(',');
      const code = this.issued(randomBytes(16).toString('hex'));
      this.codes.set(code, { openId, scope, redirectUri, used: false });
      back.searchParams.set('code', code);
      back.searchParams.set('scopes', scope);
    }
    this.requests.push({ kind: 'authorize', status: 302, at: this.now() });
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  private revoke(req: http.IncomingMessage, raw: string, send: (s: number, p: unknown) => void): void {
    const form = new URLSearchParams(raw);
    const token = form.get('token') ?? '';
    const access = this.accessTokens.get(token);
    const answer = (status: number, payload: unknown) => {
      this.requests.push({ kind: 'revoke', status, at: this.now(), token, ...(access ? { openId: access.openId } : {}) });
      send(status, payload);
    };
    const fault = this.faults.findIndex((f) => f.kind === 'revoke');
    if (fault >= 0) {
      const [f] = this.faults.splice(fault, 1);
      return answer(f!.status, { error: f!.code === 'internal_error' ? 'server_error' : f!.code, error_description: 'injected fault', log_id: logId() });
    }
    if (!/application\/x-www-form-urlencoded/.test(String(req.headers['content-type']))) return answer(400, { error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded', log_id: logId() });
    if (form.get('client_key') !== this.options.clientKey || form.get('client_secret') !== this.options.clientSecret) return answer(200, { error: 'invalid_client', error_description: 'Client key or secret is invalid.', log_id: logId() });
    if (!access || access.revoked || access.expiresAt <= this.now()) return answer(200, { error: 'invalid_request', error_description: 'The access token is invalid or expired.', log_id: logId() });
    this.revokeUser(access.openId);
    answer(200, {});
  }

  private async token(req: http.IncomingMessage, raw: string, send: (s: number, p: unknown) => void): Promise<void> {
    if (this.options.tokenEndpointDelayMs) await new Promise((r) => setTimeout(r, this.options.tokenEndpointDelayMs));
    const form = new URLSearchParams(raw);
    const grant = form.get('grant_type') ?? '';
    // Whose grant it is, when the fake can tell (recorded with refusals too).
    const owner = this.refreshTokens.get(form.get('refresh_token') ?? '')?.openId ?? this.codes.get(form.get('code') ?? '')?.openId;
    const mine = owner ? { openId: owner } : {};
    const oauthError = (error: string, description: string, status = 200) => {
      this.requests.push({ kind: 'token', grant, status, at: this.now(), ...mine });
      send(status, { error, error_description: description, log_id: logId() });
    };
    if (!/application\/x-www-form-urlencoded/.test(String(req.headers['content-type']))) return oauthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded', 400);
    const fault = this.faults.findIndex((f) => f.kind === 'token');
    if (fault >= 0) {
      const [f] = this.faults.splice(fault, 1);
      this.requests.push({ kind: 'token', grant, status: f!.status, at: this.now(), ...mine });
      return send(f!.status, { error: f!.code === 'internal_error' ? 'server_error' : f!.code, error_description: 'injected fault', log_id: logId() });
    }
    if (form.get('client_key') !== this.options.clientKey || form.get('client_secret') !== this.options.clientSecret) return oauthError('invalid_client', 'Client key or secret is invalid.');
    const ok = (payload: Record<string, unknown>, openId?: string) => {
      this.requests.push({ kind: 'token', grant, status: 200, at: this.now(), ...(openId ? { openId } : {}) });
      send(200, payload);
    };
    if (grant === 'client_credentials') {
      const token = this.issued(`clt.${randomBytes(24).toString('hex')}`);
      const ttl = this.options.clientTokenTtlS ?? 7200;
      this.clientTokens.set(token, { expiresAt: this.now() + ttl * 1000 });
      return ok({ access_token: token, expires_in: ttl, token_type: 'Bearer' });
    }
    if (grant === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '');
      if (!code || code.used) return oauthError('invalid_grant', 'Authorization code is expired or invalid.');
      if (form.get('redirect_uri') !== code.redirectUri) return oauthError('invalid_grant', 'redirect_uri does not match the authorization request.');
      code.used = true;
      return ok(this.mintUserTokens(code.openId, code.scope), code.openId);
    }
    if (grant === 'refresh_token') {
      const refresh = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!refresh || refresh.state !== 'active' || refresh.expiresAt <= this.now()) return oauthError('invalid_grant', 'Refresh token is invalid or expired.');
      refresh.state = 'spent';
      return ok(this.mintUserTokens(refresh.openId, refresh.scope), refresh.openId);
    }
    return oauthError('unsupported_grant_type', `grant_type "${grant}" is not supported.`);
  }

  private researchQuery(fields: string[], body: Record<string, unknown>, send: (s: number, p: unknown) => void, record: (status: number, extra?: Partial<RecordedRequest>) => void): void {
    const today = day(Math.floor(this.now() / 1000));
    const used = (this.researchPerDay.get(today) ?? 0) + 1;
    this.researchPerDay.set(today, used);
    const fail = (status: number, code: string, message: string) => {
      record(status);
      send(status, { data: {}, error: { code, message, log_id: logId() } });
    };
    if (used > (this.options.researchDailyQuota ?? 1000)) return fail(429, 'rate_limit_exceeded', 'The API rate limit was exceeded. Please try again later.');
    if (!fields.length || fields.some((f) => !RESEARCH_FIELDS.includes(f))) return fail(400, 'invalid_params', 'invalid fields');
    const start = String(body.start_date ?? '');
    const end = String(body.end_date ?? '');
    if (!/^\d{8}$/.test(start) || !/^\d{8}$/.test(end) || dayStart(end) < dayStart(start)) return fail(400, 'invalid_params', 'start_date and end_date must be YYYYMMDD, start before end');
    if (dayStart(end) - dayStart(start) > 30 * DAY_MS) return fail(400, 'invalid_params', 'end_date must be no more than 30 days after start_date');
    const maxCount = body.max_count === undefined ? 20 : Number(body.max_count);
    if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > 100) return fail(400, 'invalid_params', 'max_count must be 1-100');
    const query = body.query as { and?: Condition[]; or?: Condition[]; not?: Condition[] } | undefined;
    if (!query || ![query.and, query.or, query.not].some((l) => Array.isArray(l) && l.length)) return fail(400, 'invalid_params', 'query needs at least one condition');
    const cursor = body.cursor === undefined ? 0 : Number(body.cursor);
    const searchId = typeof body.search_id === 'string' ? body.search_id : undefined;
    let results: ResearchCorpusVideo[] | undefined;
    if (searchId) {
      results = this.searches.get(searchId);
      if (!results) return fail(400, 'invalid_params', 'search_id is unknown or expired');
    } else if (cursor > 0) {
      return fail(400, 'invalid_params', 'continuing a search needs its search_id');
    } else {
      const from = dayStart(start) / 1000;
      const to = dayStart(end) / 1000 + 86_400;
      results = this.research.filter((v) => v.create_time >= from && v.create_time < to && matches(v, query)).sort((a, b) => b.create_time - a.create_time);
    }
    const id = searchId ?? String(7_000_000_000_000_000_000n + BigInt(this.searches.size + 1));
    this.searches.set(id, results);
    const page = results.slice(cursor, cursor + maxCount);
    const pick = (v: ResearchCorpusVideo) => Object.fromEntries([...new Set(['id', ...fields])].map((f) => [f, v[f as keyof ResearchCorpusVideo]]));
    record(200);
    send(200, { data: { videos: page.map(pick), cursor: cursor + page.length, has_more: cursor + page.length < results.length, search_id: id }, error: { code: 'ok', message: '', log_id: logId() } });
  }
}

function valueOf(video: ResearchCorpusVideo, field: string): string[] {
  switch (field) {
    case 'create_date':
      return [day(video.create_time)];
    case 'username':
      return [video.username];
    case 'region_code':
      return [video.region_code];
    case 'video_id':
      return [video.id];
    case 'hashtag_name':
      return video.hashtag_names.map((h) => h.toLowerCase());
    case 'music_id':
      return [video.music_id];
    case 'effect_id':
      return video.effect_ids;
    case 'video_length':
      return [video.video_duration < 15 ? 'SHORT' : video.video_duration < 60 ? 'MID' : video.video_duration < 300 ? 'LONG' : 'EXTRA_LONG'];
    default:
      return [];
  }
}

function holds(video: ResearchCorpusVideo, c: Condition): boolean {
  if (c.field_name === 'keyword') return c.field_values.some((k) => video.video_description.toLowerCase().includes(k.toLowerCase()));
  const actual = valueOf(video, c.field_name);
  const wanted = c.field_values.map((v) => (c.field_name === 'hashtag_name' ? v.toLowerCase() : v));
  switch (c.operation) {
    case 'EQ':
    case 'IN':
      return actual.some((a) => wanted.includes(a));
    case 'GT':
      return actual.some((a) => a > wanted[0]!);
    case 'GTE':
      return actual.some((a) => a >= wanted[0]!);
    case 'LT':
      return actual.some((a) => a < wanted[0]!);
    case 'LTE':
      return actual.some((a) => a <= wanted[0]!);
    default:
      return false;
  }
}

function matches(video: ResearchCorpusVideo, query: { and?: Condition[]; or?: Condition[]; not?: Condition[] }): boolean {
  if (query.and?.length && !query.and.every((c) => holds(video, c))) return false;
  if (query.or?.length && !query.or.some((c) => holds(video, c))) return false;
  if (query.not?.length && query.not.some((c) => holds(video, c))) return false;
  return true;
}
