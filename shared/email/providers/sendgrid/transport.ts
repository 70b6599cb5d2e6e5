/**
 * SendGrid v3 Mail Send as a transport, through the official `@sendgrid/mail`. The key is the
 * workspace's own SendGrid account when its `generic_secrets_config_json` maps `sendgrid`, else the
 * platform's (`<root>/platform/sendgrid` = `{"api_key", "base_url"?, "webhook_public_key"?}`).
 * Our correlation ids travel as `custom_args` (SendGrid echoes them on every event); pacing follows
 * SendGrid's `X-RateLimit-*` headers, shared by every worker of the account.
 */
import { createHash } from 'node:crypto';
import type { SecretResolver } from '../../../secrets/secret-resolver';
import { errorMessage } from '../../../errors';
import { type OutgoingEmail, correlationTags, type Mailbox } from '../../message';
import { type EmailTransport, PACING_CODE, type SendOptions, type SendResult, TransportFailure } from '../../transport';
import { classifySendGridStatus, headerValue, MESSAGE_ID_HEADER, SENDGRID_DEFAULT_BASE_URL, sendGridReason } from './api';
import type { SendGridRateGate } from './rate-limit';

type Sdk = typeof import('./sdk');
let sdk: Sdk | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sendGridSdk = (): Sdk => (sdk ??= require('./sdk') as Sdk);

/** Time a Mail Send needs at least: a pause ending later than `deadline − this` is not waited out. */
export const MIN_CALL_MS = 1000;
const MAX_MAILERS = 100;

export interface SendGridTransportDeps {
  secrets: Pick<SecretResolver, 'resolve'>;
  gate: SendGridRateGate;
}

interface Account {
  key: string;
  apiKey: string;
  baseUrl: string;
}

const person = (m: Mailbox) => (m.name ? { email: m.address, name: m.name } : { email: m.address });

/** The message as @sendgrid/mail takes it. */
export function toSendGridMail(message: OutgoingEmail) {
  const content = [
    ...(message.text !== undefined ? [{ type: 'text/plain', value: message.text }] : []),
    ...(message.html !== undefined ? [{ type: 'text/html', value: message.html }] : []),
  ] as [{ type: string; value: string }, ...Array<{ type: string; value: string }>];
  return {
    from: person(message.from),
    to: message.to.map(person),
    ...(message.cc.length ? { cc: message.cc.map(person) } : {}),
    ...(message.bcc.length ? { bcc: message.bcc.map(person) } : {}),
    ...(message.replyTo ? { replyTo: person(message.replyTo) } : {}),
    subject: message.subject,
    content,
    ...(message.attachments.length
      ? { attachments: message.attachments.map((a) => ({ content: a.content.toString('base64'), filename: a.filename, type: a.contentType, disposition: 'attachment' })) }
      : {}),
    ...(Object.keys(message.headers).length ? { headers: message.headers } : {}),
    customArgs: correlationTags(message),
    categories: [message.category],
  };
}

export class SendGridTransport implements EmailTransport {
  readonly name = 'sendgrid' as const;
  private readonly mailers = new Map<string, import('./sdk').SendGridMailer>();

  constructor(private readonly deps: SendGridTransportDeps) {}

  private async resolveAccount(workspaceId: string): Promise<Account> {
    let credential;
    try {
      credential = await this.deps.secrets.resolve({ provider: 'sendgrid', workspaceId });
    } catch (error) {
      throw new TransportFailure('sendgrid', 'paused', `no SendGrid credential: ${errorMessage(error)}`, { cause: error });
    }
    const apiKey = credential.get('api_key');
    if (!apiKey) throw new TransportFailure('sendgrid', 'paused', `SendGrid secret ${credential.secretName} has no api_key`);
    const baseUrl = credential.get('base_url') ?? SENDGRID_DEFAULT_BASE_URL;
    // Pacing and cooldowns are per SendGrid account; the key's hash names it without revealing it.
    const key = credential.source === 'platform' ? 'platform' : `ws-${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
    return { key, apiKey, baseUrl };
  }

  async account(message: OutgoingEmail): Promise<string> {
    return (await this.resolveAccount(message.workspaceId)).key;
  }

  private mailer(account: Account) {
    const id = createHash('sha256').update(`${account.apiKey}\u0000${account.baseUrl}`).digest('hex');
    let mailer = this.mailers.get(id);
    if (!mailer) {
      if (this.mailers.size >= MAX_MAILERS) this.mailers.delete(this.mailers.keys().next().value!);
      mailer = sendGridSdk().createMailer(account.apiKey, account.baseUrl);
      this.mailers.set(id, mailer);
    }
    return mailer;
  }

  async send(message: OutgoingEmail, options: SendOptions): Promise<SendResult> {
    const account = await this.resolveAccount(message.workspaceId);
    const pausedFor = await this.deps.gate.wait(account.key, options.deadline - MIN_CALL_MS, options.signal);
    if (pausedFor !== undefined) {
      throw new TransportFailure('sendgrid', 'throttled', 'SendGrid rate limit: no request left until its reset', { providerCode: PACING_CODE, retryAfterMs: pausedFor });
    }
    if (options.signal.aborted) throw new TransportFailure('sendgrid', 'deadline', 'the request deadline ran out while waiting for SendGrid');
    try {
      const [response] = await this.mailer(account).send(toSendGridMail(message) as never, options.signal);
      await this.deps.gate.observe(account.key, { status: response.statusCode, headers: response.headers });
      const id = headerValue(response.headers, MESSAGE_ID_HEADER);
      if (!id) throw new TransportFailure('sendgrid', 'unavailable', `SendGrid answered ${response.statusCode} without X-Message-Id`);
      return { providerMessageId: id };
    } catch (error) {
      if (error instanceof TransportFailure) throw error;
      throw await this.failure(error, account, options.signal);
    }
  }

  private async failure(error: unknown, account: Account, signal: AbortSignal): Promise<TransportFailure> {
    if (signal.aborted) return new TransportFailure('sendgrid', 'deadline', 'the request deadline ran out during the SendGrid call', { cause: error });
    const e = error as { code?: unknown; response?: { headers?: unknown; body?: unknown } };
    const status = typeof e.code === 'number' ? e.code : undefined;
    if (status === undefined || !e.response) {
      return new TransportFailure('sendgrid', 'unavailable', `no answer from SendGrid: ${errorMessage(error)}`, { cause: error });
    }
    const pause = await this.deps.gate.observe(account.key, { status, headers: e.response.headers }).catch(() => undefined);
    const reason = sendGridReason(e.response.body, `HTTP ${status}`);
    return new TransportFailure('sendgrid', classifySendGridStatus(status), reason, { status, providerCode: `http_${status}`, ...(pause ? { retryAfterMs: pause } : {}), cause: error });
  }
}
