/** Everything the webhook pipeline needs, built once per execution environment. */
import { DedupStore } from '../webhooks/dedup-store';
import { ParkedWebhookStore } from '../webhooks/parked-store';
import type { WebhookDeps } from '../webhooks/pipeline';
import { connectionRegistry } from './connections';
import { eventPublisher } from './events';
import { perEnvironment } from './per-environment';
import { secretResolver } from './secrets';
import { table } from './storage';

export const webhookDeps = perEnvironment(
  (): WebhookDeps => ({
    secrets: secretResolver(),
    connections: connectionRegistry(),
    dedup: new DedupStore(table('webhook-dedup')),
    parked: new ParkedWebhookStore(table('parked-webhooks')),
    publisher: eventPublisher(),
  }),
);
