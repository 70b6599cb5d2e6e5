/**
 * What the browser sees at the end of an install of any OAuth provider (or the JSON a script asking with
 * `Accept: application/json` gets): a short page that says what happened and, on failure, what to do.
 * No caching, no referrer (the callback URL carries the code), nothing executable. Public: configuration
 * problems (secret names, variables) never reach it.
 */
import { IonfluxError } from '../errors';
import { errorResponse, errorView, type Exposure, type HttpResponse, json, redirect } from '../http/response';

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

/** How a provider's pages read. */
export interface InstallPageText {
  /** `Shopify store`, `TikTok account`: "… connected", "… not connected". */
  subject: string;
  /** `Shopify`, `TikTok`. */
  app: string;
}

/** What the pages need of the request: who may read the error (public routes: never secrets or configuration). */
export interface PageRequest {
  requestId: string;
  headers: Record<string, string>;
  exposure: Exposure;
}

export function installErrorPage(error: unknown, request: PageRequest, text: InstallPageText): HttpResponse {
  // The page says what the shared error body says (public routes: never secret names or configuration).
  const { headers, requestId } = request;
  const response = errorResponse(error, requestId, request.exposure);
  if (wantsJson(headers)) return { ...response, headers: { ...response.headers, ...HEADERS } };
  const shown = errorView(error, request.exposure);
  const code = shown.code;
  const message = error instanceof IonfluxError ? shown.message : 'Something went wrong on our side.';
  return {
    ...page(response.statusCode, `${text.subject} not connected`, [
      escape(message),
      `Error <code>${escape(code)}</code> · request <code>${escape(requestId)}</code>`,
      'Start the connection again from IONFLUX. If it keeps failing, send the request id to support.',
    ]),
    headers: { ...(response.headers as Record<string, string>), 'content-type': 'text/html; charset=utf-8', ...HEADERS },
  };
}

/** A page that says something other than success or failure (e.g. the consent was declined). */
export function installNoticePage(status: number, title: string, paragraphs: string[], headers: Record<string, string>, body: unknown): HttpResponse {
  if (wantsJson(headers)) return json(status, body, HEADERS);
  return page(status, title, paragraphs.map(escape));
}

export function installSuccessPage(
  result: { account: string; workspace_id: string; warnings: string[] },
  headers: Record<string, string>,
  body: unknown,
  text: InstallPageText,
): HttpResponse {
  if (wantsJson(headers)) return json(200, body, HEADERS);
  return page(200, `${text.subject} connected`, [
    `<strong>${escape(result.account)}</strong> is now connected to IONFLUX workspace <code>${escape(result.workspace_id)}</code>.`,
    ...result.warnings.map((w) => `Note: ${escape(w)}`),
    'You can close this window.',
  ]);
}

/** The browser sent on to the operator's page after a connection, with what was connected. */
export function redirectAfterInstall(target: string, params: Record<string, string>, warnings: readonly string[]): HttpResponse {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  url.searchParams.set('status', warnings.length ? 'connected_with_warnings' : 'connected');
  return redirect(url.toString(), { 'referrer-policy': 'no-referrer' });
}

/** A refused callback: logged (as an error when it is ours, 5xx) and answered with the error page. */
export function refusedInstallPage(
  error: unknown,
  request: PageRequest,
  text: InstallPageText,
  log: { warn(message: string, extra: Record<string, unknown>): void; error(message: string, extra: Record<string, unknown>): void },
  message: string,
): HttpResponse {
  const level = !(error instanceof IonfluxError) || error.status >= 500 ? 'error' : 'warn';
  log[level](message, { error: error instanceof Error ? error.message : String(error), code: error instanceof IonfluxError ? error.code : 'internal_error' });
  return installErrorPage(error, request, text);
}
