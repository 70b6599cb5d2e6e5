/**
 * sentence-transformers models behind a server that speaks the OpenAI embeddings API (Hugging Face Text
 * Embeddings Inference, or any compatible gateway). There is no public default: the platform or
 * workspace secret names the server (`base_url`, e.g. `https://tei.internal.example/v1`) and its key.
 */
import type OpenAI from 'openai';
import type { ProviderApi } from '../../provider';
import { classifyOpenAiError, createOpenAiClient } from '../openai-compatible/client';

export const sentenceTransformersApi: ProviderApi<OpenAI> = {
  name: 'sentence-transformers',
  auth: 'authorization-bearer',
  endpoints: { embedding: 'POST /embeddings' },
  createClient: createOpenAiClient,
  classifyError: classifyOpenAiError,
};
