/**
 * The webhook pipeline every provider shares:
 *   raw body + headers → verify (constant time, raw bytes, before any parse) → parse (one or more
 *   deliveries) → for each delivery: resolve the workspace (connections registry) and de-duplicate,
 *   together → before-events effects → map to PlatformEvents → publish (Kafka, or the durable outbox) →
 *   after-publish effects → respond.
 * Deliveries of one request are processed at the same time, except those sharing an order key, which go
 * in order. A verified delivery for an account no workspace owns is parked (once per account and
 * request), never dropped. If the events cannot be made durable, the claim is released and the caller
 * answers 503 so the provider retries. Providers that check a subscription first (Meta's GET handshake)
 * answer it through `answerHandshake`.
 */
import type { ConnectionRegistry } from '../connections/connection-registry';
import { errorMessage } from '../errors';
import type { Delivery as PublishDelivery, EventPublisher, OutgoingEvent } from '../events/publisher';
import { moduleLogger } from '../observability/logger';
import type { SecretResolver } from '../secrets/secret-resolver';
import type { ClaimResult, DedupStore } from './dedup-store';
import { DeliveryInProgressError, WebhookHandshakeError, WebhookSignatureError } from './errors';
import type { ParkedWebhookStore } from './parked-store';
import type { Delivery, InboundProvider, WebhookProvider, WebhookRequest } from './provider';

const log = moduleLogger('webhooks');

/** How often a signature mismatch may make an environment read the signing key again (rotations). */
export const SIGNING_KEY_RECHECK_MS = 60_000;

/** Deliveries of one request processed at the same time (each costs a few DynamoDB and Kafka round trips). */
export const PARALLEL_DELIVERIES = 8;

export interface WebhookDeps {
  secrets: Pick<SecretResolver, 'platform' | 'refreshPlatform' | 'resolve'>;
  connections: Pick<ConnectionRegistry, 'get' | 'setStatusIf'>;
  dedup: DedupStore;
  parked: ParkedWebhookStore;
  publisher: Pick<EventPublisher, 'publish'>;
}

export type DeliveryOutcome =
  | { status: 'accepted'; kind: string; event_ids: string[]; via: PublishDelivery }
  | { status: 'duplicate'; kind: string }
  | { status: 'parked'; kind: string; reason: string };

export interface IngestResult {
  status: 'accepted' | 'duplicate' | 'parked' | 'mixed';
  deliveries: DeliveryOutcome[];
}

/** One status for the request: every delivery's when they agree (accepted when there are none), else mixed. */
const summarise = (deliveries: DeliveryOutcome[]): IngestResult => {
  let status: IngestResult['status'] = deliveries[0]?.status ?? 'accepted';
  for (const d of deliveries) if (d.status !== status) status = 'mixed';
  return { status, deliveries };
};

type Routing = { workspaceId: string } | { reason: string };

/** Routes one delivery to its workspace, or says why it cannot be routed. */
async function route(delivery: Delivery, deps: WebhookDeps): Promise<Routing> {
  if (delivery.workspaceId) return { workspaceId: delivery.workspaceId };
  if (!delivery.account) return { reason: 'the delivery names no account and no workspace' };
  const connection = await deps.connections.get(delivery.account.provider, delivery.account.id);
  // An inactive connection still routes: compliance webhooks (e.g. shop/redact) arrive after uninstalling.
  if (!connection) return { reason: `no workspace is connected to ${delivery.account.provider} account ${delivery.account.id}` };
  return { workspaceId: connection.workspace_id };
}

/** A routing read that failed, kept until the claim's outcome says whether it matters. */
const routingFailed = (error: unknown): { failed: unknown } => ({ failed: error });

/** Gives a claim up so a retry (or a replay) is processed rather than waiting for the lease to expire. */
const release = (deps: WebhookDeps, dedupKey: string): Promise<void> =>
  deps.dedup.release(dedupKey).catch((releaseError: unknown) =>
    log.error('could not release a dedup claim; the retry waits for the lease to expire', { dedup_key: dedupKey, error: errorMessage(releaseError) }),
  );

/** Event ids in order, each once (a delivery maps to a few events: a scan beats a Set). */
function uniqueEventIds(events: OutgoingEvent[]): string[] {
  const ids: string[] = [];
  for (const e of events) if (!ids.includes(e.event.event_id)) ids.push(e.event.event_id);
  return ids;
}

/**
 * Handles one parsed delivery: claim it and find its workspace (at once), then publish and finish — or
 * park it when no workspace owns its account.
 */
export async function processDelivery<D extends Delivery>(
  provider: InboundProvider<D>,
  delivery: D,
  request: WebhookRequest,
  deps: WebhookDeps,
  options: {
    deadline: number;
    replay?: boolean;
    /** Parks the request for this delivery's account (default: one park per call). */
    park?: (delivery: D, reason: string) => Promise<void>;
  },
): Promise<DeliveryOutcome> {
  // The routing read and the dedup claim do not depend on each other: in AWS they are two DynamoDB round
  // trips made together rather than one after the other, on every webhook. Both settle before anything else.
  const routing = route(delivery, deps).catch(routingFailed);
  let claimed: ClaimResult;
  try {
    claimed = await deps.dedup.claim(delivery.dedupKey, provider.dedupTtlSeconds);
  } catch (error) {
    await routing;
    throw error;
  }
  const routed = await routing;
  if (claimed === 'duplicate') {
    log.info('duplicate webhook acknowledged', { provider: provider.name, kind: delivery.kind, dedup_key: delivery.dedupKey });
    return { status: 'duplicate', kind: delivery.kind };
  }
  if (claimed === 'in_progress') throw new DeliveryInProgressError(delivery.dedupKey);

  // Claimed: from here every way out that does not complete the claim gives it up, so a retry (or a
  // replay) is processed rather than waiting for the lease to expire.
  try {
    if ('failed' in routed) throw routed.failed;
    if ('reason' in routed) {
      if (!options.replay) await (options.park ?? ((d: D, reason: string) => park(provider, d, request, reason, deps)))(delivery, routed.reason);
      await release(deps, delivery.dedupKey);
      return { status: 'parked', kind: delivery.kind, reason: routed.reason };
    }
    const { workspaceId } = routed;
    // Providers' hooks return nothing to wait for when a delivery needs none (no promise, no turn).
    const before = provider.beforeEvents?.(delivery, workspaceId, deps);
    if (before) await before;
    const events = provider.toEvents(delivery, workspaceId);
    const via = await deps.publisher.publish(events, options);
    const after = provider.afterPublish?.(delivery, workspaceId, deps);
    if (after) await after;
    const eventIds = uniqueEventIds(events);
    await deps.dedup.complete(delivery.dedupKey, provider.dedupTtlSeconds, { event_ids: eventIds, workspace_id: workspaceId });
    if (log.enabled('info')) log.info('webhook accepted', { provider: provider.name, kind: delivery.kind, workspace_id: workspaceId, events: eventIds.length, via });
    return { status: 'accepted', kind: delivery.kind, event_ids: eventIds, via };
  } catch (error) {
    // Not durable (or not finished): let the provider's retry do it again.
    await release(deps, delivery.dedupKey);
    throw error;
  }
}

/** Keeps a verified delivery no workspace owns, with why, for `ionflux parked replay`. */
async function park<D extends Delivery>(provider: InboundProvider<D>, delivery: D, request: WebhookRequest, reason: string, deps: WebhookDeps): Promise<void> {
  const keptHeaders = Object.fromEntries(provider.keptHeaders.filter((h) => request.headers[h] !== undefined).map((h) => [h, request.headers[h]!]));
  await deps.parked.park({
    provider: provider.name,
    account_id: delivery.account?.id ?? 'unknown',
    reason,
    kind: delivery.kind,
    dedup_key: delivery.dedupKey,
    received_at: new Date(request.receivedAt).toISOString(),
    headers: keptHeaders,
    rawBody: request.rawBody,
  });
  log.warn('webhook parked', { provider: provider.name, kind: delivery.kind, reason });
}

export async function ingestWebhook<D extends Delivery>(
  provider: WebhookProvider<D>,
  request: WebhookRequest,
  deps: WebhookDeps,
  options: { deadline: number },
): Promise<IngestResult> {
  // Unsigned (or not signed in the provider's format): 401 before any secret is read.
  provider.requireSignature(request);
  const scope = provider.credentialScope?.(request);
  let credential = scope ? await deps.secrets.resolve({ provider: provider.secretProvider, workspaceId: scope.workspaceId }) : await deps.secrets.platform(provider.secretProvider);
  try {
    provider.verify(request, credential);
  } catch (error) {
    // The key may have been rotated since this environment cached it: read it again, at most once a minute.
    if (!(error instanceof WebhookSignatureError) || error.code !== 'invalid_signature' || credential.source !== 'platform') throw error;
    const fresh = await deps.secrets.refreshPlatform(provider.secretProvider, { minAgeMs: SIGNING_KEY_RECHECK_MS });
    if (!fresh) throw error;
    provider.verify(request, fresh);
    credential = fresh;
  }
  const deliveries = provider.parse(request, credential);
  // A request carrying several deliveries for one unknown account is parked once: replaying it replays them all.
  let parks: Map<string, Promise<void>> | undefined;
  const parkOnce = (delivery: D, reason: string) => {
    const account = `${delivery.account?.provider ?? ''}#${delivery.account?.id ?? 'unknown'}`;
    let parking = (parks ??= new Map()).get(account);
    if (!parking) {
      parking = park(provider, delivery, request, reason, deps);
      parks.set(account, parking);
    }
    return parking;
  };
  const deliveryOptions = { deadline: options.deadline, park: parkOnce };
  return summarise(await processAll(deliveries, (delivery) => processDelivery(provider, delivery, request, deps, deliveryOptions)));
}

/**
 * Runs `process` over the deliveries: those with the same order key one after the other in parse order,
 * the rest at the same time (at most PARALLEL_DELIVERIES). Every delivery is attempted; the first failure
 * is thrown once all have finished, so the ones that succeeded are recorded and the provider's retry of
 * the request finds them done. Outcomes come back in parse order.
 */
export async function processAll<D extends Delivery>(deliveries: D[], process: (delivery: D) => Promise<DeliveryOutcome>): Promise<DeliveryOutcome[]> {
  if (deliveries.length === 1) return [await process(deliveries[0]!)];
  const queues = new Map<string, number[]>();
  deliveries.forEach((delivery, index) => {
    const key = delivery.orderKey ?? delivery.dedupKey;
    queues.set(key, [...(queues.get(key) ?? []), index]);
  });
  const outcomes: DeliveryOutcome[] = new Array(deliveries.length);
  const failures: unknown[] = [];
  const pending = [...queues.values()];
  const worker = async () => {
    for (let queue = pending.shift(); queue; queue = pending.shift()) {
      for (const index of queue) {
        try {
          outcomes[index] = await process(deliveries[index]!);
        } catch (error) {
          failures.push(error);
          break; // the rest of this key waits for the retry, still in order
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_DELIVERIES, pending.length) }, worker));
  if (failures.length) throw failures[0];
  return outcomes;
}

/**
 * A provider's subscription handshake (Meta: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`):
 * the text to answer 200 with, or WebhookHandshakeError (403). A token that does not match is checked
 * once more against a freshly read secret (the operator may just have changed it).
 */
export async function answerHandshake<D extends Delivery>(provider: WebhookProvider<D>, query: Record<string, string>, deps: Pick<WebhookDeps, 'secrets'>): Promise<string> {
  if (!provider.handshake) throw new WebhookHandshakeError(provider.name);
  try {
    return provider.handshake(query, await deps.secrets.platform(provider.secretProvider));
  } catch (error) {
    if (!(error instanceof WebhookHandshakeError)) throw error;
    const fresh = await deps.secrets.refreshPlatform(provider.secretProvider, { minAgeMs: SIGNING_KEY_RECHECK_MS });
    if (!fresh) throw error;
    return provider.handshake(query, fresh);
  }
}
