/**
 * Coqui TTS (`tts-server` of idiap/coqui-ai-TTS, pip `coqui-tts`), self-hosted: `POST /api/tts`.
 * Secret `<root>/platform/coqui` = {"base_url", "api_key"?}: the server's origin (it has no auth of its
 * own; a key, when set, is sent as a bearer token for a proxy in front of it). It answers WAV only and
 * synthesises one request at a time (a global lock): the lowest-priority fallback.
 */
import type { SpeechProviderApi } from '../../speech-provider';
import { classifyRestError, jsonBody, restClient, type RestClient } from '../rest';

export const coquiApi: SpeechProviderApi<RestClient> = {
  name: 'coqui',
  label: 'coqui',
  keyRequired: false,
  auth: 'none (Authorization: Bearer <api_key> when the secret has one, for a proxy)',
  endpoint: 'POST /api/tts (form fields text, speaker_id, language_id) → audio/wav',
  maxChunkCharacters: 1000,
  concurrency: 1,
  formats: { wav: { name: 'wav' } },
  createClient: restClient,
  // Flask answers errors as HTML or JSON ({"message"}); a synthesis exception is a 500.
  classifyError: (error) =>
    classifyRestError(error, (status, body) => {
      const message = jsonBody(body)?.message;
      return { message: typeof message === 'string' ? message : body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300) || `status ${status}` };
    }),
};
