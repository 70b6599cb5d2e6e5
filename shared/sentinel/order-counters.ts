/**
 * The Sales Sentinel feed (seed Agents 004 and 010): per-workspace order counters built from
 * `shopify.orders.created` events — orders and gross sales in total and per day (the shop's own date,
 * from the order's created_at). Each order counts once: a marker of its order id (else, for a payload
 * without one, of the event_id) is written in the same transaction as the counters. Keying on the order
 * and not the event matters: an order the nightly reconciliation published, whose webhook arrives late
 * after all, comes as a second event with its own event_id.
 *
 * Amounts are Shopify's decimal strings summed exactly (bigint hundredths; no float ever): an amount that
 * cannot be read, or is beyond belief, is refused into a visible count (`orders_with_invalid_amount`, and
 * the last problem on the totals), never summed as 0, Infinity or 1e+22. A created_at that is not a real
 * date counts the order on the day it was received (`orders_with_invalid_date`), never on 9999-99-99.
 */
import { ConditionFailedError } from '../storage/errors';
import { nowSeconds, type Table, when } from '../storage/table';
import type { PlatformEvent } from '../events/platform-event';
import { moduleLogger } from '../observability/logger';
import { assertWorkspaceId } from '../workspaces/workspace-id';

const log = moduleLogger('sentinel');

/** Markers outlive any redelivery, late webhook or reconciliation of the same order. */
const MARKER_TTL_SECONDS = 30 * 86400;

export interface CounterBucket {
  orders: number;
  /** Sum of total_price, exact, as Shopify writes amounts: a decimal string with two decimals ("1550.00"). */
  gross_sales: string;
  /** The same sum in hundredths of the currency unit, present while a JSON number holds it exactly. */
  gross_sales_hundredths?: number;
  currency?: string;
  /** Orders counted whose total_price could not be read (refused, not guessed: their amount is not in the sum). */
  orders_with_invalid_amount?: number;
  /** Orders counted on the day they were received because their created_at was not a real date. */
  orders_with_invalid_date?: number;
}

export interface OrderCountersView {
  workspace_id: string;
  totals: CounterBucket & { last_order_at?: string; last_order_id?: string; last_invalid?: { order_id?: string; problem: string } };
  days: Array<CounterBucket & { date: string }>;
}

/** The largest believable amount: 15 integer digits (10^15 units of any currency, dong and rial included). */
const MAX_INTEGER_DIGITS = 15;
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * An amount in hundredths, exactly, from Shopify's decimal string ("19.9" → 1990n), or why it is refused:
 * not a decimal, more than 15 integer digits, or non-zero digits past the cents.
 */
export function parseAmount(amount: unknown): { hundredths: bigint } | { problem: string } {
  const text = typeof amount === 'string' ? amount.trim() : typeof amount === 'number' && Number.isFinite(amount) && Math.abs(amount) < 1e15 ? amount.toFixed(2) : undefined;
  if (text === undefined) return { problem: amount === undefined || amount === null ? 'no total_price' : `total_price ${describe(amount)} is not a decimal amount` };
  const match = DECIMAL.exec(text);
  if (!match) return { problem: `total_price ${describe(amount)} is not a decimal amount` };
  const [, minus, units, fraction = ''] = match as unknown as [string, string | undefined, string, string | undefined];
  const integer = units.replace(/^0+(?=\d)/, '');
  if (integer.length > MAX_INTEGER_DIGITS) return { problem: `total_price ${describe(amount)} has more than ${MAX_INTEGER_DIGITS} integer digits` };
  if (/[1-9]/.test(fraction.slice(2))) return { problem: `total_price ${describe(amount)} has digits below the cent` };
  const hundredths = BigInt(integer) * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0'));
  return { hundredths: minus ? -hundredths : hundredths };
}

const describe = (value: unknown) => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
};

/**
 * The shop's own date of an order (the first 10 characters of created_at, which carries the shop's
 * offset), when created_at is a real instant on a real calendar day, no later than tomorrow.
 */
export function orderDate(createdAt: unknown, now: number): string | undefined {
  if (typeof createdAt !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(createdAt);
  if (!match || !Number.isFinite(Date.parse(createdAt))) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (year < 1970 || Date.parse(createdAt) > now + 86_400_000) return undefined;
  return createdAt.slice(0, 10);
}

/**
 * Sums are kept exact in two numeric attributes DynamoDB adds atomically: `gross_hi` (millions of
 * hundredths) and `gross_lo` (the rest, below a million in size). Each stays far inside what a JSON number
 * holds exactly (the low part for billions of orders, the high part for any believable total), and the
 * total is put together as a bigint when read. Buckets written before this held `gross_sales_hundredths`.
 */
const LIMB = 1_000_000n;
const split = (hundredths: bigint) => ({ gross_hi: Number(hundredths / LIMB), gross_lo: Number(hundredths % LIMB) });

const sumOf = (item: Record<string, unknown> | undefined): bigint => {
  const part = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : 0n);
  return part(item?.gross_sales_hundredths) + part(item?.gross_hi) * LIMB + part(item?.gross_lo);
};

const decimal = (hundredths: bigint): string => {
  const sign = hundredths < 0n ? '-' : '';
  const digits = (hundredths < 0n ? -hundredths : hundredths).toString().padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};

export class OrderCounters {
  constructor(
    private readonly table: Table,
    private readonly clock: () => number = Date.now,
  ) {}

  async record(event: PlatformEvent): Promise<'counted' | 'duplicate'> {
    const order = (event.payload_json.data ?? {}) as Record<string, unknown>;
    const ws = event.workspace_id;
    const orderId = typeof order.id === 'number' || (typeof order.id === 'string' && order.id !== '') ? String(order.id) : undefined;
    const ownDate = orderDate(order.created_at, this.clock());
    const date = ownDate ?? event.timestamp.slice(0, 10);
    const createdAt = ownDate ? (order.created_at as string) : event.timestamp;
    const amount = parseAmount(order.total_price ?? order.current_total_price);
    const currency = typeof order.currency === 'string' && /^[A-Z]{3}$/.test(order.currency) ? order.currency : undefined;
    const problems = [...('problem' in amount ? [amount.problem] : []), ...(ownDate ? [] : [`created_at ${describe(order.created_at)} is not a real date; counted on ${date}`])];
    if (problems.length) log.warn('order counted with a problem', { workspace_id: ws, order_id: orderId ?? null, event_id: event.event_id, problems });

    const add: Record<string, number> = {
      orders: 1,
      ...('hundredths' in amount ? split(amount.hundredths) : { orders_with_invalid_amount: 1 }),
      ...(ownDate ? {} : { orders_with_invalid_date: 1 }),
    };
    const marker = orderId ? `order#${orderId}` : `event#${event.event_id}`;
    try {
      await this.table.transactWrite([
        { put: { pk: ws, sk: marker, expires_at: nowSeconds(this.clock()) + MARKER_TTL_SECONDS }, condition: when.absent() },
        {
          update: { pk: ws, sk: 'totals' },
          spec: {
            add,
            set: { currency, last_order_at: createdAt, last_order_id: orderId, ...(problems.length ? { last_invalid: { ...(orderId ? { order_id: orderId } : {}), problem: problems.join('; ') } } : {}) },
          },
        },
        { update: { pk: ws, sk: `day#${date}` }, spec: { add, set: { currency, date } } },
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
    const bucket = (item: Record<string, unknown> | undefined): CounterBucket => {
      const sum = sumOf(item);
      const count = (name: string) => (typeof item?.[name] === 'number' && (item[name] as number) > 0 ? { [name]: item[name] as number } : {});
      return {
        orders: Number(item?.orders ?? 0),
        gross_sales: decimal(sum),
        ...(sum <= BigInt(Number.MAX_SAFE_INTEGER) && sum >= BigInt(Number.MIN_SAFE_INTEGER) ? { gross_sales_hundredths: Number(sum) } : {}),
        ...(typeof item?.currency === 'string' ? { currency: item.currency } : {}),
        ...count('orders_with_invalid_amount'),
        ...count('orders_with_invalid_date'),
      };
    };
    const lastInvalid = totals?.last_invalid as OrderCountersView['totals']['last_invalid'] | undefined;
    return {
      workspace_id: workspaceId,
      totals: {
        ...bucket(totals),
        ...(typeof totals?.last_order_at === 'string' ? { last_order_at: totals.last_order_at } : {}),
        ...(typeof totals?.last_order_id === 'string' ? { last_order_id: totals.last_order_id } : {}),
        ...(lastInvalid ? { last_invalid: lastInvalid } : {}),
      },
      days: days.map((d) => ({ date: String(d.date), ...bucket(d) })),
    };
  }
}
