/**
 * The structured JSON logger (Powertools). One per execution environment. Values under sensitive keys
 * (authorization, api keys, secrets, tokens, signatures) are replaced before anything is written, as a
 * second line of defence: code logs secret *names*, never values.
 * IONFLUX_LOG_FILE sends the lines to a file instead of stdout (the test suite scans that file).
 */
import fs from 'node:fs';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';

const SENSITIVE_KEY =
  /^(authorization|cookie|set-cookie|password|signature|hmac|x-api-key|api[_-]?key|client[_-]?secret|.*[_-]secret|secret|.*[_-]token|token|x-shopify-hmac-sha256|x-hub-signature-256|tiktok-signature|x-twilio-email-event-webhook-signature)$/i;

export const redact = (key: string, value: unknown): unknown =>
  SENSITIVE_KEY.test(key) && (typeof value === 'string' || typeof value === 'number') ? '[redacted]' : value;

const logFile = process.env.IONFLUX_LOG_FILE;
const fileConsole = logFile
  ? new Console({
      stdout: new Writable({
        write(chunk, _encoding, callback) {
          fs.appendFileSync(logFile, chunk as Buffer);
          callback();
        },
      }),
    })
  : undefined;

function toFile<T extends Logger>(instance: T): T {
  if (fileConsole) (instance as unknown as { console: Console }).console = fileConsole;
  return instance;
}

/**
 * Debug sampling (Powertools' POWERTOOLS_LOGGER_SAMPLE_RATE, 0–1): the share of invocations logged at DEBUG.
 * Read here and handed to the logger, so `logContext` knows whether there is a draw to make per invocation.
 */
export const debugSampleRate = ((rate: number) => (rate >= 0 && rate <= 1 ? rate : 0))(Number(process.env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? 0));

export const logger = toFile(
  new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? process.env.IONFLUX_FUNCTION_ID ?? 'ionflux',
    sampleRateValue: debugSampleRate,
    jsonReplacerFn: (key: string, value: unknown) => redact(key, value),
  }),
);

export type LogAttributes = Record<string, unknown>;

/** A module's view of the logger: every line says which module wrote it. */
export interface ModuleLogger {
  /** True when a line at `level` would be written: build costly attributes only then. */
  enabled(level: 'debug' | 'info'): boolean;
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
}

/**
 * The level of the invocation under way, read once as it starts (`logContext`), for the module loggers'
 * checks: Powertools answers every level lookup through its per-invocation store, reading an environment
 * variable each time, and a webhook asked three times per request. The logger still filters every line
 * itself: a level raised during an invocation applies at once; one lowered during it (nothing here does
 * either) reaches module loggers' debug and info lines from the next invocation. When invocations run
 * concurrently in one environment (AWS_LAMBDA_MAX_CONCURRENCY), each check asks the logger, which keeps a
 * level per invocation.
 */
const concurrentInvocations = Boolean(process.env.AWS_LAMBDA_MAX_CONCURRENCY);
let invocationLevel: number | undefined;
export const invocationLogLevel = {
  /** The invocation starts at `level` (the logger's current one). */
  start(level: number): void {
    if (!concurrentInvocations) invocationLevel = level;
  },
  end(): void {
    invocationLevel = undefined;
  },
};
const currentLevel = (): number => invocationLevel ?? logger.level;

/**
 * One logger per environment (so the Lambda context the handler middlewares add reaches every line),
 * with the module name added per call rather than through child loggers. Debug and info lines below the
 * current level (which sampling may lower per invocation) cost a comparison, not an attribute object.
 * (Valid because the logger has no log buffering: with Powertools' buffering on, lines below the level
 * are kept for a flush on error, and this shortcut would have to go.)
 */
export const moduleLogger = (module: string): ModuleLogger => ({
  enabled: (level) => currentLevel() <= (level === 'debug' ? LogLevelThreshold.DEBUG : LogLevelThreshold.INFO),
  debug: (message, attributes) => {
    if (currentLevel() <= LogLevelThreshold.DEBUG) logger.debug(message, { module, ...attributes });
  },
  info: (message, attributes) => {
    if (currentLevel() <= LogLevelThreshold.INFO) logger.info(message, { module, ...attributes });
  },
  warn: (message, attributes) => logger.warn(message, { module, ...attributes }),
  error: (message, attributes) => logger.error(message, { module, ...attributes }),
});
