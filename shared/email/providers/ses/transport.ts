/**
 * Amazon SES (v1 API) as a transport: the full MIME message through SendRawEmail (our headers and
 * attachments as built), the envelope recipients explicitly (Bcc included), the configuration set whose
 * events come back through SNS, and our correlation ids as message tags. Every call first waits for its
 * slot on the account's shared rate timeline, at MaxSendRate from GetSendQuota; a throttle anyway pushes
 * the timeline back for every worker.
 */
import type { SESClient } from '@aws-sdk/client-ses';
import { errorMessage } from '../../../errors';
import { type OutgoingEmail, correlationTags, envelopeRecipients } from '../../message';
import { SlotTooLateError, type SendRateTimeline } from '../../send-rate';
import { type EmailTransport, PACING_CODE, type SendOptions, type SendResult, TransportFailure } from '../../transport';
import { classifySesError, isDailyQuota } from './api';
import type { SendQuota, SesQuota } from './quota';

type Sdk = typeof import('./sdk');
let sdk: Sdk | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const sesSdk = (): Sdk => (sdk ??= require('./sdk') as Sdk);

/** Time a SendRawEmail needs at least: a slot later than `deadline − this` is not waited for. */
export const MIN_CALL_MS = 1000;
/** How long every worker waits more after SES throttled us anyway. */
export const THROTTLE_PENALTY_MS = 1000;

export interface SesTransportDeps {
  client: () => Pick<SESClient, 'send'>;
  timeline: SendRateTimeline;
  quota: SesQuota;
  /** Share of MaxSendRate this layer may use. */
  rateShare: number;
  configurationSet?: string;
  compose: (message: OutgoingEmail) => Promise<Buffer>;
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** An SDK error as a TransportFailure. */
export function sesFailure(error: unknown, signal: AbortSignal): TransportFailure {
  if (signal.aborted) return new TransportFailure('ses', 'deadline', 'the request deadline ran out during the SES call', { cause: error });
  const e = (error ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined && !e.Code) {
    // No answer at all: refused, reset or timed out connections.
    return new TransportFailure('ses', 'unavailable', `no answer from SES: ${errorMessage(error)}`, { cause: error });
  }
  const code = e.Code ?? e.name ?? 'Unknown';
  const reason = e.message || code;
  return new TransportFailure('ses', classifySesError(code, status, reason), reason, {
    providerCode: code,
    ...(status === undefined ? {} : { status }),
    ...(code === 'Throttling' && !isDailyQuota(reason) ? { retryAfterMs: THROTTLE_PENALTY_MS } : {}),
    cause: error,
  });
}

export class SesTransport implements EmailTransport {
  readonly name = 'ses' as const;

  constructor(private readonly deps: SesTransportDeps) {}

  async account(): Promise<string> {
    return 'platform';
  }

  /** MaxSendRate × share (the rate every worker paces at), from the cached quota. */
  async rate(signal: AbortSignal): Promise<{ rate: number; quota: SendQuota }> {
    let quota: SendQuota;
    try {
      quota = await this.deps.quota.current(signal);
    } catch (error) {
      throw sesFailure(error, signal);
    }
    return { rate: quota.maxSendRate * this.deps.rateShare, quota };
  }

  async send(message: OutgoingEmail, options: SendOptions): Promise<SendResult> {
    const { rate } = await this.rate(options.signal);
    // Built before the slot: once it comes, the request leaves at once (arrivals as evenly spaced as slots).
    const raw = await this.deps.compose(message);
    try {
      await this.deps.timeline.acquire(rate, options.deadline - MIN_CALL_MS, options.signal);
    } catch (error) {
      if (error instanceof SlotTooLateError) {
        throw new TransportFailure('ses', 'throttled', `the next SES send slot (at ${rate}/s) is later than this request can wait`, {
          providerCode: PACING_CODE,
          retryAfterMs: error.waitMs,
          cause: error,
        });
      }
      throw new TransportFailure('ses', 'unavailable', `could not reserve an SES send slot: ${errorMessage(error)}`, { cause: error });
    }
    if (options.signal.aborted) throw new TransportFailure('ses', 'deadline', 'the request deadline ran out while waiting for an SES send slot');
    const { SendRawEmailCommand } = sesSdk();
    const command = new SendRawEmailCommand({
      Source: message.from.address,
      Destinations: envelopeRecipients(message),
      RawMessage: { Data: raw },
      ...(this.deps.configurationSet ? { ConfigurationSetName: this.deps.configurationSet } : {}),
      Tags: Object.entries(correlationTags(message)).map(([Name, Value]) => ({ Name, Value })),
    });
    try {
      const out = await this.deps.client().send(command, { abortSignal: options.signal });
      if (!out.MessageId) throw new TransportFailure('ses', 'unavailable', 'SES answered without a MessageId');
      return { providerMessageId: out.MessageId };
    } catch (error) {
      if (error instanceof TransportFailure) throw error;
      const failure = sesFailure(error, options.signal);
      if (failure.kind === 'throttled') await this.deps.timeline.penalize(THROTTLE_PENALTY_MS).catch(() => undefined);
      throw failure;
    }
  }
}
