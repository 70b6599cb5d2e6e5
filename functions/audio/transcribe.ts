/** POST /v1/audio/transcribe (iam): speech-to-text of an audio URL or base64 audio with Whisper (OpenAI). */
import { transcribeHandler } from '../../shared/audio/http';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { transcriptionService } from '../../shared/runtime/audio';

export const handler = transcribeHandler(transcriptionService(openaiProvider));
