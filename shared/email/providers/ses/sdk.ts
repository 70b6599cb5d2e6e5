/**
 * The parts of `@aws-sdk/client-ses` this provider uses. transport.ts requires this module on the first
 * SES call, so a function that never sends through SES never evaluates the SDK.
 */
export { GetSendQuotaCommand, SendRawEmailCommand, SESClient, type SESClientConfig } from '@aws-sdk/client-ses';
