/**
 * Cost pacing for the GraphQL Admin API. Shopify limits each app + store with a leaky bucket of query
 * cost points and reports it on every response (`extensions.cost.throttleStatus`: maximumAvailable,
 * currentlyAvailable, restoreRate). We keep the last report per shop, let it refill at restoreRate,
 * and wait `(cost - available) / restoreRate` before a query the bucket cannot pay for yet — instead of
 * sending it and getting THROTTLED. Requests from this process reserve their estimated cost, so
 * concurrent queries pace each other too.
 */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost?: number | null;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus;
}

interface Bucket {
  status: ThrottleStatus;
  at: number;
}

export function isThrottleStatus(value: unknown): value is ThrottleStatus {
  const v = value as Partial<ThrottleStatus> | undefined;
  return (
    typeof v?.maximumAvailable === 'number' &&
    typeof v.currentlyAvailable === 'number' &&
    typeof v.restoreRate === 'number' &&
    v.restoreRate > 0 &&
    v.maximumAvailable > 0
  );
}

export class ThrottleBudgets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Points available now, refilled since the last report; undefined before the first response. */
  available(shop: string): number | undefined {
    const bucket = this.buckets.get(shop);
    if (!bucket) return undefined;
    const { maximumAvailable, currentlyAvailable, restoreRate } = bucket.status;
    return Math.min(maximumAvailable, currentlyAvailable + ((this.clock() - bucket.at) / 1000) * restoreRate);
  }

  /** Shopify's latest numbers for the shop. */
  observe(shop: string, status: ThrottleStatus): void {
    this.buckets.set(shop, { status: { ...status }, at: this.clock() });
  }

  /** Milliseconds to wait before a query of `cost` points can be paid for (0: go). */
  waitMs(shop: string, cost: number): number {
    const bucket = this.buckets.get(shop);
    const available = this.available(shop);
    if (!bucket || available === undefined) return 0;
    const needed = Math.min(cost, bucket.status.maximumAvailable);
    if (needed <= available) return 0;
    return Math.ceil(((needed - available) / bucket.status.restoreRate) * 1000);
  }

  /** Takes `cost` points out of our view of the bucket (a request is about to be sent). */
  reserve(shop: string, cost: number): void {
    const bucket = this.buckets.get(shop);
    const available = this.available(shop);
    if (!bucket || available === undefined) return;
    bucket.status.currentlyAvailable = available - cost;
    bucket.at = this.clock();
  }
}
