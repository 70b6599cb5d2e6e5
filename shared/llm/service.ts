/**
 * The LLM orchestration service: one call of one task type. Resolves the chain (primary + fallbacks)
 * against the model catalog and checks every entry before any provider call (400 naming each problem),
 * fetches inputs by URL, runs the strategy engine, prices every billed attempt, publishes one
 * `llm.usage.recorded` event and answers the normalised response — or an error naming each provider and
 * why it failed. Dependencies come in as arguments (see shared/runtime/llm.ts).
 */
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors';
import { createPlatformEvent } from '../events/platform-event';
import type { OutgoingEvent } from '../events/publisher';
import { topics } from '../events/topics';
import { LAMBDA_MAX_BODY_BYTES } from '../http/handler';
import { moduleLogger } from '../observability/logger';
import type { ModelCatalog, ResolvedTarget } from './catalog';
import type {
  Attempt,
  ChatMessage,
  LlmRequests,
  LlmSuccessResponse,
  TaskInputs,
  TaskType,
  TextParameters,
} from './contract';
import { type ProviderKeyDeps, resolveProviderKey } from './credentials';
import { type ChainEntry, type EngineOutcome, keyedEngine, type ResolvedCredential, type StrategyDeps, type StrategyEngine } from './engine';
import { failureVerdict, LlmCallFailedError, LlmRequestError, ResponseTooLargeError } from './errors';
import { AUDIO_MAX_BYTES, IMAGE_MAX_BYTES, type MediaFetcher } from './inputs';
import type { CheckableInput, LlmProvider } from './provider';
import { priceAttempts, responseUsage, USAGE_EVENT_TYPE, usagePayload } from './usage';

const log = moduleLogger('llm');

export type { CredentialSource } from './credentials';

export interface LlmServiceDeps extends ProviderKeyDeps, StrategyDeps {
  catalog: ModelCatalog;
  /** The providers this function serves (each function bundles only the providers of its task). */
  providers: readonly LlmProvider[];
  publisher: { publish(events: OutgoingEvent[], options: { deadline: number }): Promise<unknown> };
  fetchMedia: MediaFetcher;
  /** source_service_name of usage events. */
  source: string;
  /** Time kept after the provider calls to publish the usage event (default 3000 ms). */
  publishReserveMs?: number;
}

export interface CallContext {
  requestId: string;
  /** Epoch ms by which the response must be on its way. */
  deadline: number;
  callerArn?: string;
}

export interface CallTimings {
  totalMs: number;
  /** Inside provider calls and retry waits. */
  providerMs: number;
  /** Publishing the usage event. */
  publishMs: number;
}

/** Lambda's response limit, less room for headers and the envelope. */
const RESPONSE_LIMIT_BYTES = LAMBDA_MAX_BODY_BYTES - 64 * 1024;
const DEFAULT_IMAGE_PROMPT = 'Describe this image.';

export class LlmService {
  private readonly engine: StrategyEngine;
  private readonly registry: Map<string, LlmProvider>;

  constructor(private readonly deps: LlmServiceDeps) {
    this.registry = new Map(deps.providers.map((p) => [p.name, p]));
    this.engine = keyedEngine<LlmProvider>(deps, (provider, workspaceId) => this.credentials(provider, workspaceId));
  }

  async run<T extends TaskType>(task: T, request: LlmRequests[T], ctx: CallContext): Promise<{ body: LlmSuccessResponse<T>; timings: CallTimings }> {
    const started = performance.now();
    const chain = this.resolveChain(task, request);
    const prepared = prepare(task, request);
    this.checkChain(task, prepared, chain);
    const input = await this.withMedia(task, request, prepared, ctx.deadline);

    const publishReserveMs = this.deps.publishReserveMs ?? 3000;
    const engineDeadline = ctx.deadline - publishReserveMs;
    const outcome = await this.engine.execute(task, input, chain, { workspaceId: request.workspace_id, deadline: engineDeadline });

    const attempts: Attempt[] = outcome.attempts.map((a) => a.attempt);
    const cost = priceAttempts(outcome.attempts);
    const success = outcome.success;
    const usage = responseUsage(success?.result.usage, cost);
    const winner = success ? outcome.attempts[outcome.attempts.length - 1]!.attempt : undefined;

    // The answer is built (and its size checked) before the usage event, so the event says what the caller got.
    let body: LlmSuccessResponse<T> | undefined;
    let tooLarge: ResponseTooLargeError | undefined;
    if (success) {
      const { result, entry } = success;
      body = {
        status: 'success',
        request_id: ctx.requestId,
        task_type: task,
        provider: entry.provider.name,
        model: entry.target.model.id,
        requested_model: request.model,
        provider_response: { ...result.output, ...(result.id ? { id: result.id } : {}), ...(result.upstreamModel ? { model: result.upstreamModel } : {}) },
        usage,
        attempts,
        latency_ms: Math.round(performance.now() - started),
      };
      if (task === 'embedding' || task === 'image_generation') {
        const bytes = Buffer.byteLength(JSON.stringify(body));
        if (bytes > RESPONSE_LIMIT_BYTES) {
          tooLarge = new ResponseTooLargeError(bytes, RESPONSE_LIMIT_BYTES, task === 'embedding' ? 'Send fewer texts per request, or ask for encoding_format "base64".' : 'Ask for fewer images (n), or output_format "jpeg"/"webp".');
        }
      }
    }

    const publishStarted = performance.now();
    if (attempts.length) {
      // The usage event gets the time kept for it, not whatever is left of the request.
      await this.publishUsage(Math.min(ctx.deadline, Date.now() + publishReserveMs), ctx, {
        requestId: ctx.requestId,
        workspaceId: request.workspace_id,
        task,
        // Billed all the same when the answer was too large to return: the caller got an error.
        status: body && !tooLarge ? 'success' : 'error',
        ...(tooLarge ? { errorCode: tooLarge.code } : {}),
        ...(success ? { provider: success.entry.provider.name, model: success.entry.target.model.id } : {}),
        requestedModel: request.model,
        ...(winner?.key_source ? { keySource: winner.key_source } : {}),
        usage,
        attempts,
        latencyMs: Math.round(performance.now() - started),
        catalogVersion: this.deps.catalog.version,
        ...(request.metadata ? { metadata: request.metadata } : {}),
        ...(ctx.callerArn ? { callerArn: ctx.callerArn } : {}),
      });
    }
    const publishMs = performance.now() - publishStarted;

    if (!body) throw failure(task, ctx.requestId, outcome);
    if (tooLarge) throw tooLarge;
    log.info('llm call', {
      task_type: task,
      workspace_id: request.workspace_id,
      provider: body.provider,
      model: body.model,
      attempts: attempts.length,
      cost_usd: usage.cost_usd,
      latency_ms: body.latency_ms,
    });
    const totalMs = performance.now() - started;
    return { body, timings: { totalMs, providerMs: outcome.providerMs, publishMs } };
  }

  /** The workspace's key when it maps one for the provider, else the platform key; base URL checked. */
  private credentials(provider: LlmProvider, workspaceId: string): Promise<ResolvedCredential> {
    return resolveProviderKey(this.deps, { label: provider.name, ...(provider.defaultBaseUrl ? { defaultBaseUrl: provider.defaultBaseUrl } : {}) }, workspaceId);
  }

  private resolveChain<T extends TaskType>(task: T, request: LlmRequests[T]): ChainEntry[] {
    const refs = [{ provider: request.provider, model: request.model }, ...(request.fallback ?? [])];
    const problems: string[] = [];
    const chain: ChainEntry[] = [];
    let first: LlmRequestError | undefined;
    refs.forEach((ref, i) => {
      const where = i === 0 ? 'model' : `fallback[${i - 1}]`;
      let target: ResolvedTarget;
      try {
        target = this.deps.catalog.resolve(ref, task);
      } catch (error) {
        if (!(error instanceof LlmRequestError)) throw error;
        first ??= error;
        problems.push(`${where}: ${error.message}`);
        return;
      }
      const provider = this.registry.get(target.provider);
      if (!provider?.supports(task)) {
        problems.push(`${where}: provider ${target.provider} does not serve ${task} here`);
        return;
      }
      if (!chain.some((c) => c.provider === provider && c.target.model.id === target.model.id)) chain.push({ provider, target });
    });
    if (problems.length === 1 && first) throw first;
    if (problems.length) throw new LlmRequestError('invalid_model_chain', problems.join('; '), { problems });
    return chain;
  }

  /** Every entry of the chain must be able to serve this request: 400 before any provider call. */
  private checkChain<T extends TaskType>(task: T, prepared: CheckableInput<T>, chain: ChainEntry[]): void {
    const problems: string[] = [];
    for (const { provider, target } of chain) {
      for (const p of provider.check(task, prepared, target.model)) problems.push(`${provider.name}/${target.model.id}: ${p}`);
    }
    if (task === 'embedding') {
      const input = prepared as CheckableInput<'embedding'>;
      for (const { target } of chain) {
        const dimensions = input.dimensions ?? target.model.embedding_dimensions ?? 0;
        // JSON floats (9 significant digits) take ≈ 15 bytes each, base64 ≈ 5.4.
        const perValue = input.encodingFormat === 'float' ? 15 : 5.4;
        const estimate = input.texts.length * (dimensions * perValue + 32);
        if (estimate > RESPONSE_LIMIT_BYTES) {
          const most = Math.floor(RESPONSE_LIMIT_BYTES / (dimensions * perValue + 32));
          problems.push(`${target.model.id}: ${input.texts.length} embeddings of ${dimensions} dimensions do not fit in one response; send at most ${most} per request${input.encodingFormat === 'float' ? ' (about 3× more with encoding_format "base64")' : ''}`);
        }
      }
    }
    if (problems.length) throw new LlmRequestError('unsupported_parameters', `the request cannot be served as asked: ${problems.join('; ')}`, { problems });
  }

  private async withMedia<T extends TaskType>(task: T, request: LlmRequests[T], prepared: CheckableInput<T>, deadline: number): Promise<TaskInputs[T]> {
    if (task === 'speech_to_text') {
      const audio = await this.deps.fetchMedia((request as LlmRequests['speech_to_text']).audio_input_url, { kind: 'audio', field: 'audio_input_url', maxBytes: AUDIO_MAX_BYTES }, deadline);
      return { ...prepared, audio } as TaskInputs[T];
    }
    if (task === 'image_understanding') {
      const image = await this.deps.fetchMedia((request as LlmRequests['image_understanding']).image_input_url, { kind: 'image', field: 'image_input_url', maxBytes: IMAGE_MAX_BYTES }, deadline);
      return { ...prepared, image } as TaskInputs[T];
    }
    return prepared as TaskInputs[T];
  }

  private async publishUsage(deadline: number, ctx: CallContext, input: Parameters<typeof usagePayload>[0]): Promise<void> {
    try {
      const event = createPlatformEvent({
        idParts: [ctx.requestId],
        eventType: USAGE_EVENT_TYPE,
        workspaceId: input.workspaceId,
        source: this.deps.source,
        payload: usagePayload(input),
      });
      await this.deps.publisher.publish([{ topic: topics.platform('llm_usage'), key: input.workspaceId, event }], { deadline });
    } catch (error) {
      // The provider has answered (and billed): the caller gets the result; the usage record is kept in
      // the logs for reconciliation rather than failing a call that would be paid for twice on retry.
      log.error('llm usage event could not be published', { reason: errorMessage(error), usage_event: usagePayload(input) });
    }
  }
}

/** The request → the normalised input, minus media (fetched after every check passed). */
const preparers: { [T in TaskType]: (request: LlmRequests[T]) => CheckableInput<T> } = {
  text_generation(r) {
    if ((r.prompt === undefined) === (r.messages === undefined)) {
      throw new LlmRequestError('invalid_body', 'text_generation takes either "prompt" or "messages" (exactly one)');
    }
    const messages: ChatMessage[] = r.messages
      ? r.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: m.content }))
      : [{ role: 'user', content: r.prompt! }];
    if (!messages.some((m) => m.role === 'user' && m.content.trim() !== '')) throw new LlmRequestError('invalid_body', 'messages need at least one non-empty user message');
    return { messages, parameters: textParameters(r.parameters) };
  },
  embedding(r) {
    const single = typeof r.text_to_embed === 'string';
    return {
      texts: typeof r.text_to_embed === 'string' ? [r.text_to_embed] : r.text_to_embed,
      single,
      encodingFormat: r.parameters?.encoding_format ?? 'float',
      ...(r.parameters?.dimensions !== undefined ? { dimensions: r.parameters.dimensions } : {}),
    };
  },
  speech_to_text(r) {
    const p = r.parameters ?? {};
    return { ...(p.language ? { language: p.language } : {}), ...(p.prompt ? { prompt: p.prompt } : {}), ...(p.temperature !== undefined ? { temperature: p.temperature } : {}) };
  },
  image_understanding(r) {
    const { detail, ...rest } = r.parameters ?? {};
    return { prompt: r.prompt ?? DEFAULT_IMAGE_PROMPT, ...(detail ? { detail } : {}), parameters: textParameters(rest) };
  },
  image_generation(r) {
    const p = r.parameters ?? {};
    const size = p.size === '1792x1024' ? '1536x1024' : p.size === '1024x1792' ? '1024x1536' : (p.size ?? '1024x1024');
    const quality = p.quality === 'standard' ? 'medium' : p.quality === 'hd' ? 'high' : (p.quality ?? 'medium');
    return {
      prompt: r.prompt,
      n: p.n ?? 1,
      size,
      quality,
      ...(p.output_format ? { outputFormat: p.output_format } : {}),
      ...(p.background ? { background: p.background } : {}),
    };
  },
};

export const prepare = <T extends TaskType>(task: T, request: LlmRequests[T]): CheckableInput<T> => (preparers[task] as (r: LlmRequests[T]) => CheckableInput<T>)(request);

function textParameters(p: (LlmRequests['text_generation']['parameters'] & object) | undefined): TextParameters {
  if (!p) return {};
  const { stop, ...rest } = p;
  return { ...rest, ...(stop !== undefined ? { stop: typeof stop === 'string' ? [stop] : stop } : {}) };
}

/** The error when no provider succeeded: who failed, why, and the status that tells the caller what to do. */
function failure(task: TaskType, requestId: string, outcome: EngineOutcome<TaskType>): LlmCallFailedError {
  const attempts = outcome.attempts.map((a) => a.attempt);
  const verdict = failureVerdict(attempts, outcome);
  return new LlmCallFailedError(verdict.status, verdict.code, verdict.message, { attempts, task_type: task, request_id: requestId }, verdict.retryAfterS);
}
