/** POST /v1/llm/embedding (iam): embeddings from OpenAI or a sentence-transformers server, with fallback. */
import { llmHttpHandler } from '../../shared/llm/http';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { sentenceTransformersProvider } from '../../shared/llm/providers/sentence-transformers';
import { llmService } from '../../shared/runtime/llm';

export const providers = [openaiProvider, sentenceTransformersProvider];
export const handler = llmHttpHandler('embedding', llmService(providers));
