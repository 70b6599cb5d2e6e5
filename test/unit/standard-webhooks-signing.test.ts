/**
 * Invocations are signed per Standard Webhooks: the published test vector (reference §3.9, the Svix
 * libraries' shared vector), keys made here, and the fake AgentService's own verifier (written with
 * node:crypto, independent of the library the dispatcher signs with).
 */
import { invocationBody, invocationId, standardWebhookHeaders } from '../../shared/agents/agent-service';
import { newSigningSecret, verifyStandardWebhook } from '../fakes/agent-service/fake-agent-service';

describe('Standard Webhooks signatures of agent invocations', () => {
  it('matches the Standard Webhooks test vector', () => {
    const headers = standardWebhookHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(headers['webhook-timestamp']).toBe('1614265330');
    expect(verifyStandardWebhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], headers, '{"test": 2432232314}', 1614265330)).toBe(true);
  });

  it('signs with keys made here; a changed body, id, timestamp or key fails verification', () => {
    const secret = newSigningSecret();
    const body = invocationBody({ workspace_id: 'acme', agent_id: 'a1', trigger_index: 0, events: ['{"event_id":"x"}'] });
    expect(JSON.parse(body)).toEqual({ workspace_id: 'acme', agent_id: 'a1', trigger_index: 0, events: [{ event_id: 'x' }] });
    const now = Math.floor(Date.now() / 1000);
    const id = invocationId({ workspace_id: 'acme', agent_id: 'a1', trigger_index: 0 }, ['x']);
    const headers = standardWebhookHeaders(secret, id, now, body);
    expect(verifyStandardWebhook([newSigningSecret(), secret], headers, body, now)).toBe(true);
    expect(verifyStandardWebhook([secret], headers, body.replace('a1', 'a2'), now)).toBe(false);
    expect(verifyStandardWebhook([secret], { ...headers, 'webhook-id': 'msg_other' }, body, now)).toBe(false);
    expect(verifyStandardWebhook([secret], { ...headers, 'webhook-timestamp': String(now + 1) }, body, now)).toBe(false);
    expect(verifyStandardWebhook([newSigningSecret()], headers, body, now)).toBe(false);
    expect(verifyStandardWebhook([secret], headers, body, now + 301)).toBe(false);
  });

  it('gives a retried invocation the id of the first attempt, and another batch another id', () => {
    const base = { workspace_id: 'acme', agent_id: 'a1', trigger_index: 0 };
    expect(invocationId(base, ['e1', 'e2'])).toBe(invocationId(base, ['e1', 'e2']));
    expect(invocationId(base, ['e1', 'e2'])).not.toBe(invocationId(base, ['e1']));
    expect(invocationId(base, ['e1'])).not.toBe(invocationId({ ...base, workspace_id: 'other' }, ['e1']));
    expect(invocationId(base, ['e1'])).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
  });
});
