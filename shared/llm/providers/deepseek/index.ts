/** DeepSeek: text generation. */
import { defineProvider } from '../../provider';
import { deepseekApi } from './api';
import { deepseekTextGeneration } from './text-generation';

export const deepseekProvider = defineProvider(deepseekApi, { text_generation: deepseekTextGeneration });
