/** POST /v1/llm/text-generation (iam): chat/completion on OpenAI, Anthropic or DeepSeek, with fallback. */
import { llmHttpHandler } from '../../shared/llm/http';
import { anthropicProvider } from '../../shared/llm/providers/anthropic';
import { deepseekProvider } from '../../shared/llm/providers/deepseek';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { llmService } from '../../shared/runtime/llm';

export const providers = [openaiProvider, anthropicProvider, deepseekProvider];
export const handler = llmHttpHandler('text_generation', llmService(providers));
