/** image_understanding → POST /chat/completions with the image as an `image_url` part (a data URL: we fetched it). */
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ProviderInputRejected, type TaskTransform } from '../../provider';
import { chatBody, chatChoices, chatParams, chatUsage, checkChatParameters, imageMessage, sendChat } from '../openai-compatible/chat';
import { openaiApi } from './api';

const params = chatParams('max_completion_tokens');
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const openaiImageUnderstanding: TaskTransform<'image_understanding', OpenAI, ChatCompletionCreateParamsNonStreaming, ChatCompletion> = {
  check: (input, model) => checkChatParameters(input.parameters, model),
  toRequest(input, model) {
    const { image } = input;
    if (!IMAGE_TYPES.has(image.mediaType)) throw new ProviderInputRejected(`openai takes png, jpeg, gif or webp images, not ${image.mediaType}`, 415);
    if (image.bytes.length > openaiApi.maxImageBytes!) throw new ProviderInputRejected(`image is ${image.bytes.length} bytes; openai takes at most ${openaiApi.maxImageBytes}`, 413);
    const dataUrl = `data:${image.mediaType};base64,${image.bytes.toString('base64')}`;
    return chatBody(imageMessage(input.prompt, dataUrl, input.detail), input.parameters, model, params);
  },
  send: sendChat,
  fromResponse(raw: ChatCompletion) {
    const [first] = chatChoices(raw);
    return {
      output: { image_analysis_text: first?.message.content ?? '', finish_reason: first?.finish_reason ?? 'other' },
      usage: chatUsage(raw.usage),
      id: raw.id,
      upstreamModel: raw.model,
    };
  },
};
