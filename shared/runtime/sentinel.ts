import { OrderCounters } from '../sentinel/order-counters';
import { perEnvironment } from './per-environment';
import { table } from './storage';

export const orderCounters = perEnvironment(() => new OrderCounters(table('order-counters')));
