/** POST /v1/audio/generate-speech (iam): text-to-speech over Azure, ElevenLabs, OpenAI and Coqui with fallback and a content cache. */
import { generateSpeechHandler } from '../../shared/audio/http';
import { speechProviders } from '../../shared/audio/providers';
import { speechService } from '../../shared/runtime/audio';

export const handler = generateSpeechHandler(speechService(speechProviders));
