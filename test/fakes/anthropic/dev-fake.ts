/** The fake Anthropic Messages API as a dev tool (`npx ionflux dev fake anthropic`): answers echo the last user turn. */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeAnthropic } from './fake-anthropic';

const KEY = 'sk-ant-dev-fake';

export const anthropicDevFake: DevFake = {
  summary: "Anthropic: the Messages API (echo), holding callers to Anthropic's request rules",
  options: { 'api-key': { type: 'string', description: 'the API key it accepts', default: KEY } },
  async start({ port, secretRoot, values }) {
    const apiKey = String(values['api-key'] ?? KEY);
    const fake = await FakeAnthropic.start({ keys: [apiKey], port });
    return {
      origin: fake.baseUrl,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'anthropic')]: { api_key: apiKey, base_url: fake.baseUrl } },
      notes: [`POST ${fake.baseUrl}/v1/messages; a wrong key gets 401 authentication_error`],
      stop: () => fake.close(),
    };
  },
};
