/**
 * The providers' pure request/response maps (no network): OpenAI/DeepSeek parameter maps, Anthropic's
 * turns and usage, embedding encodings (property-tested), cost arithmetic, redaction of key-like text,
 * and the request validation messages.
 */
import fc from 'fast-check';
import { modelCatalog } from '../../shared/llm/catalog';
import { validateLlmRequest } from '../../shared/llm/http';
import { checkMessages, messageUsage, messagesBody, toTurns } from '../../shared/llm/providers/anthropic/messages';
import { chatBody, chatParams, chatUsage } from '../../shared/llm/providers/openai-compatible/chat';
import { base64ToFloats, floatsToBase64 } from '../../shared/llm/providers/openai-compatible/embeddings';
import { mapParams } from '../../shared/llm/providers/wire';
import { redactSecrets } from '../../shared/llm/redact';
import { prepare } from '../../shared/llm/service';
import { costOf } from '../../shared/llm/usage';

const model = (id: string) => modelCatalog().find(id)!.model;

describe('OpenAI-wire chat', () => {
  it('maps our parameters (max_completion_tokens on OpenAI, max_tokens on DeepSeek), clamps ranges and the model cap', () => {
    const parameters = { max_tokens: 100_000, temperature: 3, top_p: 0.5, stop: ['x'], presence_penalty: -5, seed: 7, response_format: 'json_object' as const };
    const messages = [{ role: 'user' as const, content: 'hi' }];
    expect(chatBody(messages, parameters, model('gpt-4o'), chatParams('max_completion_tokens'))).toEqual({
      model: 'gpt-4o',
      messages,
      max_completion_tokens: 16384,
      temperature: 2,
      top_p: 0.5,
      stop: ['x'],
      presence_penalty: -2,
      seed: 7,
      response_format: { type: 'json_object' },
    });
    const ds = chatBody(messages, { max_tokens: 10 }, model('deepseek-v4-flash'), chatParams('max_tokens'));
    expect(ds).toEqual({ model: 'deepseek-v4-flash', messages, max_tokens: 10 });
    // No max_tokens from the caller and none required: none sent (OpenAI picks); DeepSeek gets the catalog default.
    expect(chatBody(messages, {}, model('gpt-4o'), chatParams('max_completion_tokens'))).toEqual({ model: 'gpt-4o', messages });
    expect(chatBody(messages, {}, model('deepseek-v4-flash'), chatParams('max_tokens')).max_tokens).toBe(4096);
  });

  it('reads cached tokens from OpenAI (prompt_tokens_details) and DeepSeek (prompt_cache_hit_tokens)', () => {
    expect(chatUsage({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 4 } } as never)).toEqual({ input_tokens: 10, output_tokens: 2, cached_input_tokens: 4 });
    expect(chatUsage({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_cache_hit_tokens: 6, prompt_cache_miss_tokens: 4 } as never)).toEqual({ input_tokens: 10, output_tokens: 2, cached_input_tokens: 6 });
    expect(chatUsage(undefined)).toEqual({});
  });

  it('drops parameters a provider has no rule for', () => {
    expect(mapParams({ a: { param: 'b', max: 1 } }, { a: 5, c: 1, d: undefined })).toEqual({ b: 1 });
  });
});

describe('Anthropic Messages', () => {
  it('moves system prompts top-level, merges consecutive turns, always sends max_tokens, never sampling parameters', () => {
    const { system, turns } = toTurns([
      { role: 'system', content: 'rule one' },
      { role: 'user', content: 'a' },
      { role: 'system', content: 'rule two' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: 'c' },
    ]);
    expect(system).toEqual(['rule one', 'rule two']);
    expect(turns).toEqual([
      { role: 'user', content: 'a\n\nb' },
      { role: 'assistant', content: 'c' },
    ]);
    expect(messagesBody(system, turns, { temperature: 0.3, top_p: 0.2, stop: ['z'], seed: 1 }, model('claude-haiku-4-5'))).toEqual({
      model: 'claude-haiku-4-5-20251001',
      system: 'rule one\n\nrule two',
      messages: turns,
      max_tokens: 4096,
      stop_sequences: ['z'],
    });
    expect(messagesBody([], turns, { max_tokens: 1_000_000 }, model('claude-haiku-4-5')).max_tokens).toBe(64000);
  });

  it('names what Anthropic cannot take', () => {
    expect(checkMessages([{ role: 'system', content: 's' }], {}, model('claude-haiku-4-5'))).toEqual(['anthropic needs at least one user message besides the system prompt']);
    expect(checkMessages([{ role: 'assistant', content: 'a' }, { role: 'user', content: 'b' }], {}, model('claude-haiku-4-5'))).toEqual(['anthropic needs the conversation to start with a user message']);
    expect(checkMessages([{ role: 'user', content: 'b' }], { response_format: 'json_object' }, model('claude-haiku-4-5'))).toEqual(['claude-haiku-4-5 has no JSON mode (response_format json_object)']);
  });

  it("counts cache reads and writes into input tokens (Anthropic's input_tokens exclude them)", () => {
    expect(messageUsage({ input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } as never)).toEqual({
      input_tokens: 130,
      output_tokens: 3,
      cached_input_tokens: 100,
      cache_write_tokens: 20,
    });
    const usd = costOf({ input_tokens: 130, output_tokens: 3, cached_input_tokens: 100, cache_write_tokens: 20 }, model('claude-haiku-4-5').price);
    expect(usd).toBeCloseTo((10 * 1 + 100 * 0.1 + 20 * 1.25 + 3 * 5) / 1e6, 12);
  });
});

describe('embeddings', () => {
  it('base64 float32 → numbers that are the same float32 values, written with ≤ 9 significant digits', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 }), (values) => {
        const f32 = values.map(Math.fround);
        const decoded = base64ToFloats(floatsToBase64(f32));
        const zeroless = (xs: number[]) => xs.map((x) => (x === 0 ? 0 : x)); // -0 and 0 are the same embedding value
        expect(zeroless(decoded.map(Math.fround))).toEqual(zeroless(f32));
        for (const d of decoded) expect(d.toPrecision(9).replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '').length).toBeLessThanOrEqual(9);
      }),
    );
  });
});

describe('cost', () => {
  it('prices tokens, seconds and images from the catalog', () => {
    expect(costOf({ input_tokens: 1_000_000, output_tokens: 1_000_000, cached_input_tokens: 400_000 }, model('gpt-4o').price)).toBeCloseTo(0.6 * 2.5 + 0.4 * 1.25 + 10, 10);
    expect(costOf({ seconds: 90 }, model('whisper-1').price)).toBeCloseTo(0.009, 12);
    expect(costOf({ input_tokens: 100, audio_input_tokens: 80, output_tokens: 10 }, model('gpt-4o-transcribe').price)).toBeCloseTo((20 * 2.5 + 80 * 6 + 10 * 10) / 1e6, 12);
    expect(costOf({ images: 2 }, model('gpt-image-1').price, { imageQuality: 'high', imageSize: '1536x1024' })).toBeCloseTo(0.5, 12);
    expect(costOf({ images: 1 }, model('gpt-image-1').price, { imageQuality: 'auto', imageSize: 'auto' })).toBeCloseTo(0.042, 12);
    expect(costOf({ input_tokens: 50, estimated: true }, model('all-mpnet-base-v2').price)).toBe(0);
  });
});

describe('redaction', () => {
  it('removes the key itself and key-like strings from provider messages', () => {
    const key = 'sk-proj-abcdef1234567890';
    expect(redactSecrets(`Incorrect API key provided: ${key}.`, [key])).toBe('Incorrect API key provided: [redacted].');
    expect(redactSecrets('Incorrect API key provided: sk-proj-****7890.')).toBe('Incorrect API key provided: sk-[redacted].');
    expect(redactSecrets('header Authorization: Bearer abcdefghijklmnop')).toBe('header Authorization: Bearer [redacted]');
    expect(redactSecrets('{"api_key": "secretvalue123"}')).toBe('{"api_key": "[redacted]"}');
    expect(redactSecrets('rate limit reached for gpt-4o')).toBe('rate limit reached for gpt-4o');
    expect(redactSecrets('x'.repeat(600)).length).toBe(501);
  });
});

describe('request validation', () => {
  it('says what is wrong, field by field', () => {
    let error: { details?: { problems?: string[] } } | undefined;
    try {
      validateLlmRequest('text_generation', { workspace_id: 'bad id!', model: 'gpt-4o', prompt: 'x', parameters: { max_token: 1, temperature: 9 }, extra: true, fallback: [{ model: 3 }] });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.details?.problems).toEqual(
      expect.arrayContaining([
        'workspace_id: must be 1–64 letters, digits, "_" or "-"',
        'parameters.temperature: Too big: expected number to be <=2',
        'parameters: Unrecognized key: "max_token"',
        'fallback.0.model: Invalid input: expected string, received number',
        '(body): Unrecognized key: "extra"',
      ]),
    );
    let option: { details?: { problems?: string[] } } | undefined;
    try {
      validateLlmRequest('image_generation', { workspace_id: 'w', model: 'm', prompt: 'p', parameters: { size: 'huge' } });
    } catch (e) {
      option = e as typeof option;
    }
    expect(option?.details?.problems).toEqual([expect.stringMatching(/^parameters\.size: Invalid option: expected one of "auto"\|"1024x1024"/)]);
  });

  it('for a field of two possible types, says what is wrong with the one given, not just "wrong type"', () => {
    const problemsOf = (body: unknown) => {
      try {
        validateLlmRequest('embedding', body);
      } catch (e) {
        return (e as { details: { problems: string[] } }).details.problems;
      }
      return [];
    };
    const base = { workspace_id: 'w', model: 'text-embedding-3-small' };
    expect(problemsOf({ ...base, text_to_embed: Array.from({ length: 3000 }, () => 'x') })).toEqual(['text_to_embed: Too big: expected array to have <=2048 items']);
    expect(problemsOf({ ...base, text_to_embed: 42 })).toEqual(['text_to_embed: Invalid input: expected string, received number | Invalid input: expected array, received number']);
  });

  it('normalises inputs: prompt → one user turn, developer → system, stop string → list, DALL·E sizes and qualities', () => {
    expect(prepare('text_generation', { workspace_id: 'w', model: 'm', prompt: 'p', parameters: { stop: 's' } })).toEqual({ messages: [{ role: 'user', content: 'p' }], parameters: { stop: ['s'] } });
    expect(prepare('text_generation', { workspace_id: 'w', model: 'm', messages: [{ role: 'developer', content: 'd' }, { role: 'user', content: 'u' }] }).messages[0]).toEqual({ role: 'system', content: 'd' });
    expect(prepare('image_generation', { workspace_id: 'w', model: 'm', prompt: 'p', parameters: { size: '1024x1792', quality: 'standard' } })).toEqual({ prompt: 'p', n: 1, size: '1024x1536', quality: 'medium' });
    expect(prepare('embedding', { workspace_id: 'w', model: 'm', text_to_embed: 'one' })).toEqual({ texts: ['one'], single: true, encodingFormat: 'float' });
    expect(() => prepare('text_generation', { workspace_id: 'w', model: 'm', messages: [{ role: 'system', content: 's' }] })).toThrow('messages need at least one non-empty user message');
  });
});
