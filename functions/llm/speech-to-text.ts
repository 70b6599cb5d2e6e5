/** POST /v1/llm/speech-to-text (iam): transcription of audio_input_url (≤ 25 MB) with Whisper / gpt-4o-transcribe. */
import { llmHttpHandler } from '../../shared/llm/http';
import { openaiProvider } from '../../shared/llm/providers/openai';
import { llmService } from '../../shared/runtime/llm';

export const providers = [openaiProvider];
export const handler = llmHttpHandler('speech_to_text', llmService(providers));
