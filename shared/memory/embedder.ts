/**
 * Embeddings for memory, from the LLM service's own engine in process: the same catalog, fallback,
 * workspace keys (BYOK through the SecretResolver) and `llm.usage.recorded` events as
 * `POST /v1/llm/embedding`, without a second copy of provider code or an HTTP hop. Texts go in batches
 * of at most 256 (base64 on the way back: every catalog model's batch fits the service's response
 * limit), up to 4 batches at once; each batch is its own LLM call with its own request id.
 */
import { base64ToFloats } from '../llm/providers/openai-compatible/embeddings';
import type { CallContext, LlmService } from '../llm/service';

export interface EmbedRequest {
  workspaceId: string;
  /** Catalog id or alias. */
  model: string;
  requestId: string;
  deadline: number;
  callerArn?: string;
  /** Attribution copied into the LLM usage events (≤ 16 pairs of ≤ 256 characters). */
  metadata: Record<string, string>;
}

export interface Embeddings {
  vectors: number[][];
  /** The catalog model that answered (a fallback may differ from the one asked for). */
  model: string;
  inputTokens: number;
  calls: number;
}

export interface Embedder {
  embed(texts: string[], request: EmbedRequest): Promise<Embeddings>;
}

const BATCH = 256;
const PARALLEL = 4;

export class LlmEmbedder implements Embedder {
  constructor(private readonly llm: () => Pick<LlmService, 'run'>) {}

  async embed(texts: string[], request: EmbedRequest): Promise<Embeddings> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) batches.push(texts.slice(i, i + BATCH));
    const results: Array<{ vectors: number[][]; model: string; tokens: number }> = new Array(batches.length);
    const metadata = Object.fromEntries(Object.entries(request.metadata).map(([k, v]) => [k, v.slice(0, 256)]));
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < batches.length && !failed) {
        const i = next++;
        const ctx: CallContext = {
          requestId: batches.length > 1 ? `${request.requestId}:embed-${i + 1}` : `${request.requestId}:embed`,
          deadline: request.deadline,
          ...(request.callerArn ? { callerArn: request.callerArn } : {}),
        };
        const { body } = await this.llm()
          .run('embedding', { workspace_id: request.workspaceId, model: request.model, text_to_embed: batches[i]!, parameters: { encoding_format: 'base64' }, metadata }, ctx)
          .catch((error: unknown) => {
            failed = true;
            throw error;
          });
        const encoded = body.provider_response.embeddings ?? [];
        results[i] = {
          vectors: encoded.map((e) => (typeof e === 'string' ? base64ToFloats(e) : e)),
          model: body.model,
          tokens: body.usage.input_tokens,
        };
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, batches.length) }, worker));
    return {
      vectors: results.flatMap((r) => r.vectors),
      model: results[0]?.model ?? request.model,
      inputTokens: results.reduce((n, r) => n + r.tokens, 0),
      calls: results.length,
    };
  }
}
