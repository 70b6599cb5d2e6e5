/** Test helpers for the LLM functions: calling them as API Gateway does, keys, media, a media server. */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as embedding } from '../../functions/llm/embedding';
import { handler as imageGeneration } from '../../functions/llm/image-generation';
import { handler as imageUnderstanding } from '../../functions/llm/image-understanding';
import { handler as speechToText } from '../../functions/llm/speech-to-text';
import { handler as textGeneration } from '../../functions/llm/text-generation';
import type { TaskType } from '../../shared/llm/contract';
import { workspaceDirectory } from '../../shared/runtime/workspaces';
import { platformSecretName } from '../../shared/secrets/names';
import { secretRoot } from './environment';
import { invokeHttp, type InvokeResult } from './http';
import { storeSecret } from './secrets';

const handlers: Record<TaskType, unknown> = {
  text_generation: textGeneration,
  embedding,
  speech_to_text: speechToText,
  image_understanding: imageUnderstanding,
  image_generation: imageGeneration,
};

/** POST /v1/llm/<task> through the real handler with a real API Gateway payload 2.0 event. */
export function callLlm(task: TaskType, body: unknown, options: { timeoutS?: number; headers?: Record<string, string> } = {}): Promise<InvokeResult> {
  const path = `/v1/llm/${task.replace(/_/g, '-')}`;
  return invokeHttp(
    handlers[task] as (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>,
    { method: 'POST', rawPath: path, routeKey: `POST ${path}`, headers: { 'content-type': 'application/json', ...options.headers }, body: typeof body === 'string' ? body : JSON.stringify(body) },
    options.timeoutS ?? 10,
  );
}

/** A fresh key value (recorded for the log scan by storeSecret). */
export const newKey = (prefix = 'sk-test') => `${prefix}-${randomUUID().replace(/-/g, '')}`;

/** The platform secret of a provider. */
export async function platformKey(provider: string, key: string, baseUrl?: string): Promise<void> {
  await storeSecret(platformSecretName(secretRoot(), provider), { api_key: key, ...(baseUrl ? { base_url: baseUrl } : {}) });
}

/** Maps the workspace's own secret for `provider` (generic_secrets_config_json) and stores it. */
export async function workspaceKeys(workspaceId: string, keys: Record<string, { key: string; baseUrl?: string }>): Promise<void> {
  const mapping: Record<string, string> = {};
  for (const [provider, { key, baseUrl }] of Object.entries(keys)) {
    const name = `${secretRoot()}/workspaces/${workspaceId}/${provider}`;
    await storeSecret(name, { api_key: key, ...(baseUrl ? { base_url: baseUrl } : {}) });
    mapping[provider] = name;
  }
  await workspaceDirectory().putSettings(workspaceId, { generic_secrets_config_json: mapping });
}

/** A PCM16 mono WAV of `seconds` (test/fakes/audio/samples.ts). */
export { wav } from '../fakes/audio/samples';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bytes that start like a PNG (what format sniffing looks at), `size` bytes long. */
export const pngLike = (size: number) => Buffer.concat([PNG_SIGNATURE, randomBytes(Math.max(0, size - PNG_SIGNATURE.length))]);

export interface MediaFile {
  body: Buffer;
  contentType?: string;
  status?: number;
  /** Redirect to this path (relative or absolute). */
  location?: string;
  delayMs?: number;
  /** Omit content-length and send the body in chunks. */
  chunked?: boolean;
}

/** Serves files on 127.0.0.1 (port 0) for inputs by URL; counts hits per path. */
export class MediaServer {
  readonly files = new Map<string, MediaFile>();
  readonly hits = new Map<string, number>();
  private server?: http.Server;
  private port = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const file = this.files.get(path);
      if (!file) {
        res.writeHead(404).end('not found');
        return;
      }
      const answer = () => {
        if (file.location) {
          res.writeHead(file.status ?? 302, { location: file.location }).end();
          return;
        }
        const headers: Record<string, string> = { 'content-type': file.contentType ?? 'application/octet-stream' };
        if (!file.chunked) headers['content-length'] = String(file.body.length);
        res.writeHead(file.status ?? 200, headers);
        if (!file.chunked) return void res.end(file.body);
        let offset = 0;
        const next = () => {
          if (res.destroyed) return;
          if (offset >= file.body.length) return void res.end();
          const chunk = file.body.subarray(offset, offset + 256 * 1024);
          offset += chunk.length;
          res.write(chunk, next);
        };
        next();
      };
      if (file.delayMs) setTimeout(answer, file.delayMs).unref();
      else answer();
    });
    this.server.on('clientError', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  add(path: string, file: MediaFile): string {
    this.files.set(path, file);
    return this.url(path);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
