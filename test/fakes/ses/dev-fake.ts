/**
 * The fake SES as a dev tool: `npx ionflux dev fake ses` answers SendRawEmail and GetSendQuota (Query API,
 * SigV4 checked, the sending rate enforced like SES) and, like a configuration set with an SNS event
 * destination, publishes a Send and a Delivery event for every message to the local `email-events` topic
 * (the embedded folder, or moto's topic with AWS_ENDPOINT_URL): `webhook-ses-sns` in `npm run dev` turns
 * them into `ionflux.email.delivery_status` events. Run it with the same IONFLUX_HOME / AWS_ENDPOINT_URL
 * as the runtime.
 */
import { localSnsTopic } from '../../../local/sns-topics';
import type { DevFake } from '../dev-fakes';
import { FakeSes } from './fake-ses';

export const sesDevFake: DevFake = {
  summary: 'Amazon SES (v1 Query API): SendRawEmail, GetSendQuota, throttling at MaxSendRate; Send/Delivery events to the local email-events topic',
  options: {
    'max-send-rate': { type: 'string', description: 'MaxSendRate it reports and enforces (messages/s)', default: '14' },
    events: { type: 'string', description: 'publish Send and Delivery events to the local email-events topic: on or off', default: 'on' },
  },
  async start({ port, values }) {
    const maxSendRate = Number(values['max-send-rate'] ?? 14);
    if (!(maxSendRate > 0)) throw new Error('--max-send-rate must be a positive number');
    const topic = values.events === 'off' ? undefined : await localSnsTopic('email-events');
    const fake = await new FakeSes({
      maxSendRate,
      ...(topic ? { onEvent: async (json: string) => void (await topic.publish(json)) } : {}),
    }).start(port);
    return {
      origin: fake.endpoint,
      env: { IONFLUX_EMAIL_TRANSPORT: 'ses', AWS_ENDPOINT_URL_SES: fake.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      secrets: {},
      notes: [
        `MaxSendRate ${maxSendRate}/s; over it: Throttling "Maximum sending rate exceeded."`,
        topic ? `events: Send and Delivery of every message → ${topic.arn} (webhook-ses-sns)` : 'events: off',
      ],
      stop: () => fake.close(),
    };
  },
};
