/**
 * The provider contract, Portkey-style: each provider is one folder under providers/<name>/ holding a
 * declarative API description (api.ts: base URL, auth, endpoint per task, how to build its SDK client
 * and read its errors) and one transform per task type (request map → SDK call → response map).
 * `defineProvider` wires them into the object the engine calls. Providers import this file and the
 * contract, never the engine.
 */
import { createHash } from 'node:crypto';
import type { CatalogModel, ModelSpec } from './catalog';
import type { ProviderUsage, TaskInputs, TaskOutputs, TaskType } from './contract';
import { guardRefusal, oversizedResponse } from './network-guard';

/** The credential as a provider sees it: a key and where to send it. Never logged. */
export interface ProviderCredential {
  apiKey: string;
  /** The secret's `base_url`, else the API's default. */
  baseUrl: string;
  /** Other fields of the secret (OpenAI's organization and project…). */
  fields: Readonly<Record<string, unknown>>;
  /**
   * The fetch the SDK must use, when the base URL is not ours (a workspace's): it connects only to
   * checked addresses and follows no redirect (network-guard.ts `guardedFetch`). Else the SDK's own.
   */
  fetch?: typeof globalThis.fetch;
}

export interface CallOptions {
  /** Time this attempt may take (already capped by the caller's deadline). */
  timeoutMs: number;
  signal: AbortSignal;
}

export interface ProviderResult<O> {
  output: O;
  usage: ProviderUsage;
  /** The provider's own response id and model string, echoed in provider_response. */
  id?: string;
  upstreamModel?: string;
  requestId?: string;
  /** Inputs of per-unit pricing that are not in the usage (image quality and size). */
  pricing?: { imageQuality?: string; imageSize?: string };
}

/**
 * Why a provider call failed, as facts of the wire. The engine's retry policy decides what to do with
 * them; providers only report.
 */
export interface ProviderFailure {
  /**
   * `http`: the provider answered with an error status. `network`: no answer (connection refused, reset).
   * `timeout`: no answer in time. `aborted`: our deadline cut it. `bad_response`: a 2xx we could not read.
   * `rejected`: the transform refused this input for this provider before sending (e.g. image too large).
   * `internal`: the call failed on our side before or after the wire (an SDK precondition, a bug).
   * `refused`: the SSRF guard refused the connection (the base URL resolves to a private address, or redirected).
   */
  kind: 'http' | 'network' | 'timeout' | 'aborted' | 'bad_response' | 'rejected' | 'internal' | 'refused';
  status?: number;
  /** The provider's own error code or type (insufficient_quota, overloaded_error…). */
  providerCode?: string;
  message: string;
  /** From retry-after-ms / retry-after. */
  retryAfterMs?: number;
  /** The provider's `x-should-retry` header, when present. */
  shouldRetry?: boolean;
  /** The account is out of credit or over a spend limit: waiting will not help. */
  quotaExhausted?: boolean;
  requestId?: string;
  /** Usage the provider bills although the call failed on our side (a 2xx we could not read). */
  billedUsage?: ProviderUsage;
}

/** Thrown by a transform that cannot express this input for its provider. Not retried; next fallback. */
export class ProviderInputRejected extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ProviderInputRejected';
  }
}

/** Thrown by a transform whose provider answered 2xx with something it cannot read. */
export class ProviderBadResponse extends Error {
  constructor(
    message: string,
    readonly billedUsage?: ProviderUsage,
  ) {
    super(message);
    this.name = 'ProviderBadResponse';
  }
}

/** What the engine checks before any call, per task: the request without its fetched media. */
export type CheckableInput<T extends TaskType> = Omit<TaskInputs[T], 'audio' | 'image'>;

/** One task of one provider: pure request/response maps around one SDK call. */
export interface TaskTransform<T extends TaskType, Client, Body = unknown, Raw = unknown> {
  /** Problems that make this request impossible for this model; checked for the whole chain up front. */
  check?(input: CheckableInput<T>, model: ModelSpec): string[];
  /** Our normalised input → the provider's request body. May throw ProviderInputRejected. */
  toRequest(input: TaskInputs[T], model: ModelSpec): Body;
  /** The SDK call (retries off, timeout and abort signal from options). */
  send(client: Client, body: Body, options: CallOptions): Promise<{ data: Raw; requestId?: string | null }>;
  /** The provider's response → our normalised output and usage. May throw ProviderBadResponse. */
  fromResponse(raw: Raw, input: TaskInputs[T], model: ModelSpec): ProviderResult<TaskOutputs[T]>;
}

export type TaskTransforms<Client> = { [T in TaskType]?: TaskTransform<T, Client, any, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The declarative description of a provider's API. */
export interface ProviderApi<Client> {
  name: string;
  /** Used when the secret has no base_url; undefined = the secret must name one (self-hosted servers). */
  defaultBaseUrl?: string;
  /** How the key travels (documentation; the SDK sends it). */
  auth: 'authorization-bearer';
  /** Endpoint per task (documentation and the fakes' routes). */
  endpoints: Partial<Record<TaskType, string>>;
  /** Largest image the provider takes inline, in bytes. */
  maxImageBytes?: number;
  createClient(credential: ProviderCredential): Client;
  classifyError(error: unknown): ProviderFailure;
}

/** What the engine calls. */
export interface LlmProvider {
  readonly name: string;
  readonly defaultBaseUrl?: string;
  readonly endpoints: Partial<Record<TaskType, string>>;
  supports(task: TaskType): boolean;
  check<T extends TaskType>(task: T, input: CheckableInput<T>, model: ModelSpec): string[];
  call<T extends TaskType>(task: T, input: TaskInputs[T], model: ModelSpec, credential: ProviderCredential, options: CallOptions): Promise<ProviderResult<TaskOutputs[T]>>;
  classify(error: unknown): ProviderFailure;
}

const MAX_CLIENTS = 32;

/** An id per fetch implementation, so a client made with one fetch is never reused with another. */
const fetchIds = new WeakMap<object, number>();
let fetchCount = 0;
const fetchId = (fetch: ProviderCredential['fetch']) => {
  if (!fetch) return 0;
  let id = fetchIds.get(fetch);
  if (id === undefined) fetchIds.set(fetch, (id = ++fetchCount));
  return id;
};

/**
 * Clients reused per credential (keep-alive connections): the same key, base URL, fields and fetch get
 * the same client; a rotated key gets a new one. At most MAX_CLIENTS are kept.
 */
export function clientsByCredential<Client>(create: (credential: ProviderCredential) => Client): (credential: ProviderCredential) => Client {
  const clients = new Map<string, Client>();
  return (credential) => {
    const key = createHash('sha256')
      .update(credential.apiKey)
      .update('\0')
      .update(credential.baseUrl)
      .update('\0')
      .update(JSON.stringify(credential.fields))
      .update(`\0${fetchId(credential.fetch)}`)
      .digest('base64url');
    let client = clients.get(key);
    if (!client) {
      client = create(credential);
      if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
      clients.set(key, client);
    }
    return client;
  };
}

/**
 * A failure as facts of the wire: what every provider shares (the SSRF guard's refusal inside a client's
 * connection error, a transform's refusal, an unreadable 2xx), then the provider's own reading.
 */
export function classifyProviderError(error: unknown, classifyError: (error: unknown) => ProviderFailure): ProviderFailure {
  // The SDKs wrap what their fetch threw (APIConnectionError with a cause): the guard's refusal inside.
  const refusal = guardRefusal(error);
  if (refusal) return { kind: 'refused', message: refusal.message };
  const oversized = oversizedResponse(error);
  if (oversized) return { kind: 'bad_response', message: oversized.message };
  if (error instanceof ProviderInputRejected) return { kind: 'rejected', status: error.status, message: error.message };
  if (error instanceof ProviderBadResponse) {
    return { kind: 'bad_response', message: error.message, ...(error.billedUsage ? { billedUsage: error.billedUsage } : {}) };
  }
  return classifyError(error);
}

export function defineProvider<Client>(api: ProviderApi<Client>, tasks: TaskTransforms<Client>): LlmProvider {
  // SDK clients are reused per credential (keep-alive connections); a rotated key gets a new client.
  const clientFor = clientsByCredential(api.createClient);
  const transform = <T extends TaskType>(task: T): TaskTransform<T, Client> => {
    const t = tasks[task] as TaskTransform<T, Client> | undefined;
    if (!t) throw new ProviderInputRejected(`${api.name} does not implement ${task}`);
    return t;
  };
  return {
    name: api.name,
    ...(api.defaultBaseUrl ? { defaultBaseUrl: api.defaultBaseUrl } : {}),
    endpoints: api.endpoints,
    supports: (task) => tasks[task] !== undefined,
    check: (task, input, model) => transform(task).check?.(input, model) ?? [],
    async call(task, input, model, credential, options) {
      const t = transform(task);
      const body = t.toRequest(input, model);
      const { data, requestId } = await t.send(clientFor(credential), body, options);
      const result = t.fromResponse(data, input, model);
      return requestId ? { ...result, requestId } : result;
    },
    classify: (error) => classifyProviderError(error, api.classifyError),
  };
}

/** The output-token cap to send: the caller's, clamped to the model's, else the model's default. */
export function maxTokensFor(requested: number | undefined, model: Pick<CatalogModel, 'max_output_tokens' | 'default_max_tokens'>): number | undefined {
  const cap = model.max_output_tokens;
  const wanted = requested ?? model.default_max_tokens;
  if (wanted === undefined) return undefined;
  return cap === undefined ? wanted : Math.min(wanted, cap);
}
