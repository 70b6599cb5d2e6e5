/**
 * The local services this checkout runs, as two sets that never share anything:
 * - `dev`: for `npm run dev` with real services, on the documented ports (Kafka 127.0.0.1:9092, moto
 *   127.0.0.1:5000). If another process already holds one of them, starting fails and says who.
 * - `test`: for `npm test` and the benches, on ports chosen free for this checkout (kept in
 *   `.services/test/ports.json` while they stay free, so a warm broker is reused between runs).
 * Each set knows the processes it started (pid files under .services/) and answers only for them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KafkaBroker } from './kafka';
import { MotoServer } from './moto';
import { servicesHome } from './paths';
import { freePorts, isListening } from './ports';

export interface ServiceSet {
  readonly name: 'dev' | 'test';
  readonly kafka: KafkaBroker;
  readonly moto: MotoServer;
}

/** What the tests are told (environment variables set by `npm test` and jest's global setup). */
export interface TestServiceEndpoints {
  kafkaBrokers: string;
  awsEndpoint: string;
}

export const DEV_PORTS = { kafka: 9092, kafkaController: 9093, moto: 5000 } as const;

export function devServices(): ServiceSet {
  return {
    name: 'dev',
    kafka: new KafkaBroker({ name: 'main', port: DEV_PORTS.kafka, controllerPort: DEV_PORTS.kafkaController }),
    moto: new MotoServer(DEV_PORTS.moto, 'moto'),
  };
}

interface TestPorts {
  kafka: number;
  kafkaController: number;
  moto: number;
}

const testPortsFile = path.join(servicesHome, 'test', 'ports.json');

function readTestPorts(): TestPorts | undefined {
  try {
    const ports = JSON.parse(fs.readFileSync(testPortsFile, 'utf8')) as TestPorts;
    return [ports.kafka, ports.kafkaController, ports.moto].every((p) => Number.isInteger(p) && p > 0) ? ports : undefined;
  } catch {
    return undefined;
  }
}

function testSet(ports: TestPorts): ServiceSet {
  return {
    name: 'test',
    kafka: new KafkaBroker({ name: 'test', port: ports.kafka, controllerPort: ports.kafkaController }),
    moto: new MotoServer(ports.moto, 'moto-test'),
  };
}

/** The test set as last started, without choosing ports (for status and down). */
export function existingTestServices(): ServiceSet | undefined {
  const ports = readTestPorts();
  return ports ? testSet(ports) : undefined;
}

/**
 * The test set, its ports decided: the recorded ones when our processes still run on them or when
 * they are free, else new free ports (and a fresh broker data folder, since its listeners change).
 */
export async function testServices(): Promise<ServiceSet> {
  const recorded = readTestPorts();
  if (recorded) {
    const set = testSet(recorded);
    const kafkaOk = set.kafka.pid() !== undefined || !(await isListening(recorded.kafka) || (await isListening(recorded.kafkaController)));
    const motoOk = set.moto.pid() !== undefined || !(await isListening(recorded.moto));
    if (kafkaOk && motoOk) return set;
    await set.kafka.destroy();
    await set.moto.stop();
  }
  const [kafka, kafkaController, moto] = await freePorts(3);
  const ports: TestPorts = { kafka: kafka!, kafkaController: kafkaController!, moto: moto! };
  fs.mkdirSync(path.dirname(testPortsFile), { recursive: true });
  fs.writeFileSync(testPortsFile, `${JSON.stringify(ports)}\n`);
  return testSet(ports);
}

/** Starts the set's services (idempotent) and waits until each answers from our own process. */
export async function startSet(set: ServiceSet): Promise<TestServiceEndpoints> {
  await Promise.all([set.kafka.start(), set.moto.start()]);
  return { kafkaBrokers: set.kafka.brokers, awsEndpoint: set.moto.endpoint };
}

/** Environment variables through which the tests learn the test set's endpoints. */
export const TEST_ENV = { kafkaBrokers: 'IONFLUX_TEST_KAFKA_BROKERS', awsEndpoint: 'IONFLUX_TEST_AWS_ENDPOINT' } as const;

/** Starts this checkout's test services and exports their endpoints into `env`. */
export async function startTestServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServiceEndpoints> {
  const endpoints = await startSet(await testServices());
  env[TEST_ENV.kafkaBrokers] = endpoints.kafkaBrokers;
  env[TEST_ENV.awsEndpoint] = endpoints.awsEndpoint;
  return endpoints;
}
