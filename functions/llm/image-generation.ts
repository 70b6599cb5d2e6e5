/** POST /v1/llm/image-generation (iam): images from a prompt (gpt-image-1; DALL·E 3 requests are mapped to it). */
import { llmHttpHandler } from '../../shared/llm/http';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { llmService } from '../../shared/runtime/llm';

export const providers = [openaiProvider];
export const handler = llmHttpHandler('image_generation', llmService(providers));
