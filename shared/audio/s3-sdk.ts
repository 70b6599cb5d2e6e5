/**
 * The parts of the AWS SDK the S3 audio store uses. s3-audio-store.ts requires this module on the first
 * call that needs it, so a cold start (and a function that never stores audio) does not load them.
 */
export { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand } from '@aws-sdk/client-s3';
export { getSignedUrl } from '@aws-sdk/s3-request-presigner';
