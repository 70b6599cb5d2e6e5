/**
 * DeepSeek: OpenAI-compatible chat at its own base URL (`https://api.deepseek.com`, path
 * `/chat/completions`). Differences from OpenAI live here and in the param map: `max_tokens` (not
 * `max_completion_tokens`), cache hits reported as `prompt_cache_hit_tokens`, an empty balance as 402.
 */
import type OpenAI from 'openai';
import type { ProviderApi } from '../../provider';
import { classifyOpenAiError, createOpenAiClient } from '../openai-compatible/client';

export const deepseekApi: ProviderApi<OpenAI> = {
  name: 'deepseek',
  defaultBaseUrl: 'https://api.deepseek.com',
  auth: 'authorization-bearer',
  endpoints: { text_generation: 'POST /chat/completions' },
  createClient: createOpenAiClient,
  classifyError: classifyOpenAiError,
};
