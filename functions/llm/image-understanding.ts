/** POST /v1/llm/image-understanding (iam): analysis of image_input_url by GPT-4o or Claude, with fallback. */
import { llmHttpHandler } from '../../shared/llm/http';
import { anthropicProvider } from '../../shared/llm/providers/anthropic';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { llmService } from '../../shared/runtime/llm';

export const providers = [openaiProvider, anthropicProvider];
export const handler = llmHttpHandler('image_understanding', llmService(providers));
