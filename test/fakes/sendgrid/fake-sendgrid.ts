/**
 * A fake SendGrid v3 on a local port (the secret's `base_url` points the real `@sendgrid/mail` at it).
 * `POST /v3/mail/send` checks the Bearer key and the body as SendGrid does (personalizations, from,
 * subject, content, addresses), records every accepted message and answers 202 with `X-Message-Id`.
 * Every answer carries `X-RateLimit-Limit/-Remaining/-Reset` for a fixed window; over the limit it
 * answers 429. Failures (4xx, 5xx, 429) can be scripted.
 *
 * For the Event Webhook, `event()` builds the events SendGrid posts about a recorded message (our
 * custom_args at the top level) and `signedEventWebhook()` signs a batch with an ECDSA P-256 key, as
 * SendGrid does, so tests and a developer can post them to `/webhooks/sendgrid`.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { type FakeReply, FakeHttpServer, type RecordedRequest } from '../../support/llm-fake-server';

export interface SendGridMessage {
  messageId: string;
  at: number;
  apiKey: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface FakeSendGridOptions {
  /** Accepted API keys. */
  keys: string[];
  /** Requests per window before 429 (default 600 per second). */
  rateLimit?: { limit: number; windowMs: number };
  /** Called with every accepted message (the dev tool posts its events from here). */
  onMessage?: (message: SendGridMessage) => void;
  clock?: () => number;
}

const errorBody = (message: string, field: string | null = null) => ({ errors: [{ message, field, help: null }] });

/** Scripted failures as SendGrid sends them. */
export const sendGridErrors = {
  badRequest: (message: string, field: string | null = null): FakeReply => ({ status: 400, body: errorBody(message, field) }),
  forbidden: (): FakeReply => ({ status: 403, body: errorBody('The from address does not match a verified Sender Identity. Mail cannot be sent until this error is resolved.', 'from') }),
  unauthorized: (): FakeReply => ({ status: 401, body: errorBody('The provided authorization grant is invalid, expired, or revoked') }),
  tooManyRequests: (resetInS = 1): FakeReply => ({
    status: 429,
    body: errorBody('too many requests'),
    headers: { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetInS) },
  }),
  serverError: (): FakeReply => ({ status: 500, body: errorBody('Internal server error') }),
  unavailable: (): FakeReply => ({ status: 503, body: errorBody('Service unavailable') }),
};

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export class FakeSendGrid {
  readonly server: FakeHttpServer;
  readonly messages: SendGridMessage[] = [];
  private window = { start: 0, count: 0 };

  constructor(private readonly options: FakeSendGridOptions) {
    this.server = new FakeHttpServer(
      (method, path) => (method === 'POST' && path === '/v3/mail/send' ? 'mail.send' : 'unknown'),
      (request) => this.handle(request),
    );
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** The secret's `base_url`. */
  get baseUrl(): string {
    return this.server.origin;
  }

  async start(port = 0): Promise<this> {
    await this.server.start(port);
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** The next mail sends get these answers (then normal behaviour again). */
  fail(...replies: FakeReply[]): void {
    this.server.script('mail.send', ...replies);
  }

  /** Messages with this recipient in any personalization. */
  to(address: string): SendGridMessage[] {
    const has = (list: Array<{ email: string }> | undefined) => (list ?? []).some((p) => p.email.toLowerCase() === address.toLowerCase());
    return this.messages.filter((m) => (m.body.personalizations as Array<Record<string, Array<{ email: string }>>>).some((p) => has(p.to) || has(p.cc) || has(p.bcc)));
  }

  private rateHeaders(): Record<string, string> {
    const { limit, windowMs } = this.options.rateLimit ?? { limit: 600, windowMs: 1000 };
    const now = this.now();
    const start = Math.floor(now / windowMs) * windowMs;
    if (start !== this.window.start) this.window = { start, count: 0 };
    this.window.count++;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - this.window.count)),
      'x-ratelimit-reset': String(Math.ceil((start + windowMs) / 1000)),
      ...(this.window.count > limit ? { 'x-over-limit': '1' } : {}),
    };
  }

  private handle(request: RecordedRequest): FakeReply {
    if (request.route !== 'mail.send') return { status: 404, body: errorBody('not found') };
    const rate = this.rateHeaders();
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): FakeReply => ({ status, body, headers: { ...rate, ...headers } });
    const apiKey = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!apiKey || !this.options.keys.includes(apiKey)) return reply(401, errorBody('The provided authorization grant is invalid, expired, or revoked'));
    if (rate['x-over-limit']) {
      delete rate['x-over-limit'];
      return reply(429, errorBody('too many requests'));
    }
    const body = request.body as Record<string, unknown> | undefined;
    const problem = this.validate(body);
    if (problem) return reply(400, errorBody(problem.message, problem.field));
    const messageId = randomBytes(16).toString('base64url').slice(0, 22);
    const message = { messageId, at: this.now(), apiKey, body };
    this.messages.push(message);
    this.options.onMessage?.(message);
    return { status: 202, body: '', headers: { ...rate, 'x-message-id': messageId } };
  }

  private validate(body: Record<string, unknown> | undefined): { message: string; field: string } | undefined {
    if (!body || typeof body !== 'object') return { message: 'The request body must be JSON.', field: 'body' };
    const personalizations = body.personalizations as Array<Record<string, unknown>> | undefined;
    if (!Array.isArray(personalizations) || !personalizations.length) return { message: 'The personalizations field is required and must have at least one personalization.', field: 'personalizations' };
    for (const [i, p] of personalizations.entries()) {
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        const list = p[kind] as Array<{ email?: string }> | undefined;
        if (kind === 'to' && (!Array.isArray(list) || !list.length)) return { message: 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.', field: `personalizations.${i}.to` };
        for (const [j, entry] of (list ?? []).entries()) {
          if (!entry.email || !ADDRESS.test(entry.email)) return { message: 'Does not contain a valid address.', field: `personalizations.${i}.${kind}.${j}.email` };
        }
      }
    }
    const from = body.from as { email?: string } | undefined;
    if (!from?.email || !ADDRESS.test(from.email)) return { message: 'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.', field: 'from' };
    if (!body.subject && !personalizations.every((p) => p.subject)) return { message: 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', field: 'subject' };
    const content = body.content as Array<{ type: string; value: string }> | undefined;
    if (!Array.isArray(content) || !content.length) return { message: 'Unless a valid template_id is provided, the content parameter is required.', field: 'content' };
    if (content.length > 1 && content[0]!.type !== 'text/plain') return { message: 'If present, text/plain content must be first, followed by any other content.', field: 'content.0.type' };
    return undefined;
  }

  /** An Event Webhook event about a recorded message (our custom_args at the top level, as SendGrid posts them). */
  event(message: SendGridMessage, event: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const personalization = message.body.personalizations[0] as { to: Array<{ email: string }>; custom_args?: Record<string, string> };
    return {
      email: personalization.to[0]!.email,
      timestamp: Math.floor(this.now() / 1000),
      'smtp-id': `<${message.messageId}@ismtpd0001p1lon1.sendgrid.net>`,
      event,
      category: message.body.categories ?? [],
      sg_event_id: randomBytes(16).toString('base64url'),
      sg_message_id: `${message.messageId}.filterdrecv-${randomUUID().slice(0, 8)}-1-${randomBytes(4).toString('hex')}-0`,
      ...(message.body.custom_args ?? {}),
      ...(personalization.custom_args ?? {}),
      ...extra,
    };
  }
}

/** An ECDSA P-256 key pair as SendGrid's Signed Event Webhook uses; `publicKey` is what SendGrid shows (base64 DER). */
export function eventWebhookKeys(): { publicKey: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKey };
}

/** A signed Event Webhook post: the raw body and the two headers SendGrid sends. */
export function signedEventWebhook(events: unknown[], privateKey: KeyObject, timestamp = Math.floor(Date.now() / 1000)): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(JSON.stringify(events));
  const signature = sign('sha256', Buffer.concat([Buffer.from(String(timestamp)), body]), privateKey).toString('base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-signature': signature,
      'x-twilio-email-event-webhook-timestamp': String(timestamp),
    },
  };
}
