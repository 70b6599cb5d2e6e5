/**
 * `npm run dev`: the local runtime on http://127.0.0.1:${PORT:-3000}, state under ${IONFLUX_HOME:-.ionflux}.
 * Embedded backends by default; KAFKA_BROKERS=127.0.0.1:9092 and AWS_ENDPOINT_URL=http://127.0.0.1:5000
 * switch to the real broker and moto (`npm run services:up` starts both).
 */
import { errorMessage } from '../shared/errors';
import { resetEnvironment } from '../shared/runtime/per-environment';
import { startLocalRuntime } from './runtime';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a TCP port number (got "${process.env.PORT}")`);
  const tokenFromEnv = process.env.IONFLUX_INTERNAL_TOKEN;
  const runtime = await startLocalRuntime({ port, ...(tokenFromEnv ? { internalToken: tokenFromEnv } : {}) });

  const lines = [
    `IONFLUX local runtime on ${runtime.http.url}   (GET ${runtime.http.url}/health)`,
    ...Object.entries(runtime.backends).map(([k, v]) => `  ${k.padEnd(6)} ${v}`),
    tokenFromEnv
      ? '  internal routes: Authorization: Bearer $IONFLUX_INTERNAL_TOKEN'
      : `  internal routes: Authorization: Bearer ${runtime.internalToken}   (set IONFLUX_INTERNAL_TOKEN to choose it)`,
    '',
    ...runtime.coverage.map((c) => `  ${c.id.padEnd(32)} ${c.kind.padEnd(9)} ${c.how}`),
    '',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`[ionflux] ${signal}: stopping`);
    await runtime.stop();
    await resetEnvironment();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`ionflux dev: ${errorMessage(error)}`);
  process.exit(1);
});
