/**
 * Inputs by URL (`audio_input_url`, `image_input_url`): fetched by us — never handed to a provider to
 * fetch — through the SSRF guard, with a size limit enforced while reading, a content-type check, the
 * bytes recognised as a supported format, a timeout below the deadline, and redirects re-checked hop by
 * hop. `data:` URLs (base64) are accepted too, with the same size and format checks.
 */
import http from 'node:http';
import https from 'node:https';
import type { MediaInput } from './contract';
import { InputError } from './errors';
import { declaredTypeAllowed, type Recognised, recogniseAudio, recogniseImage } from './media-types';
import { type Lookup, pinnedLookup, vetUrl } from './network-guard';

export interface MediaRule {
  kind: 'audio' | 'image';
  /** Name of the request field, for messages. */
  field: string;
  maxBytes: number;
}

// OpenAI's 25 MiB (26,214,400 bytes) covers the whole multipart request: room is kept for its other parts.
export const AUDIO_MAX_BYTES = 25 * 1024 * 1024 - 64 * 1024;
export const IMAGE_MAX_BYTES = 20 * 1024 * 1024;

export interface InputFetchOptions {
  localMode: boolean;
  timeoutMs: number;
  lookup?: Lookup;
  maxRedirects?: number;
}

export type MediaFetcher = (url: string, rule: MediaRule, deadline: number) => Promise<MediaInput>;

const recognise = (kind: 'audio' | 'image', bytes: Buffer): Recognised | undefined => (kind === 'audio' ? recogniseAudio(bytes) : recogniseImage(bytes));

function asMedia(bytes: Buffer, rule: MediaRule): MediaInput {
  const found = recognise(rule.kind, bytes);
  if (!found) {
    throw new InputError(
      415,
      'unsupported_input_type',
      rule.kind === 'audio'
        ? `${rule.field} is not a supported audio file (wav, mp3, m4a/mp4, ogg, flac, webm)`
        : `${rule.field} is not a supported image (png, jpeg, gif, webp)`,
    );
  }
  return { bytes, mediaType: found.mediaType, filename: `input.${found.extension}` };
}

function fromDataUrl(url: string, rule: MediaRule): MediaInput {
  const match = /^data:([^,;]*)((?:;[^,;]*)*),(.*)$/s.exec(url);
  if (!match) throw new InputError(400, 'invalid_url', `${rule.field} is a malformed data: URL`);
  if (!match[2]!.split(';').includes('base64')) throw new InputError(400, 'invalid_url', `${rule.field}: data: URLs must be base64-encoded`);
  if (!declaredTypeAllowed(rule.kind, match[1])) throw new InputError(415, 'unsupported_input_type', `${rule.field} has content-type ${match[1]}; ${rule.kind} expected`);
  const encoded = match[3]!;
  if (Math.floor((encoded.length * 3) / 4) > rule.maxBytes + 2) throw tooLarge(rule);
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length > rule.maxBytes) throw tooLarge(rule);
  return asMedia(bytes, rule);
}

const tooLarge = (rule: MediaRule, size?: number) =>
  new InputError(413, 'input_too_large', `${rule.field} is ${size !== undefined ? `${size} bytes` : 'too large'}; the limit is ${rule.maxBytes} bytes`, {
    limit_bytes: rule.maxBytes,
  });

const fetchFailed = (rule: MediaRule, why: string, details?: Record<string, unknown>) => new InputError(422, 'input_fetch_failed', `${rule.field} could not be fetched: ${why}`, details);

/** A media fetcher with these options (one per execution environment). */
export function mediaFetcher(options: InputFetchOptions): MediaFetcher {
  return async (raw, rule, deadline) => {
    if (raw.startsWith('data:')) return fromDataUrl(raw, rule);
    const until = Math.min(deadline, Date.now() + options.timeoutMs);
    let current = raw;
    for (let hop = 0; ; hop++) {
      const vetted = await vetUrl(current, { localMode: options.localMode, what: rule.field, ...(options.lookup ? { lookup: options.lookup } : {}) });
      const response = await get(vetted.url, vetted.address, vetted.family, rule, until);
      if (response.redirect) {
        if (hop >= (options.maxRedirects ?? 3)) throw fetchFailed(rule, 'too many redirects');
        current = new URL(response.redirect, vetted.url).toString();
        continue;
      }
      return asMedia(response.body!, rule);
    }
  };
}

interface GetResult {
  redirect?: string;
  body?: Buffer;
}

function get(url: URL, address: string, family: 4 | 6, rule: MediaRule, until: number): Promise<GetResult> {
  const budget = until - Date.now();
  if (budget <= 0) return Promise.reject(fetchFailed(rule, 'no time left before the deadline'));
  // Connect to the address the guard checked, whatever DNS says now.
  const pinned = pinnedLookup(address, family);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<GetResult>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: GetResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(value!);
    };
    const timer = setTimeout(() => finish(fetchFailed(rule, `no complete response within ${budget} ms`)), budget);
    const request = client.get(url, { lookup: pinned, headers: { accept: rule.kind === 'audio' ? 'audio/*, video/mp4, video/webm' : 'image/*', 'user-agent': 'ionflux-llm/1' } }, (response) => {
      const status = response.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status) && response.headers.location) {
        response.resume();
        return finish(undefined, { redirect: response.headers.location });
      }
      if (status !== 200) {
        response.resume();
        return finish(fetchFailed(rule, `the server answered ${status}`, { status }));
      }
      if (!declaredTypeAllowed(rule.kind, response.headers['content-type'])) {
        response.resume();
        return finish(new InputError(415, 'unsupported_input_type', `${rule.field} has content-type ${response.headers['content-type']}; ${rule.kind} expected`));
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > rule.maxBytes) {
        response.resume();
        return finish(tooLarge(rule, declared));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > rule.maxBytes) return finish(tooLarge(rule));
        chunks.push(chunk);
      });
      response.on('end', () => finish(undefined, { body: Buffer.concat(chunks, size) }));
      response.on('error', (error) => finish(fetchFailed(rule, error.message)));
      response.on('close', () => {
        if (!response.complete) finish(fetchFailed(rule, 'the connection closed before the end of the body'));
      });
    });
    request.on('error', (error) => finish(fetchFailed(rule, error.message)));
  });
}
