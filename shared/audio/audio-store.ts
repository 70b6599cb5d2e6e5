/**
 * Where generated audio lives and how callers get it: S3 with presigned GET URLs in AWS (and against
 * moto), files under `${IONFLUX_HOME}/audio` served by the local runtime at signed, expiring URLs
 * otherwise. Nothing is public: a URL is the only way in, and it expires.
 */

export interface StoredAudio {
  key: string;
  bytes: number;
  contentType: string;
  lastModified: Date;
  /** What the service wrote with the audio (provider, voice, duration…), ASCII values. */
  metadata: Record<string, string>;
}

export interface SignedUrl {
  url: string;
  expiresAt: Date;
}

export interface AudioStore {
  /** What is stored under `key`, or undefined. */
  head(key: string, options: { deadline: number }): Promise<StoredAudio | undefined>;
  put(key: string, body: Buffer, options: { contentType: string; metadata: Record<string, string>; deadline: number }): Promise<void>;
  /** A GET URL for the object, valid for `expiresInS` (less when the signing credentials expire sooner). */
  signedUrl(key: string, options: { expiresInS: number; contentType: string; deadline: number }): Promise<SignedUrl>;
}

/** Object keys are ours (`tts/<workspace>/<hash>.<ext>`): a safe path on every backend. */
export const AUDIO_KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

export function assertAudioKey(key: string): string {
  if (!AUDIO_KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) throw new Error(`invalid audio key ${JSON.stringify(key)}`);
  return key;
}
