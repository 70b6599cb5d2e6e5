/** STOP/START keywords: whole messages, any case, accents and surrounding punctuation ignored; configurable. */
import { readWhatsAppConfig } from '../../shared/whatsapp/config';
import { keywordMatcher, normaliseKeyword } from '../../shared/whatsapp/stop-words';

describe('WhatsApp opt-out keywords', () => {
  const matcher = keywordMatcher();

  it('matches the default stop words however they are typed, and START', () => {
    for (const text of ['STOP', 'stop', ' Stop! ', 'unsubscribe.', 'Parar', 'SAIR', 'cancelár', 'CANCELAR 🛑']) expect(matcher.match(text)).toBe('stop');
    for (const text of ['START', 'start', 'Start!']) expect(matcher.match(text)).toBe('start');
  });

  it('does not match words inside a sentence, or nothing', () => {
    for (const text of ['please stop sending me this', 'stopwatch', 'STOP IT', '', undefined, 'x'.repeat(100)]) expect(matcher.match(text)).toBeUndefined();
  });

  it('is configurable (WHATSAPP_STOP_WORDS / WHATSAPP_START_WORDS), and refuses a word in both lists', () => {
    const config = readWhatsAppConfig({ WHATSAPP_STOP_WORDS: 'PARE, BASTA', WHATSAPP_START_WORDS: 'VOLTAR' });
    const custom = keywordMatcher(config.stopWords, config.startWords);
    expect(custom.match('pare')).toBe('stop');
    expect(custom.match('Basta!')).toBe('stop');
    expect(custom.match('STOP')).toBeUndefined();
    expect(custom.match('voltar')).toBe('start');
    expect(() => keywordMatcher(['STOP'], ['stop'])).toThrow(/both/);
    expect(normaliseKeyword('  Ça  ')).toBe('CA');
    expect(() => readWhatsAppConfig({ WHATSAPP_PAUSE_MINUTES: '-1' })).toThrow(/WHATSAPP_PAUSE_MINUTES/);
  });
});
