/** The fake ElevenLabs as a dev tool: `npx ionflux dev fake elevenlabs` (TTS answering real MP3 / Ogg Opus / PCM). */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeElevenLabs } from './fake-elevenlabs';

const KEY = 'dev-fake-elevenlabs';

export const elevenLabsDevFake: DevFake = {
  summary: 'ElevenLabs: POST /v1/text-to-speech/{voice_id} → real MP3 / Ogg Opus / PCM as long as the text takes to speak',
  options: { 'api-key': { type: 'string', description: 'the xi-api-key it accepts', default: KEY } },
  async start({ port, secretRoot, values }) {
    const apiKey = String(values['api-key'] ?? KEY);
    const fake = await FakeElevenLabs.start({ keys: [apiKey], port });
    return {
      origin: fake.baseUrl,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'elevenlabs')]: { api_key: apiKey, base_url: fake.baseUrl } },
      notes: ['the premade voices of the catalog (Rachel, Adam…); others get 400 voice_not_found; a wrong key gets 401 invalid_api_key'],
      stop: () => fake.close(),
    };
  },
};
