/** text_to_speech → POST /cognitiveservices/v1 with the text in SSML (escaped), the voice and its locale. */
import type { CallOptions } from '../../../llm/provider';
import type { SpeechChunk, SpeechTransform } from '../../speech-provider';
import { type AudioPost, postForAudio, type RestClient } from '../rest';

const XML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };
// Characters XML 1.0 does not allow at all.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g; // eslint-disable-line no-control-regex

export const escapeXml = (text: string): string => text.replace(NOT_XML, '').replace(/[<>&'"]/g, (c) => XML[c]!);

export function ssml(chunk: SpeechChunk): string {
  const lang = escapeXml(chunk.language);
  const gender = chunk.voice.gender === 'female' ? " xml:gender='Female'" : chunk.voice.gender === 'male' ? " xml:gender='Male'" : '';
  return `<speak version='1.0' xml:lang='${lang}'><voice xml:lang='${lang}'${gender} name='${escapeXml(chunk.voice.name)}'>${escapeXml(chunk.text)}</voice></speak>`;
}

export const azureTextToSpeech: SpeechTransform<RestClient, AudioPost> = {
  toRequest: (chunk) => ({
    url: '',
    headers: {
      'content-type': 'application/ssml+xml',
      'x-microsoft-outputformat': chunk.format.name,
      'user-agent': 'ionflux-audio',
    },
    body: ssml(chunk),
    requestIdHeader: 'x-requestid',
  }),
  send: (client, body, options: CallOptions) =>
    postForAudio(client, { ...body, url: `${client.baseUrl}/cognitiveservices/v1`, headers: { ...body.headers, 'ocp-apim-subscription-key': client.apiKey } }, options),
};
