/**
 * OpenAI text-to-speech (`POST /audio/speech`) through the LLM service's OpenAI provider code: the same
 * API description (default base URL, client factory with the SDK loaded on first use and its retries
 * off, error classification — shared/llm/providers/openai/api.ts), the same secret
 * `<root>/platform/openai` and workspace mapping. Only the task is new.
 */
import type OpenAI from 'openai';
import { openaiApi } from '../../../llm/providers/openai/api';
import type { SpeechProviderApi } from '../../speech-provider';

export const openaiSpeechApi: SpeechProviderApi<OpenAI> = {
  name: 'openai',
  label: openaiApi.name,
  defaultBaseUrl: openaiApi.defaultBaseUrl!,
  auth: openaiApi.auth,
  endpoint: 'POST /audio/speech',
  // `input` takes at most 4,096 characters.
  maxChunkCharacters: 4096,
  concurrency: 4,
  formats: { mp3: { name: 'mp3' }, ogg_opus: { name: 'opus' }, wav: { name: 'wav' } },
  createClient: openaiApi.createClient,
  classifyError: openaiApi.classifyError,
};
