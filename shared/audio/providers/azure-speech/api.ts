/**
 * Azure Speech text-to-speech, by its documented REST API (`POST /cognitiveservices/v1`, SSML in, audio
 * out). Not the Speech SDK (microsoft-cognitiveservices-speech-sdk): it synthesises over a websocket
 * session meant for browsers and long-lived apps, bundles megabytes, and adds nothing a one-shot
 * request needs. Secret `<root>/platform/azure-speech` = {"api_key", "region", "base_url"?}: `base_url`
 * replaces `https://{region}.tts.speech.microsoft.com`.
 */
import { ConfigurationError } from '../../../errors';
import type { SpeechProviderApi } from '../../speech-provider';
import { classifyRestError, jsonBody, restClient, type RestClient } from '../rest';

const REGION = /^[a-z0-9]{2,40}$/;

export const azureSpeechApi: SpeechProviderApi<RestClient> = {
  name: 'azure',
  label: 'azure-speech',
  defaultBaseUrl: ({ get, secretName }) => {
    const region = get('region');
    if (!region) {
      throw new ConfigurationError(`secret ${secretName} has no "region" (e.g. "eastus"), nor a "base_url"`, { code: 'secret_not_configured', details: { secret: secretName } });
    }
    if (!REGION.test(region)) throw new ConfigurationError(`secret ${secretName}: "region" must be an Azure region name such as "eastus"`, { code: 'secret_not_configured', details: { secret: secretName } });
    return `https://${region}.tts.speech.microsoft.com`;
  },
  keyRequired: true,
  auth: 'Ocp-Apim-Subscription-Key header',
  endpoint: 'POST /cognitiveservices/v1 (application/ssml+xml; X-Microsoft-OutputFormat)',
  // One request renders at most 10 minutes of audio; ~2,500 characters is under 3 minutes of speech.
  maxChunkCharacters: 2500,
  concurrency: 4,
  formats: {
    mp3: { name: 'audio-24khz-48kbitrate-mono-mp3' },
    ogg_opus: { name: 'ogg-24khz-16bit-mono-opus' },
    wav: { name: 'riff-24khz-16bit-mono-pcm' },
  },
  createClient: restClient,
  // Errors: 400 bad SSML (often an empty body), 401 key, 415 content type, 429 quota/throttling, 5xx.
  classifyError: (error) =>
    classifyRestError(error, (status, body) => {
      const json = jsonBody(body);
      const inner = (json?.error ?? json) as { code?: unknown; message?: unknown } | undefined;
      return {
        ...(typeof inner?.code === 'string' ? { providerCode: inner.code } : {}),
        message: typeof inner?.message === 'string' ? inner.message : body.trim() ? body.trim().slice(0, 300) : status === 400 ? 'Azure rejected the SSML (bad request)' : `status ${status}`,
      };
    }),
};
