/** image_generation → POST /images/generations (gpt-image models answer base64 images and token usage). */
import type OpenAI from 'openai';
import type { ImageGenerateParamsNonStreaming, ImagesResponse } from 'openai/resources/images';
import type { GeneratedImage, ImageGenerationInput, ProviderUsage } from '../../contract';
import { type CallOptions, ProviderBadResponse, type TaskTransform } from '../../provider';
import { compact, count } from '../wire';

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export const openaiImageGeneration: TaskTransform<'image_generation', OpenAI, ImageGenerateParamsNonStreaming, ImagesResponse> = {
  toRequest(input: ImageGenerationInput, model) {
    return {
      model: model.apiModel,
      prompt: input.prompt,
      n: input.n,
      size: input.size,
      quality: input.quality,
      ...(input.outputFormat ? { output_format: input.outputFormat } : {}),
      ...(input.background ? { background: input.background } : {}),
    };
  },
  async send(client, body, options: CallOptions) {
    const { data, request_id } = await client.images.generate(body, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 }).withResponse();
    return { data, requestId: request_id };
  },
  fromResponse(raw, input) {
    const details = (raw?.usage as { input_tokens_details?: { image_tokens?: unknown } } | undefined)?.input_tokens_details;
    const images = Array.isArray(raw?.data) ? raw.data : [];
    const usage: ProviderUsage = compact({
      input_tokens: count(raw?.usage?.input_tokens),
      output_tokens: count(raw?.usage?.output_tokens),
      image_input_tokens: count(details?.image_tokens),
      images: images.length,
    });
    const format = raw?.output_format ?? input.outputFormat ?? 'png';
    const out: GeneratedImage[] = images.map((image) => {
      if (!image.b64_json) throw new ProviderBadResponse('image generation answered without base64 image data', usage);
      return compact({ b64_json: image.b64_json, mime_type: MIME[format] ?? `image/${format}`, revised_prompt: image.revised_prompt ?? undefined });
    });
    if (!out.length) throw new ProviderBadResponse('image generation answered no images', usage);
    return {
      output: { images: out },
      usage,
      pricing: { imageQuality: raw.quality ?? input.quality, imageSize: raw.size ?? input.size },
    };
  },
};
