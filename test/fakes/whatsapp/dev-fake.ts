/**
 * The fake Graph API (WhatsApp) as a dev tool: `npx ionflux dev fake whatsapp`. One number of one WABA,
 * a `hello_world` template; accepted messages get signed `sent`, `delivered` and `read` webhooks to the
 * local runtime, submitted templates an `APPROVED` one; `POST /_fake/inbound` delivers a user's message.
 * docs/whatsapp.md walks through it.
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeGraph } from './fake-graph';

export const DEV_APP_SECRET = 'dev-whatsapp-app-secret';
export const DEV_SYSTEM_TOKEN = 'EAAG-dev-whatsapp-system-token';
export const DEV_VERIFY_TOKEN = 'dev-whatsapp-verify-token';

export const whatsappDevFake: DevFake = {
  summary: 'WhatsApp (Graph API): send, templates, onboarding, 130429 above the rate; status webhooks back to the runtime',
  options: {
    webhook: { type: 'string', description: 'where it delivers signed webhooks', default: 'http://127.0.0.1:3000/webhooks/whatsapp' },
    phone: { type: 'string', description: 'the phone_number_id it serves', default: '106540352242922' },
    waba: { type: 'string', description: 'its WhatsApp Business Account', default: '102290129340398' },
    mps: { type: 'string', description: 'messages per second before 130429', default: '80' },
    'app-secret': { type: 'string', description: 'the app secret webhooks are signed with', default: DEV_APP_SECRET },
  },
  async start({ port, secretRoot, values }) {
    const phone = String(values.phone ?? '106540352242922');
    const waba = String(values.waba ?? '102290129340398');
    const appSecret = String(values['app-secret'] ?? DEV_APP_SECRET);
    const fake = await new FakeGraph({ appSecret, webhookUrl: String(values.webhook ?? 'http://127.0.0.1:3000/webhooks/whatsapp'), mps: Number(values.mps ?? 80) }).start(port);
    fake.addNumber(phone, waba);
    fake.addTemplate(waba, { name: 'hello_world', language: 'en_US', status: 'APPROVED', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello World' }] });
    fake.systemToken(DEV_SYSTEM_TOKEN);
    return {
      origin: fake.url,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'whatsapp')]: { app_id: fake.appId, app_secret: appSecret, verify_token: DEV_VERIFY_TOKEN, access_token: DEV_SYSTEM_TOKEN, base_url: fake.url } },
      notes: [
        `number ${phone} of WABA ${waba}: npx ionflux connections add whatsapp ${phone} --workspace acme --waba ${waba}`,
        `a user writes: curl -s -X POST ${fake.url}/_fake/inbound -d '{"phone_number_id":"${phone}","from":"5511987654321","text":"hi"}'`,
        `scripted errors: POST ${fake.url}/_fake/fail {"target":"${phone}","code":131047}; sends so far: GET ${fake.url}/_fake/sent`,
      ],
      stop: () => fake.stop(),
    };
  },
};
