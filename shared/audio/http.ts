/**
 * The HTTP edge of `POST /v1/audio/generate-speech` and `POST /v1/audio/transcribe`: the body validated
 * against the contract (400 naming every problem in zod's words), the service run, 200 with its answer and a
 * Server-Timing header, or the shared error body.
 */
import * as z from 'zod/mini';
import { httpHandler, LAMBDA_MAX_BODY_BYTES } from '../http/handler';
import { parseJsonBody, validate } from '../http/json-body';
import type { HttpRequest } from '../http/request';
import { json } from '../http/response';
import { GenerateSpeechRequestSchema, TranscribeRequestSchema } from './contract';
import type { SpeechService } from './speech-service';
import type { TranscriptionService } from './transcription-service';

const context = (request: HttpRequest) => ({ requestId: request.requestId, deadline: request.deadline, ...(request.callerArn ? { callerArn: request.callerArn } : {}) });
const ms = (x: number) => x.toFixed(2);

export function generateSpeechHandler(service: () => SpeechService) {
  return httpHandler(
    async (request) => {
      const body = validate(parseJsonBody(request, z.unknown()), GenerateSpeechRequestSchema, 'invalid_body');
      const { body: answer, timings: t } = await service().generate(body, context(request));
      const timing = `gateway;dur=${ms(t.totalMs - t.providerMs - t.storeMs - t.publishMs)}, provider;dur=${ms(t.providerMs)}, store;dur=${ms(t.storeMs)}, publish;dur=${ms(t.publishMs)}`;
      return json(200, answer, { 'server-timing': timing });
    },
    { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
  );
}

export function transcribeHandler(service: () => TranscriptionService) {
  return httpHandler(
    async (request) => {
      const body = validate(parseJsonBody(request, z.unknown()), TranscribeRequestSchema, 'invalid_body');
      const { body: answer, timings: t } = await service().transcribe(body, context(request));
      return json(200, answer, { 'server-timing': `gateway;dur=${ms(t.totalMs - t.providerMs)}, provider;dur=${ms(t.providerMs)}` });
    },
    { maxBodyBytes: LAMBDA_MAX_BODY_BYTES },
  );
}
