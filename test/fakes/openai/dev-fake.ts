/**
 * The fake OpenAI wire as dev tools: `npx ionflux dev fake openai` (chat, embeddings, transcriptions,
 * image generation under /v1), `… deepseek` (chat at the root) and `… sentence-transformers` (a Text
 * Embeddings Inference server's /v1/embeddings). Answers are deterministic: chat echoes the last user
 * message, embeddings are unit vectors derived from the text.
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeOpenAi, type OpenAiDialect } from './fake-openai';

const PROVIDER: Record<OpenAiDialect, { provider: string; summary: string; key: string }> = {
  openai: { provider: 'openai', summary: 'OpenAI: chat completions (echo), embeddings, transcriptions, speech (real MP3 / Ogg Opus / WAV), image generation', key: 'sk-dev-fake-openai' },
  deepseek: { provider: 'deepseek', summary: 'DeepSeek: chat completions (echo) with its usage fields', key: 'sk-dev-fake-deepseek' },
  tei: { provider: 'sentence-transformers', summary: 'sentence-transformers (Text Embeddings Inference): /v1/embeddings', key: 'dev-fake-tei' },
};

export function openAiDevFake(dialect: OpenAiDialect): DevFake {
  const { provider, summary, key } = PROVIDER[dialect];
  return {
    summary,
    options: { 'api-key': { type: 'string', description: 'the API key it accepts', default: key } },
    async start({ port, secretRoot, values }) {
      const apiKey = String(values['api-key'] ?? key);
      const fake = await FakeOpenAi.start({ dialect, keys: [apiKey], port });
      return {
        origin: fake.server.origin,
        env: {},
        secrets: { [platformSecretName(secretRoot, provider)]: { api_key: apiKey, base_url: fake.baseUrl } },
        notes: [`base_url ${fake.baseUrl}; a wrong key gets OpenAI's 401 invalid_api_key`],
        stop: () => fake.close(),
      };
    },
  };
}
