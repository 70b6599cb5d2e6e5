/**
 * npm run services:up | services:down | services:status
 * Starts (idempotently) the real Kafka broker on 127.0.0.1:9092 and moto on 127.0.0.1:5000 that the
 * test suite and `npm run dev` (with KAFKA_BROKERS / AWS_ENDPOINT_URL) use.
 */
import { sharedKafka } from './kafka';
import { MotoServer } from './moto';

async function main(command: string | undefined): Promise<void> {
  const kafka = sharedKafka();
  const moto = new MotoServer();
  switch (command) {
    case 'up': {
      const started = Date.now();
      await Promise.all([kafka.start(), moto.start()]);
      console.log(`services: Kafka ${kafka.brokers} and moto ${moto.endpoint} ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return;
    }
    case 'down':
      await Promise.all([kafka.stop(), moto.stop()]);
      console.log('services: stopped');
      return;
    case 'status': {
      const kafkaUp = await kafka.ready().catch(() => false);
      const motoUp = await moto.ready().catch(() => false);
      console.log(`kafka ${kafka.brokers}: ${kafkaUp ? 'ready' : 'down'}\nmoto ${moto.endpoint}: ${motoUp ? 'ready' : 'down'}`);
      process.exitCode = kafkaUp && motoUp ? 0 : 1;
      return;
    }
    default:
      console.error('usage: tsx scripts/services/cli.ts up|down|status');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(`services: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
