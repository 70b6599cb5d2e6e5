/** Anthropic: text generation and image understanding (Messages API). */
import { defineProvider } from '../../provider';
import { anthropicApi } from './api';
import { anthropicImageUnderstanding } from './image-understanding';
import { anthropicTextGeneration } from './text-generation';

export const anthropicProvider = defineProvider(anthropicApi, {
  text_generation: anthropicTextGeneration,
  image_understanding: anthropicImageUnderstanding,
});
