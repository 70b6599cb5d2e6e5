/**
 * The app's client access token (Research API), cached per execution environment until shortly before it
 * expires (TikTok says 2 h; the lifetime is read from each response), one request in flight at a time. A
 * client token is not rotated and several environments may each hold one, so no lock is needed; a 401
 * drops the cached one and fetches another.
 */
import type { TikTokApp } from './config';
import type { ClientToken, TikTokTokenEndpoint } from './token-endpoint';

/** A cached token with less than this left is renewed first. */
const RENEW_MARGIN_MS = 5 * 60_000;

export class ClientTokenCache {
  private cached: ClientToken | undefined;
  private inflight: Promise<ClientToken> | undefined;

  constructor(
    private readonly options: { endpoint: Pick<TikTokTokenEndpoint, 'clientToken'>; app: () => Promise<TikTokApp>; clock?: () => number },
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async token(deadline: number): Promise<string> {
    if (this.cached && this.cached.expires_at - RENEW_MARGIN_MS > this.now()) return this.cached.access_token;
    return (await this.fetch(deadline)).access_token;
  }

  /** TikTok answered 401 to `rejected`: a newer token if one was fetched meanwhile, else a new one. */
  async rejected(rejected: string, deadline: number): Promise<string> {
    if (this.cached && this.cached.access_token !== rejected) return this.cached.access_token;
    this.cached = undefined;
    return (await this.fetch(deadline)).access_token;
  }

  private fetch(deadline: number): Promise<ClientToken> {
    this.inflight ??= (async () => {
      try {
        this.cached = await this.options.endpoint.clientToken(await this.options.app(), deadline);
        return this.cached;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}
