/** The fake Coqui tts-server as a dev tool: `npx ionflux dev fake coqui` (POST /api/tts → WAV). */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeCoqui } from './fake-coqui';

export const coquiDevFake: DevFake = {
  summary: 'Coqui tts-server: POST /api/tts (text, speaker_id, language_id) → real WAV; no auth, like the real server',
  async start({ port, secretRoot }) {
    const fake = await FakeCoqui.start({ port });
    return {
      origin: fake.baseUrl,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'coqui')]: { base_url: fake.baseUrl } },
      notes: ['XTTS speakers Claribel Dervla, Daisy Studious, Andrew Chipper, Damien Black; another speaker fails with 500 like Flask'],
      stop: () => fake.close(),
    };
  },
};
