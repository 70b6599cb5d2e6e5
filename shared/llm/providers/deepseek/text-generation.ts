/** text_generation → POST /chat/completions (DeepSeek dialect). */
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { TaskTransform } from '../../provider';
import { chatBody, chatChoices, chatParams, chatUsage, checkChatParameters, sendChat } from '../openai-compatible/chat';

const params = chatParams('max_tokens');

export const deepseekTextGeneration: TaskTransform<'text_generation', OpenAI, ChatCompletionCreateParamsNonStreaming, ChatCompletion> = {
  check: (input, model) => checkChatParameters(input.parameters, model),
  toRequest(input, model) {
    const messages: ChatCompletionMessageParam[] = input.messages.map((m) => ({ role: m.role, content: m.content }));
    return chatBody(messages, input.parameters, model, params);
  },
  send: sendChat,
  fromResponse: (raw) => ({ output: { choices: chatChoices(raw) }, usage: chatUsage(raw.usage), id: raw.id, upstreamModel: raw.model }),
};
