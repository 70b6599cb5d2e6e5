/** LLM orchestration: one function per task type (issue 4). */
import type { FunctionSpec } from '../manifest-types';

// Every call publishes an llm.usage.recorded event through the outbox (sqs:outbox; outbox-drain takes it
// to Kafka, so these functions need neither kafkajs nor the VPC) and may use the workspace's own key
// (workspace-secrets); timeouts stay under API Gateway's 30 s integration limit.
export const llmFunctions: FunctionSpec[] = [
  {
    id: 'llm-text-generation',
    entry: 'functions/llm/text-generation.ts',
    description: 'LLM text generation (OpenAI, Anthropic, DeepSeek) with retries, fallback, workspace keys and usage events.',
    trigger: { http: { method: 'POST', path: '/v1/llm/text-generation', auth: 'iam' } },
    memoryMb: 512,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:openai', 'secret:anthropic', 'secret:deepseek'],
  },
  {
    id: 'llm-embedding',
    entry: 'functions/llm/embedding.ts',
    description: 'Embeddings (OpenAI text-embedding-3, sentence-transformers server) with retries, fallback and usage events.',
    trigger: { http: { method: 'POST', path: '/v1/llm/embedding', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:openai', 'secret:sentence-transformers'],
  },
  {
    id: 'llm-speech-to-text',
    entry: 'functions/llm/speech-to-text.ts',
    description: 'Speech-to-text of an audio URL (up to 25 MB) with Whisper or gpt-4o-transcribe; usage events.',
    trigger: { http: { method: 'POST', path: '/v1/llm/speech-to-text', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:openai'],
  },
  {
    id: 'llm-image-understanding',
    entry: 'functions/llm/image-understanding.ts',
    description: 'Image understanding of an image URL (GPT-4o, Claude) with retries, fallback and usage events.',
    trigger: { http: { method: 'POST', path: '/v1/llm/image-understanding', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:openai', 'secret:anthropic'],
  },
  {
    id: 'llm-image-generation',
    entry: 'functions/llm/image-generation.ts',
    description: 'Image generation (gpt-image-1; DALL-E 3 requests mapped to it) with retries and usage events.',
    trigger: { http: { method: 'POST', path: '/v1/llm/image-generation', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:openai'],
  },
];
