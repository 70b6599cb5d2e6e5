/** From the HTTP layer's request to the pipeline's, and the deadline a webhook answer must meet. */
import type { HttpRequest } from '../http/request';
import type { WebhookRequest } from './provider';

/** Providers time out quickly (Shopify: 5 s). Whatever the Lambda timeout, answer within this. */
export const WEBHOOK_ANSWER_BUDGET_MS = 4000;

export const toWebhookRequest = (request: HttpRequest): WebhookRequest => ({
  rawBody: request.rawBody,
  headers: request.headers,
  query: request.query,
  receivedAt: Date.now(),
});

export const webhookDeadline = (request: HttpRequest): number => Math.min(request.deadline, Date.now() + WEBHOOK_ANSWER_BUDGET_MS);
