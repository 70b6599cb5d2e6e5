/** POST /v1/llm/embedding (iam): embeddings from OpenAI or a sentence-transformers server, with fallback. */
import { llmHttpHandler } from '../../shared/llm/http';
import { embeddingProviders, embeddingService } from '../../shared/runtime/embeddings';

export const providers = embeddingProviders;
export const handler = llmHttpHandler('embedding', embeddingService);
