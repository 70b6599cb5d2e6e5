/**
 * The provider fakes as dev tools (test/fakes/dev-fakes.ts, `npx ionflux dev fake <name>`): each one starts
 * and, with exactly the secrets it prints, the real code reaches it; the CLI starts one on its port, says
 * how to use it, and stops on Ctrl-C.
 */
import { runCli } from '../../cli/main';
import { standardWebhookHeaders } from '../../shared/agents/agent-service';
import { config } from '../../shared/config/env';
import { platformSecretName } from '../../shared/secrets/names';
import { newSigningSecret } from '../fakes/agent-service/fake-agent-service';
import { devFakes, type RunningDevFake } from '../fakes/dev-fakes';

/** One request each fake answers only for a caller holding the secret it printed. */
const probes: Record<string, (fake: RunningDevFake, secret: Record<string, string>) => Promise<Response>> = {
  // The app's credentials pass; the refresh token does not exist (a wrong client would get 401 invalid_client).
  shopify: async (fake, s) => {
    const response = await fetch(`${fake.env.SHOPIFY_API_ORIGIN!.replace('{shop}', 'probe.myshopify.com')}/admin/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: s.client_id, client_secret: s.client_secret, grant_type: 'refresh_token', refresh_token: 'shprt_none' }),
    });
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    return new Response(null, { status: 200 });
  },
  openai: (_, s) => fetch(`${s.base_url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.api_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) }),
  deepseek: (_, s) => fetch(`${s.base_url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${s.api_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] }) }),
  'sentence-transformers': (_, s) => fetch(`${s.base_url}/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${s.api_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'all-mpnet-base-v2', input: 'hi' }) }),
  whatsapp: (_, s) => fetch(`${s.base_url}/v27.0/106540352242922?fields=id,throughput`, { headers: { authorization: `Bearer ${s.access_token}` } }),
  'azure-speech': (_, s) =>
    fetch(`${s.base_url}/cognitiveservices/v1`, {
      method: 'POST',
      headers: { 'ocp-apim-subscription-key': s.api_key!, 'content-type': 'application/ssml+xml', 'x-microsoft-outputformat': 'audio-24khz-48kbitrate-mono-mp3' },
      body: "<speak version='1.0' xml:lang='en-US'><voice xml:lang='en-US' name='en-US-JennyNeural'>hi</voice></speak>",
    }),
  elevenlabs: (_, s) => fetch(`${s.base_url}/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM?output_format=mp3_44100_128`, { method: 'POST', headers: { 'xi-api-key': s.api_key!, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi', model_id: 'eleven_multilingual_v2' }) }),
  coqui: (_, s) => fetch(`${s.base_url}/api/tts`, { method: 'POST', body: new URLSearchParams({ text: 'hi', speaker_id: 'Claribel Dervla', language_id: 'en' }) }),
  // A signed invocation passes (the key it printed); the same body signed with another key gets 401.
  'agent-service': async (_, s) => {
    const body = JSON.stringify({ workspace_id: 'probe', agent_id: 'a1', trigger_index: 0, events: [] });
    const headers = (secret: string) => ({ 'content-type': 'application/json', ...standardWebhookHeaders(secret, 'msg_probe', Math.floor(Date.now() / 1000), body) });
    const bad = await fetch(`${s.base_url}/v1/agents/a1/invocations`, { method: 'POST', headers: headers(newSigningSecret()), body });
    expect(bad.status).toBe(401);
    const good = await fetch(`${s.base_url}/v1/agents/a1/invocations`, { method: 'POST', headers: headers(s.signing_secret!), body });
    expect(good.status).toBe(202);
    return new Response(null, { status: 200 });
  },
  // The app's client credentials get a client token; another secret gets invalid_client.
  tiktok: async (_, s) => {
    const token = (secret: string) =>
      fetch(`${s.base_url}/v2/oauth/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_key: s.client_key!, client_secret: secret, grant_type: 'client_credentials' }),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(await token('not-the-secret')).toMatchObject({ error: 'invalid_client' });
    expect(await token(s.client_secret!)).toMatchObject({ access_token: expect.stringMatching(/^clt\./), token_type: 'Bearer' });
    return new Response(null, { status: 200 });
  },
  // SES has no secret: the SDK reaches the fake through AWS_ENDPOINT_URL_SES with the keys it printed.
  ses: async (fake) => {
    const { SESClient, GetSendQuotaCommand } = await import('@aws-sdk/client-ses');
    const client = new SESClient({ region: 'us-east-1', endpoint: fake.env.AWS_ENDPOINT_URL_SES!, credentials: { accessKeyId: fake.env.AWS_ACCESS_KEY_ID!, secretAccessKey: fake.env.AWS_SECRET_ACCESS_KEY! } });
    expect((await client.send(new GetSendQuotaCommand({}))).MaxSendRate).toBe(14);
    client.destroy();
    return new Response(null, { status: 200 });
  },
  sendgrid: (_, s) =>
    fetch(`${s.base_url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ personalizations: [{ to: [{ email: 'probe@example.com' }] }], from: { email: 'dev@example.com' }, subject: 'probe', content: [{ type: 'text/plain', value: 'hi' }] }),
    }).then((r) => new Response(null, { status: r.status === 202 ? 200 : r.status })),
  pinecone: (_, s) => fetch(`${s.controller_host_url}/indexes/ionflux-memory`, { headers: { 'Api-Key': s.api_key!, 'X-Pinecone-Api-Version': '2026-07' } }),
  anthropic: (_, s) => fetch(`${s.base_url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': s.api_key!, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) }),
};

describe('the dev-fake registry', () => {
  it('gives every fake its own port, away from the runtime (3000), Kafka (9092) and moto (5000)', () => {
    const ports = Object.values(devFakes).map((f) => f.port);
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect([3000, 9092, 5000]).not.toContain(port);
  });

  it.each(Object.keys(devFakes))('%s starts on a free port and answers a caller holding the secret it printed', async (name) => {
    const fake = await (await devFakes[name]!.load()).start({ port: 0, secretRoot: 'ionflux', values: name === 'sendgrid' ? { 'webhook-url': 'off' } : {} });
    try {
      // A fake reached through the environment alone (SES) prints no secret.
      const [[secretName, secret]] = (Object.keys(fake.secrets).length ? Object.entries(fake.secrets) : [[platformSecretName('ionflux', name), {}]]) as [[string, Record<string, string>]];
      expect(secretName).toBe(platformSecretName('ionflux', name));
      // A fake without a probe here must at least answer HTTP on its origin.
      const response = await (probes[name] ?? ((f: RunningDevFake) => fetch(f.origin)))(fake, secret);
      expect(probes[name] ? response.status : 200).toBe(200);
    } finally {
      await fake.stop();
    }
  });
});

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((f) => f()));

describe('ionflux dev fake', () => {
  it('lists the fakes with their ports and flags', async () => {
    const out: string[] = [];
    expect(await runCli(['dev', 'fake'], { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
    for (const [name, entry] of Object.entries(devFakes)) expect(out.join('\n')).toMatch(new RegExp(`^${name} +:${entry.port} `, 'm'));
    const err: string[] = [];
    expect(await runCli(['dev', 'fake', 'nosuch'], { out: () => undefined, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('no fake "nosuch" (shopify, openai');
  });

  it('starts a fake, prints how to point the runtime at it, and stops when interrupted', async () => {
    const out: string[] = [];
    const stop = new AbortController();
    // Stopped in every case: a failed expectation must not leave the fake listening.
    cleanups.push(() => stop.abort());
    const running = runCli(['dev', 'fake', 'shopify', '--port', '0', '--client-secret', 'shpss_other'], { out: (l) => out.push(l), err: (l) => out.push(l), signal: stop.signal });
    for (let i = 0; i < 200 && !out.join('\n').includes('npx ionflux secrets set'); i++) await new Promise((r) => setTimeout(r, 25));
    const text = out.join('\n');
    const origin = /fake shopify on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    expect(origin).toBeDefined();
    expect(text).toContain(`SHOPIFY_API_ORIGIN='${origin}/shops/{shop}' npm run dev`);
    expect(text).toContain(`npx ionflux secrets set ${platformSecretName(config().secretRoot, 'shopify')} --merge '{"client_id":"ionflux-dev-app","client_secret":"shpss_other"}'`);
    expect((await fetch(`${origin}/shops/x.myshopify.com/admin/oauth/authorize`)).status).toBe(400);
    stop.abort(); // what Ctrl-C does to `npx ionflux dev fake` (SIGINT/SIGTERM when no signal is given)
    expect(await running).toBe(0);
    await expect(fetch(`${origin}/`)).rejects.toThrow();
  });
});
