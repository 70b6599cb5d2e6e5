/** LLM orchestration: one function per task type (issue 4). */
import type { FunctionSpec } from '../manifest-types';

export const llmFunctions: FunctionSpec[] = [
];
