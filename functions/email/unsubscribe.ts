/**
 * /email/unsubscribe?token= (public): RFC 8058 one-click unsubscribe. POST unsubscribes at once (what mail
 * clients send: `List-Unsubscribe=One-Click`); GET only shows a form that posts, and changes nothing.
 */
import { unsubscribedPage } from '../../shared/email/unsubscribe';
import { httpHandler } from '../../shared/http/handler';
import type { HttpResponse } from '../../shared/http/response';
import { unsubscribeService } from '../../shared/runtime/email';

const page = (body: string): HttpResponse => ({
  statusCode: 200,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
  body,
});

export const handler = httpHandler(
  async (request) => {
    const service = unsubscribeService();
    if (request.method === 'POST') return page(unsubscribedPage((await service.unsubscribe(request.query.token, request.deadline)).email));
    return page(await service.confirmationPage(request.query.token));
  },
  // The one-click body is `List-Unsubscribe=One-Click`; nothing bigger is expected.
  { maxBodyBytes: 4096 },
);
