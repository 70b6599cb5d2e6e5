/**
 * Long text is spoken in several provider requests: split at sentence boundaries (the platform's
 * Intl.Segmenter, which knows each language's punctuation and abbreviations), sentences packed into
 * chunks of at most `maxChars`; a single sentence longer than that is split between words, and a
 * "word" longer than that (a URL, a run of digits) between characters. Joining the chunks' text again
 * gives the original text up to whitespace.
 */

export function splitText(text: string, maxChars: number, locale = 'en'): string[] {
  if (maxChars < 1) throw new Error('maxChars must be ≥ 1');
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed ? [trimmed] : [];
  const chunks: string[] = [];
  let current = '';
  const flush = () => {
    const chunk = current.trim();
    if (chunk) chunks.push(chunk);
    current = '';
  };
  const add = (piece: string) => {
    if (current.length + piece.length > maxChars) flush();
    current += current === '' ? piece.trimStart() : piece;
  };
  for (const sentence of segments(trimmed, locale, 'sentence')) {
    if (sentence.trim().length > maxChars) {
      flush();
      for (const word of segments(sentence, locale, 'word')) {
        if (word.length > maxChars) {
          flush();
          for (const piece of slices(word, maxChars)) add(piece);
        } else add(word);
      }
      continue;
    }
    add(sentence);
  }
  flush();
  return chunks;
}

const segmenters = new Map<string, Intl.Segmenter>();

function segments(text: string, locale: string, granularity: 'sentence' | 'word'): string[] {
  const key = `${locale}|${granularity}`;
  let segmenter = segmenters.get(key);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity });
    segmenters.set(key, segmenter);
  }
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Pieces of at most `size` UTF-16 units that never cut a surrogate pair. */
function slices(text: string, size: number): string[] {
  const out: string[] = [];
  let piece = '';
  for (const char of text) {
    if (piece.length + char.length > size) {
      out.push(piece);
      piece = '';
    }
    piece += char;
  }
  if (piece) out.push(piece);
  return out;
}
