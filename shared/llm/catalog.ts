/**
 * The model catalog: which models exist, which provider serves each, what each can do, what it costs,
 * and the aliases that map retired or informal names (the seed's `claude-3-haiku`, `DALL-E 3`,
 * `Whisper v3` …) to current models. The data is model-catalog.json; this file reads and queries it.
 */
import * as z from 'zod/mini';
import { TASK_TYPES, type TaskType } from './contract';
import { LlmRequestError, unknownModel, unsupportedTask } from './errors';
import catalogData from './model-catalog.json';

const PerMtok = z.optional(z.number().check(z.gte(0)));

const PriceSchema = z.strictObject({
  input_per_mtok: PerMtok,
  cached_input_per_mtok: PerMtok,
  cache_write_per_mtok: PerMtok,
  audio_input_per_mtok: PerMtok,
  image_input_per_mtok: PerMtok,
  output_per_mtok: PerMtok,
  per_minute: PerMtok,
  /** Per generated image by quality and size, when the provider reports no tokens. */
  per_image: z.optional(z.record(z.string(), z.record(z.string(), z.number().check(z.gte(0))))),
});

const ModelSchema = z.strictObject({
  provider: z.string().check(z.minLength(1)),
  /** The id sent upstream (a pinned snapshot, a Hugging Face id…); default: the catalog id. */
  api_model: z.optional(z.string().check(z.minLength(1))),
  tasks: z.array(z.enum(TASK_TYPES)).check(z.minLength(1)),
  context_window: z.optional(z.int().check(z.gte(1))),
  max_output_tokens: z.optional(z.int().check(z.gte(1))),
  /** max_tokens sent when the caller gives none and the provider requires one (Anthropic). */
  default_max_tokens: z.optional(z.int().check(z.gte(1))),
  embedding_dimensions: z.optional(z.int().check(z.gte(1))),
  /** The similarity the model's vectors are made for (a vector index built for it uses this metric; default cosine). */
  embedding_metric: z.optional(z.enum(['cosine', 'dotproduct', 'euclidean'])),
  /** Accepts `dimensions` (shortened embeddings). */
  variable_dimensions: z.optional(z.boolean()),
  json_mode: z.optional(z.boolean()),
  /** Announced retirement date (informational). */
  retires: z.optional(z.string()),
  price: PriceSchema,
});

export const CatalogSchema = z.strictObject({
  version: z.string(),
  currency: z.literal('USD'),
  notes: z.optional(z.string()),
  models: z.record(z.string().check(z.regex(/^[a-z0-9][a-z0-9._/-]*$/, 'catalog ids are lower-case')), ModelSchema),
  aliases: z.record(z.string().check(z.regex(/^[a-z0-9][a-z0-9._/-]*$/, 'aliases are lower-case')), z.strictObject({ model: z.string(), reason: z.string() })),
});

export type CatalogData = z.infer<typeof CatalogSchema>;
export type ModelPrice = z.infer<typeof PriceSchema>;
export type CatalogModel = z.infer<typeof ModelSchema>;

/** A model of the catalog, ready to call. */
export interface ModelSpec extends CatalogModel {
  /** Catalog id (canonical). */
  id: string;
  /** Id sent to the provider. */
  apiModel: string;
}

/** One entry of the chain (primary or fallback) after catalog resolution. */
export interface ResolvedTarget {
  provider: string;
  model: ModelSpec;
  /** What the caller wrote. */
  requested: string;
  /** Why an alias was applied. */
  aliasReason?: string;
}

/** Lookups ignore case and treat spaces and underscores as hyphens: `Claude 3 Haiku` = `claude-3-haiku`. */
export const normaliseModelName = (name: string): string => name.trim().toLowerCase().replace(/[\s_]+/g, '-');

export class ModelCatalog {
  private readonly models = new Map<string, ModelSpec>();
  private readonly aliases = new Map<string, { model: string; reason: string }>();

  constructor(readonly data: CatalogData) {
    for (const [id, model] of Object.entries(data.models)) this.models.set(id, { ...model, id, apiModel: model.api_model ?? id });
    for (const [alias, target] of Object.entries(data.aliases)) this.aliases.set(alias, target);
  }

  get version(): string {
    return this.data.version;
  }

  ids(): string[] {
    return [...this.models.keys()];
  }

  /** Problems with the data itself (aliases to nowhere, shadowed ids); empty when consistent. */
  problems(): string[] {
    const problems: string[] = [];
    for (const [alias, target] of this.aliases) {
      if (!this.models.has(target.model)) problems.push(`alias ${alias} points to unknown model ${target.model}`);
      if (this.models.has(alias)) problems.push(`alias ${alias} shadows a model id`);
    }
    for (const model of this.models.values()) {
      if (model.default_max_tokens && model.max_output_tokens && model.default_max_tokens > model.max_output_tokens) {
        problems.push(`${model.id}: default_max_tokens exceeds max_output_tokens`);
      }
      if (model.tasks.includes('embedding') && !model.embedding_dimensions) problems.push(`${model.id}: embedding model without embedding_dimensions`);
    }
    return problems;
  }

  /** The model for a name or alias, or undefined. */
  find(name: string): { model: ModelSpec; aliasReason?: string } | undefined {
    const key = normaliseModelName(name);
    const direct = this.models.get(key);
    if (direct) return { model: direct };
    const alias = this.aliases.get(key);
    const target = alias && this.models.get(alias.model);
    return target ? { model: target, aliasReason: alias.reason } : undefined;
  }

  /**
   * Resolves `{provider?, model}` for a task: the model must exist (directly or by alias), belong to the
   * named provider when one is named, and be able to do the task. Throws a 400 otherwise.
   */
  resolve(ref: { provider?: string | undefined; model: string }, task: TaskType): ResolvedTarget {
    const found = this.find(ref.model);
    if (!found) throw unknownModel(ref.model, this.ids());
    const { model, aliasReason } = found;
    if (ref.provider !== undefined && ref.provider !== model.provider) {
      throw new LlmRequestError(
        'model_provider_mismatch',
        `model "${ref.model}" is served by ${model.provider}, not ${ref.provider}`,
        { model: ref.model, provider: ref.provider, catalog_provider: model.provider },
      );
    }
    if (!model.tasks.includes(task)) throw unsupportedTask(model.id, task, model.tasks);
    return { provider: model.provider, model, requested: ref.model, ...(aliasReason ? { aliasReason } : {}) };
  }
}

let bundled: ModelCatalog | undefined;

/** The catalog shipped with the code (validated once per execution environment). */
export function modelCatalog(): ModelCatalog {
  if (!bundled) {
    const parsed = CatalogSchema.safeParse(catalogData);
    if (!parsed.success) throw new Error(`model-catalog.json is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    bundled = new ModelCatalog(parsed.data);
  }
  return bundled;
}
