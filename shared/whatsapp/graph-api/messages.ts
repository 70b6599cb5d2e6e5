/**
 * Sending a message: our request → the Cloud API's `POST /{phone_number_id}/messages` body, and its
 * answer (acceptance only: delivery comes later, by webhook) → the wamid.
 */
import { type MediaType, MEDIA_TYPES, type SendMessageRequest } from '../contract';
import { GraphFailure } from './client';

export interface GraphSendResponse {
  messaging_product?: string;
  contacts?: Array<{ input?: string; wa_id?: string }>;
  messages?: Array<{ id?: string; message_status?: string }>;
}

export function toGraphMessage(request: SendMessageRequest & { wa_id: string }): Record<string, unknown> {
  const body: Record<string, unknown> = { messaging_product: 'whatsapp', recipient_type: 'individual', to: request.wa_id, type: request.type };
  if (request.type === 'template') {
    const t = request.template!;
    body.template = { name: t.name, language: typeof t.language === 'string' ? { code: t.language } : t.language, ...(t.components ? { components: t.components } : {}) };
  } else {
    body[request.type] = request[request.type];
  }
  if (request.context) body.context = request.context;
  // Echoed in every status webhook of this message: the caller's correlation id.
  if (request.client_reference) body.biz_opaque_callback_data = request.client_reference;
  return body;
}

export function readSendResponse(response: GraphSendResponse): { wamid: string; waId?: string; messageStatus?: string } {
  const wamid = response.messages?.[0]?.id;
  if (typeof wamid !== 'string' || wamid === '') {
    throw new GraphFailure('sendMessage', 'bad_response', { http_status: 200, message: 'the answer names no message id' }, { maybeSent: true });
  }
  const waId = response.contacts?.[0]?.wa_id;
  const messageStatus = response.messages?.[0]?.message_status;
  return { wamid, ...(waId ? { waId } : {}), ...(messageStatus ? { messageStatus } : {}) };
}

/** Every media link the message makes Meta fetch (the message's own, and template header/body parameters). */
export function mediaLinks(request: SendMessageRequest): Array<{ what: string; url: string }> {
  const links: Array<{ what: string; url: string }> = [];
  if ((MEDIA_TYPES as readonly string[]).includes(request.type)) {
    const link = request[request.type as MediaType]?.link;
    if (link) links.push({ what: `${request.type}.link`, url: link });
  }
  request.template?.components?.forEach((component, c) => {
    const parameters = Array.isArray(component.parameters) ? (component.parameters as Array<Record<string, unknown>>) : [];
    parameters.forEach((parameter, p) => {
      for (const kind of ['image', 'video', 'document'] as const) {
        const link = (parameter?.[kind] as { link?: unknown } | undefined)?.link;
        if (typeof link === 'string') links.push({ what: `template.components.${c}.parameters.${p}.${kind}.link`, url: link });
      }
    });
  });
  return links;
}
