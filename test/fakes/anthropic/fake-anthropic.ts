/**
 * A local fake of Anthropic's Messages API (`POST /v1/messages`), driven by the real
 * `@anthropic-ai/sdk` over HTTP, holding callers to the real rules: the key checked (`x-api-key`, or
 * `Authorization: Bearer` as SDK 1.x sends it; x-api-key wins when both are present; 401
 * authentication_error), `anthropic-version` required, `max_tokens` required, only user/assistant turns
 * (a "system" role is a 400: the system prompt is top-level), the first turn from the user, no
 * temperature/top_p/top_k on version 2026-10-21 (400 even at defaults; on 2023-06-01 temperature 0–1,
 * not with top_p), image blocks as base64 sources of a supported media type ≤ 5 MB.
 * Answers echo the last user turn and the system prompt, with usage in Anthropic's shape
 * (input_tokens excluding cache reads/writes) and a `request-id` header. Errors are
 * `{ type: "error", error: { type, message }, request_id }`; replies can be scripted.
 */
import { FakeHttpServer, type FakeReply, type RecordedRequest, words } from '../../support/llm-fake-server';

export interface FakeAnthropicOptions {
  keys: string[];
  /** Report this many input tokens as cache reads (to exercise cache accounting). */
  cacheReadTokens?: number;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
}

let requestIds = 0;
const error = (status: number, type: string, message: string, headers: Record<string, string> = {}, details?: Record<string, unknown>): FakeReply => {
  const id = `req_fake_${++requestIds}`;
  return { status, body: { type: 'error', error: { type, message, ...(details ? { details } : {}) }, request_id: id }, headers: { 'request-id': id, ...headers } };
};

/** Scripted failures in Anthropic's format. */
export const anthropicErrors = {
  overloaded: (): FakeReply => error(529, 'overloaded_error', 'Overloaded'),
  rateLimited: (retryAfterS?: number): FakeReply =>
    error(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}),
  spendLimit: (): FakeReply =>
    error(429, 'rate_limit_error', 'You have reached your specified workspace API usage limits.', {}, { error_code: 'enforced_spend_limit_reached' }),
  serverError: (): FakeReply => error(500, 'api_error', 'Internal server error'),
  invalidRequest: (message: string): FakeReply => error(400, 'invalid_request_error', message),
};

const keyOf = (request: RecordedRequest): string => request.headers['x-api-key'] ?? (request.headers.authorization ?? '').replace(/^Bearer /, '');

const MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class FakeAnthropic {
  readonly server: FakeHttpServer;
  readonly keys: Set<string>;
  private ids = 0;

  private constructor(private readonly options: FakeAnthropicOptions) {
    this.keys = new Set(options.keys);
    this.server = new FakeHttpServer(
      (method, path) => (method === 'POST' && path === '/v1/messages' ? 'messages' : 'unknown'),
      (request) => this.handle(request),
    );
  }

  static async start(options: FakeAnthropicOptions): Promise<FakeAnthropic> {
    const fake = new FakeAnthropic(options);
    await fake.server.start(options.port);
    return fake;
  }

  /** The SDK's baseURL (it appends /v1/messages). */
  get baseUrl(): string {
    return this.server.origin;
  }

  script(...replies: FakeReply[]): void {
    this.server.script('messages', ...replies);
  }

  get requests(): RecordedRequest[] {
    return this.server.on('messages');
  }

  keysUsed(): string[] {
    return this.requests.map(keyOf);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private handle(request: RecordedRequest): FakeReply {
    if (request.route !== 'messages') return error(404, 'not_found_error', `Not found: ${request.path}`);
    if (!this.keys.has(keyOf(request))) return error(401, 'authentication_error', 'invalid x-api-key');
    const version = request.headers['anthropic-version'];
    if (!version) return error(400, 'invalid_request_error', 'anthropic-version: header is required');
    const body = (request.body ?? {}) as Json;
    const problem = this.validate(body, version);
    if (problem) return anthropicErrors.invalidRequest(problem);

    let inputTokens = typeof body.system === 'string' ? words(body.system) : 0;
    let lastUser = '';
    for (const m of body.messages as Json[]) {
      const blocks: Json[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
      const parts: string[] = [];
      for (const block of blocks) {
        if (block.type === 'text') {
          inputTokens += words(block.text);
          parts.push(block.text);
        } else {
          const bytes = Buffer.from(block.source.data, 'base64').length;
          inputTokens += Math.ceil(bytes / 750);
          parts.push(`[image ${block.source.media_type} ${bytes} bytes]`);
        }
      }
      if (m.role === 'user') lastUser = parts.join(' ');
    }
    let text = `echo: ${lastUser}${body.system ? ` [system: ${body.system}]` : ''}`;
    let stop = 'end_turn';
    if (words(text) > body.max_tokens) {
      text = text.split(/\s+/).slice(0, body.max_tokens).join(' ');
      stop = 'max_tokens';
    }
    const cacheRead = Math.min(this.options.cacheReadTokens ?? 0, inputTokens);
    const id = `req_fake_${++requestIds}`;
    return {
      status: 200,
      headers: { 'request-id': id },
      body: {
        id: `msg_${++this.ids}`,
        type: 'message',
        role: 'assistant',
        model: body.model,
        content: [{ type: 'text', text }],
        stop_reason: stop,
        stop_sequence: null,
        usage: { input_tokens: inputTokens - cacheRead, output_tokens: words(text), cache_creation_input_tokens: 0, cache_read_input_tokens: cacheRead },
      },
    };
  }

  private validate(body: Json, version: string): string | undefined {
    if (typeof body.model !== 'string') return 'model: Field required';
    if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
    if (!Array.isArray(body.messages) || !body.messages.length) return 'messages: at least one message is required';
    if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return 'system: must be a string or text blocks';
    if (version === '2023-06-01') {
      if (body.temperature !== undefined && (body.temperature < 0 || body.temperature > 1)) return 'temperature: must be between 0 and 1';
      if (body.temperature !== undefined && body.top_p !== undefined) return '`temperature` and `top_p` cannot both be specified for this model';
    } else {
      for (const name of ['temperature', 'top_p', 'top_k']) if (body[name] !== undefined) return `${name}: Extra inputs are not permitted`;
    }
    const messages = body.messages as Json[];
    if (messages[0]!.role !== 'user') return 'messages: first message must use the "user" role';
    for (const [i, m] of messages.entries()) {
      if (m.role === 'system') return `messages.${i}.role: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`;
      if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
      if (typeof m.content === 'string') continue;
      if (!Array.isArray(m.content)) return `messages.${i}.content: must be a string or content blocks`;
      for (const block of m.content as Json[]) {
        if (block.type === 'text' && typeof block.text === 'string') continue;
        if (block.type !== 'image') return `messages.${i}.content: unknown block type ${block.type}`;
        if (block.source?.type !== 'base64') return `messages.${i}.content: image source type must be base64 in this fake`;
        if (!MEDIA_TYPES.has(block.source.media_type)) return `messages.${i}.content.image.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
        if (block.source.data.length > 5 * 1024 * 1024) return `messages.${i}.content.image.source.base64: image exceeds 5 MB maximum`;
      }
    }
    return undefined;
  }
}
