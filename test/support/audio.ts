/** Test helpers for the audio functions: calling them as API Gateway does, and per-scenario provider keys. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as generateSpeech } from '../../functions/audio/generate-speech';
import { handler as transcribe } from '../../functions/audio/transcribe';
import { invokeHttp, type InvokeResult } from './http';

const handlers = { 'generate-speech': generateSpeech, transcribe };

/** POST /v1/audio/<route> through the real handler with a real API Gateway payload 2.0 event. */
export function callAudio(route: keyof typeof handlers, body: unknown, options: { timeoutS?: number } = {}): Promise<InvokeResult> {
  const path = `/v1/audio/${route}`;
  return invokeHttp(
    handlers[route] as unknown as (e: APIGatewayProxyEventV2, c: unknown) => Promise<unknown>,
    { method: 'POST', rawPath: path, routeKey: `POST ${path}`, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) },
    options.timeoutS ?? 20,
  );
}

/** "provider:outcome[:status][:error_code]" of each attempt, for compact assertions. */
export const outcomes = (attempts: Array<{ provider: string; outcome: string; status?: number; error_code?: string }>) =>
  attempts.map((a) => `${a.provider}:${a.outcome}${a.status ? `:${a.status}` : ''}${a.error_code ? `:${a.error_code}` : ''}`);
