/**
 * `logContext()`: the Middy middleware every handler stack uses so that each log line of an invocation
 * carries its Lambda context (request id, function, memory, cold start), keys appended during an invocation
 * are dropped after it, and each invocation starts at the configured log level. It is what Powertools'
 * `injectLambdaContext(logger, { resetKeys: true })` does, through the same Logger methods, without the work
 * that middleware does on every request and this project never asks of it (on the Shopify webhook, issue 11
 * §7, it was about half of the HTTP stack's own cost):
 * - the debug-sampling draw, made here only when a sample rate is configured; without one, the level is
 *   set back only when something changed it (Powertools sets it on every request, looking the level's name
 *   up through `Object.entries`);
 * - a cleanup hook spread into a copy of `request.internal` for Powertools middlewares that answer early
 *   (none in this project: the after and onError hooks below cover every way out of our stacks);
 * - clearing the log buffer (not enabled: see `moduleLogger`).
 * `POWERTOOLS_LOGGER_LOG_EVENT` is honoured as before. The invocation's level is handed to the module
 * loggers once (`invocationLogLevel`), so their level checks read no environment variable.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { debugSampleRate, invocationLogLevel, logger } from './logger';

type LevelName = keyof typeof LogLevelThreshold;

export function logContext<TEvent, TResult>(options: { sampleRate?: number } = {}): MiddlewareObj<TEvent, TResult, Error, Context> {
  const sampling = (options.sampleRate ?? debugSampleRate) > 0;
  // The level the environment configured (POWERTOOLS_LOG_LEVEL, or Lambda's log level), before any invocation.
  const levelName = logger.getLevelName() as LevelName;
  const level = LogLevelThreshold[levelName];
  const reset = () => {
    invocationLogLevel.end();
    logger.resetKeys();
  };
  return {
    before: (request) => {
      if (sampling) logger.refreshSampleRateCalculation();
      let current = logger.level;
      if (!sampling && current !== level) {
        logger.setLogLevel(levelName);
        current = level;
      }
      invocationLogLevel.start(current);
      logger.addContext(request.context);
      logger.logEventIfEnabled(request.event);
    },
    after: reset,
    onError: reset,
  };
}
