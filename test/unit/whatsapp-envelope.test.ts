/**
 * Meta's envelope → deliveries: each message, status and error its own delivery with its own dedup key
 * (wamid; wamid + status), a message's statuses in order, templates and account fields routed by WABA,
 * what cannot be routed left for parking, malformed bodies refused.
 */
import { MalformedWebhookError, StaleWebhookError } from '../../shared/webhooks/errors';
import { parseEnvelope } from '../../shared/webhooks/providers/whatsapp/envelope';
import { envelope, messagesValue, statusUpdate, templateStatusWebhook, textMessage } from '../fakes/whatsapp/webhooks';

const number = { wabaId: '102290129340398', phoneNumberId: '106540352242922' };
const request = (body: unknown) => ({ rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), headers: {}, query: {}, receivedAt: 1_800_000_000_000 });

describe('WhatsApp webhook envelope', () => {
  it('splits a batch into messages, statuses and errors routed by phone number', () => {
    const m1 = textMessage({ from: '5511987654321', text: 'hi', wamid: 'wamid.A', at: 1_800_000_001_000 });
    const m2 = textMessage({ from: '5511987654321', text: 'STOP', wamid: 'wamid.B', at: 1_800_000_002_000 });
    const s1 = statusUpdate({ wamid: 'wamid.OUT', status: 'delivered', recipient: '5511987654321', at: 1_800_000_003_000 });
    const s2 = statusUpdate({ wamid: 'wamid.OUT', status: 'read', recipient: '5511987654321', at: 1_800_000_004_000 });
    const body = envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { messages: [m1, m2], statuses: [s1, s2], errors: [{ code: 131000, title: 'Something went wrong' }] }) }] }]);
    const deliveries = parseEnvelope(request(body));
    expect(deliveries.map((d) => [d.item, d.dedupKey])).toEqual([
      ['message', `whatsapp:message:${number.phoneNumberId}:wamid.A`],
      ['message', `whatsapp:message:${number.phoneNumberId}:wamid.B`],
      ['status', `whatsapp:status:${number.phoneNumberId}:wamid.OUT:delivered`],
      ['status', `whatsapp:status:${number.phoneNumberId}:wamid.OUT:read`],
      ['error', expect.stringMatching(/^whatsapp:error:106540352242922:/)],
    ]);
    expect(deliveries.every((d) => d.account?.provider === 'whatsapp' && d.account.id === number.phoneNumberId)).toBe(true);
    // One conversation in order, one message's statuses in order.
    expect(deliveries[0]!.orderKey).toBe(deliveries[1]!.orderKey);
    expect(deliveries[2]!.orderKey).toBe(deliveries[3]!.orderKey);
    expect(deliveries[0]!.at).toBe(1_800_000_001_000);
  });

  it('routes template and other account changes by WABA, and leaves what cannot be routed for parking', () => {
    const [template] = parseEnvelope(request(templateStatusWebhook(number.wabaId, { templateId: '594425479261596', name: 'order_update', language: 'en_US', event: 'APPROVED', at: 1_800_000_000_000 })));
    expect(template).toMatchObject({ item: 'template', account: { provider: 'whatsapp_waba', id: number.wabaId }, kind: 'message_template_status_update.APPROVED', at: 1_800_000_000_000 });
    const [account] = parseEnvelope(request(envelope([{ wabaId: '0', changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] }])));
    expect(account).toMatchObject({ item: 'account', field: 'account_update' });
    expect(account!.account).toBeUndefined();
  });

  it('refuses a delivery older than the replay window (a captured request played again), and absurd nesting', () => {
    const at = (ms: number) => envelope([{ wabaId: number.wabaId, changes: [{ field: 'messages', value: messagesValue(number, { messages: [textMessage({ from: '5511987654321', text: 'hi', wamid: `wamid.${ms}`, at: ms })] }) }] }]);
    const received = 1_800_000_000_000;
    // Meta retries for 7 days: a week-old delivery is still accepted…
    expect(parseEnvelope(request(at(received - 7 * 86_400_000)))).toHaveLength(1);
    // …one older than the 8-day dedup window is not.
    const stale = (() => {
      try {
        parseEnvelope(request(at(received - 8 * 86_400_000 - 1000)));
      } catch (error) {
        return error;
      }
    })();
    expect(stale).toBeInstanceOf(StaleWebhookError);
    expect(stale).toMatchObject({ code: 'stale_webhook', status: 400 });
    const deep = `{"object":"whatsapp_business_account","entry":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(() => parseEnvelope(request(deep))).toThrow(/nests deeper than 64/);
  });

  it('refuses bodies that are not Meta envelopes', () => {
    for (const body of ['not json', '[]', { object: 'page', entry: [] }, { object: 'whatsapp_business_account' }, { object: 'whatsapp_business_account', entry: [{ id: '1' }] }, { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages' }] }] }]) {
      expect(() => parseEnvelope(request(body))).toThrow(MalformedWebhookError);
    }
  });
});
