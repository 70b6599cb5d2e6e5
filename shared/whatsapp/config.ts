/**
 * WhatsApp settings of the deployment, parsed from an environment object by the composition root
 * (shared/runtime/whatsapp-core.ts); domain code receives the parsed value. Meta's address, API version
 * and keys are not here: they are in the platform secret `<root>/platform/whatsapp`.
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | WHATSAPP_STOP_WORDS | STOP,UNSUBSCRIBE,PARAR,SAIR,CANCELAR | A whole inbound message equal to one (any case, accents, punctuation) opts the user out |
 * | WHATSAPP_START_WORDS | START | …opts the user back in |
 * | WHATSAPP_PAUSE_MINUTES | 60 | How long Meta's 131048 (spam rate limit) pauses a number |
 * | WHATSAPP_TEMPLATE_CACHE_SECONDS | 600 | How long a WABA's template list is served from the cache |
 */
import { InvalidConfigError } from '../config/errors';
import { DEFAULT_START_WORDS, DEFAULT_STOP_WORDS, parseWordList } from './stop-words';

export interface WhatsAppConfig {
  stopWords: string[];
  startWords: string[];
  pauseMs: number;
  templateCacheMs: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidConfigError(name, `must be a positive number (got "${raw}")`);
  return value;
}

export function readWhatsAppConfig(env: NodeJS.ProcessEnv): WhatsAppConfig {
  return {
    stopWords: parseWordList(env.WHATSAPP_STOP_WORDS, DEFAULT_STOP_WORDS),
    startWords: parseWordList(env.WHATSAPP_START_WORDS, DEFAULT_START_WORDS),
    pauseMs: positive(env, 'WHATSAPP_PAUSE_MINUTES', 60) * 60_000,
    templateCacheMs: positive(env, 'WHATSAPP_TEMPLATE_CACHE_SECONDS', 600) * 1000,
  };
}
