/**
 * The message as every transport receives it: addresses already parsed and checked, suppressed
 * recipients already removed, the correlation ids (dispatch, workspace, batch) that come back in the
 * provider's events, and our own headers (List-Unsubscribe for marketing mail).
 */
export const CATEGORIES = ['transactional', 'marketing'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Mailbox {
  address: string;
  name?: string;
}

export interface Attachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface OutgoingEmail {
  dispatchId: string;
  workspaceId: string;
  /** Set for a bulk recipient's message. */
  batchId?: string;
  category: Category;
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  replyTo?: Mailbox;
  subject: string;
  text?: string;
  html?: string;
  attachments: Attachment[];
  /** The caller's tags (SES message tags, SendGrid custom_args), next to our correlation ids. */
  tags: Record<string, string>;
  /** Extra headers we add (List-Unsubscribe, List-Unsubscribe-Post). */
  headers: Record<string, string>;
}

/** Every envelope recipient of a message: To, Cc and Bcc. */
export const envelopeRecipients = (message: Pick<OutgoingEmail, 'to' | 'cc' | 'bcc'>): string[] => [...message.to, ...message.cc, ...message.bcc].map((m) => m.address);

/**
 * The ids every provider echoes back with its events (SES message tags, SendGrid custom_args): the
 * caller's tags first, ours last so a caller's tag can never overwrite them.
 */
export function correlationTags(message: Pick<OutgoingEmail, 'dispatchId' | 'workspaceId' | 'batchId' | 'tags'>): Record<string, string> {
  return {
    ...message.tags,
    dispatch_id: message.dispatchId,
    workspace_id: message.workspaceId,
    ...(message.batchId ? { batch_id: message.batchId } : {}),
  };
}

/**
 * Tag names a caller may not use: the ids we set ourselves, and the fields of SendGrid's events that
 * custom_args sit beside (a tag named `reason` would be lost or mistaken for SendGrid's).
 */
export const RESERVED_TAGS = [
  'dispatch_id',
  'workspace_id',
  'batch_id',
  'email',
  'event',
  'timestamp',
  'category',
  'sg_event_id',
  'sg_message_id',
  'smtp-id',
  'type',
  'reason',
  'status',
  'response',
  'attempt',
  'url',
  'ip',
  'useragent',
  'tls',
  'asm_group_id',
] as const;

/** Rough size of the message as sent (what the 10 MB limit is about). */
export function messageSize(message: Pick<OutgoingEmail, 'subject' | 'text' | 'html' | 'attachments'>): number {
  const body = Buffer.byteLength(message.subject) + Buffer.byteLength(message.text ?? '') + Buffer.byteLength(message.html ?? '');
  // Attachments travel base64-encoded: 4 bytes for every 3.
  return body + message.attachments.reduce((n, a) => n + Math.ceil(a.content.length / 3) * 4, 0);
}
