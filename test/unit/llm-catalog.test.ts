/**
 * The model catalog is data: it validates, every seed model name (including retired ones) resolves to a
 * current model that can do its task, prices exist for what each task bills, and every (provider, task)
 * pair of the catalog is served by that task's function (its provider list and its secret grants).
 */
import { providers as embeddingProviders } from '../../functions/llm/embedding';
import { providers as imageGenerationProviders } from '../../functions/llm/image-generation';
import { providers as imageUnderstandingProviders } from '../../functions/llm/image-understanding';
import { providers as speechProviders } from '../../functions/llm/speech-to-text';
import { providers as textProviders } from '../../functions/llm/text-generation';
import { llmFunctions } from '../../functions/manifest/llm';
import { CatalogSchema, ModelCatalog, modelCatalog, normaliseModelName } from '../../shared/llm/catalog';
import { TASK_TYPES, type TaskType } from '../../shared/llm/contract';
import { LlmRequestError } from '../../shared/llm/errors';
import type { LlmProvider } from '../../shared/llm/provider';
import catalogJson from '../../shared/llm/model-catalog.json';

const byTask: Record<TaskType, LlmProvider[]> = {
  text_generation: textProviders,
  embedding: embeddingProviders,
  speech_to_text: speechProviders,
  image_understanding: imageUnderstandingProviders,
  image_generation: imageGenerationProviders,
};

describe('model catalog', () => {
  it('is valid data with no dangling aliases', () => {
    const parsed = CatalogSchema.safeParse(catalogJson);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(modelCatalog().problems()).toEqual([]);
    const broken = new ModelCatalog({ version: 'x', currency: 'USD', models: {}, aliases: { a: { model: 'b', reason: '' } } });
    expect(broken.problems()).toEqual(['alias a points to unknown model b']);
  });

  it.each([
    ['GPT-4o', 'text_generation', 'gpt-4o'],
    ['GPT-3.5-turbo', 'text_generation', 'gpt-4o-mini'],
    ['gpt-3.5-turbo', 'text_generation', 'gpt-4o-mini'],
    ['text-embedding-3-small', 'embedding', 'text-embedding-3-small'],
    ['Whisper-large', 'speech_to_text', 'whisper-1'],
    ['Whisper v3', 'speech_to_text', 'whisper-1'],
    ['GPT-4o Vision', 'image_understanding', 'gpt-4o'],
    ['DALL-E 3', 'image_generation', 'gpt-image-1'],
    ['dall-e-3', 'image_generation', 'gpt-image-1'],
    ['Claude 3 Haiku', 'text_generation', 'claude-haiku-4-5'],
    ['claude-3-haiku-20240307', 'image_understanding', 'claude-haiku-4-5'],
    ['ds-chat-b32', 'text_generation', 'deepseek-v4-flash'],
    ['deepseek-chat', 'text_generation', 'deepseek-v4-flash'],
    ['multi-qa-MiniLM-L6-cos-v1', 'embedding', 'multi-qa-minilm-l6-cos-v1'],
    ['sentence-transformers/all-mpnet-base-v2', 'embedding', 'all-mpnet-base-v2'],
  ] as const)('seed name %s (%s) → %s', (name, task, model) => {
    const resolved = modelCatalog().resolve({ model: name }, task);
    expect(resolved.model.id).toBe(model);
    expect(resolved.requested).toBe(name);
  });

  it('names retired models as aliases with the reason, and sends pinned ids upstream', () => {
    expect(modelCatalog().find('claude-3-haiku')).toMatchObject({ model: { id: 'claude-haiku-4-5', apiModel: 'claude-haiku-4-5-20251001' }, aliasReason: expect.stringContaining('retired') });
    expect(modelCatalog().find('gpt-4o')!.aliasReason).toBeUndefined();
    expect(normaliseModelName('  Claude_3   Haiku ')).toBe('claude-3-haiku');
  });

  it('refuses unknown models, wrong tasks and provider mismatches with a 400', () => {
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as LlmRequestError;
      }
      throw new Error('expected an error');
    };
    expect(error(() => modelCatalog().resolve({ model: 'gpt-5-turbo-max' }, 'text_generation'))).toMatchObject({ status: 400, code: 'unknown_model' });
    expect(error(() => modelCatalog().resolve({ model: 'whisper-1' }, 'text_generation'))).toMatchObject({ status: 400, code: 'unsupported_task' });
    expect(error(() => modelCatalog().resolve({ provider: 'deepseek', model: 'gpt-4o' }, 'text_generation'))).toMatchObject({ status: 400, code: 'model_provider_mismatch' });
  });

  it('has the prices each task bills by', () => {
    for (const id of modelCatalog().ids()) {
      const { model } = modelCatalog().find(id)!;
      const p = model.price;
      const selfHosted = model.provider === 'sentence-transformers';
      if (selfHosted) continue;
      if (model.tasks.includes('text_generation') || model.tasks.includes('image_understanding')) {
        expect({ id, input: p.input_per_mtok !== undefined, output: p.output_per_mtok !== undefined }).toEqual({ id, input: true, output: true });
      }
      if (model.tasks.includes('embedding')) expect({ id, input: p.input_per_mtok }).toEqual({ id, input: expect.any(Number) });
      if (model.tasks.includes('speech_to_text')) expect({ id, perMinute: p.per_minute }).toEqual({ id, perMinute: expect.any(Number) });
      if (model.tasks.includes('image_generation')) expect({ id, output: p.output_per_mtok, perImage: p.per_image }).toEqual({ id, output: expect.any(Number), perImage: expect.any(Object) });
    }
  });

  it("every catalog (provider, task) is implemented by the provider, bundled in the task's function and granted its platform secret", () => {
    for (const task of TASK_TYPES) {
      const spec = llmFunctions.find((f) => f.entry === `functions/llm/${task.replace(/_/g, '-')}.ts`)!;
      expect(spec).toBeDefined();
      const needed = new Set(modelCatalog().ids().map((id) => modelCatalog().find(id)!.model).filter((m) => m.tasks.includes(task)).map((m) => m.provider));
      for (const name of needed) {
        const provider = byTask[task].find((p) => p.name === name);
        expect({ task, name, bundled: provider !== undefined, implements: provider?.supports(task) }).toEqual({ task, name, bundled: true, implements: true });
        expect(spec.needs).toContain(`secret:${name}`);
      }
      // Usage events go through the outbox: no Kafka, hence no VPC, for the LLM functions.
      expect(spec.needs).toEqual(expect.arrayContaining(['sqs:outbox', 'workspace-secrets']));
      expect(spec.needs).not.toContain('kafka');
      expect(spec.trigger).toEqual({ http: { method: 'POST', path: `/v1/llm/${task.replace(/_/g, '-')}`, auth: 'iam' } });
    }
  });
});
