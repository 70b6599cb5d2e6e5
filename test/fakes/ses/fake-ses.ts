/**
 * A fake Amazon SES (v1 Query API: form-encoded POSTs, XML answers) on a local port, reached by the real
 * `@aws-sdk/client-ses` through `AWS_ENDPOINT_URL_SES`. It checks each request's SigV4 signature, answers
 * SendRawEmail and GetSendQuota, and records every accepted message (raw MIME, envelope, tags,
 * configuration set).
 *
 * Like SES it enforces the sending rate: a token bucket of `burst` messages refilled at `maxSendRate` per
 * second; a send without a token is refused with `Throttling` / "Maximum sending rate exceeded." and
 * counted. Failures can be scripted (Throttling, 5xx, MessageRejected, AccountSendingPausedException …),
 * and `hold` accepts and records the next messages without answering (the caller cannot tell whether they
 * were sent: a crash mid-call).
 *
 * `event()` builds the sending events SES publishes for a recorded message, in the shape SES documents
 * (docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html); with `onEvent`, Send
 * and Delivery events are emitted for every accepted message (what a configuration set does), e.g. to the
 * local SNS topic.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type FakeReply, FakeHttpServer, type RecordedRequest } from '../../support/llm-fake-server';
import { verifySigV4 } from '../aws/sigv4-verify';

export interface SentMessage {
  messageId: string;
  at: number;
  source?: string;
  destinations: string[];
  configurationSet?: string;
  tags: Record<string, string>;
  raw: Buffer;
  signatureValid: boolean;
}

export interface FakeSesOptions {
  /** GetSendQuota's MaxSendRate, and the refill rate of the throttling bucket (default 14). */
  maxSendRate?: number;
  /** Messages the bucket holds (default: one second's worth, `maxSendRate`). */
  burst?: number;
  max24HourSend?: number;
  /** Access keys whose signatures are accepted (default `test`/`test`, what the project uses against emulators). */
  keys?: Record<string, string>;
  region?: string;
  /** Called with the JSON of each Send and Delivery event of an accepted message. */
  onEvent?: (eventJson: string) => Promise<void> | void;
  clock?: () => number;
}

export type SesEventType = 'Send' | 'Delivery' | 'Bounce' | 'Complaint' | 'Reject' | 'DeliveryDelay' | 'Open' | 'Click' | 'Rendering Failure';

const XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
const xml = (status: number, body: string): FakeReply => ({ status, body, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() } });
const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An SES error answer in the Query API's XML. */
export const sesError = (status: number, code: string, message: string, type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender'): FakeReply =>
  xml(status, `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);

/** Scripted failures as SES sends them. */
export const sesErrors = {
  throttling: () => sesError(400, 'Throttling', 'Maximum sending rate exceeded.'),
  dailyQuota: () => sesError(400, 'Throttling', 'Daily message quota exceeded.'),
  serviceUnavailable: () => sesError(503, 'ServiceUnavailable', 'Service is unavailable. Please try again later.'),
  internalFailure: () => sesError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.'),
  messageRejected: (reason = 'Email address is not verified. The following identities failed the check in region US-EAST-1: sender@unverified.example') =>
    sesError(400, 'MessageRejected', reason),
  sendingPaused: () => sesError(400, 'AccountSendingPausedException', 'Account sending paused.'),
};

export class FakeSes {
  readonly server: FakeHttpServer;
  readonly messages: SentMessage[] = [];
  /** Sends refused for the rate (not scripted ones), with when. */
  readonly throttled: number[] = [];
  private readonly scripted: FakeReply[] = [];
  private holding = 0;
  private holdAfterAnswers?: number;
  private tokens: number;
  private refilledAt: number;
  private quota: { maxSendRate: number; max24HourSend: number };
  private burst: number;

  constructor(private readonly options: FakeSesOptions = {}) {
    this.quota = { maxSendRate: options.maxSendRate ?? 14, max24HourSend: options.max24HourSend ?? 50_000 };
    this.burst = options.burst ?? this.quota.maxSendRate;
    this.tokens = this.burst;
    this.refilledAt = this.now();
    this.server = new FakeHttpServer(() => 'ses', (request) => this.handle(request));
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_SES. */
  get endpoint(): string {
    return this.server.origin;
  }

  async start(port = 0): Promise<this> {
    await this.server.start(port);
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** The next SendRawEmail calls get these answers (then normal behaviour again). */
  fail(...replies: FakeReply[]): void {
    this.scripted.push(...replies);
  }

  /** The next `count` messages are accepted and recorded, but never answered. */
  hold(count = 1): void {
    this.holding += count;
  }

  /** After `answered` more messages are answered normally, every later one is accepted and recorded but never answered. */
  holdAfter(answered: number): void {
    this.holdAfterAnswers = answered;
  }

  setQuota(quota: { maxSendRate?: number; burst?: number }): void {
    if (quota.maxSendRate !== undefined) this.quota.maxSendRate = quota.maxSendRate;
    this.burst = quota.burst ?? this.quota.maxSendRate;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Messages sent to an address (envelope recipient). */
  to(address: string): SentMessage[] {
    return this.messages.filter((m) => m.destinations.some((d) => d.toLowerCase() === address.toLowerCase()));
  }

  private takeToken(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.quota.maxSendRate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async handle(request: RecordedRequest): Promise<FakeReply> {
    const body = request.raw.toString('utf8');
    const form = new URLSearchParams(body);
    const signatureValid = await verifySigV4({ headers: request.headers, method: request.method, url: request.path }, body, this.options.keys ?? { test: 'test' }, {
      region: this.options.region ?? 'us-east-1',
      service: 'ses',
    });
    if (!signatureValid) return sesError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    switch (form.get('Action')) {
      case 'GetSendQuota':
        return xml(
          200,
          `<GetSendQuotaResponse xmlns="${XMLNS}"><GetSendQuotaResult><Max24HourSend>${this.quota.max24HourSend}.0</Max24HourSend><MaxSendRate>${this.quota.maxSendRate}.0</MaxSendRate><SentLast24Hours>${this.messages.length}.0</SentLast24Hours></GetSendQuotaResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetSendQuotaResponse>`,
        );
      case 'SendRawEmail':
        return this.sendRawEmail(form, signatureValid);
      default:
        return sesError(400, 'InvalidAction', `The action ${form.get('Action')} is not valid for this web service.`);
    }
  }

  private async sendRawEmail(form: URLSearchParams, signatureValid: boolean): Promise<FakeReply> {
    const scripted = this.scripted.shift();
    if (scripted) return scripted;
    const data = form.get('RawMessage.Data');
    if (!data) return sesError(400, 'InvalidParameterValue', 'Missing required parameter RawMessage.Data');
    if (!this.takeToken()) {
      this.throttled.push(this.now());
      return sesErrors.throttling();
    }
    const list = (prefix: string) => [...form.keys()].filter((k) => new RegExp(`^${prefix}\\.member\\.\\d+$`).test(k)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop())).map((k) => form.get(k)!);
    const tags: Record<string, string> = {};
    for (const key of form.keys()) {
      const match = /^Tags\.member\.(\d+)\.Name$/.exec(key);
      if (match) tags[form.get(key)!] = form.get(`Tags.member.${match[1]}.Value`) ?? '';
    }
    const message: SentMessage = {
      messageId: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
      at: this.now(),
      destinations: list('Destinations'),
      tags,
      raw: Buffer.from(data, 'base64'),
      signatureValid,
      ...(form.get('Source') ? { source: form.get('Source')! } : {}),
      ...(form.get('ConfigurationSetName') ? { configurationSet: form.get('ConfigurationSetName')! } : {}),
    };
    this.messages.push(message);
    if (this.options.onEvent) {
      for (const type of ['Send', 'Delivery'] as const) await this.options.onEvent(JSON.stringify(this.event(message, type)));
    }
    if (this.holding > 0) {
      this.holding--;
      return { status: 200, hang: true };
    }
    if (this.holdAfterAnswers !== undefined) {
      if (this.holdAfterAnswers <= 0) return { status: 200, hang: true };
      this.holdAfterAnswers--;
    }
    return xml(200, `<SendRawEmailResponse xmlns="${XMLNS}"><SendRawEmailResult><MessageId>${message.messageId}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SendRawEmailResponse>`);
  }

  /** A sending event of a recorded message, as SES publishes it to the configuration set's SNS topic. */
  event(message: SentMessage, type: SesEventType, options: { recipients?: string[]; bounceType?: 'Permanent' | 'Transient' | 'Undetermined'; at?: Date } = {}): Record<string, unknown> {
    const at = (options.at ?? new Date(this.now())).toISOString();
    const recipients = options.recipients ?? message.destinations;
    const mail = {
      timestamp: new Date(message.at).toISOString(),
      source: message.source ?? 'sender@example.com',
      sourceArn: `arn:aws:ses:us-east-1:000000000000:identity/${(message.source ?? 'sender@example.com').split('@')[1]}`,
      sendingAccountId: '000000000000',
      messageId: message.messageId,
      destination: message.destinations,
      headersTruncated: false,
      headers: [],
      commonHeaders: { from: [message.source ?? ''], to: message.destinations, messageId: message.messageId },
      tags: {
        'ses:operation': ['SendRawEmail'],
        ...(message.configurationSet ? { 'ses:configuration-set': [message.configurationSet] } : {}),
        ...Object.fromEntries(Object.entries(message.tags).map(([k, v]) => [k, [v]])),
      },
    };
    const detail: Record<SesEventType, [string, Record<string, unknown>]> = {
      Send: ['send', {}],
      Delivery: ['delivery', { timestamp: at, processingTimeMillis: 546, recipients, smtpResponse: '250 2.6.0 Message received', reportingMTA: 'a8-70.smtp-out.amazonses.com' }],
      Bounce: [
        'bounce',
        {
          bounceType: options.bounceType ?? 'Permanent',
          bounceSubType: options.bounceType === 'Transient' ? 'MailboxFull' : 'General',
          bouncedRecipients: recipients.map((emailAddress) => ({ emailAddress, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' })),
          timestamp: at,
          feedbackId: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
          reportingMTA: 'dsn; e226-55.smtp-out.us-east-1.amazonses.com',
        },
      ],
      Complaint: [
        'complaint',
        {
          complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
          timestamp: at,
          feedbackId: `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`,
          userAgent: 'Mozilla/5.0',
          complaintFeedbackType: 'abuse',
          arrivalDate: at,
        },
      ],
      Reject: ['reject', { reason: 'Bad content' }],
      DeliveryDelay: [
        'deliveryDelay',
        {
          timestamp: at,
          delayType: 'TransientCommunicationFailure',
          expirationTime: new Date(Date.parse(at) + 3600_000).toISOString(),
          delayedRecipients: recipients.map((emailAddress) => ({ emailAddress, status: '4.4.1', diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to the remote server' })),
        },
      ],
      Open: ['open', { ipAddress: '192.0.2.1', timestamp: at, userAgent: 'Mozilla/5.0' }],
      Click: ['click', { ipAddress: '192.0.2.1', timestamp: at, userAgent: 'Mozilla/5.0', link: 'https://example.com/offer', linkTags: {} }],
      'Rendering Failure': ['failure', { errorMessage: 'Attribute name is missing', templateName: 'none' }],
    };
    const [key, value] = detail[type];
    return { eventType: type, mail, [key]: value };
  }
}
