/**
 * The embedded transport: a local mail catcher. Every message is written as an RFC 5322 file,
 * `<mail folder>/<dispatch_id>.eml`, that any mail client opens; then it reports what a provider would —
 * `email.sent` and `email.delivered` for each recipient — so the whole flow (events included) can be
 * tried with no account. The default of `npm run dev` with nothing configured.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { EventPublisher } from '../../../events/publisher';
import { deliveryStatusEvent } from '../../delivery-status';
import { envelopeRecipients, type OutgoingEmail } from '../../message';
import { type EmailTransport, type SendOptions, type SendResult, TransportFailure } from '../../transport';

export interface EmbeddedTransportDeps {
  /** `${IONFLUX_HOME}/mail`. */
  folder: string;
  compose: (message: OutgoingEmail) => Promise<Buffer>;
  publisher: Pick<EventPublisher, 'publish'>;
  source: string;
  clock?: () => number;
}

export const emlFile = (folder: string, dispatchId: string): string => path.join(folder, `${dispatchId}.eml`);

export class EmbeddedTransport implements EmailTransport {
  readonly name = 'embedded' as const;

  constructor(private readonly deps: EmbeddedTransportDeps) {}

  async account(): Promise<string> {
    return 'local';
  }

  async send(message: OutgoingEmail, options: SendOptions): Promise<SendResult> {
    const raw = await this.deps.compose(message);
    const file = emlFile(this.deps.folder, message.dispatchId);
    try {
      await fs.mkdir(this.deps.folder, { recursive: true });
      // Written under a temporary name, then renamed: a mail client never opens half a message.
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, raw);
      await fs.rename(tmp, file);
    } catch (error) {
      throw new TransportFailure('embedded', 'unavailable', `could not write ${file}: ${(error as Error).message}`, { cause: error });
    }
    const providerMessageId = `embedded-${message.dispatchId}`;
    const at = new Date((this.deps.clock ?? Date.now)()).toISOString();
    const events = envelopeRecipients(message).flatMap((recipient) =>
      (['sent', 'delivered'] as const).map((status) =>
        deliveryStatusEvent({
          payload: { dispatch_id: message.dispatchId, workspace_id: message.workspaceId, provider: 'embedded', provider_message_id: providerMessageId, recipient, status, occurred_at: at },
          idParts: [providerMessageId, status, recipient],
          source: this.deps.source,
        }),
      ),
    );
    await this.deps.publisher.publish(events, { deadline: options.deadline });
    return { providerMessageId };
  }
}
