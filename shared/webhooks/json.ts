/**
 * A signed webhook body as JSON: refused (400 malformed_webhook) when it nests absurdly deep — thousands
 * of levels would break writing the event on (RangeError), on every retry — or is not JSON at all.
 * Checked on the raw bytes before anything is parsed.
 */
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../http/json-body';
import { MalformedWebhookError } from './errors';

export function parseWebhookJson(provider: string, rawBody: Buffer): unknown {
  if (jsonNestsDeeperThan(rawBody)) throw new MalformedWebhookError(provider, `body nests deeper than ${MAX_JSON_DEPTH} levels (the limit)`, { max_depth: MAX_JSON_DEPTH });
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new MalformedWebhookError(provider, 'body is not valid JSON');
  }
}
