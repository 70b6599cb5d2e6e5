/**
 * ElevenLabs text-to-speech by its documented REST API (`POST /v1/text-to-speech/{voice_id}`). Not the
 * official @elevenlabs/elevenlabs-js: bundled for this one call it is 4–5 MB minified (its generated
 * serialisation layer comes whole), against a few hundred bytes of request code. Secret
 * `<root>/platform/elevenlabs` = {"api_key", "base_url"?} (`base_url` replaces https://api.elevenlabs.io).
 */
import type { SpeechProviderApi } from '../../speech-provider';
import { classifyRestError, jsonBody, restClient, type RestClient } from '../rest';

/** Account states that waiting does not fix. */
const QUOTA_CODES = new Set(['quota_exceeded', 'insufficient_credits', 'payment_required', 'subscription_required']);

export const elevenLabsApi: SpeechProviderApi<RestClient> = {
  name: 'elevenlabs',
  label: 'elevenlabs',
  defaultBaseUrl: 'https://api.elevenlabs.io',
  auth: 'xi-api-key header',
  endpoint: 'POST /v1/text-to-speech/{voice_id}?output_format={format}',
  // eleven_multilingual_v2 takes 10,000 characters a request; smaller chunks are synthesised side by side.
  maxChunkCharacters: 5000,
  // The Free plan's concurrency (Starter 3, Creator 5…): more concurrent requests get 429s.
  concurrency: 2,
  formats: {
    mp3: { name: 'mp3_44100_128' },
    ogg_opus: { name: 'opus_48000_64' },
    wav: { name: 'pcm_24000', pcmSampleRate: 24_000 },
  },
  createClient: restClient,
  // Errors: {"detail": {"status"|"code": "voice_not_found", "message": "…"}} (422: {"detail": [{msg}]}).
  classifyError: (error) =>
    classifyRestError(error, (status, body) => {
      const detail = jsonBody(body)?.detail;
      if (Array.isArray(detail)) {
        const messages = detail.map((d) => (d && typeof d === 'object' && typeof (d as { msg?: unknown }).msg === 'string' ? (d as { msg: string }).msg : '')).filter(Boolean);
        return { providerCode: 'validation_error', message: messages.join('; ') || `status ${status}` };
      }
      const d = (detail && typeof detail === 'object' ? detail : {}) as { status?: unknown; code?: unknown; message?: unknown };
      const code = typeof d.status === 'string' ? d.status : typeof d.code === 'string' ? d.code : undefined;
      return {
        ...(code ? { providerCode: code } : {}),
        message: typeof d.message === 'string' ? d.message : typeof detail === 'string' ? detail : `status ${status}`,
        ...(code && QUOTA_CODES.has(code) ? { quotaExhausted: true } : {}),
      };
    }),
};
