/** Azure Speech: text-to-speech. */
import { defineSpeechProvider } from '../../speech-provider';
import { azureSpeechApi } from './api';
import { azureTextToSpeech } from './text-to-speech';

export const azureSpeechProvider = defineSpeechProvider(azureSpeechApi, azureTextToSpeech);
