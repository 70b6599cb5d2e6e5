/** OpenAI: text-to-speech (the LLM provider's API, client and error reading). */
import { defineSpeechProvider } from '../../speech-provider';
import { openaiSpeechApi } from './api';
import { openaiTextToSpeech } from './text-to-speech';

export const openaiSpeechProvider = defineSpeechProvider(openaiSpeechApi, openaiTextToSpeech);
