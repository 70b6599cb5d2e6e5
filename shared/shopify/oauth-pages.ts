/**
 * What the merchant's browser sees at the end of an install (or the JSON a script asking with
 * `Accept: application/json` gets): a short page that says what happened and, on failure, what to do.
 * No caching, no referrer (the callback URL carries the code), nothing executable.
 */
import { IonfluxError } from '../errors';
import { errorResponse, errorView, type Exposure, type HttpResponse, json } from '../http/response';

const HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
};

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const wantsJson = (headers: Record<string, string>) => /application\/json/i.test(headers.accept ?? '') && !/text\/html/i.test(headers.accept ?? '');

function page(status: number, title: string, paragraphs: string[]): HttpResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body><h1>${escape(title)}</h1>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</body></html>`;
  return { statusCode: status, headers: { 'content-type': 'text/html; charset=utf-8', ...HEADERS }, body };
}

export function installErrorPage(error: unknown, request: { requestId: string; headers: Record<string, string>; exposure: Exposure }): HttpResponse {
  // The page says what the shared error body says (public routes: never secret names or configuration).
  const { headers, requestId } = request;
  const response = errorResponse(error, requestId, request.exposure);
  if (wantsJson(headers)) return { ...response, headers: { ...response.headers, ...HEADERS } };
  const shown = errorView(error, request.exposure);
  const code = shown.code;
  const message = error instanceof IonfluxError ? shown.message : 'Something went wrong on our side.';
  return {
    ...page(response.statusCode, 'Shopify store not connected', [
      escape(message),
      `Error <code>${escape(code)}</code> · request <code>${escape(requestId)}</code>`,
      'Start the connection again from IONFLUX. If it keeps failing, send the request id to support.',
    ]),
    headers: { ...(response.headers as Record<string, string>), 'content-type': 'text/html; charset=utf-8', ...HEADERS },
  };
}

export function installSuccessPage(result: { shop: string; workspace_id: string; warnings: string[] }, headers: Record<string, string>, body: unknown): HttpResponse {
  if (wantsJson(headers)) return json(200, body, HEADERS);
  return page(200, 'Shopify store connected', [
    `<strong>${escape(result.shop)}</strong> is now connected to IONFLUX workspace <code>${escape(result.workspace_id)}</code>.`,
    ...result.warnings.map((w) => `Note: ${escape(w)}`),
    'You can close this window.',
  ]);
}
