/** text_generation → POST /chat/completions. */
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { TaskTransform } from '../../provider';
import { chatBody, chatChoices, chatParams, chatUsage, checkChatParameters, sendChat, textMessages } from '../openai-compatible/chat';

const params = chatParams('max_completion_tokens');

export const openaiTextGeneration: TaskTransform<'text_generation', OpenAI, ChatCompletionCreateParamsNonStreaming, ChatCompletion> = {
  check: (input, model) => checkChatParameters(input.parameters, model),
  toRequest: (input, model) => chatBody(textMessages(input.messages), input.parameters, model, params),
  send: sendChat,
  fromResponse: (raw) => ({ output: { choices: chatChoices(raw) }, usage: chatUsage(raw.usage), id: raw.id, upstreamModel: raw.model }),
};
