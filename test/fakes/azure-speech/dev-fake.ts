/** The fake Azure Speech as a dev tool: `npx ionflux dev fake azure-speech` (TTS answering real MP3 / Ogg Opus / WAV). */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeAzureSpeech } from './fake-azure-speech';

const KEY = 'dev-fake-azure-speech';

export const azureSpeechDevFake: DevFake = {
  summary: 'Azure Speech: POST /cognitiveservices/v1 (SSML) → real MP3 / Ogg Opus / WAV as long as the text takes to speak',
  options: { 'api-key': { type: 'string', description: 'the subscription key it accepts', default: KEY } },
  async start({ port, secretRoot, values }) {
    const apiKey = String(values['api-key'] ?? KEY);
    const fake = await FakeAzureSpeech.start({ keys: [apiKey], port });
    return {
      origin: fake.baseUrl,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'azure-speech')]: { api_key: apiKey, region: 'local', base_url: fake.baseUrl } },
      notes: ['any …Neural voice; 15 characters of text = 1 s of (silent) audio; a wrong key gets 401'],
      stop: () => fake.close(),
    };
  },
};
