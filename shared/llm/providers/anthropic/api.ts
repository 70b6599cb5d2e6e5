/**
 * Anthropic's Messages API: `POST /v1/messages` with `anthropic-version: 2026-10-21` and the key as
 * `Authorization: Bearer` (what SDK 1.x sends; the API also takes `x-api-key`). Only the Messages
 * resource of the official SDK is loaded (sdk.ts), and only when a request first goes to Anthropic: a
 * function whose traffic goes elsewhere never pays the SDK's ~50 ms of load time on its cold start.
 */
import type { ProviderApi, ProviderCredential, ProviderFailure } from '../../provider';
import { retryAfterMs, sdkTransportFailure, shouldRetryHeader } from '../wire';
import type * as Sdk from './sdk';

export type AnthropicMessagesClient = Sdk.AnthropicMessagesClient;
let sdk: typeof Sdk | undefined;
const anthropicSdk = () => (sdk ??= require('./sdk') as typeof Sdk);

/** 429s and 400s that mean the account cannot pay: never retried. */
const QUOTA_CODES = new Set(['enforced_spend_limit_reached', 'spend_limit_reached', 'credit_balance_too_low', 'billing_error']);

export function classifyAnthropicError(error: unknown): ProviderFailure {
  const sdk = anthropicSdk();
  const transport = sdkTransportFailure(error, sdk);
  if (transport) return transport;
  const { APIError } = sdk;
  if (error instanceof APIError && typeof error.status === 'number') {
    const type = error.type ?? undefined;
    const code = error.errorCode ?? undefined;
    const message = error.apiMessage ?? error.message;
    const failure: ProviderFailure = { kind: 'http', status: error.status, message };
    const providerCode = code ?? type;
    if (providerCode) failure.providerCode = providerCode;
    const wait = retryAfterMs(error.headers);
    if (wait !== undefined) failure.retryAfterMs = wait;
    const should = shouldRetryHeader(error.headers);
    if (should !== undefined) failure.shouldRetry = should;
    if (error.status === 402 || (code && QUOTA_CODES.has(code)) || (type && QUOTA_CODES.has(type)) || /credit balance is too low/i.test(message)) {
      failure.quotaExhausted = true;
    }
    if (error.requestID) failure.requestId = error.requestID;
    return failure;
  }
  if (error instanceof SyntaxError) return { kind: 'bad_response', message: `unreadable response: ${error.message}` };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export const anthropicApi: ProviderApi<AnthropicMessagesClient> = {
  name: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  auth: 'authorization-bearer',
  endpoints: { text_generation: 'POST /v1/messages', image_understanding: 'POST /v1/messages (image block)' },
  // Per image. The Messages API's 5 MB applies to the base64 string it receives, so ≤ 3/4 of that in bytes.
  maxImageBytes: (5 * 1024 * 1024 * 3) / 4,
  createClient(credential: ProviderCredential) {
    // Every option named so nothing comes from ANTHROPIC_* environment variables or profile files.
    // A workspace's base URL comes with a fetch that connects only to checked addresses, no redirects.
    return new (anthropicSdk().AnthropicMessagesClient)({
      apiKey: credential.apiKey,
      authToken: null,
      baseURL: credential.baseUrl,
      maxRetries: 0,
      timeout: 60_000,
      ...(credential.fetch ? { fetch: credential.fetch } : {}),
    });
  },
  classifyError: classifyAnthropicError,
};
