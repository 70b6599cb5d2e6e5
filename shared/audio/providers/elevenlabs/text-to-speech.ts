/**
 * text_to_speech → POST /v1/text-to-speech/{voice_id}?output_format=…: the text, the model, and the
 * neighbouring chunks' text (previous_text/next_text) so a long text split into requests keeps its
 * intonation across the joins.
 */
import type { CallOptions } from '../../../llm/provider';
import type { SpeechTransform } from '../../speech-provider';
import { baseLanguage } from '../../voices';
import { type AudioPost, postForAudio, type RestClient } from '../rest';

/** Models that accept `language_code` (multilingual v2 infers the language from the text). */
const LANGUAGE_CODE_MODELS = /^eleven_(flash|turbo)_v2_5|^eleven_v3/;
const CONTEXT_CHARACTERS = 500;

export const elevenLabsTextToSpeech: SpeechTransform<RestClient, AudioPost & { path: string }> = {
  toRequest(chunk) {
    const model = chunk.model ?? 'eleven_multilingual_v2';
    return {
      url: '',
      path: `/v1/text-to-speech/${encodeURIComponent(chunk.voice.name)}?output_format=${encodeURIComponent(chunk.format.name)}`,
      headers: { 'content-type': 'application/json', accept: 'audio/*' },
      body: JSON.stringify({
        text: chunk.text,
        model_id: model,
        ...(LANGUAGE_CODE_MODELS.test(model) ? { language_code: baseLanguage(chunk.language) } : {}),
        ...(chunk.previousText ? { previous_text: chunk.previousText.slice(-CONTEXT_CHARACTERS) } : {}),
        ...(chunk.nextText ? { next_text: chunk.nextText.slice(0, CONTEXT_CHARACTERS) } : {}),
      }),
      requestIdHeader: 'request-id',
    };
  },
  send: (client, { path, ...body }, options: CallOptions) =>
    postForAudio(client, { ...body, url: `${client.baseUrl}${path}`, headers: { ...body.headers, 'xi-api-key': client.apiKey } }, options),
};
