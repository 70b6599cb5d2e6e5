/**
 * The RFC 5322 message of an OutgoingEmail, built by nodemailer's MailComposer (headers encoded and
 * folded, multipart/alternative for text + html, multipart/mixed for attachments, base64 bodies) —
 * never by string concatenation. Bcc is left out of the headers (the envelope carries it). The
 * composer is loaded on first use: functions that never build MIME never load it.
 */
import type MailComposerClass from 'nodemailer/lib/mail-composer';
import { formatMailbox } from './addresses';
import type { Mailbox, OutgoingEmail } from './message';

let composer: typeof MailComposerClass | undefined;
const MailComposer = (): typeof MailComposerClass => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  composer ??= (require('nodemailer/lib/mail-composer') as { default: typeof MailComposerClass }).default;
  return composer;
};

const list = (mailboxes: Mailbox[]) => (mailboxes.length ? mailboxes.map(formatMailbox) : undefined);

export interface ComposeOptions {
  /** Message-ID header (without angle brackets it gets them); generated from the dispatch id when absent. */
  messageId?: string;
  date?: Date;
}

export async function composeMime(message: OutgoingEmail, options: ComposeOptions = {}): Promise<Buffer> {
  const Composer = MailComposer();
  const domain = message.from.address.split('@')[1] ?? 'ionflux.invalid';
  const mail = new Composer({
    from: formatMailbox(message.from),
    to: list(message.to),
    cc: list(message.cc),
    bcc: list(message.bcc),
    ...(message.replyTo ? { replyTo: formatMailbox(message.replyTo) } : {}),
    subject: message.subject,
    messageId: options.messageId ?? `<${message.dispatchId}@${domain}>`,
    date: options.date ?? new Date(),
    ...(message.text !== undefined ? { text: message.text } : {}),
    ...(message.html !== undefined ? { html: message.html } : {}),
    attachments: message.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
    // Values we made ourselves (a URL in angle brackets): written as they are, not re-encoded.
    headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, { prepared: true, value }])),
    // Content comes only from the request: never from a file path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'win',
  });
  return mail.compile().build();
}
