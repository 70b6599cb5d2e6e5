/**
 * The embedding providers and their LLM service, once per execution environment: the
 * `POST /v1/llm/embedding` function and the memory functions (which embed texts in process) share it,
 * so both know the same providers and keep one set of cooldowns and clients.
 */
import { openaiProvider } from '../llm/providers/openai';
import { sentenceTransformersProvider } from '../llm/providers/sentence-transformers';
import { llmService } from './llm';

export const embeddingProviders = [openaiProvider, sentenceTransformersProvider];

export const embeddingService = llmService(embeddingProviders);
