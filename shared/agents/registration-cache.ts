/**
 * Trigger indexes per workspace, kept per execution environment: one read of a workspace's registrations
 * (a single query) serves every event of that workspace for `ttlMs` (default 15 s: a registration change
 * reaches the dispatchers within that). One load at a time per workspace; failed loads are not kept; at
 * most `maxWorkspaces` indexes, the least recently loaded going first.
 */
import type { AgentRegistration } from './registration';
import { WorkspaceTriggerIndex } from './trigger-index';

export interface TriggerIndexCacheOptions {
  ttlMs?: number;
  maxWorkspaces?: number;
  clock?: () => number;
}

export const DEFAULT_REGISTRATIONS_TTL_MS = 15_000;

interface Entry {
  index: Promise<WorkspaceTriggerIndex>;
  until: number;
}

export class TriggerIndexCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly registrations: { list(workspaceId: string): Promise<AgentRegistration[]> },
    private readonly options: TriggerIndexCacheOptions = {},
  ) {}

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  get(workspaceId: string): Promise<WorkspaceTriggerIndex> {
    const cached = this.entries.get(workspaceId);
    if (cached && cached.until > this.now()) return cached.index;
    const index = this.registrations.list(workspaceId).then((list) => new WorkspaceTriggerIndex(workspaceId, list));
    const entry = { index, until: this.now() + (this.options.ttlMs ?? DEFAULT_REGISTRATIONS_TTL_MS) };
    this.entries.delete(workspaceId);
    this.entries.set(workspaceId, entry);
    index.catch(() => this.entries.get(workspaceId) === entry && this.entries.delete(workspaceId));
    const max = this.options.maxWorkspaces ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    return index;
  }

  /** Forget a workspace's index (after a registration change made in this environment). */
  invalidate(workspaceId: string): void {
    this.entries.delete(workspaceId);
  }
}
