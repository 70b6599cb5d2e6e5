/**
 * The MSK / self-managed Kafka event Lambda delivers (eventSource "aws:kafka"): records grouped under
 * "<topic>-<partition>", keys and values base64, headers as arrays of `{ name: byte[] }`. Built by the
 * local runtime from the embedded bus or a real consumer group, read by the consumer adapter.
 */
export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string | null;
  value?: string | null;
  headers: Array<Record<string, number[]>>;
}

export interface MskEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, MskRecord[]>;
}

/**
 * A failed record in a Kafka partial batch response: `partition` is the "<topic>-<partition>" key of
 * `event.records`, `offset` the record's offset (a flat string identifier makes Lambda retry the
 * whole batch). Lambda resumes that partition from the lowest failed offset.
 */
export interface KafkaBatchItemFailure {
  itemIdentifier: { partition: string; offset: number };
}

export const itemIdentifier = (record: Pick<MskRecord, 'topic' | 'partition' | 'offset'>): KafkaBatchItemFailure['itemIdentifier'] => ({
  partition: `${record.topic}-${record.partition}`,
  offset: record.offset,
});

export interface KafkaBatchResponse {
  batchItemFailures: KafkaBatchItemFailure[];
}

export const encodeHeaders = (headers: Record<string, string>): Array<Record<string, number[]>> =>
  Object.entries(headers).map(([name, value]) => ({ [name]: [...Buffer.from(value, 'utf8')] }));

export const decodeHeaders = (headers: MskRecord['headers'] | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const header of headers ?? []) for (const [name, bytes] of Object.entries(header)) out[name] = Buffer.from(bytes).toString('utf8');
  return out;
};

export interface PlainRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Groups plain records into the event shape Lambda delivers. */
export function buildMskEvent(records: PlainRecord[], source: { clusterArn: string; bootstrapServers: string }): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const r of records) {
    (grouped[`${r.topic}-${r.partition}`] ??= []).push({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: 'CREATE_TIME',
      key: r.key === null ? null : Buffer.from(r.key, 'utf8').toString('base64'),
      value: Buffer.from(r.value, 'utf8').toString('base64'),
      headers: encodeHeaders(r.headers),
    });
  }
  return { eventSource: 'aws:kafka', eventSourceArn: source.clusterArn, bootstrapServers: source.bootstrapServers, records: grouped };
}

/** Offsets of failed records per "<topic>-<partition>" from a handler's partial batch response. */
export function failedOffsets(response: unknown, event: MskEvent): Map<string, number> {
  const failures = new Map<string, number>();
  const items = (response as Partial<KafkaBatchResponse> | undefined)?.batchItemFailures;
  if (!Array.isArray(items)) return failures;
  for (const item of items) {
    const id = item?.itemIdentifier as { partition?: unknown; offset?: unknown } | undefined;
    const key = typeof id?.partition === 'string' ? id.partition : undefined;
    const records = key ? event.records[key] : undefined;
    if (!key || !records || typeof id?.offset !== 'number' || !records.some((r) => r.offset === id.offset)) {
      // What Lambda does with an identifier it cannot match: the whole batch is retried.
      for (const [k, list] of Object.entries(event.records)) failures.set(k, Math.min(...list.map((r) => r.offset)));
      return failures;
    }
    failures.set(key, Math.min(failures.get(key) ?? Number.MAX_SAFE_INTEGER, id.offset));
  }
  return failures;
}
