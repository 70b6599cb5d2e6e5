/**
 * The fake AgentService as a dev tool: `npx ionflux dev fake agent-service` receives the dispatcher's
 * invocations, checks their Standard Webhooks signature and prints each one (agent, trigger, workspace,
 * event types). `--fail <status>` answers every invocation with that status, to watch retries, the DLQ
 * (`npx ionflux agents dead-letters`) and a redrive.
 */
import { platformSecretName } from '../../../shared/secrets/names';
import type { DevFake } from '../dev-fakes';
import { FakeAgentService, newSigningSecret } from './fake-agent-service';

export const agentServiceDevFake: DevFake = {
  summary: 'AgentService: receives agent invocations, checks their signature, prints each one',
  options: {
    'signing-secret': { type: 'string', description: 'the whsec_ secret it accepts (default: a new one)', default: '(new)' },
    fail: { type: 'string', description: 'answer every invocation with this status (e.g. 503)', default: '(none)' },
  },
  async start({ port, secretRoot, values }) {
    const given = values['signing-secret'];
    const secret = typeof given === 'string' && given.startsWith('whsec_') ? given : newSigningSecret();
    const fake = await new FakeAgentService({ secrets: [secret], log: (line) => console.log(line) }).start(port);
    const fail = Number(values.fail);
    if (Number.isInteger(fail) && fail >= 300) fake.failAll({ status: fail });
    return {
      origin: fake.origin,
      env: {},
      secrets: { [platformSecretName(secretRoot, 'agent-service')]: { base_url: fake.origin, signing_secret: secret } },
      notes: [`POST ${fake.origin}/v1/agents/{agent_id}/invocations; a bad signature gets 401${fake.origin && Number.isInteger(fail) && fail >= 300 ? `; every invocation answered ${fail}` : ''}`],
      stop: () => fake.stop(),
    };
  },
};
