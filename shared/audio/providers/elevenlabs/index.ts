/** ElevenLabs: text-to-speech. */
import { defineSpeechProvider } from '../../speech-provider';
import { elevenLabsApi } from './api';
import { elevenLabsTextToSpeech } from './text-to-speech';

export const elevenLabsProvider = defineSpeechProvider(elevenLabsApi, elevenLabsTextToSpeech);
