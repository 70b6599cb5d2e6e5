/**
 * `npm run fake:whatsapp -- [options]`: the fake Graph API as a dev tool, beside `npm run dev`.
 *
 *   --port <n>          where it listens (default 8090)
 *   --webhook <url>     where it delivers signed webhooks (default http://127.0.0.1:3000/webhooks/whatsapp)
 *   --phone <id>        the phone_number_id it serves (default 106540352242922)
 *   --waba <id>         its WhatsApp Business Account (default 102290129340398)
 *   --mps <n>           messages per second before 130429 (default 80)
 *   --app-secret <s>    the app secret it signs webhooks with (default: a new one, printed)
 *
 * It prints the platform secret and the connection to set up, then serves until Ctrl-C. Sent messages get
 * `sent`, `delivered` and `read` webhooks; submitted templates an `APPROVED` one. A user's message:
 *   curl -X POST localhost:8090/_fake/inbound -d '{"phone_number_id":"…","from":"5511987654321","text":"hi"}'
 * Scripted failures (`{"target":"<phone id>","code":131047}`) go to /_fake/fail; /_fake/sent lists sends.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FakeGraph } from './fake-graph';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      webhook: { type: 'string', default: 'http://127.0.0.1:3000/webhooks/whatsapp' },
      phone: { type: 'string', default: '106540352242922' },
      waba: { type: 'string', default: '102290129340398' },
      mps: { type: 'string', default: '80' },
      'app-secret': { type: 'string' },
    },
  });
  const appSecret = values['app-secret'] ?? `dev-${randomBytes(12).toString('hex')}`;
  const fake = await new FakeGraph({ appSecret, webhookUrl: values.webhook, mps: Number(values.mps), log: (line) => console.log(`[fake-whatsapp] ${line}`) }).start(Number(values.port));
  fake.addNumber(values.phone, values.waba);
  fake.addTemplate(values.waba, { name: 'hello_world', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello World' }] });
  const token = fake.systemToken();
  const secret = { app_id: fake.appId, app_secret: appSecret, verify_token: 'dev-verify-token', access_token: token, base_url: fake.url };
  console.log(`fake Graph API (WhatsApp) on ${fake.url}, number ${values.phone} of WABA ${values.waba}, ${values.mps} msg/s, webhooks to ${values.webhook}

Point the local runtime at it:
  npx ionflux secrets set ionflux/platform/whatsapp '${JSON.stringify(secret)}'
  npx ionflux connections add whatsapp ${values.phone} --workspace acme --waba ${values.waba}

A user writes to the number:
  curl -s -X POST ${fake.url}/_fake/inbound -d '{"phone_number_id":"${values.phone}","from":"5511987654321","text":"hi"}'
`);
  const stop = async () => {
    await fake.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
