/**
 * The Sales Sentinel feed (seed Agents 004 and 010): per-workspace order counters built from
 * `shopify.orders.created` events — orders and gross sales in total and per day (the shop's own date,
 * from the order's created_at). Each order counts once: a marker of its order id (else, for a payload
 * without one, of the event_id) is written in the same transaction as the counters. Keying on the order
 * and not the event matters: an order the nightly reconciliation published, whose webhook arrives late
 * after all, comes as a second event with its own event_id.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import type { PlatformEvent } from '../events/platform-event';
import { assertWorkspaceId } from '../workspaces/workspace-id';

/** Markers outlive any redelivery, late webhook or reconciliation of the same order. */
const MARKER_TTL_SECONDS = 30 * 86400;

export interface CounterBucket {
  orders: number;
  /** Sum of total_price in hundredths of the shop currency unit. */
  gross_sales_hundredths: number;
  currency?: string;
}

export interface OrderCountersView {
  workspace_id: string;
  totals: CounterBucket & { last_order_at?: string; last_order_id?: string };
  days: Array<CounterBucket & { date: string }>;
}

/** "19.9" → 1990; money as integers, never floats. */
export function toHundredths(amount: unknown): number {
  const text = typeof amount === 'number' ? amount.toFixed(2) : typeof amount === 'string' ? amount.trim() : '';
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return 0;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0').slice(0, 2));
  return match[1] ? -cents : cents;
}

export class OrderCounters {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  async record(event: PlatformEvent): Promise<'counted' | 'duplicate'> {
    const order = (event.payload_json.data ?? {}) as Record<string, unknown>;
    const createdAt = typeof order.created_at === 'string' ? order.created_at : event.timestamp;
    const date = /^\d{4}-\d{2}-\d{2}/.exec(createdAt)?.[0] ?? event.timestamp.slice(0, 10);
    const amount = toHundredths(order.total_price ?? order.current_total_price);
    const currency = typeof order.currency === 'string' ? order.currency : undefined;
    const ws = event.workspace_id;
    const orderId = typeof order.id === 'number' || (typeof order.id === 'string' && order.id !== '') ? String(order.id) : undefined;
    const marker = orderId ? `order#${orderId}` : `event#${event.event_id}`;
    try {
      await this.table.transactWrite([
        { put: { pk: ws, sk: marker, expires_at: nowSeconds(this.clock()) + MARKER_TTL_SECONDS }, condition: when.absent() },
        {
          update: { pk: ws, sk: 'totals' },
          spec: {
            add: { orders: 1, gross_sales_hundredths: amount },
            set: { currency, last_order_at: createdAt, last_order_id: orderId },
          },
        },
        { update: { pk: ws, sk: `day#${date}` }, spec: { add: { orders: 1, gross_sales_hundredths: amount }, set: { currency, date } } },
      ]);
      return 'counted';
    } catch (error) {
      if (error instanceof ConditionFailedError) return 'duplicate';
      throw error;
    }
  }

  async read(workspaceId: string, options: { days?: number } = {}): Promise<OrderCountersView> {
    assertWorkspaceId(workspaceId);
    const totals = await this.table.get({ pk: workspaceId, sk: 'totals' });
    const days = await this.table.query(workspaceId, { skBeginsWith: 'day#', descending: true, limit: options.days ?? 30 });
    const bucket = (item: Record<string, unknown> | undefined): CounterBucket => ({
      orders: Number(item?.orders ?? 0),
      gross_sales_hundredths: Number(item?.gross_sales_hundredths ?? 0),
      ...(typeof item?.currency === 'string' ? { currency: item.currency } : {}),
    });
    return {
      workspace_id: workspaceId,
      totals: {
        ...bucket(totals),
        ...(typeof totals?.last_order_at === 'string' ? { last_order_at: totals.last_order_at } : {}),
        ...(typeof totals?.last_order_id === 'string' ? { last_order_id: totals.last_order_id } : {}),
      },
      days: days.map((d) => ({ date: String(d.date), ...bucket(d) })),
    };
  }
}
