/**
 * A fake AWS JSON-protocol endpoint for client tests: it checks every request's SigV4 signature with the
 * AWS SDK's signer (so a request it accepts would be accepted by AWS), then answers from a script of
 * responses: status, headers (e.g. x-amzn-errortype) and a JSON body, or a dropped socket.
 *
 * With `clockOffsetMs` its clock runs that far from the client's: like AWS, it refuses a request signed
 * more than 5 minutes away from its own time (400 InvalidSignatureException, "Signature expired"), and
 * every answer carries its time in the `Date` header — what the SDK corrects its clock skew from.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from './sigv4-verify';

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** Answer after this many ms. */
  delayMs?: number;
}

export interface ReceivedRequest {
  target: string;
  contentType: string;
  body: unknown;
  signatureValid: boolean;
  securityToken?: string;
  /** The request's X-Amz-Date as a Date. */
  signedAt: Date;
}

const SKEW_LIMIT_MS = 5 * 60_000;
const amzDateOf = (value: string) =>
  new Date(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`);


export class FakeAwsJsonServer {
  readonly received: ReceivedRequest[] = [];
  private script: ScriptedResponse[] = [];
  private server?: http.Server;
  /** Secret keys by access key id, for checking signatures. */
  constructor(
    private readonly keys: Record<string, string>,
    private readonly scope: { region: string; service: string },
    private readonly options: { clockOffsetMs?: number } = {},
  ) {}

  /** The fake's own clock. */
  now(): number {
    return Date.now() + (this.options.clockOffsetMs ?? 0);
  }

  respond(...responses: ScriptedResponse[]): void {
    this.script.push(...responses);
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.answer(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private verify(req: http.IncomingMessage, body: string): Promise<boolean> {
    return verifySigV4(req, body, this.keys, this.scope);
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = body;
    }
    const amzDate = String(req.headers['x-amz-date']);
    const signedAt = amzDateOf(amzDate);
    this.received.push({
      target: String(req.headers['x-amz-target']),
      contentType: String(req.headers['content-type']),
      body: parsed,
      signatureValid: await this.verify(req, body),
      ...(typeof req.headers['x-amz-security-token'] === 'string' ? { securityToken: req.headers['x-amz-security-token'] } : {}),
      signedAt,
    });
    const now = new Date(this.now());
    const dated = { date: now.toUTCString() };
    if (Math.abs(now.getTime() - signedAt.getTime()) > SKEW_LIMIT_MS) {
      const stamp = (d: Date) => d.toISOString().replace(/[-:]|\.\d{3}/g, '');
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `req-${this.received.length}`, ...dated });
      res.end(JSON.stringify({
        __type: 'InvalidSignatureException',
        message: `Signature expired: ${amzDate} is now earlier than ${stamp(new Date(now.getTime() - SKEW_LIMIT_MS))} (${stamp(now)} - 5 min.)`,
      }));
      return;
    }
    const next = this.script.shift() ?? { status: 200, body: {} };
    if (next.delayMs) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next.drop) {
      req.socket.destroy();
      return;
    }
    const payload = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    res.writeHead(next.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${this.received.length}`, ...dated, ...next.headers });
    res.end(payload);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
