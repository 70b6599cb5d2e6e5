/**
 * A fake DynamoDB endpoint in front of moto: every request is forwarded as it is, and
 * `TransactWriteItems` gets DynamoDB's documented idempotency, which moto lacks — a request that carries
 * the ClientRequestToken of a transaction already applied (within the 10-minute window) succeeds without
 * being applied again; the same token with other parameters is `IdempotentParameterMismatchException`.
 *
 * `applyThenFail(n)` makes the next n transactions fail the way a network or service fault can: applied
 * by moto, then answered with a 500, so only the client's retry can find out whether it happened.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FrontRequest {
  target: string;
  clientRequestToken?: string;
  answered: number;
  forwarded: boolean;
}

const IDEMPOTENCY_WINDOW_MS = 10 * 60_000;

export class FakeDynamoDbFront {
  readonly requests: FrontRequest[] = [];
  private readonly applied = new Map<string, { parameters: string; at: number }>();
  private failAfterApply = 0;
  private server?: http.Server;

  constructor(private readonly upstream: string) {}

  /** The next `count` TransactWriteItems are applied by moto and then answered with HTTP 500. */
  applyThenFail(count = 1): void {
    this.failAfterApply += count;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers[name] = value;
    const response = await fetch(new URL(req.url ?? '/', this.upstream), { method: req.method ?? 'POST', headers, body });
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection' && name !== 'content-encoding') out[name] = value;
    });
    return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()) };
  }

  private reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `front-${this.requests.length}`, ...headers, 'content-length': String(payload.length) });
    res.end(payload);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const record: FrontRequest = { target, answered: 0, forwarded: false };
    this.requests.push(record);
    try {
      if (target !== 'DynamoDB_20120810.TransactWriteItems') {
        const upstream = await this.forward(req, body);
        record.forwarded = true;
        record.answered = upstream.status;
        return this.reply(res, upstream.status, upstream.body, upstream.headers);
      }
      const input = JSON.parse(body.toString('utf8')) as { ClientRequestToken?: string } & Record<string, unknown>;
      const { ClientRequestToken: token, ...rest } = input;
      const parameters = JSON.stringify(rest);
      if (token) record.clientRequestToken = token;
      const known = token ? this.applied.get(token) : undefined;
      if (known && Date.now() - known.at < IDEMPOTENCY_WINDOW_MS) {
        if (known.parameters !== parameters) {
          record.answered = 400;
          return this.reply(res, 400, { __type: 'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException', message: 'Request parameters do not match the request with the same client token' });
        }
        record.answered = 200;
        return this.reply(res, 200, {});
      }
      const upstream = await this.forward(req, body);
      record.forwarded = true;
      if (upstream.status === 200 && token) this.applied.set(token, { parameters, at: Date.now() });
      if (upstream.status === 200 && this.failAfterApply > 0) {
        this.failAfterApply--;
        record.answered = 500;
        return this.reply(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' });
      }
      record.answered = upstream.status;
      return this.reply(res, upstream.status, upstream.body, upstream.headers);
    } catch (error) {
      record.answered = 502;
      this.reply(res, 502, { message: `front: ${(error as Error).message}` });
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
