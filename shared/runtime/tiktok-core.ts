/**
 * The light part of the TikTok composition root — configuration, the app's credentials, OAuth states,
 * tracked hashtags — so the install-link, install and tracked-hashtags functions bundle neither the API
 * client nor the token manager.
 * shared/runtime/tiktok.ts builds the rest.
 */
import { OAuthStateStore } from '../oauth/state-store';
import { appFromSecret, readTikTokConfig, type TikTokApp } from '../tiktok/config';
import { TrackedHashtagStore } from '../tiktok/tracked-hashtags';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';
import { table } from './storage';

/** TIKTOK_SCOPES, TIKTOK_RESEARCH_DAILY_REQUESTS, IONFLUX_PUBLIC_BASE_URL, TIKTOK_POST_INSTALL_REDIRECT_URL. */
export const tiktokConfig = perEnvironment(() => readTikTokConfig(process.env));

/** The app from the platform secret `<root>/platform/tiktok` (`client_key`, `client_secret`, `base_url`?, `auth_url`?). */
export async function tiktokApp(): Promise<TikTokApp> {
  return appFromSecret(await secretResolver().platform('tiktok'));
}

export const tiktokOAuthStates = perEnvironment(() => new OAuthStateStore(table('tiktok-oauth-states')));

export const trackedHashtags = perEnvironment(() => new TrackedHashtagStore(table('tiktok-state')));
