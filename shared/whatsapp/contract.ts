/**
 * The internal WhatsApp API's requests (zod/mini, strict: a misspelt field is a 400, not an ignored
 * option). Message objects keep Meta's own field names (text, image, template, interactive…), so what
 * an agent writes is what the Cloud API documents.
 */
import * as z from 'zod/mini';
import '../zod-messages';
import { badRequest } from '../http/errors';

export const MESSAGE_TYPES = ['text', 'template', 'image', 'audio', 'video', 'document', 'interactive'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const MEDIA_TYPES = ['image', 'audio', 'video', 'document'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export const PhoneNumberId = z.string().check(z.regex(/^\d{5,32}$/, 'must be a phone_number_id (digits)'));
export const WabaId = z.string().check(z.regex(/^\d{5,32}$/, 'must be a WhatsApp Business Account id (digits)'));
/** A recipient as people write it: digits with an optional +, spaces, dashes, dots or brackets. */
const Recipient = z.string().check(z.regex(/^\+?[0-9][0-9 ().-]{3,30}$/, 'must be a phone number in international format, e.g. +5511987654321'));
export const TemplateName = z.string().check(z.regex(/^[a-z0-9_]{1,512}$/, 'must be lower-case letters, digits and "_"'));
export const TemplateLanguage = z.string().check(z.regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, 'must be a language code such as en_US or pt_BR'));

/** A user's WhatsApp id: the digits of the international number. */
export function normaliseWaId(value: string, field = 'wa_id'): string {
  const digits = value.replace(/[\s().+-]/g, '');
  if (!/^\d{5,20}$/.test(digits)) throw badRequest('invalid_request', `${field} must be a phone number in international format (5–20 digits, e.g. 5511987654321)`, { field });
  return digits;
}

const Text = z.strictObject({ body: z.string().check(z.minLength(1), z.maxLength(4096)), preview_url: z.optional(z.boolean()) });

const Media = z.strictObject({
  link: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a media id'))),
  caption: z.optional(z.string().check(z.maxLength(1024))),
  filename: z.optional(z.string().check(z.minLength(1), z.maxLength(240))),
});
export type MediaObject = z.infer<typeof Media>;

const TemplateObject = z.strictObject({
  name: TemplateName,
  language: z.union([TemplateLanguage, z.strictObject({ code: TemplateLanguage, policy: z.optional(z.literal('deterministic')) })]),
  components: z.optional(z.array(z.record(z.string(), z.unknown())).check(z.maxLength(20))),
});

const Interactive = z.record(z.string(), z.unknown()).check(z.refine((v) => typeof v.type === 'string' && /^[a-z_]{1,64}$/.test(v.type), 'needs a "type" (button, list, cta_url, flow, …)'));

export const SendMessageRequestSchema = z.strictObject({
  phone_number_id: PhoneNumberId,
  to: Recipient,
  type: z.enum(MESSAGE_TYPES),
  text: z.optional(Text),
  template: z.optional(TemplateObject),
  image: z.optional(Media),
  audio: z.optional(Media),
  video: z.optional(Media),
  document: z.optional(Media),
  interactive: z.optional(Interactive),
  context: z.optional(z.strictObject({ message_id: z.string().check(z.minLength(1), z.maxLength(256)) })),
  /** Our idempotency key and correlation id (Meta echoes it in status webhooks as biz_opaque_callback_data). */
  client_reference: z.optional(z.string().check(z.regex(/^[\x20-\x7e]{1,256}$/, 'must be 1–256 printable ASCII characters'))),
});
export type SendMessageRequest = z.infer<typeof SendMessageRequestSchema>;

/** What the schema cannot say: the object named by `type` is there, no other one is, media has link xor id. */
export function checkSendMessage(request: SendMessageRequest): SendMessageRequest & { wa_id: string } {
  const problems: string[] = [];
  if (request[request.type] === undefined) problems.push(`${request.type}: is required when type is "${request.type}"`);
  for (const other of MESSAGE_TYPES) if (other !== request.type && request[other] !== undefined) problems.push(`${other}: not allowed when type is "${request.type}"`);
  if ((MEDIA_TYPES as readonly string[]).includes(request.type)) {
    const media = request[request.type as MediaType];
    if (media && (media.link === undefined) === (media.id === undefined)) problems.push(`${request.type}: give exactly one of link or id`);
    if (media?.filename !== undefined && request.type !== 'document') problems.push(`${request.type}.filename: only documents have a file name`);
    if (media?.caption !== undefined && request.type === 'audio') problems.push('audio.caption: audio messages have no caption');
  }
  if (problems.length) throw badRequest('invalid_body', `request is invalid: ${problems.join('; ')}`, { problems });
  return { ...request, wa_id: normaliseWaId(request.to, 'to') };
}

export const OptInRequestSchema = z.strictObject({
  phone_number_id: PhoneNumberId,
  wa_id: Recipient,
  /** How the consent was collected: web_form, sms, ivr, in_thread, checkout… */
  source: z.string().check(z.regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1–64 lower-case letters, digits, "_", "." or "-" (e.g. web_form)')),
  /** The wording the user agreed to (Meta: it must name the business and WhatsApp). */
  text_shown: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
});
export type OptInRequest = z.infer<typeof OptInRequestSchema>;

export const OptOutRequestSchema = z.strictObject({
  phone_number_id: z.optional(PhoneNumberId),
  reason: z.optional(z.string().check(z.maxLength(1024))),
});

export const OnboardingRequestSchema = z.strictObject({
  /** The code Embedded Signup returned to the browser (exchanged once for the business token). */
  code: z.string().check(z.minLength(1), z.maxLength(4096)),
  phone_number_id: PhoneNumberId,
  waba_id: WabaId,
  /** The number's current two-step verification PIN, when it has one; else a new one is set. */
  pin: z.optional(z.string().check(z.regex(/^\d{6}$/, 'must be 6 digits'))),
  /** Messages per second this number may send (default: what Meta reports, 80 for a standard number). */
  throughput_mps: z.optional(z.int().check(z.gte(1), z.lte(1000))),
});
export type OnboardingRequest = z.infer<typeof OnboardingRequestSchema>;

export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

export const TemplateSubmissionSchema = z.strictObject({
  waba_id: WabaId,
  name: TemplateName,
  language: TemplateLanguage,
  category: z.enum(TEMPLATE_CATEGORIES),
  parameter_format: z.optional(z.enum(['POSITIONAL', 'NAMED'])),
  components: z.array(z.record(z.string(), z.unknown())).check(z.minLength(1), z.maxLength(10)),
});
export type TemplateSubmission = z.infer<typeof TemplateSubmissionSchema>;
