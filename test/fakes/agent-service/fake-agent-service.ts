/**
 * A fake AgentService: `POST /v1/agents/{agent_id}/invocations` as the dispatcher calls it. It checks the
 * Standard Webhooks signature itself (node:crypto HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw
 * body>`, keyed by the base64-decoded part of each accepted `whsec_…` secret; 5-minute tolerance;
 * constant-time comparison; several `v1,` signatures allowed) — not with the library the dispatcher
 * signs with — and answers 401 to a bad one. Every invocation is recorded; failures can be scripted
 * (status, Retry-After, delay) for all agents or one.
 *
 * Also a dev tool: `npx ionflux dev fake agent-service` (dev-fake.ts) prints the `ionflux secrets set`
 * line that points the local runtime's dispatcher at it, then logs each invocation.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedInvocation {
  agentId: string;
  webhookId: string;
  timestamp: number;
  /** Whether the signature matched an accepted secret (requests failing it are answered 401 and kept here too). */
  verified: boolean;
  headers: Record<string, string>;
  rawBody: string;
  body: { workspace_id: string; agent_id: string; trigger_index: number; events: Array<{ event_id: string; event_type: string; workspace_id: string; payload_json: Record<string, unknown> }> };
  status: number;
  at: number;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Only for this agent (default: any). */
  agentId?: string;
}

export interface FakeAgentServiceOptions {
  /** Accepted `whsec_…` secrets (rotation: several). Empty: signatures are not required. */
  secrets: string[];
  /** Signature timestamp tolerance in seconds (Standard Webhooks: 5 minutes). */
  toleranceS?: number;
  /** Keep parsed bodies of delivered invocations (default true; the benchmark turns it off). */
  record?: boolean;
  log?: (line: string) => void;
}

/** A fresh `whsec_` secret (24 random bytes, as Svix makes them). */
export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** Standard Webhooks verification, written here independently of the `standardwebhooks` library. */
export function verifyStandardWebhook(secrets: string[], headers: Record<string, string>, rawBody: string, nowS: number, toleranceS = 300): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowS - Number(timestamp)) > toleranceS) return false;
  const given = signatures
    .split(' ')
    .map((s) => s.split(','))
    .filter(([version, sig]) => version === 'v1' && sig)
    .map(([, sig]) => Buffer.from(sig!, 'base64'));
  return secrets.some((secret) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
    return given.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
}

export class FakeAgentService {
  readonly invocations: ReceivedInvocation[] = [];
  /** Requests answered 2xx (counted even when not recorded). */
  delivered = 0;
  private readonly script: ScriptedReply[] = [];
  private failing: ScriptedReply | undefined;
  private server?: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  private port = 0;

  constructor(private readonly options: FakeAgentServiceOptions) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next matching invocations get these replies, one each, in order. */
  scriptReplies(...replies: ScriptedReply[]): void {
    this.script.push(...replies);
  }

  /** Every invocation (of `reply.agentId`, or of any agent) gets `reply` until `recover()`. */
  failAll(reply: ScriptedReply): void {
    this.failing = reply;
  }

  recover(): void {
    this.failing = undefined;
    this.script.length = 0;
  }

  /** Invocations that were accepted (2xx, signature verified), optionally of one agent. */
  accepted(agentId?: string): ReceivedInvocation[] {
    return this.invocations.filter((i) => i.status < 300 && (!agentId || i.agentId === agentId));
  }

  private reply(agentId: string): ScriptedReply {
    if (this.failing && (!this.failing.agentId || this.failing.agentId === agentId)) return this.failing;
    const i = this.script.findIndex((r) => !r.agentId || r.agentId === agentId);
    if (i >= 0) return this.script.splice(i, 1)[0]!;
    return { status: 202 };
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/v1\/agents\/([^/]+)\/invocations$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const agentId = decodeURIComponent(match[1]!);
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const verified = this.options.secrets.length === 0 || verifyStandardWebhook(this.options.secrets, headers, rawBody, Math.floor(Date.now() / 1000), this.options.toleranceS);
      const reply = verified ? this.reply(agentId) : { status: 401 };
      if (reply.status < 300) this.delivered++;
      if (this.options.record !== false || reply.status >= 300) {
        let body: ReceivedInvocation['body'];
        try {
          body = JSON.parse(rawBody) as ReceivedInvocation['body'];
        } catch {
          body = { workspace_id: '', agent_id: '', trigger_index: -1, events: [] };
        }
        this.invocations.push({ agentId, webhookId: headers['webhook-id'] ?? '', timestamp: Number(headers['webhook-timestamp'] ?? 0), verified, headers, rawBody, body, status: reply.status, at: Date.now() });
        this.options.log?.(`${reply.status} ${agentId} trigger ${body.trigger_index} workspace ${body.workspace_id}: ${body.events.length} event(s) ${body.events.map((e) => e.event_type).join(', ')}${verified ? '' : ' (bad signature)'}`);
      }
      const send = () => res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.status < 300 ? '{"accepted":true}' : `{"error":"scripted ${reply.status}"}`);
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => this.serve(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
