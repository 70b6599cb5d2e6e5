/**
 * What the audio benchmark runs against: moto (S3 bucket, SQS outbox) for this checkout, a fake OpenAI
 * answering real MP3, and the generate-speech handler built on a SpeechService whose secrets are read
 * from memory (the key lookup is not what is measured).
 */
import { generateSpeechHandler } from '../shared/audio/http';
import { speechProviders } from '../shared/audio/providers';
import { S3AudioStore } from '../shared/audio/s3-audio-store';
import { SpeechService } from '../shared/audio/speech-service';
import { voiceCatalog } from '../shared/audio/voices';
import type { EventPublisher } from '../shared/events/publisher';
import { Cooldowns } from '../shared/llm/cooldown';
import { defaultRetryPolicy } from '../shared/llm/retry-policy';
import { SecretResolver } from '../shared/secrets/secret-resolver';
import type { SecretStore } from '../shared/secrets/secret-store';
import { MemoryTable } from '../shared/storage/memory-table';
import { WorkspaceDirectory } from '../shared/workspaces/workspace-directory';
import { startSet, testServices } from '../scripts/services/service-sets';
import { FakeOpenAi } from '../test/fakes/openai/fake-openai';

const KEY = 'sk-bench-audio-000000000000';

export async function audioBench() {
  const { awsEndpoint } = await startSet(await testServices());
  Object.assign(process.env, { AWS_ENDPOINT_URL: awsEndpoint, AWS_REGION: 'us-east-1', IONFLUX_BACKEND: 'aws', IONFLUX_RESOURCE_PREFIX: 'bench-audio' });
  const { provisionBuckets, provisionQueues } = await import('../local/provision');
  const { outboxPublisher, outbox } = await import('../shared/runtime/outbox');
  const { audioSettings } = await import('../shared/runtime/audio');
  const { s3Client } = await import('../shared/runtime/s3');
  await provisionQueues();
  await provisionBuckets();
  const fake = await FakeOpenAi.start({ keys: [KEY] });
  const store = new S3AudioStore(s3Client(), audioSettings().bucket);
  const secrets: SecretStore = { get: async () => JSON.stringify({ api_key: KEY, base_url: fake.baseUrl }), put: async () => undefined, delete: async () => undefined, list: async () => [] };
  const resolver = new SecretResolver({ store: secrets, workspaces: new WorkspaceDirectory(new MemoryTable('workspaces'), { secretRoot: 'ionflux' }), secretRoot: 'ionflux', ttlMs: 3_600_000 });
  const handler = (publisher: Pick<EventPublisher, 'publish'>) => {
    const service = new SpeechService({
      catalog: voiceCatalog(),
      providers: speechProviders,
      store,
      secrets: resolver,
      vetBaseUrl: async () => undefined,
      workspaceFetch: globalThis.fetch,
      publisher,
      cooldowns: new Cooldowns(),
      policy: defaultRetryPolicy,
      source: 'bench-audio',
      urlTtlSeconds: 3600,
      cacheMaxAgeMs: 86_400_000,
    });
    return generateSpeechHandler(() => service);
  };
  const emptyOutbox = async () => {
    for (let batch = await outbox().queue.receive(10); batch.length; batch = await outbox().queue.receive(10)) for (const m of batch) await outbox().queue.delete(m.receiptHandle);
  };
  await emptyOutbox();
  return {
    store,
    handler,
    outboxPublisher: outboxPublisher(),
    emptyOutbox,
    // A run of its own: a text no earlier run cached.
    request: { workspace_id: 'bench_audio', text: `Good morning! Your store sold 42 orders yesterday (${Date.now()}).`, voice_id: 'openai:nova', provider_preference: ['openai'], output_format: 'mp3' },
    cacheKey: (url: string) => decodeURIComponent(new URL(url).pathname.split('/').slice(2).join('/')),
    providerCalls: () => fake.on('speech').length,
    stop: () => fake.close(),
  };
}
