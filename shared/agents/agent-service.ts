/**
 * Calling AgentService: `POST {base_url}/v1/agents/{agent_id}/invocations` with
 * `{workspace_id, agent_id, trigger_index, events}`, signed per the Standard Webhooks spec (the
 * `standardwebhooks` library: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC>` over
 * `<id>.<timestamp>.<body>`, keyed by the base64-decoded part of a `whsec_…` secret) and, when AgentService
 * is IAM-protected, SigV4 as well (@smithy/signature-v4, the SDK's signer; credentials from the SDK chain,
 * loaded only then). Configuration: the platform secret `<root>/platform/agent-service` =
 * `{"base_url", "signing_secret"?, "aws_iam"?: true | {"region"?, "service"?}}` — at least one of the two.
 */
import { hash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { errorMessage } from '../errors';
import { storeSecretHint } from '../secrets/hints';
import type { SecretResolver } from '../secrets/secret-resolver';
import { AgentServiceConfigError } from './errors';

export interface AgentServiceConfig {
  secretName: string;
  /** Without a trailing slash. */
  baseUrl: string;
  signingSecret?: string;
  awsIam?: { region: string; service: string };
}

const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** Reads and checks the agent-service platform secret (cached by the resolver). */
export async function loadAgentServiceConfig(
  secrets: Pick<SecretResolver, 'platform'>,
  options: { region: string; allowHttp: boolean },
): Promise<AgentServiceConfig> {
  const credential = await secrets.platform('agent-service');
  const name = credential.secretName;
  const fail = (problem: string) => new AgentServiceConfigError(name, problem);
  const baseUrl = credential.get('base_url');
  if (!baseUrl) throw fail(`has no "base_url" (set it with: ${storeSecretHint(name, 'agent-service', credential.fields(), ['base_url', 'signing_secret'])})`);
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw fail('has a base_url that is not a URL');
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) throw fail('has a base_url that is not https');
  const config: AgentServiceConfig = { secretName: name, baseUrl: baseUrl.replace(/\/+$/, '') };
  const secret = credential.get('signing_secret');
  if (secret !== undefined) {
    if (!WHSEC.test(secret) || Buffer.from(secret.slice('whsec_'.length), 'base64').length < 16) {
      throw fail('has a signing_secret that is not "whsec_" followed by at least 16 base64-encoded bytes');
    }
    config.signingSecret = secret;
  }
  const iam = credential.fields().aws_iam;
  if (iam !== undefined && iam !== false) {
    const spec = iam === true ? {} : (iam as { region?: unknown; service?: unknown });
    if (typeof spec !== 'object' || spec === null) throw fail('has an aws_iam that is neither true nor {"region"?, "service"?}');
    config.awsIam = {
      region: typeof spec.region === 'string' ? spec.region : options.region,
      service: typeof spec.service === 'string' ? spec.service : 'execute-api',
    };
  }
  if (!config.signingSecret && !config.awsIam) throw fail('needs a signing_secret (whsec_…) or aws_iam: AgentService must be able to tell our invocations from anyone else’s');
  return config;
}

export interface Invocation {
  workspace_id: string;
  agent_id: string;
  trigger_index: number;
  /** The PlatformEvents as JSON text (as read from Kafka: they are not serialised again). */
  events: string[];
}

/** The invocation body: `{workspace_id, agent_id, trigger_index, events: [PlatformEvent…]}`. */
export function invocationBody(invocation: Invocation): string {
  return `{"workspace_id":${JSON.stringify(invocation.workspace_id)},"agent_id":${JSON.stringify(invocation.agent_id)},"trigger_index":${invocation.trigger_index},"events":[${invocation.events.join(',')}]}`;
}

/**
 * The Standard Webhooks message id of an invocation: the same for the same agent, trigger and events,
 * so a retried invocation carries the id of the first attempt (AgentService dedupes on it).
 */
export function invocationId(invocation: Pick<Invocation, 'workspace_id' | 'agent_id' | 'trigger_index'>, eventIds: readonly string[]): string {
  const digest = hash('sha256', [invocation.workspace_id, invocation.agent_id, String(invocation.trigger_index), ...eventIds].join('\u001f'), 'base64url');
  return `msg_${digest.slice(0, 27)}`;
}

const signers = new Map<string, Webhook>();

/** The three Standard Webhooks headers for `body`. */
export function standardWebhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  let signer = signers.get(secret);
  if (!signer) {
    signer = new Webhook(secret);
    signers.set(secret, signer);
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signer.sign(id, new Date(timestampSeconds * 1000), body),
  };
}

export interface DeliveryResult {
  ok: boolean;
  /** HTTP status, when AgentService answered. */
  status?: number;
  /** Worth trying again (network error, timeout, 408, 425, 429, 5xx). */
  retryable: boolean;
  error?: string;
  /** What AgentService asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
}

/** What an AgentService answer means for a retry. */
export function classifyStatus(status: number): { ok: boolean; retryable: boolean } {
  if (status >= 200 && status < 300) return { ok: true, retryable: false };
  return { ok: false, retryable: status === 408 || status === 425 || status === 429 || status >= 500 };
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

export interface AgentServiceClientDeps {
  config: () => Promise<AgentServiceConfig>;
  fetch?: typeof fetch;
  clock?: () => number;
  /** AWS credentials for SigV4 (default: the SDK's provider chain, loaded on first use). */
  awsCredentials?: () => Promise<AwsCredentials>;
}

let defaultCredentials: (() => Promise<AwsCredentials>) | undefined;
const sdkCredentials = async (): Promise<AwsCredentials> => {
  if (!defaultCredentials) {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    defaultCredentials = defaultProvider() as () => Promise<AwsCredentials>;
  }
  return defaultCredentials();
};

export class AgentServiceClient {
  constructor(private readonly deps: AgentServiceClientDeps) {}

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** The request as it is sent: URL and headers (signed), for `body`. */
  async request(agentId: string, id: string, body: string): Promise<{ url: string; headers: Record<string, string> }> {
    const config = await this.deps.config();
    const url = `${config.baseUrl}/v1/agents/${encodeURIComponent(agentId)}/invocations`;
    let headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'ionflux-agent-dispatcher/1',
      ...(config.signingSecret ? standardWebhookHeaders(config.signingSecret, id, Math.floor(this.now() / 1000), body) : { 'webhook-id': id }),
    };
    if (config.awsIam) headers = await this.sigv4(url, headers, body, config.awsIam);
    return { url, headers };
  }

  private async sigv4(url: string, headers: Record<string, string>, body: string, iam: { region: string; service: string }): Promise<Record<string, string>> {
    const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
    const signer = new SignatureV4({ service: iam.service, region: iam.region, sha256: Sha256, credentials: this.deps.awsCredentials ?? sdkCredentials });
    const target = new URL(url);
    const signed = await signer.sign({
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port ? { port: Number(target.port) } : {}),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers: { ...headers, host: target.host },
      body,
    });
    const { host: _host, ...rest } = signed.headers as Record<string, string>;
    return rest;
  }

  /** One attempt; never throws for AgentService's own failures (they are in the result). */
  async deliver(agentId: string, id: string, body: string, options: { timeoutMs: number }): Promise<DeliveryResult> {
    let request: { url: string; headers: Record<string, string> };
    try {
      request = await this.request(agentId, id, body);
    } catch (error) {
      // Configuration or credentials: retrying later may help (an operator fixes the secret).
      return { ok: false, retryable: true, error: errorMessage(error) };
    }
    try {
      const response = await (this.deps.fetch ?? fetch)(request.url, {
        method: 'POST',
        headers: request.headers,
        body,
        signal: AbortSignal.timeout(Math.max(1, options.timeoutMs)),
      });
      // Read (and drop) the answer so the connection goes back to the pool.
      const text = await response.text().catch(() => '');
      const { ok, retryable } = classifyStatus(response.status);
      if (ok) return { ok, retryable, status: response.status };
      const wait = retryAfterMs(response.headers.get('retry-after'), this.now());
      return {
        ok,
        retryable,
        status: response.status,
        error: `AgentService answered ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      };
    } catch (error) {
      const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
      return { ok: false, retryable: true, error: timedOut ? `AgentService did not answer within ${options.timeoutMs} ms` : `AgentService unreachable: ${errorMessage(error)}` };
    }
  }
}
