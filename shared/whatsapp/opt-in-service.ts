/**
 * The opt-in registry's API: record an opt-in (how it was collected, the text shown), read a user's
 * consent (with its history on request), record an opt-out. Every applied change is published
 * (`whatsapp.opt_in` / `whatsapp.opt_out` on the workspace's opt_in_status topic).
 */
import type { EventPublisher } from '../events/publisher';
import type { WhatsAppAccounts } from './accounts';
import { normaliseWaId, type OptInRequest } from './contract';
import { WhatsAppNotFoundError } from './errors';
import { consentEvents } from './events';
import type { ConsentRecord, OptInRegistry } from './opt-in-registry';

export interface OptInServiceDeps {
  accounts: Pick<WhatsAppAccounts, 'phoneNumber'>;
  registry: OptInRegistry;
  publisher: Pick<EventPublisher, 'publish'>;
  source: string;
  clock?: () => number;
}

export class OptInService {
  constructor(private readonly deps: OptInServiceDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  async optIn(workspaceId: string, request: OptInRequest, options: { deadline: number }): Promise<{ record: ConsentRecord; applied: boolean }> {
    const waId = normaliseWaId(request.wa_id);
    await this.deps.accounts.phoneNumber(workspaceId, request.phone_number_id);
    const at = this.now();
    const outcome = await this.deps.registry.record(workspaceId, waId, {
      status: 'opted_in',
      phoneNumberId: request.phone_number_id,
      source: request.source,
      ...(request.text_shown ? { textShown: request.text_shown } : {}),
      at,
    });
    if (outcome.applied) await this.publish(outcome.record, 'opted_in', at, options.deadline);
    return outcome;
  }

  async get(workspaceId: string, rawWaId: string, options: { history?: boolean } = {}): Promise<ConsentRecord & { history?: unknown[] }> {
    const waId = normaliseWaId(rawWaId);
    const record = await this.deps.registry.get(workspaceId, waId);
    if (!record) throw new WhatsAppNotFoundError('opt_in_not_found', `no opt-in or opt-out is recorded for ${waId} in workspace ${workspaceId}`, { wa_id: waId });
    return options.history ? { ...record, history: await this.deps.registry.history(workspaceId, waId) } : record;
  }

  async optOut(workspaceId: string, rawWaId: string, request: { phone_number_id?: string; reason?: string }, options: { deadline: number }): Promise<{ record: ConsentRecord; applied: boolean }> {
    const waId = normaliseWaId(rawWaId);
    if (request.phone_number_id) await this.deps.accounts.phoneNumber(workspaceId, request.phone_number_id);
    const at = this.now();
    const outcome = await this.deps.registry.record(workspaceId, waId, {
      status: 'opted_out',
      source: 'api',
      ...(request.phone_number_id ? { phoneNumberId: request.phone_number_id } : {}),
      ...(request.reason ? { reason: request.reason } : {}),
      at,
    });
    if (outcome.applied) await this.publish(outcome.record, 'opted_out', at, options.deadline);
    return outcome;
  }

  private async publish(record: ConsentRecord, status: 'opted_in' | 'opted_out', at: number, deadline: number): Promise<void> {
    await this.deps.publisher.publish(
      consentEvents({ record, status, scope: 'all', phoneNumberId: record.phone_number_id, via: 'api', idParts: [record.wa_id, status, String(at)], at: new Date(at), source: this.deps.source }),
      { deadline },
    );
  }
}
