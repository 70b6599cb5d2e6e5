/** The Messages API request and response maps shared by text generation and image understanding. */
import type { ContentBlockParam, Message, MessageCreateParamsNonStreaming, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ModelSpec } from '../../catalog';
import type { ChatMessage, FinishReason, ProviderUsage, TextParameters } from '../../contract';
import { type CallOptions, maxTokensFor, ProviderBadResponse } from '../../provider';
import { compact, count, mapParams, type ParamMap } from '../wire';
import type { AnthropicMessagesClient } from './api';

/**
 * Portkey-style parameter map. API version 2026-10-21 (what SDK 1.x sends) has no sampling parameters:
 * temperature, top_p and top_k are rejected with 400 even at their defaults, so they are not sent (like
 * the OpenAI-only penalties and seed). `stop` is `stop_sequences`.
 */
const params: ParamMap = {
  max_tokens: { param: 'max_tokens' },
  stop: { param: 'stop_sequences' },
};

/** Fallback when neither the caller nor the catalog gives max_tokens (the API requires one). */
const DEFAULT_MAX_TOKENS = 4096;

export function checkMessages(messages: ChatMessage[], parameters: TextParameters, model: ModelSpec): string[] {
  const problems: string[] = [];
  const turns = messages.filter((m) => m.role !== 'system');
  if (!turns.length) problems.push('anthropic needs at least one user message besides the system prompt');
  else if (turns[0]!.role !== 'user') problems.push('anthropic needs the conversation to start with a user message');
  if (parameters.response_format === 'json_object' && !model.json_mode) problems.push(`${model.id} has no JSON mode (response_format json_object)`);
  return problems;
}

export function messagesBody(system: string[], turns: MessageParam[], parameters: TextParameters, model: ModelSpec): MessageCreateParamsNonStreaming {
  const values: Record<string, unknown> = { ...parameters, max_tokens: maxTokensFor(parameters.max_tokens, model) ?? DEFAULT_MAX_TOKENS };
  const body = { model: model.apiModel, messages: turns, ...mapParams(params, values) } as MessageCreateParamsNonStreaming;
  if (system.length) body.system = system.join('\n\n');
  return body;
}

/** Our messages → Anthropic turns: system prompts go top-level, consecutive same-role turns are merged. */
export function toTurns(messages: ChatMessage[]): { system: string[]; turns: MessageParam[] } {
  const system: string[] = [];
  const turns: MessageParam[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    const last = turns[turns.length - 1];
    if (last && last.role === message.role) last.content = `${last.content as string}\n\n${message.content}`;
    else turns.push({ role: message.role, content: message.content });
  }
  return { system, turns };
}

export function imageTurn(prompt: string, mediaType: string, data: string): MessageParam[] {
  const content: ContentBlockParam[] = [
    { type: 'image', source: { type: 'base64', media_type: mediaType as 'image/png', data } },
    { type: 'text', text: prompt },
  ];
  return [{ role: 'user', content }];
}

export async function sendMessages(client: AnthropicMessagesClient, body: MessageCreateParamsNonStreaming, options: CallOptions) {
  const { data, request_id } = await client.messages.create(body, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 }).withResponse();
  return { data, requestId: request_id };
}

const STOP: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic's input_tokens exclude cache reads and writes; ours include them. */
export function messageUsage(usage: Message['usage'] | undefined): ProviderUsage {
  if (!usage) return {};
  const base = count(usage.input_tokens) ?? 0;
  const read = count(usage.cache_read_input_tokens) ?? 0;
  const write = count(usage.cache_creation_input_tokens) ?? 0;
  return compact({
    input_tokens: base + read + write,
    output_tokens: count(usage.output_tokens),
    cached_input_tokens: read || undefined,
    cache_write_tokens: write || undefined,
  });
}

export function messageText(data: Message): { text: string; finish: FinishReason } {
  if (!data || !Array.isArray(data.content)) throw new ProviderBadResponse('message without content', messageUsage(data?.usage));
  const text = data.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  return { text, finish: STOP[data.stop_reason ?? ''] ?? 'other' };
}
