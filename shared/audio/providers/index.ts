/** Every text-to-speech provider, by the name callers use in `provider_preference`. */
import type { SpeechProvider } from '../speech-provider';
import type { AudioProviderName } from '../voices';
import { azureSpeechProvider } from './azure-speech';
import { coquiProvider } from './coqui';
import { elevenLabsProvider } from './elevenlabs';
import { openaiSpeechProvider } from './openai';

export const speechProviders: Record<AudioProviderName, SpeechProvider> = {
  azure: azureSpeechProvider,
  elevenlabs: elevenLabsProvider,
  openai: openaiSpeechProvider,
  coqui: coquiProvider,
};
