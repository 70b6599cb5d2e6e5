/**
 * The voice catalog (data checked, aliases, open-ended voices, an equivalent voice on every provider that
 * keeps the language and gender) and the sentence splitter (chunks within a provider's limit, at sentence
 * boundaries, nothing lost).
 */
import fc from 'fast-check';
import { splitText } from '../../shared/audio/sentences';
import { AUDIO_PROVIDERS, baseLanguage, voiceCatalog } from '../../shared/audio/voices';

const catalog = voiceCatalog();

describe('voice catalog', () => {
  it('is consistent', () => {
    expect(catalog.problems()).toEqual([]);
    expect(catalog.ids().length).toBeGreaterThan(30);
  });

  it("resolves the seed's alias and ids case-insensitively", () => {
    expect(catalog.resolve('azure_neural_jenny')).toMatchObject({ voice: { id: 'azure:en-US-JennyNeural', name: 'en-US-JennyNeural', gender: 'female' }, language: 'en-US' });
    expect(catalog.resolve('AZURE:en-us-jennyneural').voice.id).toBe('azure:en-US-JennyNeural');
    expect(catalog.resolve('openai:alloy').voice.provider).toBe('openai');
  });

  it('accepts open-ended voices (any Azure neural voice, an ElevenLabs voice id, a Coqui speaker) and refuses unknown ones', () => {
    expect(catalog.resolve('azure:ja-JP-NanamiNeural')).toMatchObject({ voice: { provider: 'azure', name: 'ja-JP-NanamiNeural', language: 'ja-JP', gender: 'unknown', catalogued: false }, language: 'ja-JP' });
    expect(catalog.resolve('elevenlabs:AbCdEfGhIj1234567890', 'pt-BR')).toMatchObject({ voice: { provider: 'elevenlabs', catalogued: false }, language: 'pt-BR' });
    expect(catalog.resolve('coqui:Claribel Dervla').voice.id).toBe('coqui:claribel-dervla');
    for (const bad of ['openai:nobody', 'azure:Jenny', 'polly:Joanna', 'jenny']) expect(() => catalog.resolve(bad)).toThrow(expect.objectContaining({ code: 'unknown_voice', status: 400 }));
  });

  it('refuses a language a voice cannot speak, naming voices that can', () => {
    expect(() => catalog.resolve('azure:en-US-JennyNeural', 'pt-BR')).toThrow(expect.objectContaining({ code: 'voice_language_mismatch', message: expect.stringContaining('azure:pt-BR-FranciscaNeural') }));
    expect(() => catalog.resolve('azure:en-US-JennyNeural', 'not a language')).toThrow(expect.objectContaining({ code: 'invalid_language' }));
    expect(catalog.resolve('openai:nova', 'pt-br').language).toBe('pt-BR');
  });

  it('has, for every voice, an equivalent on every other provider that keeps its language and gender', () => {
    for (const voice of catalog.list()) {
      for (const provider of AUDIO_PROVIDERS) {
        const other = catalog.equivalent(voice, provider, voice.language);
        expect(other).toBeDefined();
        expect(catalog.speaks(other!, voice.language)).toBe(true);
        if (voice.gender !== 'neutral') expect({ voice: voice.id, gender: other!.gender }).toEqual({ voice: voice.id, gender: voice.gender });
      }
    }
  });

  it('prefers the same locale, then the provider default', () => {
    const jenny = catalog.resolve('azure_neural_jenny').voice;
    expect(catalog.equivalent(jenny, 'openai', 'en-US')!.id).toBe('openai:nova');
    expect(catalog.equivalent(jenny, 'elevenlabs', 'en-US')!.id).toBe('elevenlabs:21m00Tcm4TlvDq8ikWAM');
    const antonio = catalog.resolve('azure:pt-BR-AntonioNeural').voice;
    expect(catalog.equivalent(antonio, 'openai', 'pt-BR')).toMatchObject({ id: 'openai:onyx', gender: 'male' });
    const nova = catalog.resolve('openai:nova').voice;
    expect(catalog.equivalent(nova, 'azure', 'pt-BR')!.id).toBe('azure:pt-BR-FranciscaNeural');
    expect(catalog.equivalent(nova, 'azure', 'en-GB')!.id).toBe('azure:en-GB-SoniaNeural');
    // No Azure voice for Japanese in the catalog: Azure cannot stand in.
    expect(catalog.equivalent(nova, 'azure', 'ja-JP')).toBeUndefined();
  });
});

describe('splitting text at sentence boundaries', () => {
  it('keeps short text whole', () => {
    expect(splitText('  Hello there. How are you?  ', 100)).toEqual(['Hello there. How are you?']);
    expect(splitText('   ', 100)).toEqual([]);
  });

  it('packs whole sentences into chunks within the limit', () => {
    const text = 'Dr. Smith arrived at 3 p.m. today. The order #4521 shipped! Did it arrive? Yes, it did.';
    const chunks = splitText(text, 40);
    expect(chunks).toEqual(['Dr. Smith arrived at 3 p.m. today.', 'The order #4521 shipped! Did it arrive?', 'Yes, it did.']);
  });

  it('splits by the language’s rules (no split after an abbreviation, Japanese full stops)', () => {
    expect(splitText('これはペンです。あれは本です。それは猫です。', 10, 'ja')).toEqual(['これはペンです。', 'あれは本です。', 'それは猫です。']);
  });

  it('splits an over-long sentence between words, and an over-long word between characters', () => {
    const long = `${'word '.repeat(30).trim()}.`;
    for (const chunk of splitText(long, 32)) expect(chunk.length).toBeLessThanOrEqual(32);
    const url = `see https://example.com/${'x'.repeat(90)} now`;
    const chunks = splitText(url, 30);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(30);
    expect(chunks.join('').replace(/\s+/g, '')).toBe(url.replace(/\s+/g, ''));
  });

  it('never exceeds the limit and loses nothing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.lorem({ maxCount: 12, mode: 'sentences' }), fc.string({ maxLength: 80 })), { maxLength: 20 }), fc.integer({ min: 5, max: 200 }), (parts, max) => {
        const text = parts.join(' ');
        const chunks = splitText(text, max);
        for (const c of chunks) expect(c.length).toBeLessThanOrEqual(max);
        expect(chunks.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
      }),
      { numRuns: 200 },
    );
  });

  it('base language of a locale', () => {
    expect(baseLanguage('pt-BR')).toBe('pt');
  });
});
