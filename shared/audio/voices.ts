/**
 * The voice catalog: which voices each TTS provider serves (id `<provider>:<name>`, the name sent
 * upstream, the locale it speaks, its gender), the seed's aliases (`azure_neural_jenny`), and per
 * provider the model used, the list price and the languages its multilingual voices speak. The data is
 * voice-catalog.json; this file reads it and answers the two questions the service asks: which voice did
 * the caller mean, and which voice of another provider says the same thing in the same language with
 * the same gender (for a fallback).
 *
 * Voices outside the catalog are accepted where a provider has open-ended voices: any Azure neural voice
 * by name (`azure:ja-JP-NanamiNeural`: the locale is in the name), any ElevenLabs voice id (a cloned or
 * library voice), any Coqui speaker of the server's model. Their gender is unknown, so a fallback
 * takes the next provider's default voice for the language.
 */
import * as z from 'zod/mini';
import { AudioRequestError } from './errors';
import catalogData from './voice-catalog.json';

export const AUDIO_PROVIDERS = ['azure', 'elevenlabs', 'openai', 'coqui'] as const;
export type AudioProviderName = (typeof AUDIO_PROVIDERS)[number];
export const isAudioProvider = (name: string): name is AudioProviderName => (AUDIO_PROVIDERS as readonly string[]).includes(name);

export type Gender = 'female' | 'male' | 'neutral';

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

const VoiceSchema = z.strictObject({
  provider: z.enum(AUDIO_PROVIDERS),
  /** The voice as the provider names it (Azure's ShortName, ElevenLabs' voice_id, OpenAI's voice, Coqui's speaker). */
  name: z.string().check(z.minLength(1)),
  /** The locale it speaks natively (its accent, for multilingual voices). */
  language: z.string().check(z.regex(LOCALE)),
  gender: z.enum(['female', 'male', 'neutral']),
  /** A human name when `name` is an opaque id (ElevenLabs). */
  label: z.optional(z.string()),
  /** Speaks every language of its provider's `languages` too. */
  multilingual: z.optional(z.boolean()),
  /** The provider's first choice for its language and gender when a fallback needs one. */
  default: z.optional(z.boolean()),
});

const ProviderSchema = z.strictObject({
  /** Model sent upstream (ElevenLabs model_id, OpenAI TTS model). */
  model: z.optional(z.string().check(z.minLength(1))),
  /** List price; absent when the provider bills otherwise (plan credits). */
  price_per_million_characters: z.optional(z.number().check(z.gte(0))),
  /** ISO-639-1 languages its multilingual voices speak. */
  languages: z.array(z.string().check(z.regex(/^[a-z]{2,3}$/))),
});

const CatalogSchema = z.strictObject({
  version: z.string(),
  currency: z.literal('USD'),
  notes: z.optional(z.string()),
  providers: z.strictObject({ azure: ProviderSchema, elevenlabs: ProviderSchema, openai: ProviderSchema, coqui: ProviderSchema }),
  voices: z.record(z.string().check(z.regex(/^(azure|elevenlabs|openai|coqui):[A-Za-z0-9_.-]+$/)), VoiceSchema),
  aliases: z.record(z.string().check(z.regex(/^[a-z0-9_.-]+$/, 'aliases are lower-case')), z.strictObject({ voice: z.string(), reason: z.string() })),
});

export type VoiceCatalogData = z.infer<typeof CatalogSchema>;
export type ProviderSettings = z.infer<typeof ProviderSchema>;

export interface Voice {
  /** `<provider>:<name>` (the catalog id, or the id the caller wrote for a voice outside the catalog). */
  id: string;
  provider: AudioProviderName;
  name: string;
  language: string;
  gender: Gender | 'unknown';
  label?: string;
  multilingual: boolean;
  default: boolean;
  catalogued: boolean;
}

/** A voice chosen for a request, with the locale it will speak. */
export interface ResolvedVoice {
  voice: Voice;
  /** The request's language, else the voice's own. */
  language: string;
  aliasReason?: string;
}

/** `en-us` → `en-US`; undefined for something that is not a language tag. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical && LOCALE.test(canonical) ? canonical : undefined;
  } catch {
    return undefined;
  }
}

export const baseLanguage = (locale: string): string => locale.split('-')[0]!.toLowerCase();

// Open-ended voices: the shape each provider's voice names have.
const AZURE_NAME = /^([a-z]{2,3}-[A-Z][A-Za-z]{1,3}(?:-[A-Za-z]+)?)-[A-Za-z0-9]+Neural$/;
const ELEVENLABS_ID = /^[A-Za-z0-9]{10,40}$/;
const COQUI_SPEAKER = /^[\p{L}\p{N} ._'-]{1,100}$/u;

export class VoiceCatalog {
  private readonly voices = new Map<string, Voice>();
  /** Lower-cased id → id, so `azure:en-us-jennyneural` finds the voice. */
  private readonly folded = new Map<string, string>();
  private readonly aliases = new Map<string, { voice: string; reason: string }>();

  constructor(readonly data: VoiceCatalogData) {
    for (const [id, v] of Object.entries(data.voices)) {
      const voice: Voice = {
        id,
        provider: v.provider,
        name: v.name,
        language: v.language,
        gender: v.gender,
        ...(v.label ? { label: v.label } : {}),
        multilingual: v.multilingual ?? false,
        default: v.default ?? false,
        catalogued: true,
      };
      this.voices.set(id, voice);
      this.folded.set(id.toLowerCase(), id);
    }
    for (const [alias, target] of Object.entries(data.aliases)) this.aliases.set(alias, target);
  }

  get version(): string {
    return this.data.version;
  }

  ids(): string[] {
    return [...this.voices.keys()];
  }

  list(provider?: AudioProviderName): Voice[] {
    return [...this.voices.values()].filter((v) => !provider || v.provider === provider);
  }

  settings(provider: AudioProviderName): ProviderSettings {
    return this.data.providers[provider];
  }

  /** Problems with the data itself (aliases to nowhere, ids that disagree with their voice); empty when consistent. */
  problems(): string[] {
    const problems: string[] = [];
    for (const [alias, target] of this.aliases) if (!this.voices.has(target.voice)) problems.push(`alias ${alias} points to unknown voice ${target.voice}`);
    for (const voice of this.voices.values()) {
      // Coqui speaker names have spaces: their ids are slugs; every other id is `<provider>:<name>`.
      if (voice.provider === 'coqui' ? !voice.id.startsWith('coqui:') : voice.id !== `${voice.provider}:${voice.name}`) problems.push(`${voice.id}: the id must be ${voice.provider}:${voice.name}`);
      if (voice.provider === 'azure' && AZURE_NAME.exec(voice.name)?.[1] !== voice.language) problems.push(`${voice.id}: its name says another locale than ${voice.language}`);
      if (voice.multilingual && !this.settings(voice.provider).languages.includes(baseLanguage(voice.language))) {
        problems.push(`${voice.id}: ${voice.provider} lists no ${baseLanguage(voice.language)} among its languages`);
      }
    }
    for (const provider of AUDIO_PROVIDERS) {
      const defaults = new Set<string>();
      for (const v of this.list(provider).filter((v) => v.default)) {
        const key = `${v.multilingual ? '*' : v.language}/${v.gender}`;
        if (defaults.has(key)) problems.push(`${provider}: two default voices for ${key}`);
        defaults.add(key);
      }
    }
    return problems;
  }

  /** The voice for an id or alias (case-insensitive), or an open-ended voice of a provider; undefined when unknown. */
  find(id: string): { voice: Voice; aliasReason?: string } | undefined {
    const trimmed = id.trim();
    const direct = this.voices.get(trimmed) ?? this.voices.get(this.folded.get(trimmed.toLowerCase()) ?? '');
    if (direct) return { voice: direct };
    const alias = this.aliases.get(trimmed.toLowerCase());
    const aliased = alias && this.voices.get(alias.voice);
    if (aliased) return { voice: aliased, aliasReason: alias.reason };
    const colon = trimmed.indexOf(':');
    if (colon < 0) return undefined;
    const provider = trimmed.slice(0, colon).toLowerCase();
    const name = trimmed.slice(colon + 1);
    const open = (language: string, multilingual: boolean): { voice: Voice } => ({
      voice: { id: `${provider}:${name}`, provider: provider as AudioProviderName, name, language, gender: 'unknown', multilingual, default: false, catalogued: false },
    });
    if (provider === 'azure') {
      const locale = AZURE_NAME.exec(name)?.[1];
      return locale ? open(locale, /Multilingual/.test(name)) : undefined;
    }
    if (provider === 'elevenlabs' && ELEVENLABS_ID.test(name)) return open('en-US', true);
    if (provider === 'coqui' && COQUI_SPEAKER.test(name)) {
      // A catalogued speaker by its own name (`coqui:Claribel Dervla`).
      const known = this.list('coqui').find((v) => v.name.toLowerCase() === name.toLowerCase());
      return known ? { voice: known } : open('en-US', true);
    }
    return undefined;
  }

  /**
   * The voice a request names, and the locale it will speak: the request's `language` when given (a voice
   * that is not multilingual must speak it natively), else the voice's own. 400 when unknown or unable.
   */
  resolve(id: string, language?: string): ResolvedVoice {
    const found = this.find(id);
    if (!found) {
      throw new AudioRequestError('unknown_voice', `voice_id "${id}" is not in the voice catalog (ids look like azure:en-US-JennyNeural, elevenlabs:<voice_id>, openai:alloy, coqui:<speaker>, or an alias such as azure_neural_jenny)`, {
        voice_id: id,
        examples: this.ids().slice(0, 8),
      });
    }
    const { voice, aliasReason } = found;
    let locale = voice.language;
    if (language !== undefined) {
      const canonical = canonicalLocale(language);
      if (!canonical) throw new AudioRequestError('invalid_language', `language "${language}" is not a language tag such as "en-US" or "pt-BR"`, { language });
      locale = canonical;
      if (!this.speaks(voice, locale)) {
        const alternatives = this.list(voice.provider).filter((v) => this.speaks(v, locale)).map((v) => v.id);
        throw new AudioRequestError(
          'voice_language_mismatch',
          `voice ${voice.id} speaks ${voice.language}, not ${locale}${alternatives.length ? `; ${voice.provider} voices for ${locale}: ${alternatives.slice(0, 6).join(', ')}` : ''}`,
          { voice_id: voice.id, voice_language: voice.language, language: locale, alternatives },
        );
      }
    } else if (!voice.catalogued && voice.provider !== 'azure') {
      // An open-ended multilingual voice without a language: it speaks what it is given; English assumed for fallbacks.
      locale = 'en-US';
    }
    return { voice, language: locale, ...(aliasReason ? { aliasReason } : {}) };
  }

  /** Whether a voice can speak a locale: natively (same language), or as a multilingual voice of its provider. */
  speaks(voice: Voice, locale: string): boolean {
    const base = baseLanguage(locale);
    if (baseLanguage(voice.language) === base) return true;
    if (!voice.multilingual) return false;
    const languages = this.settings(voice.provider).languages;
    return languages.length === 0 || languages.includes(base);
  }

  /**
   * The voice of `provider` that can stand in for `voice` speaking `locale`: the same locale and gender
   * first, then the same language and gender, then a multilingual voice of that gender; the provider's
   * default voice first within each. A voice whose gender is unknown or neutral takes the provider's
   * default for the language. Undefined when the provider has no voice for the language.
   */
  equivalent(voice: Voice, provider: AudioProviderName, locale: string): Voice | undefined {
    if (voice.provider === provider) return voice;
    const base = baseLanguage(locale);
    const candidates = this.list(provider);
    const byPreference = (list: Voice[]) => [...list].sort((a, b) => Number(b.default) - Number(a.default));
    const tiers = (gender: (v: Voice) => boolean) => [
      candidates.filter((v) => gender(v) && v.language === locale),
      candidates.filter((v) => gender(v) && baseLanguage(v.language) === base),
      candidates.filter((v) => gender(v) && v.multilingual && this.speaks(v, locale)),
    ];
    const sameGender = voice.gender === 'female' || voice.gender === 'male' ? tiers((v) => v.gender === voice.gender) : [];
    for (const tier of [...sameGender, ...tiers(() => true)]) {
      const pick = byPreference(tier)[0];
      if (pick) return pick;
    }
    return undefined;
  }
}

let bundled: VoiceCatalog | undefined;

/** The catalog shipped with the code (validated once per execution environment). */
export function voiceCatalog(): VoiceCatalog {
  if (!bundled) {
    const parsed = CatalogSchema.safeParse(catalogData);
    if (!parsed.success) throw new Error(`voice-catalog.json is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    bundled = new VoiceCatalog(parsed.data);
  }
  return bundled;
}
