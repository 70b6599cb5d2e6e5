/**
 * `npm test`: starts this checkout's own test services (Kafka broker, moto, on ports chosen free for
 * this checkout; reused while they run) and passes their endpoints to jest, type-checks,
 * runs every jest suite (unit, integration, infra), then scans everything the code logged during the
 * run for any secret value a test stored. Extra arguments go to jest (`npm test -- test/unit`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './services/paths';
import { startTestServices } from './services/service-sets';

const testOutput = path.join(projectRoot, '.test-output');
const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name);

function step(title: string): number {
  const started = Date.now();
  console.log(`\n▶ ${title}`);
  return started;
}
const took = (started: number) => `${((Date.now() - started) / 1000).toFixed(1)} s`;

/** Every stored secret value must be absent from every log line of the run. */
export function scanLogs(outputDir: string = testOutput): string[] {
  const valuesFile = path.join(outputDir, 'secret-values.txt');
  const logsDir = path.join(outputDir, 'logs');
  if (!fs.existsSync(valuesFile) || !fs.existsSync(logsDir)) return [];
  const values = [...new Set(fs.readFileSync(valuesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string))];
  const leaks: string[] = [];
  for (const file of fs.readdirSync(logsDir)) {
    const text = fs.readFileSync(path.join(logsDir, file), 'utf8');
    for (const value of values) {
      if (text.includes(value)) leaks.push(`${file}: a stored secret value (${value.slice(0, 3)}… ${value.length} chars) appears in the logs`);
    }
  }
  return leaks;
}

async function main(): Promise<number> {
  let started = step('services: this checkout\'s Kafka broker + moto');
  const endpoints = await startTestServices(process.env);
  console.log(`  ready: Kafka ${endpoints.kafkaBrokers}, moto ${endpoints.awsEndpoint} (${took(started)})`);

  fs.rmSync(testOutput, { recursive: true, force: true });
  fs.mkdirSync(testOutput, { recursive: true });

  started = step('typecheck: tsc --noEmit');
  const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit', cwd: projectRoot });
  if (tsc.status !== 0) return tsc.status ?? 1;
  console.log(`  ok (${took(started)})`);

  started = step('jest: unit, integration (real Kafka + moto), infra');
  const jest = spawnSync(bin('jest'), process.argv.slice(2), {
    stdio: 'inherit',
    cwd: projectRoot,
    env: process.env,
  });
  console.log(`  jest finished (${took(started)})`);

  started = step('secret values never logged: scanning .test-output/logs');
  const leaks = scanLogs();
  if (leaks.length) {
    console.error(leaks.join('\n'));
    return 1;
  }
  const scanned = fs.existsSync(path.join(testOutput, 'secret-values.txt'))
    ? fs.readFileSync(path.join(testOutput, 'secret-values.txt'), 'utf8').split('\n').filter(Boolean).length
    : 0;
  console.log(`  none of ${scanned} stored secret values appears in the logs (${took(started)})`);
  return jest.status ?? 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`npm test: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
