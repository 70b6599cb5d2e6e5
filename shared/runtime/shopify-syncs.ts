/**
 * The Shopify syncs of this execution environment: the catalog sync (products.synced in batches) and
 * the order reconciliation (missed orders, in order, keyed by order). They publish in volume and rely on
 * Kafka's per-key ordering, so they use the Kafka publisher (with its outbox fallback); the
 * sync worker is the one Shopify function attached to the VPC.
 */
import { CatalogSync } from '../shopify/catalog-sync';
import { OrderReconciliation } from '../shopify/reconciliation';
import { eventPublisher } from './events';
import { perEnvironment } from './per-environment';
import { shopStateStore } from './shopify-core';

export const catalogSync = perEnvironment(() => new CatalogSync({ shopState: shopStateStore(), publisher: eventPublisher() }));

export const orderReconciliation = perEnvironment(() => new OrderReconciliation({ shopState: shopStateStore(), publisher: eventPublisher() }));
