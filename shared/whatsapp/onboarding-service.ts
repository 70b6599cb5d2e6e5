/**
 * Onboarding a business's number after Embedded Signup (the browser flow gave the caller a code, the
 * WABA id and the phone number id): exchange the code for the business token, keep it with the tokens
 * the platform obtains, subscribe our app to the WABA's webhooks, register the number for the Cloud API
 * (two-step verification PIN: the one given, the one we set before, or a new one we keep), read what Meta
 * says of the number (name, quality, throughput), then record the WABA and the number as the workspace's.
 * Every step after the code exchange can be run again: a failed onboarding is retried with a new code.
 */
import { randomInt } from 'node:crypto';
import type { ConnectionRegistry } from '../connections/connection-registry';
import { AccountOwnedElsewhereError } from '../connections/errors';
import { errorMessage } from '../errors';
import type { EventPublisher } from '../events/publisher';
import { moduleLogger } from '../observability/logger';
import type { SecretResolver } from '../secrets/secret-resolver';
import type { WhatsAppAccounts } from './accounts';
import { type BusinessTokenStore, businessTokenSecretName } from './business-tokens';
import type { OnboardingRequest } from './contract';
import { GraphApiError, WhatsAppConfigurationError } from './errors';
import { whatsappEvents } from './events';
import type { GraphClient } from './graph-api/client';
import { exchangeCodeQuery, type GraphPhoneNumber, type GraphSuccess, type GraphTokenResponse, PHONE_NUMBER_FIELDS, registerBody, throughputMps } from './graph-api/onboarding';
import { withGraphRetries } from './graph-policy';

const log = moduleLogger('whatsapp-onboarding');

export interface OnboardingDeps {
  accounts: Pick<WhatsAppAccounts, 'settings'>;
  graph: Pick<GraphClient, 'call'>;
  connections: Pick<ConnectionRegistry, 'get' | 'connect'>;
  tokens: BusinessTokenStore;
  secrets: Pick<SecretResolver, 'platform' | 'invalidate'>;
  publisher: Pick<EventPublisher, 'publish'>;
  secretRoot: string;
  source: string;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  newPin?: () => string;
}

export interface OnboardingResult {
  phone_number_id: string;
  waba_id: string;
  status: 'connected';
  display_phone_number: string | null;
  verified_name: string | null;
  quality_rating: string | null;
  throughput_mps: number;
  token_secret: string;
}

export class OnboardingService {
  constructor(private readonly deps: OnboardingDeps) {}

  async onboard(workspaceId: string, request: OnboardingRequest, options: { deadline: number }): Promise<OnboardingResult> {
    const { deps } = this;
    const now = (deps.clock ?? Date.now)();
    const retry = <T>(attempt: () => Promise<T>) => withGraphRetries(attempt, { deadline: options.deadline, ...(deps.sleep ? { sleep: deps.sleep } : {}) });
    // Before spending the single-use code: neither the number nor the WABA may be another workspace's.
    for (const [provider, id] of [['whatsapp', request.phone_number_id], ['whatsapp_waba', request.waba_id]] as const) {
      const existing = await deps.connections.get(provider, id);
      if (existing && existing.workspace_id !== workspaceId && existing.status === 'active') throw new AccountOwnedElsewhereError(provider, id, existing.workspace_id);
    }
    const platform = await deps.secrets.platform('whatsapp');
    const appId = platform.get('app_id');
    const appSecret = platform.get('app_secret');
    if (!appId || !appSecret) {
      throw new WhatsAppConfigurationError(`onboarding needs the Meta app's app_id and app_secret in ${platform.secretName}`, { secret: platform.secretName, missing: [appId ? '' : 'app_id', appSecret ? '' : 'app_secret'].filter(Boolean) });
    }
    const settings = await deps.accounts.settings();

    let token: string;
    try {
      const answer = await retry(() => deps.graph.call<GraphTokenResponse>('exchangeCode', { settings, query: exchangeCodeQuery(appId, appSecret, request.code), deadline: options.deadline }));
      if (!answer.access_token) throw new WhatsAppConfigurationError('Meta answered the code exchange without an access_token');
      token = answer.access_token;
    } catch (error) {
      // Refused (not rate limited, not unavailable): the code is no good.
      if (error instanceof GraphApiError && error.status !== 503 && error.graph.http_status >= 400 && error.graph.http_status < 500) {
        throw new GraphApiError(400, 'invalid_signup_code', 'Meta refused the Embedded Signup code (expired, already used, or issued for another app): run Embedded Signup again', error.graph, { cause: error });
      }
      throw error;
    }

    const secretName = businessTokenSecretName(deps.secretRoot, workspaceId, request.waba_id);
    const stored = await deps.tokens.read(secretName);
    const pin = request.pin ?? stored?.two_step_pins?.[request.phone_number_id] ?? (deps.newPin ?? (() => String(randomInt(0, 1_000_000)).padStart(6, '0')))();
    await deps.tokens.write(secretName, {
      access_token: token,
      waba_id: request.waba_id,
      workspace_id: workspaceId,
      two_step_pins: { ...stored?.two_step_pins, [request.phone_number_id]: pin },
      obtained_at: new Date(now).toISOString(),
    });
    deps.secrets.invalidate(secretName);

    const call = { settings, token, deadline: options.deadline };
    await retry(() => deps.graph.call<GraphSuccess>('subscribeApp', { ...call, params: { waba_id: request.waba_id } }));
    await retry(() => deps.graph.call<GraphSuccess>('registerPhoneNumber', { ...call, params: { phone_number_id: request.phone_number_id }, body: registerBody(pin) }));
    let number: GraphPhoneNumber = {};
    try {
      number = await retry(() => deps.graph.call<GraphPhoneNumber>('phoneNumber', { ...call, params: { phone_number_id: request.phone_number_id }, query: { fields: PHONE_NUMBER_FIELDS } }));
    } catch (error) {
      log.warn('could not read the phone number’s details after registering it', { phone_number_id: request.phone_number_id, error: errorMessage(error) });
    }
    const mps = request.throughput_mps ?? throughputMps(number.throughput?.level);
    const onboardedAt = new Date(now).toISOString();
    await deps.connections.connect('whatsapp_waba', request.waba_id, workspaceId, { token_secret_ref: secretName, onboarded_at: onboardedAt });
    await deps.connections.connect('whatsapp', request.phone_number_id, workspaceId, {
      waba_id: request.waba_id,
      token_secret_ref: secretName,
      display_phone_number: number.display_phone_number ?? null,
      verified_name: number.verified_name ?? null,
      quality_rating: number.quality_rating ?? null,
      throughput_mps: mps,
      onboarded_at: onboardedAt,
    });
    const result: OnboardingResult = {
      phone_number_id: request.phone_number_id,
      waba_id: request.waba_id,
      status: 'connected',
      display_phone_number: number.display_phone_number ?? null,
      verified_name: number.verified_name ?? null,
      quality_rating: number.quality_rating ?? null,
      throughput_mps: mps,
      token_secret: secretName,
    };
    await deps.publisher.publish(
      whatsappEvents({
        stream: 'account_status',
        idParts: ['connected', request.phone_number_id, onboardedAt],
        eventType: 'whatsapp.phone_number.connected',
        workspaceId,
        source: deps.source,
        key: request.phone_number_id,
        timestamp: new Date(now),
        payload: { ...result, token_secret: undefined, onboarded_at: onboardedAt },
      }),
      { deadline: options.deadline },
    );
    log.info('whatsapp number onboarded', { workspace_id: workspaceId, phone_number_id: request.phone_number_id, waba_id: request.waba_id, throughput_mps: mps });
    return result;
  }
}
