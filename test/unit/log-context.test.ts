/**
 * The log context every handler stack adds (shared/observability/log-context.ts): each line of an invocation
 * names that invocation, keys appended during one are gone in the next (whether it answered or failed), and
 * a level changed during one is back to the configured level in the next.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/response';
import { logger, moduleLogger } from '../../shared/observability/logger';
import { buildHttpApiEvent } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';

/** The lines this worker logged that carry `marker`. */
const linesWith = (marker: string): Array<Record<string, unknown>> =>
  fs
    .readFileSync(process.env.IONFLUX_LOG_FILE!, 'utf8')
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('log context', () => {
  it('names the invocation on every line and drops what an invocation appended, after an answer or a failure', async () => {
    const marker = `marker-${randomUUID()}`;
    const configured = logger.getLevelName();
    const handler = httpHandler(async (request) => {
      const step = request.headers['x-step'];
      if (step === 'first') logger.appendKeys({ appended_by: 'first' });
      if (step === 'second') expect(logger.getLevelName()).toBe(configured);
      logger.warn(marker, { step });
      if (step === 'first') {
        logger.setLogLevel('CRITICAL');
        throw new Error('the first invocation fails after appending a key');
      }
      if (step === 'second') logger.appendKeys({ appended_by: 'second' });
      return json(200, { ok: true });
    });
    const invoke = async (step: string) => {
      const context = lambdaContext('log-context-test', 10);
      const result = (await handler(buildHttpApiEvent({ method: 'POST', rawPath: '/', routeKey: 'POST /', headers: { 'x-step': step } }), context)) as { statusCode: number };
      return { requestId: context.awsRequestId, status: result.statusCode };
    };
    const first = await invoke('first');
    const second = await invoke('second');
    const third = await invoke('third');
    expect([first.status, second.status, third.status]).toEqual([500, 200, 200]);

    const lines = linesWith(marker);
    expect(lines.map((l) => l.step)).toEqual(['first', 'second', 'third']);
    expect(lines.map((l) => l.function_request_id)).toEqual([first.requestId, second.requestId, third.requestId]);
    expect(lines.map((l) => l.function_name)).toEqual(['log-context-test', 'log-context-test', 'log-context-test']);
    expect(lines.map((l) => l.appended_by)).toEqual(['first', undefined, undefined]);
    expect(logger.getLevelName()).toBe(configured);
  });

  it('module loggers write at the invocation’s level, and at the live level outside invocations', async () => {
    const marker = `module-${randomUUID()}`;
    const log = moduleLogger('log-context-test');
    const configured = logger.getLevelName();
    expect(configured).toBe('DEBUG'); // the test environment's level
    const handler = httpHandler(async (request) => {
      log.info(marker, { step: request.headers['x-step'] });
      // Raised during the invocation: applies at once (the logger filters its lines itself); the next
      // invocation starts at the configured level again.
      if (request.headers['x-step'] === 'raise') logger.setLogLevel('ERROR');
      log.info(marker, { step: `${request.headers['x-step']}-after` });
      return json(200, {});
    });
    const invoke = (step: string) => handler(buildHttpApiEvent({ method: 'POST', rawPath: '/', routeKey: 'POST /', headers: { 'x-step': step } }), lambdaContext('log-context-test', 10));
    await invoke('raise');
    await invoke('next');
    // Outside an invocation the logger's own level applies at once.
    logger.setLogLevel('ERROR');
    log.info(marker, { step: 'outside, at ERROR' });
    logger.setLogLevel(configured as 'DEBUG');
    log.info(marker, { step: 'outside, at DEBUG' });
    expect(linesWith(marker).map((l) => l.step)).toEqual(['raise', 'next', 'next-after', 'outside, at DEBUG']);
    expect(linesWith(marker).every((l) => l.module === 'log-context-test')).toBe(true);
  });
});
