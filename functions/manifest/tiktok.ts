/** TikTok integration: account connections (OAuth), account and video data, Research API, trend snapshots (issue 15). */
import type { FunctionSpec, Need } from '../manifest-types';

/** What every function calling TikTok for a connected account may touch: the app secret, the account's tokens
 * (read, refresh, rotate), the refresh locks, the connection (marked revoked when TikTok refuses a refresh)
 * and the outbox (that event: none of these talks to Kafka or needs the VPC). */
const accountApi: Need[] = ['secret:tiktok', 'connection-tokens:tiktok', 'dynamodb:connections', 'dynamodb:tiktok-token-locks', 'sqs:outbox'];

/** The Research API: the app secret (client token) and the daily request count. */
const researchApi: Need[] = ['secret:tiktok', 'dynamodb:tiktok-state'];

const account = (id: string, entry: string, method: 'GET' | 'POST', path: string, description: string): FunctionSpec => ({
  id,
  entry,
  description,
  trigger: { http: { method, path: `/v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}/${path}`, auth: 'iam' } },
  memoryMb: 256,
  timeoutS: 29,
  needs: accountApi,
});

export const tiktokFunctions: FunctionSpec[] = [
  {
    id: 'tiktok-install-link',
    entry: 'functions/tiktok/install-link.ts',
    description: 'Issues the signed, expiring link that connects a TikTok account to a workspace (the install route accepts nothing else).',
    trigger: { http: { method: 'POST', path: '/v1/tiktok/workspaces/{workspace_id}/install-link', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['secret:tiktok'],
  },
  {
    id: 'tiktok-oauth-install',
    entry: 'functions/tiktok/oauth-install.ts',
    description: 'Starts a TikTok account connection from a signed install link: single-use state, then a redirect to TikTok’s authorize page.',
    trigger: { http: { method: 'GET', path: '/oauth/tiktok/install', auth: 'public' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['secret:tiktok', 'dynamodb:tiktok-oauth-states'],
  },
  {
    id: 'tiktok-oauth-callback',
    entry: 'functions/tiktok/oauth-callback.ts',
    description: 'TikTok OAuth callback: consumes the state, exchanges the code, stores the tokens, records the connection tiktok:<open_id>, publishes tiktok.account.connected.',
    trigger: { http: { method: 'GET', path: '/oauth/tiktok/callback', auth: 'public' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: [...accountApi, 'dynamodb:tiktok-oauth-states'],
  },
  {
    id: 'tiktok-accounts-list',
    entry: 'functions/tiktok/accounts-list.ts',
    description: 'Lists the TikTok accounts connected to a workspace: status, profile name, scopes granted and missing (never a token).',
    trigger: { http: { method: 'GET', path: '/v1/tiktok/workspaces/{workspace_id}/accounts', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:connections:read'],
  },
  {
    id: 'tiktok-account-disconnect',
    entry: 'functions/tiktok/account-disconnect.ts',
    description: 'Disconnects a TikTok account from a workspace: authorization revoked at TikTok, tokens erased, connection inactive, tiktok.account.disconnected published.',
    trigger: { http: { method: 'DELETE', path: '/v1/tiktok/workspaces/{workspace_id}/accounts/{open_id}', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: accountApi,
  },
  account('tiktok-user-info', 'functions/tiktok/user-info.ts', 'GET', 'user-info', 'Agents read a connected account’s profile: display name, avatar, follower/following/likes/video counts.'),
  account('tiktok-videos-list', 'functions/tiktok/videos-list.ts', 'GET', 'videos', 'Agents list a connected account’s videos, newest first, with TikTok’s cursor passed through.'),
  account('tiktok-videos-query', 'functions/tiktok/videos-query.ts', 'POST', 'videos/query', 'Agents read given videos of a connected account by id.'),
  {
    id: 'tiktok-research-videos',
    entry: 'functions/tiktok/research-videos.ts',
    description: 'Research API video query with the app’s client token: conditions checked, windows over 30 days split and merged, cursor and search_id paging, daily quota.',
    trigger: { http: { method: 'POST', path: '/v1/tiktok/workspaces/{workspace_id}/research/videos', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: researchApi,
  },
  {
    id: 'tiktok-research-hashtags',
    entry: 'functions/tiktok/research-hashtags.ts',
    description: 'Per-hashtag videos, views, likes, shares and top creators, aggregated from Research API video queries.',
    trigger: { http: { method: 'POST', path: '/v1/tiktok/workspaces/{workspace_id}/research/hashtags', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 29,
    needs: researchApi,
  },
  {
    id: 'tiktok-tracked-hashtags-put',
    entry: 'functions/tiktok/tracked-hashtags-put.ts',
    description: 'Sets the hashtags a workspace tracks (read by the daily trend snapshot).',
    trigger: { http: { method: 'PUT', path: '/v1/tiktok/workspaces/{workspace_id}/tracked-hashtags', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:tiktok-state'],
  },
  {
    id: 'tiktok-tracked-hashtags-get',
    entry: 'functions/tiktok/tracked-hashtags-get.ts',
    description: 'Reads the hashtags a workspace tracks.',
    trigger: { http: { method: 'GET', path: '/v1/tiktok/workspaces/{workspace_id}/tracked-hashtags', auth: 'iam' } },
    memoryMb: 256,
    timeoutS: 10,
    needs: ['dynamodb:tiktok-state:read'],
  },
  {
    id: 'tiktok-trend-snapshot',
    entry: 'functions/tiktok/trend-snapshot.ts',
    description: 'Daily: Research API statistics of each workspace’s tracked hashtags for the last complete day, published as tiktok.trend_snapshot.',
    trigger: { schedule: { expression: 'cron(30 1 * * ? *)' } },
    memoryMb: 512,
    timeoutS: 900,
    needs: [...researchApi, 'sqs:outbox'],
  },
];
