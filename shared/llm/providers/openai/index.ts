/** OpenAI: every task type. */
import { defineProvider } from '../../provider';
import { openaiApi } from './api';
import { openaiEmbedding } from './embedding';
import { openaiImageGeneration } from './image-generation';
import { openaiImageUnderstanding } from './image-understanding';
import { openaiSpeechToText } from './speech-to-text';
import { openaiTextGeneration } from './text-generation';

export const openaiProvider = defineProvider(openaiApi, {
  text_generation: openaiTextGeneration,
  embedding: openaiEmbedding,
  speech_to_text: openaiSpeechToText,
  image_understanding: openaiImageUnderstanding,
  image_generation: openaiImageGeneration,
});
