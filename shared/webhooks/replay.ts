/**
 * Replaying parked webhooks once their account is connected. The body was verified when it arrived;
 * replay parses it again from the kept headers and runs the rest of the pipeline (de-duplication
 * included), then removes it. Deliveries still without a workspace stay parked.
 */
import { errorMessage } from '../errors';
import { moduleLogger } from '../observability/logger';
import { processAll, processDelivery, type WebhookDeps } from './pipeline';
import type { InboundProvider } from './provider';

const log = moduleLogger('webhooks-replay');

export interface ReplayReport {
  replayed: number;
  stillParked: number;
  failed: number;
  items: Array<{ id: string; kind: string; outcome: string }>;
}

export async function replayParked(
  providers: Record<string, InboundProvider>,
  deps: WebhookDeps,
  options: { deadline: number; provider?: string; accountId?: string },
): Promise<ReplayReport> {
  const report: ReplayReport = { replayed: 0, stillParked: 0, failed: 0, items: [] };
  const parked = await deps.parked.list({ ...(options.provider ? { provider: options.provider } : {}), ...(options.accountId ? { accountId: options.accountId } : {}) });
  for (const entry of parked) {
    if (Date.now() >= options.deadline) break;
    const provider = providers[entry.provider];
    if (!provider) {
      report.failed++;
      report.items.push({ id: entry.id, kind: entry.kind, outcome: `no provider named ${entry.provider}` });
      continue;
    }
    try {
      const request = { rawBody: entry.rawBody, headers: entry.headers, query: {}, receivedAt: Date.parse(entry.received_at) };
      // Only the parked account's deliveries: a request can carry others' (already accepted, or parked apart).
      const deliveries = provider.parse(request).filter((d) => entry.account_id === 'unknown' || d.account?.id === entry.account_id);
      const outcomes = await processAll(deliveries, (delivery) => processDelivery(provider, delivery, request, deps, { deadline: options.deadline, replay: true }));
      if (outcomes.some((o) => o.status === 'parked')) {
        report.stillParked++;
        report.items.push({ id: entry.id, kind: entry.kind, outcome: 'still no workspace' });
        continue;
      }
      await deps.parked.remove(entry);
      report.replayed++;
      report.items.push({ id: entry.id, kind: entry.kind, outcome: outcomes.map((o) => o.status).join(',') });
    } catch (error) {
      report.failed++;
      report.items.push({ id: entry.id, kind: entry.kind, outcome: `failed: ${errorMessage(error)}` });
      log.warn('parked webhook replay failed', { id: entry.id, error: errorMessage(error) });
    }
  }
  return report;
}
