import { parseTikTokSignature, signTikTokPayload, verifyTikTokSignature } from '../../shared/webhooks/providers/tiktok/tiktok-signature';

// webhooks-and-oauth.md §3.6: no official vector exists; this one is computed from TikTok's documented
// authorization.removed example (compact), t=1633174587, secret client_secret_example.
const BODY =
  '{"client_key":"bwo2m45353a6k85","event":"authorization.removed","create_time":1615338610,"user_openid":"act.example12345Example12345Example","content":"{\\"reason\\": 1 }"}';
const T = 1633174587;
const SIGNATURE = '0fd74e7b83d2df17352b239db67d4946944f99ff19959e5e1cc86004e32196cc';
const at = (seconds: number) => seconds * 1000;

describe('TikTok-Signature', () => {
  it('matches the vector computed from TikTok’s documented example', () => {
    expect(signTikTokPayload(BODY, 'client_secret_example', T)).toBe(SIGNATURE);
    expect(verifyTikTokSignature(Buffer.from(BODY), `t=${T},s=${SIGNATURE}`, ['client_secret_example'], at(T))).toBe('ok');
  });

  it('applies a 5-minute tolerance around when we received it', () => {
    const header = `t=${T},s=${SIGNATURE}`;
    const body = Buffer.from(BODY);
    expect(verifyTikTokSignature(body, header, ['client_secret_example'], at(T + 300))).toBe('ok');
    expect(verifyTikTokSignature(body, header, ['client_secret_example'], at(T - 300))).toBe('ok');
    expect(verifyTikTokSignature(body, header, ['client_secret_example'], at(T + 301))).toBe('expired');
    expect(verifyTikTokSignature(body, header, ['client_secret_example'], at(T - 3600))).toBe('expired');
  });

  it('refuses a changed body, a changed timestamp, another secret, a missing or malformed header', () => {
    const now = at(T);
    expect(verifyTikTokSignature(Buffer.from(BODY.replace('"reason\\": 1', '"reason\\": 2')), `t=${T},s=${SIGNATURE}`, ['client_secret_example'], now)).toBe('invalid');
    // Moving the timestamp (to pass the tolerance with an old signature) breaks the signature.
    expect(verifyTikTokSignature(Buffer.from(BODY), `t=${T + 10},s=${SIGNATURE}`, ['client_secret_example'], now)).toBe('invalid');
    expect(verifyTikTokSignature(Buffer.from(BODY), `t=${T},s=${SIGNATURE}`, ['another_secret'], now)).toBe('invalid');
    expect(verifyTikTokSignature(Buffer.from(BODY), undefined, ['client_secret_example'], now)).toBe('missing');
    expect(verifyTikTokSignature(Buffer.from(BODY), '  ', ['client_secret_example'], now)).toBe('missing');
    for (const header of [`t=${T}`, `s=${SIGNATURE}`, `t=abc,s=${SIGNATURE}`, `t=${T},s=${SIGNATURE.slice(1)}`, SIGNATURE, `t=${T},s=${'z'.repeat(64)}`]) {
      expect(verifyTikTokSignature(Buffer.from(BODY), header, ['client_secret_example'], now)).toBe('invalid');
    }
  });

  it('reads the header in any order, with spaces and extra elements; either secret verifies during a rotation', () => {
    expect(parseTikTokSignature(` s=${SIGNATURE.toUpperCase()} , t=${T}, v=2`)).toEqual({ t: String(T), s: SIGNATURE });
    expect(verifyTikTokSignature(Buffer.from(BODY), `s=${SIGNATURE},t=${T}`, ['new_secret', 'client_secret_example'], at(T))).toBe('ok');
    expect(verifyTikTokSignature(Buffer.from(BODY), `t=${T},s=${SIGNATURE}`, [], at(T))).toBe('invalid');
  });
});
