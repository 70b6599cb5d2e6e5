/**
 * A webhook provider is a module describing its verification, how it parses a request into
 * deliveries, how each delivery is de-duplicated and routed to a workspace, and how it maps to
 * PlatformEvents. The pipeline (pipeline.ts) does everything else, the same way for every provider.
 */
import type { ConnectionProvider } from '../connections/account-ids';
import type { ConnectionRegistry } from '../connections/connection-registry';
import type { OutgoingEvent } from '../events/publisher';
import type { PlatformProvider } from '../secrets/names';
import type { Credential } from '../secrets/secret-resolver';

/** What arrived: raw bytes (signatures are over them), lower-cased headers, query. */
export interface WebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string>;
  query: Record<string, string>;
  receivedAt: number;
}

export interface Delivery {
  /** Unique per upstream event and stable across redeliveries. */
  dedupKey: string;
  /** Short label for logs and parking: topic or event type. */
  kind: string;
  /** The external account the delivery belongs to, routed through the connections registry… */
  account?: { provider: ConnectionProvider; id: string };
  /** …or the workspace, when the provider says it directly. */
  workspaceId?: string;
  /**
   * Deliveries of one request with the same order key are processed one after the other, in the order
   * parsed (e.g. the statuses of one message); the others at the same time. Default: the dedup key.
   */
  orderKey?: string;
}

export interface AfterPublishDeps {
  connections: Pick<ConnectionRegistry, 'get' | 'setStatusIf'>;
}

/**
 * A source of provider events the pipeline de-duplicates, routes, maps and publishes (processDelivery):
 * every webhook provider, and event sources that need no signature because AWS delivers them to the
 * function itself (SES events through SNS).
 */
export interface InboundProvider<D extends Delivery = Delivery> {
  name: string;
  /** Longer than the provider's retry window. */
  dedupTtlSeconds: number;
  /** Headers kept with a parked delivery so it can be parsed again on replay. */
  keptHeaders: string[];
  /**
   * Deliveries in a verified request; throws MalformedWebhookError. `credential` is the one that verified
   * it (absent on replay of a parked delivery: then the platform's).
   */
  parse(request: WebhookRequest, credential?: Credential): D[];
  /**
   * Effects that must be visible before the events are (a customer service window a message opens, an
   * opt-out), and facts the events carry (how far its message has got, for a late status). Runs once the
   * delivery is claimed and routed, before `toEvents`; again for a retried delivery, so it is idempotent.
   */
  beforeEvents?(delivery: D, workspaceId: string, deps: AfterPublishDeps): Promise<void> | void;
  toEvents(delivery: D, workspaceId: string): OutgoingEvent[];
  /**
   * Side effects once the events are safely published (e.g. a connection marked uninstalled); returns
   * nothing (no promise to wait for) when the delivery needs none.
   */
  afterPublish?(delivery: D, workspaceId: string, deps: AfterPublishDeps): Promise<void> | void;
}

export interface WebhookProvider<D extends Delivery = Delivery> extends InboundProvider<D> {
  /** Platform secret holding the verification key. */
  secretProvider: PlatformProvider;
  /**
   * The workspace whose own account sent this request (e.g. `?workspace_id=` on a workspace's SendGrid
   * Event Webhook): it is verified with that workspace's mapped credential for `secretProvider` (the
   * platform's when it maps none). Absent: the platform's credential.
   */
  credentialScope?(request: WebhookRequest): { workspaceId: string } | undefined;
  /**
   * Throws WebhookSignatureError when the request carries no signature, or none of the right shape. Needs
   * no key: the pipeline calls it before reading any secret, so an unsigned flood costs no secret reads and
   * a secret-store outage never turns a forgery into anything but 401.
   */
  requireSignature(request: WebhookRequest): void;
  /**
   * The verification handshake some providers make before they deliver (Meta's `GET ?hub.challenge=…`):
   * the text to answer with, or a WebhookHandshakeError (403).
   */
  handshake?(query: Record<string, string>, credential: Credential): string;
  /** Constant-time check of the signature over the raw bytes; throws WebhookSignatureError. */
  verify(request: WebhookRequest, credential: Credential): void;
}
