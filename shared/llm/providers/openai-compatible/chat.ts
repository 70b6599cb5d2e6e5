/** Chat completions on the OpenAI wire: text generation and (with image parts) image understanding. */
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionContentPart, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ModelSpec } from '../../catalog';
import type { ChatMessage, FinishReason, ProviderUsage, TextParameters } from '../../contract';
import { type CallOptions, maxTokensFor, ProviderBadResponse } from '../../provider';
import { compact, count, mapParams, type ParamMap } from '../wire';

/** The OpenAI chat parameters; `max_tokens` is `max_completion_tokens` on OpenAI, `max_tokens` on DeepSeek. */
export const chatParams = (maxTokensParam: 'max_completion_tokens' | 'max_tokens'): ParamMap => ({
  max_tokens: { param: maxTokensParam },
  temperature: { param: 'temperature', min: 0, max: 2 },
  top_p: { param: 'top_p', min: 0, max: 1 },
  stop: { param: 'stop' },
  presence_penalty: { param: 'presence_penalty', min: -2, max: 2 },
  frequency_penalty: { param: 'frequency_penalty', min: -2, max: 2 },
  seed: { param: 'seed' },
  response_format: { param: 'response_format', transform: (v) => ({ type: v }) },
});

export function checkChatParameters(parameters: TextParameters, model: ModelSpec): string[] {
  return parameters.response_format === 'json_object' && !model.json_mode ? [`${model.id} has no JSON mode (response_format json_object)`] : [];
}

export function chatBody(
  messages: ChatCompletionMessageParam[],
  parameters: TextParameters,
  model: ModelSpec,
  params: ParamMap,
): ChatCompletionCreateParamsNonStreaming {
  const mapped = mapParams(params, { ...parameters, max_tokens: maxTokensFor(parameters.max_tokens, model) });
  return { model: model.apiModel, messages, ...mapped } as ChatCompletionCreateParamsNonStreaming;
}

export const textMessages = (messages: ChatMessage[]): ChatCompletionMessageParam[] => messages.map((m) => ({ role: m.role, content: m.content }));

export function imageMessage(prompt: string, dataUrl: string, detail: 'low' | 'high' | 'auto' | undefined): ChatCompletionMessageParam[] {
  const image: ChatCompletionContentPart = { type: 'image_url', image_url: { url: dataUrl, ...(detail ? { detail } : {}) } };
  return [{ role: 'user', content: [{ type: 'text', text: prompt }, image] }];
}

export async function sendChat(client: OpenAI, body: ChatCompletionCreateParamsNonStreaming, options: CallOptions) {
  const { data, request_id } = await client.chat.completions.create(body, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 }).withResponse();
  return { data, requestId: request_id };
}

const FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length', content_filter: 'content_filter', tool_calls: 'tool_calls', function_call: 'tool_calls' };

/** Usage of a chat completion; DeepSeek reports cache hits as prompt_cache_hit_tokens. */
export function chatUsage(usage: ChatCompletion['usage'] | undefined): ProviderUsage {
  if (!usage) return {};
  const raw = usage as unknown as Record<string, unknown> & { prompt_tokens_details?: { cached_tokens?: unknown; image_tokens?: unknown } | null };
  return compact({
    input_tokens: count(usage.prompt_tokens),
    output_tokens: count(usage.completion_tokens),
    cached_input_tokens: count(raw.prompt_tokens_details?.cached_tokens) ?? count(raw.prompt_cache_hit_tokens),
  });
}

export function chatChoices(data: ChatCompletion) {
  if (!data || !Array.isArray(data.choices)) throw new ProviderBadResponse('chat completion without choices', chatUsage(data?.usage));
  return data.choices.map((choice, i) => ({
    index: typeof choice.index === 'number' ? choice.index : i,
    message: { role: 'assistant' as const, content: typeof choice.message?.content === 'string' ? choice.message.content : '' },
    finish_reason: FINISH[choice.finish_reason ?? ''] ?? ('other' as FinishReason),
  }));
}
