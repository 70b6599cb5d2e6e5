/**
 * Errors of the WhatsApp service. Every refusal carries our own code and a sentence a person understands;
 * what Meta said (code, subcode, message, details, fbtrace_id) rides along in `details.graph`, never on its
 * own. The routes are internal (iam), so they may name secrets and settings.
 */
import { IonfluxError } from '../errors';

export interface GraphErrorInfo {
  /** HTTP status of Meta's answer (0: no answer). */
  http_status: number;
  code?: number;
  subcode?: number;
  type?: string;
  message: string;
  details?: string;
  fbtrace_id?: string;
}

export class WhatsAppError extends IonfluxError {
  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryAfterS?: number } = {},
  ) {
    super(code, message, { status, ...options });
  }
}

/** 403: the phone number (or WABA) is not connected to this workspace, or its connection is not active. */
export class NotConnectedError extends WhatsAppError {
  constructor(kind: 'phone_number' | 'waba', id: string, workspaceId: string, why = 'is not connected to') {
    const what = kind === 'phone_number' ? `phone number ${id}` : `WhatsApp Business Account ${id}`;
    super(403, kind === 'phone_number' ? 'phone_number_not_connected' : 'waba_not_connected', `${what} ${why} workspace ${workspaceId}`, {
      details: { [kind === 'phone_number' ? 'phone_number_id' : 'waba_id']: id, workspace_id: workspaceId },
    });
  }
}

/** A 409 refusal by policy (window, consent, a paused number): nothing was sent. */
export class SendRefusedError extends WhatsAppError {
  constructor(code: string, message: string, details: Record<string, unknown>, retryAfterS?: number) {
    super(409, code, message, { details, ...(retryAfterS !== undefined ? { retryAfterS } : {}) });
  }
}

/** What a Graph error obliges us to do beyond refusing: pause the number, record a marketing opt-out, drop a cached token. */
export type GraphEffect = 'pause_number' | 'opt_out_marketing' | 'token_rejected';

/** Meta refused or failed a call; our code says what it means, `details.graph` what Meta said. */
export class GraphApiError extends WhatsAppError {
  readonly graph: GraphErrorInfo;
  readonly effect?: GraphEffect;
  constructor(
    status: number,
    code: string,
    message: string,
    graph: GraphErrorInfo,
    options: { details?: Record<string, unknown>; retryAfterS?: number; cause?: unknown; effect?: GraphEffect } = {},
  ) {
    const { effect, ...rest } = options;
    super(status, code, message, { ...rest, details: { ...options.details, graph } });
    this.graph = graph;
    if (effect) this.effect = effect;
  }
}

/** 404: nothing recorded under that id. */
export class WhatsAppNotFoundError extends WhatsAppError {
  constructor(code: string, message: string, details: Record<string, unknown>) {
    super(404, code, message, { details });
  }
}

/** 500: the platform's WhatsApp configuration is incomplete (names the secret and field to set). */
export class WhatsAppConfigurationError extends WhatsAppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(500, 'whatsapp_not_configured', message, { details });
  }
}
