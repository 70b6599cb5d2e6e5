/** text_generation → POST /v1/messages: system prompt top-level, max_tokens always sent. */
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { TaskTransform } from '../../provider';
import type { AnthropicMessagesClient } from './api';
import { checkMessages, messageText, messageUsage, messagesBody, sendMessages, toTurns } from './messages';

export const anthropicTextGeneration: TaskTransform<'text_generation', AnthropicMessagesClient, MessageCreateParamsNonStreaming, Message> = {
  check: (input, model) => checkMessages(input.messages, input.parameters, model),
  toRequest(input, model) {
    const { system, turns } = toTurns(input.messages);
    return messagesBody(system, turns, input.parameters, model);
  },
  send: sendMessages,
  fromResponse(raw: Message) {
    const { text, finish } = messageText(raw);
    return {
      output: { choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }] },
      usage: messageUsage(raw.usage),
      id: raw.id,
      upstreamModel: raw.model,
    };
  },
};
