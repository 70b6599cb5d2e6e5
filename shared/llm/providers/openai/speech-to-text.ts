/**
 * speech_to_text → POST /audio/transcriptions (multipart). whisper-1 is asked for verbose_json, which
 * carries the audio duration it is billed by; the gpt-4o transcribe models answer json with token usage.
 */
import type OpenAI from 'openai';
import type { TranscriptionCreateParamsNonStreaming } from 'openai/resources/audio/transcriptions';
import type { ModelSpec } from '../../catalog';
import type { ProviderUsage, SpeechToTextInput, SpeechToTextOutput } from '../../contract';
import { type CallOptions, ProviderBadResponse, type TaskTransform } from '../../provider';
import { compact, count } from '../wire';

interface TranscriptionResponse {
  text?: unknown;
  language?: unknown;
  duration?: unknown;
  segments?: Array<{ start?: unknown; end?: unknown; text?: unknown; avg_logprob?: unknown; no_speech_prob?: unknown }>;
  logprobs?: Array<{ logprob?: unknown }>;
  usage?: { type?: string; seconds?: unknown; input_tokens?: unknown; output_tokens?: unknown; input_token_details?: { audio_tokens?: unknown } };
}

const verbose = (model: ModelSpec) => model.apiModel.startsWith('whisper');

export const openaiSpeechToText: TaskTransform<'speech_to_text', OpenAI, TranscriptionCreateParamsNonStreaming, TranscriptionResponse> = {
  toRequest(input: SpeechToTextInput, model) {
    return {
      file: new File([input.audio.bytes], input.audio.filename, { type: input.audio.mediaType }),
      model: model.apiModel,
      response_format: verbose(model) ? 'verbose_json' : 'json',
      ...(input.language ? { language: input.language } : {}),
      ...(input.prompt ? { prompt: input.prompt } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      // whisper's verbose_json carries segments already; the gpt-4o models give token log-probabilities on request.
      ...(input.detail && !verbose(model) ? { include: ['logprobs'] } : {}),
    } as TranscriptionCreateParamsNonStreaming;
  },
  async send(client, body, options: CallOptions) {
    const { data, request_id } = await client.audio.transcriptions.create(body, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 }).withResponse();
    return { data: data as unknown as TranscriptionResponse, requestId: request_id };
  },
  fromResponse(raw, input) {
    const u = raw?.usage;
    const seconds = count(raw?.duration) ?? (u?.type === 'duration' ? count(u.seconds) : undefined);
    const usage: ProviderUsage = compact({
      seconds,
      input_tokens: u?.type === 'tokens' ? count(u.input_tokens) : undefined,
      output_tokens: u?.type === 'tokens' ? count(u.output_tokens) : undefined,
      audio_input_tokens: u?.type === 'tokens' ? count(u.input_token_details?.audio_tokens) : undefined,
    });
    if (!raw || typeof raw.text !== 'string') throw new ProviderBadResponse('transcription without text', usage);
    return {
      output: compact({
        transcription: raw.text,
        language: typeof raw.language === 'string' ? raw.language : undefined,
        duration_seconds: seconds,
        ...(input.detail ? detail(raw) : {}),
      }),
      usage,
    };
  },
};

const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Segments (whisper) and token log-probabilities (gpt-4o transcribe), when the answer has them. */
function detail(raw: TranscriptionResponse): Pick<SpeechToTextOutput, 'segments' | 'token_logprobs'> {
  const out: Pick<SpeechToTextOutput, 'segments' | 'token_logprobs'> = {};
  if (Array.isArray(raw.segments)) {
    out.segments = raw.segments.map((s) =>
      compact({
        start: finite(s?.start) ?? 0,
        end: finite(s?.end) ?? 0,
        text: typeof s?.text === 'string' ? s.text : '',
        avg_logprob: finite(s?.avg_logprob),
        no_speech_prob: finite(s?.no_speech_prob),
      }),
    );
  }
  if (Array.isArray(raw.logprobs)) {
    const values = raw.logprobs.map((l) => finite(l?.logprob)).filter((v): v is number => v !== undefined);
    if (values.length) out.token_logprobs = values;
  }
  return out;
}
