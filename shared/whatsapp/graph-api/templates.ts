/** Message templates of a WABA: list (paginated), create, delete — Meta's wire shapes. */
import type { TemplateSubmission } from '../contract';

export interface GraphTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category?: string;
  parameter_format?: string;
  components?: unknown[];
  rejected_reason?: string;
  quality_score?: unknown;
}

export interface GraphTemplatePage {
  data?: GraphTemplate[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
}

export const TEMPLATE_FIELDS = 'id,name,language,status,category,parameter_format,components,rejected_reason,quality_score';
/** Templates per page (Meta's maximum is higher; this keeps each answer small). */
export const TEMPLATE_PAGE_SIZE = 100;

export const listTemplatesQuery = (after?: string) => ({ fields: TEMPLATE_FIELDS, limit: TEMPLATE_PAGE_SIZE, ...(after ? { after } : {}) });

/** The cursor of the next page, when there is one. */
export const nextPageCursor = (page: GraphTemplatePage): string | undefined => (page.paging?.next ? page.paging.cursors?.after : undefined);

export const createTemplateBody = (submission: TemplateSubmission) => ({
  name: submission.name,
  language: submission.language,
  category: submission.category,
  ...(submission.parameter_format ? { parameter_format: submission.parameter_format } : {}),
  components: submission.components,
});

export interface GraphTemplateCreated {
  id: string;
  status: string;
  category?: string;
}

/** Deleting by name removes every language of the template; with hsm_id, only that one. */
export const deleteTemplateQuery = (name: string, templateId?: string) => ({ name, ...(templateId ? { hsm_id: templateId } : {}) });
