/**
 * A fake AWS JSON-protocol endpoint for client tests: it checks every request's SigV4 signature with the
 * AWS SDK's signer (so a request it accepts would be accepted by AWS), then answers from a script of
 * responses: status, headers (e.g. x-amzn-errortype, x-amz-crc32) and a JSON body, or a dropped socket.
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
}


export class FakeAwsJsonServer {
  readonly received: ReceivedRequest[] = [];
  private script: ScriptedResponse[] = [];
  private server?: http.Server;
  /** Secret keys by access key id, for checking signatures. */
  constructor(
    private readonly keys: Record<string, string>,
    private readonly scope: { region: string; service: string },
  ) {}

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
    this.received.push({
      target: String(req.headers['x-amz-target']),
      contentType: String(req.headers['content-type']),
      body: parsed,
      signatureValid: await this.verify(req, body),
      ...(typeof req.headers['x-amz-security-token'] === 'string' ? { securityToken: req.headers['x-amz-security-token'] } : {}),
    });
    const next = this.script.shift() ?? { status: 200, body: {} };
    if (next.delayMs) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next.drop) {
      req.socket.destroy();
      return;
    }
    const payload = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    res.writeHead(next.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${this.received.length}`, ...next.headers });
    res.end(payload);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
