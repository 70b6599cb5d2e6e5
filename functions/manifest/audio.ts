/** Audio: text-to-speech and transcription (issue 17). */
import type { FunctionSpec } from '../manifest-types';

// Usage events go through the outbox (sqs:outbox; outbox-drain takes them to Kafka, so these functions need
// neither kafkajs nor the VPC); workspaces may use their own keys (workspace-secrets); timeouts stay under
// API Gateway's 30 s integration limit.
export const audioFunctions: FunctionSpec[] = [
  {
    id: 'audio-generate-speech',
    entry: 'functions/audio/generate-speech.ts',
    description: 'Text-to-speech (Azure Speech, ElevenLabs, OpenAI, Coqui) with fallback, a per-workspace content cache in S3 and presigned URLs; usage events.',
    trigger: { http: { method: 'POST', path: '/v1/audio/generate-speech', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:azure-speech', 'secret:elevenlabs', 'secret:openai', 'secret:coqui', 's3:audio'],
  },
  {
    id: 'audio-transcribe',
    entry: 'functions/audio/transcribe.ts',
    description: 'Speech-to-text of an audio URL or base64 audio (Whisper, gpt-4o transcribe) with segments and confidence; usage events.',
    trigger: { http: { method: 'POST', path: '/v1/audio/transcribe', auth: 'iam' } },
    memoryMb: 1024,
    timeoutS: 29,
    needs: ['sqs:outbox', 'workspace-secrets', 'secret:openai'],
  },
];
