/**
 * One-click unsubscribe (RFC 8058). Marketing mail carries `List-Unsubscribe: <…/email/unsubscribe?token=…>`
 * and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. `POST` with a valid token unsubscribes at once
 * (mail clients post `List-Unsubscribe=One-Click`, with no page and no confirmation); `GET` — what link
 * scanners and a click in the message do — only shows a form that posts, and changes nothing. An
 * unsubscribe suppresses the address for the workspace's marketing mail and is published as
 * `email.unsubscribed` (provider `ionflux`).
 */
import type { EventPublisher } from '../events/publisher';
import { deliveryStatusEvent } from './delivery-status';
import { InvalidUnsubscribeTokenError } from './errors';
import type { SuppressionStore } from './suppressions';
import { createUnsubscribeToken, listUnsubscribeHeaders, type UnsubscribeClaims, verifyUnsubscribeToken } from './unsubscribe-token';

/** The signing keys: the current one first, then a previous one still accepted during a rotation. */
export type SigningKeys = () => Promise<string[]>;

export class UnsubscribeLinks {
  constructor(private readonly keys: SigningKeys) {}

  async headers(publicBaseUrl: string, claims: UnsubscribeClaims): Promise<Record<string, string>> {
    const [current] = await this.keys();
    return listUnsubscribeHeaders(publicBaseUrl, createUnsubscribeToken(claims, current!));
  }

  async verify(token: string | undefined): Promise<UnsubscribeClaims> {
    const claims = token ? verifyUnsubscribeToken(token, await this.keys()) : undefined;
    if (!claims) throw new InvalidUnsubscribeTokenError();
    return claims;
  }
}

export interface UnsubscribeServiceDeps {
  links: Pick<UnsubscribeLinks, 'verify'>;
  suppressions: Pick<SuppressionStore, 'add'>;
  publisher: Pick<EventPublisher, 'publish'>;
  source: string;
  clock?: () => number;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class UnsubscribeService {
  constructor(private readonly deps: UnsubscribeServiceDeps) {}

  /** `GET`: a page with a button that posts the same token. Nothing changes. */
  async confirmationPage(token: string | undefined): Promise<string> {
    const claims = await this.deps.links.verify(token);
    const action = `?token=${encodeURIComponent(token!)}`;
    return [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
      '<meta name="robots" content="noindex"><title>Unsubscribe</title></head><body>',
      `<p>Stop marketing email to <strong>${escapeHtml(claims.email)}</strong>?</p>`,
      `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">`,
      '<button type="submit">Unsubscribe</button></form></body></html>',
    ].join('');
  }

  /** `POST`: unsubscribes the address the token names from the workspace's marketing mail. */
  async unsubscribe(token: string | undefined, deadline: number): Promise<{ email: string; already: boolean }> {
    const claims = await this.deps.links.verify(token);
    const added = await this.deps.suppressions.add({ workspaceId: claims.workspaceId, email: claims.email, reason: 'unsubscribe', source: 'ionflux', dispatchId: claims.dispatchId });
    // Published again on a repeated POST (same event id: consumers de-duplicate), so an event lost to a
    // failed first attempt is not lost for good.
    await this.deps.publisher.publish(
      [
        deliveryStatusEvent({
          payload: {
            dispatch_id: claims.dispatchId,
            workspace_id: claims.workspaceId,
            provider: 'ionflux',
            provider_message_id: null,
            recipient: claims.email,
            status: 'unsubscribed',
            reason: 'one-click unsubscribe (RFC 8058)',
            occurred_at: new Date((this.deps.clock ?? Date.now)()).toISOString(),
          },
          idParts: [claims.dispatchId, 'unsubscribed', claims.email],
          source: this.deps.source,
        }),
      ],
      { deadline },
    );
    return { email: claims.email, already: !added };
  }
}

/** The page shown after a POST from a browser (mail clients ignore it). */
export const unsubscribedPage = (email: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unsubscribed</title></head><body><p>${escapeHtml(email)} will receive no more marketing email from this sender.</p></body></html>`;
