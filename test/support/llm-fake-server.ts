/**
 * The small HTTP server under the fake LLM providers (test/fakes/openai, test/fakes/anthropic):
 * node:http on 127.0.0.1, port 0; every request recorded (headers, JSON or multipart body); replies
 * scripted per route (status, headers such as retry-after, delay, or no reply at all) before the fake's
 * normal behaviour applies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from './listen';

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer after this many ms. */
  delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the server closes). */
  hang?: boolean;
  /** Drop the connection without an answer (a network error for the client). */
  reset?: boolean;
}

export interface MultipartFile {
  name: string;
  type: string;
  size: number;
  bytes: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Size of the raw body. */
  bytes: number;
  route: string;
  headers: Record<string, string>;
  /** Parsed JSON body, or the text fields of a multipart body. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  files: Record<string, MultipartFile>;
  /** The query string. */
  query: URLSearchParams;
  /** The body as it arrived (what a signature is computed over). */
  raw: Buffer;
  /** Epoch ms the request arrived. */
  at: number;
}

export type FakeHandler = (request: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeServerOptions {
  /** Keep parsed bodies in `requests` (default true); a fake taking bulk traffic drops them after use. */
  retainBodies?: boolean;
}

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted = new Map<string, FakeReply[]>();
  private readonly sockets = new Set<import('node:net').Socket>();
  private server?: http.Server;
  private port = 0;

  constructor(
    private readonly routeOf: (method: string, path: string) => string,
    private readonly handle: FakeHandler,
    private readonly options: FakeServerOptions = {},
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next requests to `route` get these replies, in order (then the normal behaviour again). */
  script(route: string, ...replies: FakeReply[]): void {
    this.scripted.set(route, [...(this.scripted.get(route) ?? []), ...replies]);
  }

  /** Requests received on a route (optionally only those carrying a given key). */
  on(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Drops replies scripted but not consumed (a scenario that ended early leaves none behind). */
  clearScript(): void {
    this.scripted.clear();
  }

  /** Listens on 127.0.0.1:`port` (0: a free port; dev tools pass their documented port). */
  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await listen(this.server, port);
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      bytes: raw.length,
      route: this.routeOf(req.method ?? 'GET', path),
      headers,
      body: undefined,
      files: {},
      query: url.searchParams,
      raw,
      at: Date.now(),
    };
    try {
      await parseBody(recorded, raw);
    } catch (error) {
      this.requests.push(recorded);
      return send(res, { status: 400, body: { error: { message: `unreadable body: ${(error as Error).message}` } } });
    }
    this.requests.push(recorded);
    const queue = this.scripted.get(recorded.route);
    const reply = queue?.length ? queue.shift()! : await this.handle(recorded);
    if (this.options.retainBodies === false) {
      recorded.body = undefined;
      recorded.raw = Buffer.alloc(0);
    }
    if (reply.hang) return;
    if (reply.reset) return void req.socket.destroy();
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs).unref());
    send(res, reply);
  }
}

async function parseBody(recorded: RecordedRequest, raw: Buffer): Promise<void> {
  const type = recorded.headers['content-type'] ?? '';
  if (!raw.length) return;
  if (type.startsWith('application/json')) {
    recorded.body = JSON.parse(raw.toString('utf8'));
    return;
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    recorded.body = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    return;
  }
  if (type.startsWith('multipart/form-data')) {
    // The platform's own multipart parser (undici), as a server framework would use.
    const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else recorded.files[name] = { name: value.name, type: value.type, size: value.size, bytes: Buffer.from(await value.arrayBuffer()) };
    }
    recorded.body = fields;
    return;
  }
  recorded.body = raw.toString('utf8');
}

function send(res: http.ServerResponse, reply: FakeReply): void {
  if (res.destroyed) return;
  // Buffers are sent as they are (audio); anything else as JSON.
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(body);
}

/** Whitespace-separated words: the fakes' token count (deterministic, easy to predict in tests). */
export const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
