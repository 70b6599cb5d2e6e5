/** From the HTTP layer's request to the pipeline's, and the time a webhook answer must meet. */
import type { HttpHandlerOptions } from '../http/handler';
import type { HttpRequest } from '../http/request';
import type { WebhookRequest } from './provider';

/** Providers time out quickly (Shopify: 5 s). Whatever the Lambda timeout, answer within this. */
export const WEBHOOK_ANSWER_BUDGET_MS = 4000;

/**
 * The HTTP stack's option for webhook functions: `request.deadline`, and the deadline scope that aborts every
 * AWS call, end within the answer budget; the provider gets 503 with Retry-After rather than no answer (it
 * retries; nothing accepted is lost). One scope per invocation, the HTTP layer's.
 */
export const WEBHOOK_ANSWER: NonNullable<HttpHandlerOptions['answerWithin']> = { ms: WEBHOOK_ANSWER_BUDGET_MS, what: 'the webhook' };

export const toWebhookRequest = (request: HttpRequest): WebhookRequest => ({
  rawBody: request.rawBody,
  headers: request.headers,
  query: request.query,
  receivedAt: Date.now(),
});
