/**
 * Message templates of a workspace's WABA: the list (served from the cache while fresh, else read from
 * Meta page by page), submission for review, deletion — and a template's category for the send checks.
 */
import type { GraphAccess, WhatsAppAccounts } from './accounts';
import type { TemplateSubmission } from './contract';
import { GraphApiError } from './errors';
import type { GraphClient } from './graph-api/client';
import { createTemplateBody, deleteTemplateQuery, type GraphTemplateCreated, type GraphTemplatePage, listTemplatesQuery, nextPageCursor } from './graph-api/templates';
import { withGraphRetries } from './graph-policy';
import { type CachedList, type CachedTemplate, type TemplateCache, toCachedTemplate } from './template-cache';

/** Pages read from Meta in one listing (100 templates each); Meta allows up to 6,000 templates per WABA. */
const MAX_PAGES = 60;

export interface TemplateServiceDeps {
  accounts: Pick<WhatsAppAccounts, 'waba' | 'access' | 'tokenRejected'>;
  graph: Pick<GraphClient, 'call'>;
  cache: TemplateCache;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface TemplateList extends CachedList {
  waba_id: string;
  /** Served from the cache (not read from Meta for this request). */
  cached: boolean;
}

export class TemplateService {
  constructor(private readonly deps: TemplateServiceDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  private async graphFor(workspaceId: string, wabaId: string) {
    const waba = await this.deps.accounts.waba(workspaceId, wabaId);
    return this.deps.accounts.access(workspaceId, waba.tokenSecretRef);
  }

  /** One Graph call with the shared retries; a rejected token is read afresh next time. */
  private async retry<T>(attempt: () => Promise<T>, access: GraphAccess, deadline: number): Promise<T> {
    try {
      return await withGraphRetries(attempt, { deadline, ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}) });
    } catch (error) {
      if (error instanceof GraphApiError && error.effect === 'token_rejected') this.deps.accounts.tokenRejected(access.tokenSecret);
      throw error;
    }
  }

  async list(workspaceId: string, wabaId: string, options: { deadline: number; refresh?: boolean; status?: string }): Promise<TemplateList> {
    const access = await this.graphFor(workspaceId, wabaId);
    const filter = (list: CachedList): CachedList => (options.status ? { ...list, templates: list.templates.filter((t) => t.status === options.status) } : list);
    if (!options.refresh) {
      const fresh = await this.deps.cache.fresh(wabaId);
      if (fresh) return { waba_id: wabaId, cached: true, ...filter(fresh) };
    }
    const templates: CachedTemplate[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await this.retry(
        () => this.deps.graph.call<GraphTemplatePage>('listTemplates', { settings: access.settings, token: access.token, params: { waba_id: wabaId }, query: listTemplatesQuery(after), deadline: options.deadline }),
        access,
        options.deadline,
      );
      for (const t of answer.data ?? []) templates.push(toCachedTemplate(t, this.now()));
      after = nextPageCursor(answer);
      if (!after) break;
    }
    templates.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
    return { waba_id: wabaId, cached: false, ...filter(await this.deps.cache.replace(wabaId, templates)) };
  }

  async submit(workspaceId: string, submission: TemplateSubmission, options: { deadline: number }): Promise<CachedTemplate> {
    const access = await this.graphFor(workspaceId, submission.waba_id);
    const created = await this.retry(
      () => this.deps.graph.call<GraphTemplateCreated>('createTemplate', { settings: access.settings, token: access.token, params: { waba_id: submission.waba_id }, body: createTemplateBody(submission), deadline: options.deadline }),
      access,
      options.deadline,
    );
    const template = toCachedTemplate(
      { id: created.id, name: submission.name, language: submission.language, status: created.status, category: created.category ?? submission.category, components: submission.components, ...(submission.parameter_format ? { parameter_format: submission.parameter_format } : {}) },
      this.now(),
    );
    await this.deps.cache.upsert(submission.waba_id, template);
    return template;
  }

  async remove(workspaceId: string, wabaId: string, name: string, options: { deadline: number; templateId?: string }): Promise<void> {
    const access = await this.graphFor(workspaceId, wabaId);
    await this.retry(
      () => this.deps.graph.call('deleteTemplate', { settings: access.settings, token: access.token, params: { waba_id: wabaId }, query: deleteTemplateQuery(name, options.templateId), deadline: options.deadline }),
      access,
      options.deadline,
    );
    await this.deps.cache.remove(wabaId, name, options.templateId);
  }

  /** The template's category (MARKETING, UTILITY, AUTHENTICATION): the cache, else the list read again. */
  async category(workspaceId: string, wabaId: string, name: string, language: string, options: { deadline: number }): Promise<string | undefined> {
    const cached = await this.deps.cache.find(wabaId, name, language);
    if (cached?.category) return cached.category;
    const list = await this.list(workspaceId, wabaId, { deadline: options.deadline });
    return list.templates.find((t) => t.name === name && t.language === language)?.category ?? undefined;
  }
}
