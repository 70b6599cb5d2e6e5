/** image_understanding → POST /v1/messages with a base64 image block before the prompt. */
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { ProviderInputRejected, type TaskTransform } from '../../provider';
import { type AnthropicMessagesClient, anthropicApi } from './api';
import { checkMessages, imageTurn, messageText, messageUsage, messagesBody, sendMessages } from './messages';

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const anthropicImageUnderstanding: TaskTransform<'image_understanding', AnthropicMessagesClient, MessageCreateParamsNonStreaming, Message> = {
  check: (input, model) => checkMessages([{ role: 'user', content: input.prompt }], input.parameters, model),
  toRequest(input, model) {
    const { image } = input;
    if (!IMAGE_TYPES.has(image.mediaType)) throw new ProviderInputRejected(`anthropic takes png, jpeg, gif or webp images, not ${image.mediaType}`, 415);
    if (image.bytes.length > anthropicApi.maxImageBytes!) throw new ProviderInputRejected(`image is ${image.bytes.length} bytes; anthropic takes at most ${anthropicApi.maxImageBytes}`, 413);
    return messagesBody([], imageTurn(input.prompt, image.mediaType, image.bytes.toString('base64')), input.parameters, model);
  },
  send: sendMessages,
  fromResponse(raw: Message) {
    const { text, finish } = messageText(raw);
    return { output: { image_analysis_text: text, finish_reason: finish }, usage: messageUsage(raw.usage), id: raw.id, upstreamModel: raw.model };
  },
};
