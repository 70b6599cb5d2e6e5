/**
 * Before any test: the real Kafka broker and moto must be up. `npm test` starts them; if jest is run
 * directly, they are started here too (idempotent, and quick when already running).
 */
import { sharedKafka } from '../../scripts/services/kafka';
import { MotoServer } from '../../scripts/services/moto';

export default async function globalSetup(): Promise<void> {
  await Promise.all([sharedKafka().start(), new MotoServer().start()]);
}
