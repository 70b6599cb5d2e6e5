/** text_to_speech → POST /audio/speech with the official SDK (binary answer: the audio file). */
import type OpenAI from 'openai';
import type { SpeechCreateParams } from 'openai/resources/audio/speech';
import type { CallOptions } from '../../../llm/provider';
import type { SpeechTransform } from '../../speech-provider';

export const openaiTextToSpeech: SpeechTransform<OpenAI, SpeechCreateParams> = {
  toRequest: (chunk) => ({
    model: chunk.model ?? 'tts-1',
    input: chunk.text,
    voice: chunk.voice.name as SpeechCreateParams['voice'],
    response_format: chunk.format.name as SpeechCreateParams['response_format'],
  }),
  async send(client, body, options: CallOptions) {
    const { data, request_id } = await client.audio.speech.create(body, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 }).withResponse();
    const audio = Buffer.from(await data.arrayBuffer());
    return { audio, ...(request_id ? { requestId: request_id } : {}) };
  },
};
