/**
 * Meta's X-Hub-Signature-256: hex HMAC-SHA256 of the raw bytes with the app secret. The published vector,
 * and Meta's escaped-unicode bodies (emoji as surrogate pairs, `\/`) verified over the bytes as sent —
 * never over JSON parsed and serialised again.
 */
import { signWhatsAppWebhook, verifyWhatsAppSignature } from '../../shared/webhooks/providers/whatsapp/signature';
import { inboundMessageWebhook, metaJson } from '../fakes/whatsapp/webhooks';

describe('WhatsApp webhook signature', () => {
  it('matches the published vector: HMAC("secret", "test")', () => {
    expect(signWhatsAppWebhook('test', 'secret')).toBe('sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914');
    expect(verifyWhatsAppSignature(Buffer.from('test'), 'sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914', ['secret'])).toBe(true);
  });

  it('verifies the raw bytes of a body with emoji and \\/ escapes, and nothing re-serialised', () => {
    const payload = inboundMessageWebhook({ wabaId: '102290129340398', phoneNumberId: '106540352242922' }, { from: '5511987654321', text: 'Olá 😀 veja https://loja.example/pedido/42', name: 'Zoë' });
    const raw = metaJson(payload);
    expect(raw).toContain('\\ud83d\\ude00');
    expect(raw).toContain('https:\\/\\/loja.example\\/pedido\\/42');
    expect(raw).toContain('Ol\\u00e1');
    const signature = signWhatsAppWebhook(raw, 'app-secret');
    expect(verifyWhatsAppSignature(Buffer.from(raw), signature, ['app-secret'])).toBe(true);
    // The same JSON value, serialised again (what a framework's body parser would hand over): refused.
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(JSON.parse(reserialised)).toEqual(payload);
    expect(verifyWhatsAppSignature(Buffer.from(reserialised), signature, ['app-secret'])).toBe(false);
  });

  it('refuses other secrets, other algorithms and malformed headers; accepts the previous secret while rotating', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
    const good = signWhatsAppWebhook(body, 'new-secret');
    expect(verifyWhatsAppSignature(body, good, ['other'])).toBe(false);
    expect(verifyWhatsAppSignature(body, good.replace('sha256=', 'sha1='), ['new-secret'])).toBe(false);
    expect(verifyWhatsAppSignature(body, good.slice(0, -2), ['new-secret'])).toBe(false);
    expect(verifyWhatsAppSignature(body, good.slice('sha256='.length), ['new-secret'])).toBe(false);
    expect(verifyWhatsAppSignature(body, good.toUpperCase().replace('SHA256=', 'sha256='), ['new-secret'])).toBe(true);
    expect(verifyWhatsAppSignature(body, signWhatsAppWebhook(body, 'old-secret'), ['new-secret', 'old-secret'])).toBe(true);
  });
});
