/**
 * The OpenAI wire, shared by every provider that speaks it (OpenAI, DeepSeek, sentence-transformers
 * servers such as Hugging Face TEI) — like Portkey's open-ai-base. The official SDK with its retries
 * off: the engine owns the one retry loop. The SDK is loaded when a request first needs it, not on the
 * cold start (~80 ms here): a function whose traffic goes to another provider never loads it.
 */
import type OpenAI from 'openai';
import type * as Sdk from './sdk';
import type { ProviderCredential, ProviderFailure } from '../../provider';
import { retryAfterMs, sdkTransportFailure, shouldRetryHeader } from '../wire';

let sdk: typeof Sdk | undefined;
const openAiSdk = () => (sdk ??= require('./sdk') as typeof Sdk);

export function createOpenAiClient(credential: ProviderCredential): OpenAI {
  const field = (name: string) => (typeof credential.fields[name] === 'string' && credential.fields[name] !== '' ? (credential.fields[name] as string) : null);
  // Every option named explicitly so nothing comes from OPENAI_* environment variables.
  return new (openAiSdk().OpenAI)({
    apiKey: credential.apiKey,
    baseURL: credential.baseUrl,
    organization: field('organization'),
    project: field('project'),
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: 60_000,
    // A workspace's base URL: connections only to checked addresses, no redirects (network-guard.ts).
    ...(credential.fetch ? { fetch: credential.fetch } : {}),
  });
}

/**
 * 429s that mean "out of credit / over a spend limit", not "slow down": retrying cannot help.
 * (OpenAI error codes; DeepSeek reports an empty balance as 402 instead.)
 */
const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'organization_spend_limit_exceeded',
  'project_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
  'billing_hard_limit_reached',
  'billing_not_active',
  'insufficient_balance',
]);

interface OpenAiErrorBody {
  message?: unknown;
  type?: unknown;
  code?: unknown;
}

export function classifyOpenAiError(error: unknown): ProviderFailure {
  const sdk = openAiSdk();
  const transport = sdkTransportFailure(error, sdk);
  if (transport) return transport;
  const { APIError } = sdk;
  if (error instanceof APIError && typeof error.status === 'number') {
    const body = (error.error ?? {}) as OpenAiErrorBody;
    const code = typeof error.code === 'string' ? error.code : typeof body.code === 'string' ? body.code : undefined;
    const type = typeof error.type === 'string' ? error.type : typeof body.type === 'string' ? body.type : undefined;
    const providerCode = code ?? type;
    const message = typeof body.message === 'string' && body.message ? body.message : error.message;
    const failure: ProviderFailure = { kind: 'http', status: error.status, message };
    if (providerCode) failure.providerCode = providerCode;
    const wait = retryAfterMs(error.headers);
    if (wait !== undefined) failure.retryAfterMs = wait;
    const should = shouldRetryHeader(error.headers);
    if (should !== undefined) failure.shouldRetry = should;
    if (error.status === 402 || (error.status === 429 && ((code && QUOTA_CODES.has(code)) || (type && QUOTA_CODES.has(type))))) failure.quotaExhausted = true;
    if (error.requestID) failure.requestId = error.requestID;
    return failure;
  }
  // A body the SDK could not parse arrives as a SyntaxError; anything else is a bug on our side.
  if (error instanceof SyntaxError) return { kind: 'bad_response', message: `unreadable response: ${error.message}` };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export type { OpenAI };
