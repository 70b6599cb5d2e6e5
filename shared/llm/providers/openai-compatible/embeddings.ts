/** Embeddings on the OpenAI wire (OpenAI, and sentence-transformers servers such as TEI). */
import type OpenAI from 'openai';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import type { ModelSpec } from '../../catalog';
import type { EmbeddingInput, EmbeddingOutput, EmbeddingVector, ProviderUsage } from '../../contract';
import { type CallOptions, type CheckableInput, ProviderBadResponse, type ProviderResult, type TaskTransform } from '../../provider';
import { compact, count, estimateTokens } from '../wire';

/** float32 little-endian bytes, base64-encoded (the OpenAI `encoding_format: base64` layout). */
export function floatsToBase64(vector: number[]): string {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i]!, i * 4);
  return buffer.toString('base64');
}

/**
 * base64 float32 → numbers, each written with 9 significant digits: exactly enough to give back the same
 * float32, and about half the JSON of the full double expansion (0.100000001 instead of 0.10000000149011612).
 */
export function base64ToFloats(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length % 4 !== 0) throw new ProviderBadResponse('embedding is not a float32 array');
  const out = new Array<number>(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = Number(bytes.readFloatLE(i * 4).toPrecision(9));
  return out;
}

export interface EmbeddingsDialect {
  /** What we ask the server for: OpenAI sends base64 (a quarter of the bytes); self-hosted servers get float. */
  wireFormat: 'float' | 'base64';
}

export function embeddingsTransform(dialect: EmbeddingsDialect): TaskTransform<'embedding', OpenAI, EmbeddingCreateParams, CreateEmbeddingResponse> {
  return {
    check(input: CheckableInput<'embedding'>, model: ModelSpec) {
      if (input.dimensions === undefined) return [];
      if (!model.variable_dimensions) return [`${model.id} has a fixed size of ${model.embedding_dimensions} dimensions`];
      if (model.embedding_dimensions && input.dimensions > model.embedding_dimensions) return [`${model.id} has at most ${model.embedding_dimensions} dimensions`];
      return [];
    },
    toRequest(input: EmbeddingInput, model: ModelSpec): EmbeddingCreateParams {
      return {
        model: model.apiModel,
        input: input.texts,
        encoding_format: dialect.wireFormat,
        ...(input.dimensions !== undefined ? { dimensions: input.dimensions } : {}),
      };
    },
    async send(client: OpenAI, body: EmbeddingCreateParams, options: CallOptions) {
      const { data, request_id } = await client.embeddings.create(body, { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 }).withResponse();
      return { data: data as CreateEmbeddingResponse, requestId: request_id };
    },
    fromResponse(raw: CreateEmbeddingResponse, input: EmbeddingInput, model: ModelSpec): ProviderResult<EmbeddingOutput> {
      const usage: ProviderUsage = raw?.usage
        ? compact({ input_tokens: count(raw.usage.prompt_tokens) ?? count(raw.usage.total_tokens) })
        : { input_tokens: estimateTokens(input.texts), estimated: true };
      if (!raw || !Array.isArray(raw.data) || raw.data.length !== input.texts.length) {
        throw new ProviderBadResponse(`expected ${input.texts.length} embedding(s), got ${Array.isArray(raw?.data) ? raw.data.length : 'none'}`, usage);
      }
      const ordered = [...raw.data].sort((a, b) => a.index - b.index);
      const vectors: EmbeddingVector[] = ordered.map((item) => {
        const value = item.embedding as unknown;
        if (input.encodingFormat === 'base64') return typeof value === 'string' ? value : floatsToBase64(value as number[]);
        return typeof value === 'string' ? base64ToFloats(value) : (value as number[]);
      });
      const first = ordered[0]!.embedding as unknown;
      const dimensions = typeof first === 'string' ? Buffer.from(first, 'base64').length / 4 : (first as number[]).length;
      const output: EmbeddingOutput = { dimensions: dimensions || (model.embedding_dimensions ?? 0), encoding_format: input.encodingFormat };
      if (input.single) output.embedding = vectors[0]!;
      else output.embeddings = vectors;
      return { output, usage, ...(raw.model ? { upstreamModel: raw.model } : {}) };
    },
  };
}
