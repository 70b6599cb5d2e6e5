/** Tables for this execution environment: DynamoDB when AWS is enabled, else SQLite under IONFLUX_HOME. */
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from '../aws/client-config';
import { config } from '../config/env';
import { physicalName, type TableName, tables } from '../config/resources';
import { DynamoDbTable } from '../storage/dynamodb-table';
import { openDatabase, SqliteTable } from '../storage/sqlite-table';
import type { Table } from '../storage/table';
import { perEnvironment } from './per-environment';

/** The DynamoDB client of this environment (made on first use; settings in shared/aws/client-config.ts). */
export const dynamoDbClient = perEnvironment(
  () => new DynamoDBClient(awsClientConfig(config())),
  (client) => client.destroy(),
);

const tableCache = perEnvironment(() => new Map<TableName, Table>());

export const embeddedDatabaseFile = () => path.join(config().home, 'state.sqlite');

export function table(name: TableName): Table {
  const cache = tableCache();
  let t = cache.get(name);
  if (!t) {
    const cfg = config();
    const physical = physicalName(cfg.resourcePrefix, name);
    t = cfg.aws.enabled ? new DynamoDbTable(physical, dynamoDbClient(), tables[name].ttl) : new SqliteTable(physical, openDatabase(embeddedDatabaseFile()));
    cache.set(name, t);
  }
  return t;
}
