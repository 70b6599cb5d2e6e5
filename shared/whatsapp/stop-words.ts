/**
 * Opt-out and opt-in keywords a user sends in the chat (Meta has no opt-out API: the business must
 * honour them itself). A message is a keyword when its whole text is one, ignoring case, accents,
 * surrounding spaces and punctuation: "stop", "Stop!", " PARAR. " and "cancelár" all match.
 */
export const DEFAULT_STOP_WORDS = ['STOP', 'UNSUBSCRIBE', 'PARAR', 'SAIR', 'CANCELAR'] as const;
export const DEFAULT_START_WORDS = ['START'] as const;

export const normaliseKeyword = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .toUpperCase();

export interface KeywordMatcher {
  match(text: string | undefined): 'stop' | 'start' | undefined;
  stopWords: string[];
  startWords: string[];
}

export function keywordMatcher(stopWords: readonly string[] = DEFAULT_STOP_WORDS, startWords: readonly string[] = DEFAULT_START_WORDS): KeywordMatcher {
  const stop = new Set(stopWords.map(normaliseKeyword).filter(Boolean));
  const start = new Set(startWords.map(normaliseKeyword).filter(Boolean));
  for (const word of start) if (stop.has(word)) throw new Error(`"${word}" cannot be both a stop word and a start word`);
  return {
    stopWords: [...stop],
    startWords: [...start],
    match(text) {
      if (!text || text.length > 64) return undefined;
      const word = normaliseKeyword(text);
      return stop.has(word) ? 'stop' : start.has(word) ? 'start' : undefined;
    },
  };
}

/** A comma-separated list from the configuration (`WHATSAPP_STOP_WORDS=STOP,PARE`), or the defaults. */
export const parseWordList = (value: string | undefined, defaults: readonly string[]): string[] =>
  value === undefined || value.trim() === '' ? [...defaults] : value.split(',').map((w) => w.trim()).filter(Boolean);
