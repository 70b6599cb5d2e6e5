/** From the HTTP layer's request to the pipeline's, and the deadline a webhook answer must meet. */
import type { HttpRequest } from '../http/request';
import { withinDeadline } from '../timing';
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

/**
 * Runs a webhook's work inside its answer budget: every AWS call is aborted at the webhook deadline and
 * the provider gets 503 with Retry-After rather than no answer (it retries; nothing accepted is lost).
 */
export const withinWebhookDeadline = <T>(request: HttpRequest, fn: (deadline: number) => Promise<T>): Promise<T> =>
  withinDeadline(webhookDeadline(request), fn, { what: 'the webhook' });
