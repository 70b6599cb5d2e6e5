/**
 * The audio store of the local runtime when no AWS endpoint is configured: files under
 * `${IONFLUX_HOME}/audio/<key>` with their metadata beside them (`<key>.meta.json`), handed out as
 * URLs the local runtime serves (`GET /local/audio/<key>?expires=…&signature=…`): an HMAC-SHA256 of
 * the key and the expiry with a key kept in `${IONFLUX_HOME}/audio/.url-signing-key` (0600, made on first
 * use), so a URL cannot be forged, altered or used after it expires — the same answer shape as S3.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type AudioStore, assertAudioKey, type SignedUrl, type StoredAudio } from './audio-store';
import { AudioStorageError } from './errors';

export const LOCAL_AUDIO_ROUTE = '/local/audio/';

interface Meta {
  contentType: string;
  bytes: number;
  lastModified: string;
  metadata: Record<string, string>;
}

export class LocalFileAudioStore implements AudioStore {
  private signingKey?: Buffer;

  /** `origin`: where the local runtime listens (asked at signing time: it is known once the server is up). */
  constructor(
    readonly folder: string,
    private readonly origin: () => string,
  ) {}

  private file(key: string): string {
    return path.join(this.folder, ...assertAudioKey(key).split('/'));
  }

  private key(): Buffer {
    if (this.signingKey) return this.signingKey;
    const file = path.join(this.folder, '.url-signing-key');
    fs.mkdirSync(this.folder, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    this.signingKey = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    return this.signingKey;
  }

  private signature(key: string, expires: number): string {
    return createHmac('sha256', this.key()).update(`${key}\n${expires}`).digest('base64url');
  }

  async head(key: string): Promise<StoredAudio | undefined> {
    try {
      const meta = JSON.parse(await fs.promises.readFile(`${this.file(key)}.meta.json`, 'utf8')) as Meta;
      await fs.promises.access(this.file(key));
      return { key, bytes: meta.bytes, contentType: meta.contentType, lastModified: new Date(meta.lastModified), metadata: meta.metadata };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new AudioStorageError(`the local audio folder could not be read: ${(error as Error).message}`, error);
    }
  }

  async put(key: string, body: Buffer, options: { contentType: string; metadata: Record<string, string> }): Promise<void> {
    const file = this.file(key);
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      // Written aside and renamed: a reader never sees half a file.
      const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await fs.promises.writeFile(temp, body);
      await fs.promises.rename(temp, file);
      const meta: Meta = { contentType: options.contentType, bytes: body.length, lastModified: new Date().toISOString(), metadata: options.metadata };
      await fs.promises.writeFile(`${file}.meta.json`, JSON.stringify(meta));
    } catch (error) {
      throw new AudioStorageError(`the audio could not be written under ${this.folder}: ${(error as Error).message}`, error);
    }
  }

  async signedUrl(key: string, options: { expiresInS: number }): Promise<SignedUrl> {
    const expires = Math.floor(Date.now() / 1000) + Math.max(1, Math.floor(options.expiresInS));
    const url = `${this.origin().replace(/\/+$/, '')}${LOCAL_AUDIO_ROUTE}${assertAudioKey(key)}?expires=${expires}&signature=${this.signature(key, expires)}`;
    return { url, expiresAt: new Date(expires * 1000) };
  }

  /** What the local runtime serves for a URL path and query: the file, or why not (never which part was wrong). */
  async open(key: string, query: { expires?: string; signature?: string }, now = Date.now()): Promise<{ file: string; contentType: string; bytes: number } | { refused: 403 | 404 }> {
    let valid = false;
    try {
      assertAudioKey(key);
      const expires = Number(query.expires);
      if (Number.isInteger(expires) && query.signature && expires * 1000 > now) {
        const expected = Buffer.from(this.signature(key, expires));
        const given = Buffer.from(query.signature);
        valid = expected.length === given.length && timingSafeEqual(expected, given);
      }
    } catch {
      valid = false;
    }
    if (!valid) return { refused: 403 };
    const stored = await this.head(key);
    return stored ? { file: this.file(key), contentType: stored.contentType, bytes: stored.bytes } : { refused: 404 };
  }
}
