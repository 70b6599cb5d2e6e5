/**
 * The event bus contract: Kafka (MSK in AWS, a real broker in tests and `npm run dev` with
 * KAFKA_BROKERS) or the embedded bus (topics as JSON-lines files under IONFLUX_HOME).
 */
export interface BusMessage {
  topic: string;
  /** Partition key: a stable entity id, so one entity's events stay ordered. */
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

export interface BusRecord extends BusMessage {
  partition: number;
  offset: string;
  timestamp: number;
}

export interface EventBus {
  /** Writes every message or throws; gives up at `deadline` (epoch ms). */
  publish(messages: BusMessage[], options: { deadline: number }): Promise<void>;
  close(): Promise<void>;
}

export interface ReadOptions {
  /** Only records whose timestamp is at or after this instant (epoch ms): a long topic is not read from its start. */
  since?: number;
}

/** Reading topics back (CLI `events read` / `events tail`, tests). */
export interface EventLog {
  /** Every record currently in the topic, oldest first; with `since` (epoch ms) only those written since. */
  readAll(topic: string, options?: ReadOptions): Promise<BusRecord[]>;
  /** The topics that exist (Kafka: created; embedded: written to at least once), sorted. */
  topics(): Promise<string[]>;
  /** Calls `onRecord` for records from the start (or only new ones) until `signal` aborts. */
  follow(topic: string, onRecord: (record: BusRecord) => void | Promise<void>, options: { signal: AbortSignal; fromBeginning?: boolean }): Promise<void>;
}
