/**
 * npm run services:up | services:down | services:status
 * `up` starts (idempotently) this checkout's dev services on the documented ports: the real Kafka
 * broker on 127.0.0.1:9092 and moto on 127.0.0.1:5000, for `npm run dev` with KAFKA_BROKERS /
 * AWS_ENDPOINT_URL. If another process holds one of those ports, it says so and starts nothing there.
 * `down` and `status` speak only of the processes this checkout started (dev and test sets), and say
 * when a port is held by someone else.
 */
import type { KafkaBroker } from './kafka';
import type { MotoServer } from './moto';
import { describeHolder, isListening } from './ports';
import { devServices, existingTestServices, startSet, type ServiceSet } from './service-sets';

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function sets(): ServiceSet[] {
  const test = existingTestServices();
  return test ? [devServices(), test] : [devServices()];
}

interface Service {
  what: string;
  port: number;
  server: KafkaBroker | MotoServer;
}
const services = (set: ServiceSet): Service[] => [
  { what: `${set.name} Kafka ${set.kafka.brokers}`, port: set.kafka.port, server: set.kafka },
  { what: `${set.name} moto ${set.moto.endpoint}`, port: set.moto.port, server: set.moto },
];

async function statusLine(service: Service): Promise<{ line: string; ok: boolean }> {
  const pid = service.server.pid();
  if (pid === undefined) {
    const held = await isListening(service.port);
    return { line: `${service.what}: not running${held ? ` (${describeHolder(service.port)}, not this checkout's)` : ''}`, ok: false };
  }
  try {
    const ready = await service.server.ready();
    return { line: `${service.what}: ${ready ? 'ready' : 'starting'} (pid ${pid}, this checkout's)`, ok: ready };
  } catch (error) {
    return { line: `${service.what}: running (pid ${pid}) but not ready: ${error instanceof Error ? error.message : String(error)}`, ok: false };
  }
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up': {
      const started = Date.now();
      const set = devServices();
      const { kafkaBrokers, awsEndpoint } = await startSet(set);
      console.log(`services: Kafka ${kafkaBrokers} and moto ${awsEndpoint} ready (this checkout's, ${seconds(started)})`);
      console.log(`  KAFKA_BROKERS=${kafkaBrokers} AWS_ENDPOINT_URL=${awsEndpoint} npm run dev`);
      return;
    }
    case 'down': {
      const stopped: string[] = [];
      for (const set of sets()) {
        for (const service of services(set)) {
          const pid = service.server.pid();
          if (pid === undefined) continue;
          await service.server.stop();
          stopped.push(`${service.what} (pid ${pid})`);
        }
      }
      console.log(stopped.length ? `services: stopped ${stopped.join(', ')}` : 'services: none of this checkout\'s services was running; nothing stopped');
      return;
    }
    case 'status': {
      let devOk = true;
      for (const set of sets()) {
        for (const service of services(set)) {
          const { line, ok } = await statusLine(service);
          console.log(line);
          if (set.name === 'dev') devOk &&= ok;
        }
      }
      process.exitCode = devOk ? 0 : 1;
      return;
    }
    default:
      console.error('usage: npm run services:up | services:down | services:status');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(`services: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
