/** text_to_speech → POST /api/tts with the text, the speaker and the language (XTTS and other multi-speaker models). */
import type { CallOptions } from '../../../llm/provider';
import type { SpeechTransform } from '../../speech-provider';
import { baseLanguage } from '../../voices';
import { type AudioPost, postForAudio, type RestClient } from '../rest';

export const coquiTextToSpeech: SpeechTransform<RestClient, AudioPost> = {
  toRequest: (chunk) => ({
    url: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'audio/wav' },
    body: new URLSearchParams({ text: chunk.text, speaker_id: chunk.voice.name, language_id: baseLanguage(chunk.language) }),
  }),
  send: (client, body, options: CallOptions) =>
    postForAudio(
      client,
      { ...body, url: `${client.baseUrl}/api/tts`, headers: { ...body.headers, ...(client.apiKey !== 'no-key' ? { authorization: `Bearer ${client.apiKey}` } : {}) } },
      options,
    ),
};
