/** Coqui tts-server: text-to-speech (WAV). */
import { defineSpeechProvider } from '../../speech-provider';
import { coquiApi } from './api';
import { coquiTextToSpeech } from './text-to-speech';

export const coquiProvider = defineSpeechProvider(coquiApi, coquiTextToSpeech);
