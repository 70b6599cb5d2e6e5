/**
 * A local fake of Meta's Graph API for WhatsApp (node:http on 127.0.0.1), speaking the wire format the
 * service uses, under any `/vNN.N/` version prefix:
 *
 * - `POST /{phone_number_id}/messages` → `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id: "wamid…" }] }`;
 *   the body checked as Meta does (messaging_product, recipient, the object named by `type`), the bearer
 *   token checked against the number's WABA (190 otherwise), and a throughput limit per number: a token
 *   bucket refilled at the number's messages per second with a small burst (jitter) allowance — above it,
 *   `130429 Rate limit hit` as Meta answers;
 * - `GET|POST|DELETE /{waba_id}/message_templates` → list (cursor paging), create (PENDING, or APPROVED with
 *   `autoApprove`; 2388024 for a duplicate), delete by name (and hsm_id);
 * - `GET /oauth/access_token?client_id&client_secret&code` → single-use Embedded Signup codes → business tokens;
 * - `POST /{waba_id}/subscribed_apps`, `POST /{phone_number_id}/register` (two-step PIN, 133005 on a
 *   mismatch), `GET /{phone_number_id}?fields=…` (name, quality, throughput level).
 *
 * Errors have Meta's shape (`{ error: { message, type, code, error_subcode, error_data: { details },
 * fbtrace_id } }`). Failures can be scripted per number or WABA (any code, any HTTP status, Retry-After,
 * a delay). Every request is recorded.
 *
 * As a dev tool (`npx ionflux dev fake whatsapp`, dev-fake.ts), give it the webhook address of the local runtime and the app
 * secret: accepted messages then get signed `sent`, `delivered` and `read` webhooks, submitted templates
 * an `APPROVED` one, and `POST /_fake/inbound {phone_number_id, from, text}` delivers a user's message.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signedWhatsAppHeaders } from '../../../shared/webhooks/providers/whatsapp/signature';
import { inboundMessageWebhook, metaJson, newWamid, statusUpdate, statusWebhook, templateStatusWebhook } from './webhooks';

type Json = Record<string, unknown>;

export interface FakeNumber {
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  verifiedName: string;
  qualityRating: string;
  throughput: 'STANDARD' | 'HIGH';
  registered: boolean;
  pin?: string;
  /** Messages per second before 130429 (default: the fake's `mps`). */
  mps?: number;
  bucket: { tokens: number; at: number };
}

export interface FakeTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  parameter_format?: string;
  components: unknown[];
}

export interface ScriptedFailure {
  code?: number;
  subcode?: number;
  httpStatus?: number;
  message?: string;
  details?: string;
  retryAfterS?: number;
  isTransient?: boolean;
  /** Only for this endpoint (`messages`, `message_templates`, `register`, `subscribed_apps`, `access_token`, `number`). */
  endpoint?: string;
  /** Answer after this many ms (a slow Meta). */
  delayMs?: number;
}

export interface FakeGraphOptions {
  appId?: string;
  appSecret?: string;
  /** Default messages per second of a number before 130429 (Meta's default: 80). */
  mps?: number;
  /** Sends a number may make ahead of its rate (scheduling jitter): default mps / 8, at least 2. */
  burst?: number;
  autoApprove?: boolean;
  /** How long every answer takes (Meta answers a send in ~100–300 ms; default 0). */
  latencyMs?: number;
  /** Most templates one page holds, whatever `limit` asks (default 250). */
  templatePageLimit?: number;
  /** Dev tool: where to deliver status and template webhooks, signed with `appSecret`. */
  webhookUrl?: string;
  /** Every token the fake issues, e.g. to record it for the log scan. */
  onSecretIssued?: (value: string) => void;
  log?: (line: string) => void;
}

export interface RecordedRequest {
  method: string;
  path: string;
  version: string;
  query: Record<string, string>;
  body: unknown;
  token?: string;
  at: number;
}

const VERSION = /^\/(v\d{1,3}\.\d)(\/.*)$/;

export class FakeGraph {
  readonly appId: string;
  readonly appSecret: string;
  readonly numbers = new Map<string, FakeNumber>();
  readonly templates = new Map<string, FakeTemplate[]>();
  readonly subscribedApps = new Map<string, Set<string>>();
  readonly requests: RecordedRequest[] = [];
  /** Accepted sends, in order: the number, Meta's body, when, the wamid. */
  readonly sent: Array<{ phoneNumberId: string; body: Json; at: number; wamid: string }> = [];
  /** 130429 answers given (the benchmark's goal is none). */
  throttled = 0;
  private readonly systemTokens = new Set<string>();
  private readonly businessTokens = new Map<string, string>();
  private readonly codes = new Map<string, string>();
  private readonly scripts = new Map<string, ScriptedFailure[]>();
  private readonly undeliverable = new Set<string>();
  private server?: http.Server;
  private port = 0;
  private nextTemplateId = 1_000_000_000_000;

  constructor(private readonly options: FakeGraphOptions = {}) {
    this.appId = options.appId ?? '100200300400500';
    this.appSecret = options.appSecret ?? `fake-app-secret-${randomUUID()}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ── setup ────────────────────────────────────────────────────────────────────────────────────────
  private issue(token: string): string {
    this.options.onSecretIssued?.(token);
    return token;
  }

  /** A system-user token that may act on every WABA and number (IONFLUX as BSP); `value` fixes it (dev tool). */
  systemToken(value?: string): string {
    const token = this.issue(value ?? `EAAG-system-${randomBytes(16).toString('hex')}`);
    this.systemTokens.add(token);
    return token;
  }

  /** A business token for one WABA only (what a workspace's own key or onboarding gives). */
  businessToken(wabaId: string): string {
    const token = this.issue(`EAAG-business-${randomBytes(16).toString('hex')}`);
    this.businessTokens.set(token, wabaId);
    return token;
  }

  addNumber(phoneNumberId: string, wabaId: string, options: Partial<Omit<FakeNumber, 'phoneNumberId' | 'wabaId' | 'bucket'>> = {}): FakeNumber {
    const number: FakeNumber = {
      phoneNumberId,
      wabaId,
      displayPhoneNumber: options.displayPhoneNumber ?? `1555${phoneNumberId.slice(-7)}`,
      verifiedName: options.verifiedName ?? 'Acme Store',
      qualityRating: options.qualityRating ?? 'GREEN',
      throughput: options.throughput ?? 'STANDARD',
      registered: options.registered ?? true,
      ...(options.pin ? { pin: options.pin } : {}),
      ...(options.mps ? { mps: options.mps } : {}),
      bucket: { tokens: this.burstOf(options.mps ?? this.options.mps ?? 80), at: Date.now() },
    };
    this.numbers.set(phoneNumberId, number);
    if (!this.templates.has(wabaId)) this.templates.set(wabaId, []);
    return number;
  }

  addTemplate(wabaId: string, template: Omit<FakeTemplate, 'id'> & { id?: string }): FakeTemplate {
    const t = { ...template, id: template.id ?? String(this.nextTemplateId++) };
    this.templates.set(wabaId, [...(this.templates.get(wabaId) ?? []), t]);
    return t;
  }

  /** A single-use Embedded Signup code that exchanges for a business token of `wabaId`. */
  signupCode(wabaId: string): string {
    const code = `AQ${randomBytes(24).toString('base64url')}`;
    this.codes.set(code, wabaId);
    return code;
  }

  /** The next calls for `target` (a phone_number_id, a waba_id, or `*`) fail as scripted, in order. */
  fail(target: string, ...failures: ScriptedFailure[]): void {
    this.scripts.set(target, [...(this.scripts.get(target) ?? []), ...failures]);
  }

  /** Sends to this recipient fail with 131026 (not a WhatsApp user). */
  markUndeliverable(waId: string): void {
    this.undeliverable.add(waId);
  }

  private burstOf(mps: number): number {
    return this.options.burst ?? Math.max(2, Math.ceil(mps / 8));
  }

  // ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return this.send(res, 400, metaError(100, 'Unexpected body: not JSON'));
    }
    if (url.pathname.startsWith('/_fake/')) return this.control(url.pathname, body as Json, res);
    const match = VERSION.exec(url.pathname);
    if (!match) return this.send(res, 400, metaError(2500, 'Unknown path components: an API version (v27.0) is required', 'OAuthException'));
    const [, version, path] = match as unknown as [string, string, string];
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    this.requests.push({ method: req.method ?? 'GET', path, version, query, body, ...(token ? { token } : {}), at: Date.now() });
    const parts = path.split('/').filter(Boolean);
    const endpoint = parts[0] === 'oauth' ? 'access_token' : (parts[1] ?? 'number');
    const target = parts[0] === 'oauth' ? (this.codes.get(query.code ?? '') ?? '*') : parts[0]!;
    const scripted = this.takeScript(target, endpoint) ?? this.takeScript(this.numbers.get(target)?.wabaId ?? '', endpoint) ?? this.takeScript('*', endpoint);
    if (scripted) {
      if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs).unref());
      const headers: Record<string, string> = scripted.retryAfterS !== undefined ? { 'retry-after': String(scripted.retryAfterS) } : {};
      if (scripted.code === undefined) return this.send(res, scripted.httpStatus ?? 429, scripted.message ? metaError(0, scripted.message) : { error: { message: 'Too Many Requests' } }, headers);
      return this.send(res, scripted.httpStatus ?? 400, metaError(scripted.code, scripted.message ?? `scripted error ${scripted.code}`, 'OAuthException', scripted.subcode, scripted.details, scripted.isTransient), headers);
    }
    try {
      const [status, answer] = this.route(req.method ?? 'GET', parts, query, body as Json | undefined, token);
      if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs).unref());
      return this.send(res, status, answer);
    } catch (error) {
      return this.send(res, 500, metaError(1, `fake error: ${(error as Error).message}`));
    }
  }

  private takeScript(target: string, endpoint: string): ScriptedFailure | undefined {
    const queue = this.scripts.get(target);
    const index = queue?.findIndex((f) => !f.endpoint || f.endpoint === endpoint) ?? -1;
    if (!queue || index < 0) return undefined;
    return queue.splice(index, 1)[0];
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  /** May `token` act on this WABA? */
  private allowed(token: string | undefined, wabaId: string): boolean {
    return token !== undefined && (this.systemTokens.has(token) || this.businessTokens.get(token) === wabaId);
  }

  private route(method: string, parts: string[], query: Record<string, string>, body: Json | undefined, token: string | undefined): [number, unknown] {
    if (parts[0] === 'oauth' && parts[1] === 'access_token' && method === 'GET') return this.exchange(query);
    const [id, edge] = parts as [string, string | undefined];
    const number = this.numbers.get(id);
    const wabaId = number?.wabaId ?? (this.templates.has(id) ? id : undefined);
    if (!wabaId) return [400, metaError(100, `Unsupported request - object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`, 'GraphMethodException', 33)];
    if (!this.allowed(token, wabaId)) return [401, metaError(190, 'Invalid OAuth access token - Cannot parse access token', 'OAuthException')];
    if (number && edge === 'messages' && method === 'POST') return this.sendMessage(number, body);
    if (number && edge === 'register' && method === 'POST') return this.register(number, body);
    if (number && edge === undefined && method === 'GET') {
      return [200, { id: number.phoneNumberId, display_phone_number: number.displayPhoneNumber, verified_name: number.verifiedName, quality_rating: number.qualityRating, throughput: { level: number.throughput }, platform_type: 'CLOUD_API' }];
    }
    if (!number && edge === 'subscribed_apps' && method === 'POST') {
      this.subscribedApps.set(id, new Set([...(this.subscribedApps.get(id) ?? []), this.appId]));
      return [200, { success: true }];
    }
    if (!number && edge === 'message_templates') return this.messageTemplates(id, method, query, body);
    return [400, metaError(100, `Unknown path components: /${parts.join('/')}`)];
  }

  private exchange(query: Record<string, string>): [number, unknown] {
    if (query.client_id !== this.appId || query.client_secret !== this.appSecret) return [400, metaError(1, 'Error validating client secret.', 'OAuthException', 463)];
    const wabaId = this.codes.get(query.code ?? '');
    if (!wabaId) return [400, metaError(100, 'This authorization code has been used.', 'OAuthException', 36009)];
    this.codes.delete(query.code!);
    return [200, { access_token: this.businessToken(wabaId), token_type: 'bearer' }];
  }

  private register(number: FakeNumber, body: Json | undefined): [number, unknown] {
    if (body?.messaging_product !== 'whatsapp' || typeof body.pin !== 'string' || !/^\d{6}$/.test(body.pin)) return [400, metaError(100, '(#100) Invalid parameter', 'OAuthException', undefined, 'pin must be 6 digits')];
    if (number.pin && number.pin !== body.pin) return [400, metaError(133005, 'Two step verification PIN Mismatch', 'OAuthException', undefined, 'Two step verification PIN Mismatch')];
    number.pin = body.pin;
    number.registered = true;
    return [200, { success: true }];
  }

  private sendMessage(number: FakeNumber, body: Json | undefined): [number, unknown] {
    const problem = checkMessage(body);
    if (problem) return [400, metaError(problem.code, problem.title, 'OAuthException', undefined, problem.details)];
    if (!number.registered) return [400, metaError(133010, 'Account not registered', 'OAuthException', undefined, 'Account not registered')];
    // Throughput: a token bucket refilled at the number's rate.
    const mps = number.mps ?? this.options.mps ?? 80;
    const now = Date.now();
    const burst = this.burstOf(mps);
    number.bucket.tokens = Math.min(burst, number.bucket.tokens + ((now - number.bucket.at) * mps) / 1000);
    number.bucket.at = now;
    if (number.bucket.tokens < 1) {
      this.throttled++;
      return [400, metaError(130429, 'Rate limit hit', 'OAuthException', undefined, 'Cloud API message throughput has been reached.')];
    }
    number.bucket.tokens -= 1;
    const to = String(body!.to);
    if (this.undeliverable.has(to)) return [400, metaError(131026, 'Message Undeliverable', 'OAuthException', undefined, 'Unable to deliver message.')];
    const wamid = newWamid();
    this.sent.push({ phoneNumberId: number.phoneNumberId, body: body!, at: now, wamid });
    if (this.options.webhookUrl) void this.deliverStatuses(number, wamid, to, typeof body!.biz_opaque_callback_data === 'string' ? body!.biz_opaque_callback_data : undefined);
    return [200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: wamid, ...(body!.type === 'template' ? { message_status: 'accepted' } : {}) }] }];
  }

  private messageTemplates(wabaId: string, method: string, query: Record<string, string>, body: Json | undefined): [number, unknown] {
    const list = this.templates.get(wabaId) ?? [];
    if (method === 'GET') {
      const filtered = list.filter((t) => (!query.name || t.name === query.name) && (!query.status || t.status === query.status));
      const limit = Math.max(1, Math.min(Number(query.limit ?? 25) || 25, this.options.templatePageLimit ?? 250));
      const start = query.after ? Number(Buffer.from(query.after, 'base64url').toString()) : 0;
      const page = filtered.slice(start, start + limit);
      const next = start + limit < filtered.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
      return [200, { data: page, paging: { cursors: { before: Buffer.from(String(start)).toString('base64url'), after: next ?? Buffer.from(String(start + page.length)).toString('base64url') }, ...(next ? { next: `${this.url}/v27.0/${wabaId}/message_templates?after=${next}` } : {}) } }];
    }
    if (method === 'POST') {
      if (!body || typeof body.name !== 'string' || typeof body.language !== 'string' || typeof body.category !== 'string' || !Array.isArray(body.components)) {
        return [400, metaError(100, 'Invalid parameter', 'OAuthException', undefined, 'name, language, category and components are required')];
      }
      if (list.some((t) => t.name === body.name && t.language === body.language)) return [400, metaError(100, 'Invalid parameter', 'OAuthException', 2388024, 'Content in this language already exists')];
      const template = this.addTemplate(wabaId, { name: body.name, language: body.language, category: body.category, status: this.options.autoApprove ? 'APPROVED' : 'PENDING', components: body.components, ...(typeof body.parameter_format === 'string' ? { parameter_format: body.parameter_format } : {}) });
      if (this.options.webhookUrl && !this.options.autoApprove) {
        setTimeout(() => {
          template.status = 'APPROVED';
          void this.deliver(templateStatusWebhook(wabaId, { templateId: template.id, name: template.name, language: template.language, event: 'APPROVED' }));
        }, 500);
      }
      return [200, { id: template.id, status: template.status, category: template.category }];
    }
    if (method === 'DELETE') {
      const remaining = list.filter((t) => !(t.name === query.name && (!query.hsm_id || t.id === query.hsm_id)));
      if (remaining.length === list.length) return [400, metaError(100, 'Invalid parameter', 'OAuthException', 2593002, `Message template "${query.name}" not found`)];
      this.templates.set(wabaId, remaining);
      return [200, { success: true }];
    }
    return [400, metaError(100, 'Unsupported method')];
  }

  // ── dev tool: webhooks to the local runtime ──────────────────────────────────────────────────────
  private async deliver(payload: Json): Promise<void> {
    if (!this.options.webhookUrl) return;
    const body = metaJson(payload);
    try {
      const response = await fetch(this.options.webhookUrl, { method: 'POST', headers: signedWhatsAppHeaders(body, this.appSecret), body });
      this.options.log?.(`webhook → ${response.status}`);
    } catch (error) {
      this.options.log?.(`webhook failed: ${(error as Error).message}`);
    }
  }

  private async deliverStatuses(number: FakeNumber, wamid: string, to: string, clientReference?: string): Promise<void> {
    for (const status of ['sent', 'delivered', 'read']) {
      await new Promise((r) => setTimeout(r, 300));
      await this.deliver(statusWebhook(number, [statusUpdate({ wamid, status, recipient: to, ...(clientReference ? { clientReference } : {}) })]));
    }
  }

  private control(path: string, body: Json | undefined, res: http.ServerResponse): void {
    if (path === '/_fake/inbound') {
      const number = this.numbers.get(String(body?.phone_number_id));
      if (!number || typeof body?.from !== 'string' || typeof body.text !== 'string') return this.send(res, 400, { error: 'give phone_number_id (a number of the fake), from and text' });
      void this.deliver(inboundMessageWebhook(number, { from: body.from, text: body.text }));
      return this.send(res, 202, { delivering: true });
    }
    if (path === '/_fake/fail') {
      this.fail(String(body?.target ?? '*'), { ...(body as ScriptedFailure) });
      return this.send(res, 200, { scripted: true });
    }
    if (path === '/_fake/sent') return this.send(res, 200, this.sent);
    return this.send(res, 404, { error: 'unknown control path (/_fake/inbound, /_fake/fail, /_fake/sent)' });
  }
}

export function metaError(code: number, message: string, type = 'OAuthException', subcode?: number, details?: string, isTransient?: boolean): Json {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type,
      code,
      ...(subcode !== undefined ? { error_subcode: subcode } : {}),
      ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
      ...(isTransient !== undefined ? { is_transient: isTransient } : {}),
      fbtrace_id: `A${randomBytes(8).toString('base64url')}`,
    },
  };
}

const MESSAGE_TYPES = new Set(['text', 'template', 'image', 'audio', 'video', 'document', 'interactive', 'sticker', 'location', 'contacts', 'reaction']);

/** What Meta checks of a send before accepting it. */
function checkMessage(body: Json | undefined): { code: number; title: string; details: string } | undefined {
  if (!body || body.messaging_product !== 'whatsapp') return { code: 100, title: 'Invalid parameter', details: 'messaging_product must be "whatsapp"' };
  if (typeof body.to !== 'string' || !/^\d{5,20}$/.test(body.to)) return { code: 131009, title: 'Parameter value is not valid', details: 'to must be a phone number' };
  const type = String(body.type ?? 'text');
  if (!MESSAGE_TYPES.has(type)) return { code: 131051, title: 'Unsupported message type', details: `type ${type}` };
  const object = body[type] as Json | undefined;
  if (!object || typeof object !== 'object') return { code: 131008, title: 'Required parameter is missing', details: `${type} is required` };
  if (type === 'text' && (typeof object.body !== 'string' || object.body === '')) return { code: 131008, title: 'Required parameter is missing', details: 'text.body' };
  if (type === 'template' && (typeof object.name !== 'string' || typeof (object.language as Json | undefined)?.code !== 'string')) return { code: 131008, title: 'Required parameter is missing', details: 'template.name and template.language.code' };
  if (['image', 'audio', 'video', 'document'].includes(type) && typeof object.link !== 'string' && typeof object.id !== 'string') return { code: 131008, title: 'Required parameter is missing', details: `${type}.link or ${type}.id` };
  return undefined;
}
