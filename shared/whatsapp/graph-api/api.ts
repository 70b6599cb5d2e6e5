/**
 * Meta's Graph API as the WhatsApp service uses it (Cloud API, Business Management, Embedded Signup):
 * `<base_url>/<api_version>/<path>`, a bearer token (the platform's system-user token, a workspace's own,
 * or the business token obtained at onboarding). Declarative: what each endpoint is, whether sending it
 * twice is harmless. There is no official Node SDK for the Cloud API that fits a Lambda: Meta paused
 * its `WhatsApp-Nodejs-SDK` (npm `whatsapp`) in 2023 (issue #31) at API v16, configured by environment
 * variables and with its own webhook listener; the community ones wrap Express servers. So `client.ts`
 * calls these documented REST endpoints with Node's fetch, bounded by the caller's deadline.
 */

export const GRAPH_DEFAULT_BASE_URL = 'https://graph.facebook.com';
/** The Graph API version current in 2026-12: v27.0, released 2026-11-04 (v26.0: 2026-07-29). */
export const GRAPH_DEFAULT_API_VERSION = 'v27.0';
export const GRAPH_API_VERSION = /^v\d{1,3}\.\d$/;

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

export interface GraphEndpoint {
  method: GraphMethod;
  /** With `{placeholders}` filled from the call's params (URL-encoded). */
  path: string;
  /** `bearer`: an access token; `app`: app id and secret in the query (the code exchange). */
  auth: 'bearer' | 'app';
  /** Sending it again after a failure we could not read cannot do anything twice. */
  idempotent: boolean;
  doc: string;
}

const DOCS = 'https://developers.facebook.com/documentation/business-messaging/whatsapp';

export const graphEndpoints = {
  sendMessage: { method: 'POST', path: '/{phone_number_id}/messages', auth: 'bearer', idempotent: false, doc: `${DOCS}/messages/send-messages` },
  phoneNumber: { method: 'GET', path: '/{phone_number_id}', auth: 'bearer', idempotent: true, doc: `${DOCS}/business-phone-numbers/phone-numbers` },
  registerPhoneNumber: { method: 'POST', path: '/{phone_number_id}/register', auth: 'bearer', idempotent: true, doc: `${DOCS}/solution-providers/registering-phone-numbers` },
  listTemplates: { method: 'GET', path: '/{waba_id}/message_templates', auth: 'bearer', idempotent: true, doc: `${DOCS}/templates/template-management` },
  createTemplate: { method: 'POST', path: '/{waba_id}/message_templates', auth: 'bearer', idempotent: false, doc: `${DOCS}/templates/template-management` },
  deleteTemplate: { method: 'DELETE', path: '/{waba_id}/message_templates', auth: 'bearer', idempotent: true, doc: `${DOCS}/templates/template-management` },
  subscribeApp: { method: 'POST', path: '/{waba_id}/subscribed_apps', auth: 'bearer', idempotent: true, doc: `${DOCS}/embedded-signup/onboarding-customers-as-a-tech-provider` },
  exchangeCode: { method: 'GET', path: '/oauth/access_token', auth: 'app', idempotent: false, doc: `${DOCS}/embedded-signup/onboarding-customers-as-a-tech-provider` },
} as const satisfies Record<string, GraphEndpoint>;

export type GraphEndpointName = keyof typeof graphEndpoints;

/** Where and which version: from the platform secret (`base_url`, `api_version`), else the defaults. */
export interface GraphSettings {
  baseUrl: string;
  apiVersion: string;
}

/** Meta's error body: `{ error: { message, type, code, error_subcode, error_data: { details }, is_transient, fbtrace_id } }`. */
export interface GraphErrorBody {
  error?: {
    message?: string;
    type?: string;
    code?: number;
    error_subcode?: number;
    error_user_title?: string;
    error_user_msg?: string;
    error_data?: { messaging_product?: string; details?: string } | string;
    is_transient?: boolean;
    fbtrace_id?: string;
  };
}
