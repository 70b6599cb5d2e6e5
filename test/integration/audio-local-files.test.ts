/**
 * `npm run dev` with nothing configured: generated audio is a file under ${IONFLUX_HOME}/audio, served by
 * the local runtime at a signed, expiring URL, with the same answer shape as S3's presigned URLs. A URL
 * that was altered, or has expired, is refused; the cache works on the local files too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { functionById } from '../../functions/manifest';
import { LocalFileAudioStore } from '../../shared/audio/local-file-audio-store';
import { config } from '../../shared/config/env';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { audioStore } from '../../shared/runtime/audio';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { FakeOpenAi } from '../fakes/openai/fake-openai';
import { newWorkspaceId, useEmbedded } from '../support/environment';
import { newKey, platformKey } from '../support/llm';

let runtime: LocalRuntime;
let openai: FakeOpenAi;
const key = newKey('sk-proj');

beforeAll(async () => {
  await useEmbedded();
  openai = await FakeOpenAi.start({ keys: [key] });
  await platformKey('openai', key, openai.baseUrl);
  runtime = await startLocalRuntime({ port: 0, internalToken: 'audio-token', functions: [functionById('audio-generate-speech')], triggers: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
  await openai?.close();
  await resetEnvironment();
});

const speak = (body: Record<string, unknown>) =>
  fetch(`${runtime.http.url}/v1/audio/generate-speech`, { method: 'POST', headers: { authorization: 'Bearer audio-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });

it('stores the audio under IONFLUX_HOME/audio and serves it at a signed, expiring URL of the local runtime', async () => {
  const ws = newWorkspaceId('local');
  const res = await speak({ workspace_id: ws, text: 'Hello from the local runtime.', voice_id: 'openai:alloy', output_format: 'ogg_opus' });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(body).toMatchObject({ status: 'success', provider: 'openai', format: 'ogg_opus', content_type: 'audio/ogg', cached: false });
  expect(body.audio_url.startsWith(`${runtime.http.url}/local/audio/tts/${ws}/`)).toBe(true);
  expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);

  const file = await fetch(body.audio_url);
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('audio/ogg');
  const bytes = Buffer.from(await file.arrayBuffer());
  expect(bytes.equals(openai.speechOutputs.at(-1)!.bytes)).toBe(true);
  const onDisk = path.join(config().home, 'audio', 'tts', ws);
  expect(fs.readdirSync(onDisk).filter((f) => f.endsWith('.ogg'))).toHaveLength(1);

  // Altered or unsigned: refused, without saying which part was wrong.
  const url = new URL(body.audio_url);
  const tampered = new URL(url);
  tampered.searchParams.set('signature', `${url.searchParams.get('signature')!.slice(0, -2)}xx`);
  const later = new URL(url);
  later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
  for (const bad of [tampered, later, new URL(url.pathname, url), new URL(url.pathname.replace(ws, 'other'), url).toString() + url.search]) {
    const refused = await fetch(bad);
    expect(refused.status).toBe(403);
  }
  // Expired: refused once its time has passed.
  const store = audioStore() as LocalFileAudioStore;
  const keyPath = url.pathname.slice('/local/audio/'.length);
  const query = { expires: url.searchParams.get('expires')!, signature: url.searchParams.get('signature')! };
  expect(await store.open(keyPath, query)).toMatchObject({ contentType: 'audio/ogg' });
  expect(await store.open(keyPath, query, Date.now() + 3601_000)).toEqual({ refused: 403 });

  // The cache reads the local files too.
  const again = await speak({ workspace_id: ws, text: 'Hello from the local runtime.', voice_id: 'openai:alloy', output_format: 'ogg_opus' });
  expect(((await again.json()) as { cached: boolean }).cached).toBe(true);
  expect(openai.on('speech')).toHaveLength(1);
});

it('keeps the URL signing key private to the state folder', () => {
  const keyFile = path.join(config().home, 'audio', '.url-signing-key');
  expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
});
