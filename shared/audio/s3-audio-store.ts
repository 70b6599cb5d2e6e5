/**
 * The audio store on S3 (`@aws-sdk/client-s3`, moto in tests): objects written with their metadata,
 * read back by HeadObject (the content cache), handed out as presigned GET URLs
 * (`@aws-sdk/s3-request-presigner`). Every call carries the request's deadline as an abort signal. A
 * presigned URL works only while the credentials that signed it do: in Lambda (temporary role
 * credentials) `expiresAt` is the earlier of the requested expiry and theirs.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type AudioStore, assertAudioKey, type SignedUrl, type StoredAudio } from './audio-store';
import { AudioStorageError } from './errors';
import type * as Sdk from './s3-sdk';

let sdk: typeof Sdk | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const s3Sdk = () => (sdk ??= require('./s3-sdk') as typeof Sdk);

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const signal = (deadline: number) => AbortSignal.timeout(Math.max(1, deadline - Date.now()));

export class S3AudioStore implements AudioStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async head(key: string, { deadline }: { deadline: number }): Promise<StoredAudio | undefined> {
    const { HeadObjectCommand, NotFound } = s3Sdk();
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: assertAudioKey(key) }), { abortSignal: signal(deadline) });
      return {
        key,
        bytes: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        lastModified: out.LastModified ?? new Date(0),
        metadata: decodeMetadata(out.Metadata ?? {}),
      };
    } catch (error) {
      if (error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw new AudioStorageError(`the audio store (S3 bucket ${this.bucket}) could not be read: ${(error as Error).message}`, error);
    }
  }

  async put(key: string, body: Buffer, options: { contentType: string; metadata: Record<string, string>; deadline: number }): Promise<void> {
    const { PutObjectCommand } = s3Sdk();
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: assertAudioKey(key), Body: body, ContentType: options.contentType, Metadata: encodeMetadata(options.metadata) }),
        { abortSignal: signal(options.deadline) },
      );
    } catch (error) {
      throw new AudioStorageError(`the audio could not be stored (S3 bucket ${this.bucket}): ${(error as Error).message}`, error);
    }
  }

  async signedUrl(key: string, options: { expiresInS: number; contentType: string; deadline: number }): Promise<SignedUrl> {
    const wanted = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(options.expiresInS)));
    const { GetObjectCommand, getSignedUrl } = s3Sdk();
    try {
      // Temporary credentials (Lambda's role) sign URLs that stop working when they expire.
      const credentials = await this.client.config.credentials();
      const left = credentials.expiration ? Math.floor((credentials.expiration.getTime() - Date.now()) / 1000) : Infinity;
      const expiresIn = Math.max(1, Math.min(wanted, left));
      const expiresAt = new Date(Date.now() + expiresIn * 1000);
      const url = await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: assertAudioKey(key), ResponseContentType: options.contentType }), { expiresIn });
      return { url, expiresAt };
    } catch (error) {
      throw new AudioStorageError(`no URL could be signed for the audio: ${(error as Error).message}`, error);
    }
  }
}

// S3 user metadata travels in headers: ASCII only, so values are percent-encoded.
const encodeMetadata = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, encodeURIComponent(v)]));
const decodeMetadata = (m: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(m).map(([k, v]) => {
      try {
        return [k, decodeURIComponent(v)];
      } catch {
        return [k, v];
      }
    }),
  );
