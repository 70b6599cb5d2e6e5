/**
 * The SendGrid SDK as this provider uses it: `@sendgrid/mail`'s MailService over a `@sendgrid/client`
 * Client whose every request carries the abort signal of the call it serves. The SDK builds the request
 * itself (mail.send() takes no options), so the signal travels in an AsyncLocalStorage: concurrent sends
 * through one client each keep their own deadline. transport.ts requires this module on the first
 * SendGrid call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';

export type { ClientResponse, MailDataRequired, ResponseError } from '@sendgrid/mail';

const callSignal = new AsyncLocalStorage<AbortSignal>();

class DeadlineClient extends Client {
  override createRequest(data: Parameters<Client['createRequest']>[0]) {
    const request = super.createRequest(data) as ReturnType<Client['createRequest']> & { signal?: AbortSignal };
    const signal = callSignal.getStore();
    if (signal) request.signal = signal;
    return request;
  }
}

export interface SendGridMailer {
  send(data: import('@sendgrid/mail').MailDataRequired, signal: AbortSignal): Promise<[import('@sendgrid/mail').ClientResponse, unknown]>;
}

/** One mailer per API key and base URL (created once per execution environment by the transport). */
export function createMailer(apiKey: string, baseUrl: string): SendGridMailer {
  const client = new DeadlineClient();
  client.setApiKey(apiKey);
  // setApiKey resets the base URL to the region's: the configured one (a proxy, a fake) goes after it.
  client.setDefaultRequest('baseUrl', `${baseUrl.replace(/\/+$/, '')}/`);
  const mail = new MailService();
  mail.setClient(client);
  return { send: (data, signal) => callSignal.run(signal, () => mail.send(data)) as Promise<[import('@sendgrid/mail').ClientResponse, unknown]> };
}
