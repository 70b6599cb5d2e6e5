/** OpenAI's API as the engine needs to know it. Key: `Authorization: Bearer`; base URL from the secret. */
import type OpenAI from 'openai';
import type { ProviderApi } from '../../provider';
import { classifyOpenAiError, createOpenAiClient } from '../openai-compatible/client';

export const openaiApi: ProviderApi<OpenAI> = {
  name: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  auth: 'authorization-bearer',
  endpoints: {
    text_generation: 'POST /chat/completions',
    image_understanding: 'POST /chat/completions (image_url part)',
    embedding: 'POST /embeddings',
    speech_to_text: 'POST /audio/transcriptions (multipart)',
    image_generation: 'POST /images/generations',
  },
  // Per image in a chat request.
  maxImageBytes: 20 * 1024 * 1024,
  createClient: createOpenAiClient,
  classifyError: classifyOpenAiError,
};
