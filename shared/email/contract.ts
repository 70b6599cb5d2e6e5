/**
 * The internal email API (issue 13): what callers send to `POST /v1/emails/send` and
 * `POST /v1/emails/send-bulk`, checked field by field. zod checks the shapes (a misspelt field is a
 * 400, not an ignored option); `toOutgoing…` then checks what zod cannot say (addresses, sizes, at
 * least a body) and names the field of every problem.
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { WORKSPACE_ID } from '../workspaces/workspace-id';
import { addressKey, parseMailbox } from './addresses';
import { InvalidEmailRequestError } from './errors';
import { type Attachment, CATEGORIES, type Category, type Mailbox, messageSize, type OutgoingEmail, RESERVED_TAGS } from './message';

export const MAX_RECIPIENTS = 50;
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
export const MAX_BULK_RECIPIENTS = 10_000;
/** Templates of a bulk send are stored with the batch: DynamoDB items hold at most 400 KB. */
export const MAX_BULK_TEMPLATE_BYTES = 300 * 1024;

const Address = z.string().check(z.minLength(3), z.maxLength(320));
/** SES message tag names and values (also SendGrid custom_args): letters, digits, "_" and "-". */
const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;
const Tags = z.record(
  z.string().check(z.regex(TAG_TEXT, 'tag names are 1–256 letters, digits, "_" or "-"')),
  z.string().check(z.regex(TAG_TEXT, 'tag values are 1–256 letters, digits, "_" or "-" (an SES rule)')),
);
const IdempotencyKey = z.string().check(z.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 printable ASCII characters without spaces'));
const Subject = z.string().check(z.minLength(1), z.maxLength(998));
const Body = z.string().check(z.maxLength(MAX_MESSAGE_BYTES));
const Workspace = z.string().check(z.regex(WORKSPACE_ID, 'must be 1–64 letters, digits, "_" or "-"'));

const AttachmentSchema = z.strictObject({
  filename: z.string().check(z.minLength(1), z.maxLength(255)),
  content_base64: z.string().check(z.minLength(1)),
  content_type: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/, 'must be a media type such as application/pdf')),
});

export const SendRequestSchema = z.strictObject({
  workspace_id: Workspace,
  from: Address,
  to: z.array(Address).check(z.minLength(1), z.maxLength(MAX_RECIPIENTS)),
  cc: z.optional(z.array(Address).check(z.maxLength(MAX_RECIPIENTS))),
  bcc: z.optional(z.array(Address).check(z.maxLength(MAX_RECIPIENTS))),
  reply_to: z.optional(Address),
  subject: Subject,
  text: z.optional(Body),
  html: z.optional(Body),
  attachments: z.optional(z.array(AttachmentSchema).check(z.maxLength(50))),
  tags: z.optional(Tags),
  category: z.enum(CATEGORIES),
  idempotency_key: z.optional(IdempotencyKey),
});
export type SendRequest = z.infer<typeof SendRequestSchema>;

const TemplateValue = z.union([z.string().check(z.maxLength(10_000)), z.number(), z.boolean(), z.null()]);
const RecipientSchema = z.strictObject({
  to: Address,
  data: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'placeholder names are letters, digits and "_"')), TemplateValue)),
});

export const SendBulkRequestSchema = z.strictObject({
  workspace_id: Workspace,
  from: Address,
  reply_to: z.optional(Address),
  subject: Subject,
  text: z.optional(z.string().check(z.maxLength(MAX_BULK_TEMPLATE_BYTES))),
  html: z.optional(z.string().check(z.maxLength(MAX_BULK_TEMPLATE_BYTES))),
  category: z.enum(CATEGORIES),
  tags: z.optional(Tags),
  recipients: z.array(RecipientSchema).check(z.minLength(1), z.maxLength(MAX_BULK_RECIPIENTS)),
  idempotency_key: z.optional(IdempotencyKey),
});
export type SendBulkRequest = z.infer<typeof SendBulkRequestSchema>;
export type BulkRecipient = { to: string; data: Record<string, string | number | boolean | null> };

function mailbox(field: string, value: string): Mailbox {
  const parsed = parseMailbox(value);
  if ('problem' in parsed) throw new InvalidEmailRequestError(field, parsed.problem);
  return parsed;
}

function checkTags(tags: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(tags ?? {});
  if (entries.length > 10) throw new InvalidEmailRequestError('tags', `at most 10 tags (got ${entries.length})`);
  for (const [name] of entries) {
    if ((RESERVED_TAGS as readonly string[]).includes(name)) throw new InvalidEmailRequestError(`tags.${name}`, `"${name}" is set by the email service itself`);
  }
  return Object.fromEntries(entries);
}

function checkBody(text: string | undefined, html: string | undefined): void {
  if (!text && !html) throw new InvalidEmailRequestError('text', 'a message needs a text or an html body (or both)');
}

/** What a single send asks for, checked beyond its shape: the message but for what the service adds. */
export type SendParts = Omit<OutgoingEmail, 'dispatchId' | 'batchId' | 'headers'>;

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

export function toSendParts(request: SendRequest): SendParts {
  checkBody(request.text, request.html);
  const list = (field: 'to' | 'cc' | 'bcc') => (request[field] ?? []).map((value, i) => mailbox(`${field}.${i}`, value));
  const to = list('to');
  const cc = list('cc');
  const bcc = list('bcc');
  const all = [...to, ...cc, ...bcc];
  if (all.length > MAX_RECIPIENTS) throw new InvalidEmailRequestError('to', `at most ${MAX_RECIPIENTS} recipients across to, cc and bcc (got ${all.length})`);
  const seen = new Set<string>();
  for (const [i, m] of all.entries()) {
    const key = addressKey(m.address);
    if (seen.has(key)) {
      const field = i < to.length ? `to.${i}` : i < to.length + cc.length ? `cc.${i - to.length}` : `bcc.${i - to.length - cc.length}`;
      throw new InvalidEmailRequestError(field, `${m.address} appears more than once among the recipients`);
    }
    seen.add(key);
  }
  if (request.category === 'marketing' && all.length > 1) {
    throw new InvalidEmailRequestError(
      'to',
      `marketing mail goes to one recipient per message, so that its one-click unsubscribe link unsubscribes that recipient (got ${all.length}); send a list through /v1/emails/send-bulk`,
    );
  }
  const attachments = (request.attachments ?? []).map((a, i): Attachment => {
    if (!BASE64.test(a.content_base64)) throw new InvalidEmailRequestError(`attachments.${i}.content_base64`, 'is not base64');
    const content = Buffer.from(a.content_base64, 'base64');
    if (content.length === 0) throw new InvalidEmailRequestError(`attachments.${i}.content_base64`, 'decodes to no bytes');
    if (/[\r\n"\\/]/.test(a.filename)) throw new InvalidEmailRequestError(`attachments.${i}.filename`, 'must not contain line breaks, quotes, "/" or "\\"');
    return { filename: a.filename, content, contentType: a.content_type.toLowerCase() };
  });
  const parts: SendParts = {
    workspaceId: request.workspace_id,
    category: request.category,
    from: mailbox('from', request.from),
    to,
    cc,
    bcc,
    subject: request.subject,
    attachments,
    tags: checkTags(request.tags),
  };
  if (request.reply_to) parts.replyTo = mailbox('reply_to', request.reply_to);
  if (request.text) parts.text = request.text;
  if (request.html) parts.html = request.html;
  const size = messageSize(parts);
  if (size > MAX_MESSAGE_BYTES) {
    throw new InvalidEmailRequestError(request.attachments?.length ? 'attachments' : 'html', `the message would be ${size} bytes; at most ${MAX_MESSAGE_BYTES} (10 MB) in total`);
  }
  return parts;
}

/** What a bulk send asks for, checked beyond its shape; duplicate addresses are kept once. */
export interface BulkParts {
  workspaceId: string;
  category: Category;
  from: Mailbox;
  replyTo?: Mailbox;
  subject: string;
  text?: string;
  html?: string;
  tags: Record<string, string>;
  recipients: BulkRecipient[];
  /** Where each kept recipient stood in the request (problems name the caller's own index). */
  positions: number[];
  duplicatesRemoved: number;
}

export function toBulkParts(request: SendBulkRequest): BulkParts {
  checkBody(request.text, request.html);
  if (Buffer.byteLength(request.subject) + Buffer.byteLength(request.text ?? '') + Buffer.byteLength(request.html ?? '') > MAX_BULK_TEMPLATE_BYTES) {
    throw new InvalidEmailRequestError('html', `subject, text and html together may hold at most ${MAX_BULK_TEMPLATE_BYTES} bytes in a bulk send`);
  }
  const seen = new Set<string>();
  const recipients: BulkRecipient[] = [];
  const positions: number[] = [];
  for (const [i, r] of request.recipients.entries()) {
    const parsed = mailbox(`recipients.${i}.to`, r.to);
    const key = addressKey(parsed.address);
    if (seen.has(key)) continue;
    seen.add(key);
    recipients.push({ to: parsed.name ? r.to.trim() : parsed.address, data: r.data ?? {} });
    positions.push(i);
  }
  const parts: BulkParts = {
    workspaceId: request.workspace_id,
    category: request.category,
    from: mailbox('from', request.from),
    subject: request.subject,
    tags: checkTags(request.tags),
    recipients,
    positions,
    duplicatesRemoved: request.recipients.length - recipients.length,
  };
  if (request.reply_to) parts.replyTo = mailbox('reply_to', request.reply_to);
  if (request.text) parts.text = request.text;
  if (request.html) parts.html = request.html;
  return parts;
}
