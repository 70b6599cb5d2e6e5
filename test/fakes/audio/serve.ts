/**
 * The audio fakes as a dev tool: `npx tsx test/fakes/audio/serve.ts` starts fakes of Azure Speech,
 * ElevenLabs, OpenAI (speech and transcription) and Coqui tts-server on 127.0.0.1, each answering real
 * audio of the length the text takes to speak and accepting any key, and prints the `npx ionflux secrets
 * set` lines that point the local runtime at them. Ctrl-C stops them.
 */
import { FakeAzureSpeech } from '../azure-speech/fake-azure-speech';
import { FakeCoqui } from '../coqui/fake-coqui';
import { FakeElevenLabs } from '../elevenlabs/fake-elevenlabs';
import { FakeOpenAi } from '../openai/fake-openai';

async function main(): Promise<void> {
  const key = 'dev-key';
  const [azure, elevenlabs, openai, coqui] = await Promise.all([
    FakeAzureSpeech.start({ keys: [key], anyKey: true }),
    FakeElevenLabs.start({ keys: [key], anyKey: true }),
    FakeOpenAi.start({ keys: [key] }),
    FakeCoqui.start(),
  ]);
  const root = process.env.IONFLUX_SECRET_ROOT ?? 'ionflux';
  console.log(
    [
      'audio provider fakes running (Ctrl-C to stop):',
      `  azure-speech ${azure.baseUrl}   elevenlabs ${elevenlabs.baseUrl}   openai ${openai.baseUrl}   coqui ${coqui.baseUrl}`,
      '',
      'point the local runtime at them:',
      `  npx ionflux secrets set ${root}/platform/azure-speech '${JSON.stringify({ api_key: key, region: 'local', base_url: azure.baseUrl })}'`,
      `  npx ionflux secrets set ${root}/platform/elevenlabs '${JSON.stringify({ api_key: key, base_url: elevenlabs.baseUrl })}'`,
      `  npx ionflux secrets set ${root}/platform/openai '${JSON.stringify({ api_key: key, base_url: openai.baseUrl })}'`,
      `  npx ionflux secrets set ${root}/platform/coqui '${JSON.stringify({ base_url: coqui.baseUrl })}'`,
    ].join('\n'),
  );
  const stop = async () => {
    await Promise.all([azure.close(), elevenlabs.close(), openai.close(), coqui.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
