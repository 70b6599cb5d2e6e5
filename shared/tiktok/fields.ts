/** The `fields` a caller asks for: known to the endpoint, no repeats; the endpoint's defaults when none. */
import { InvalidTikTokRequestError } from './errors';

export function pickFields(requested: string | readonly string[] | undefined, allowed: readonly string[], defaults: readonly string[], required: readonly string[] = ['id']): string[] {
  const list = requested === undefined ? [...defaults] : (typeof requested === 'string' ? requested.split(',') : [...requested]).map((f) => f.trim()).filter(Boolean);
  if (!list.length) throw new InvalidTikTokRequestError('fields', 'names no field');
  const unknown = list.filter((f) => !allowed.includes(f));
  if (unknown.length) throw new InvalidTikTokRequestError('fields', `unknown field(s) ${unknown.join(', ')} (known: ${allowed.join(', ')})`);
  return [...new Set([...required, ...list])];
}
