/**
 * The Table contract on DynamoDB (AWS, and moto in tests and `npm run dev` with AWS_ENDPOINT_URL), with
 * `@aws-sdk/client-dynamodb`: items and expression values are marshalled by `@aws-sdk/util-dynamodb`, and
 * every call carries the deadline scope's abort signal (`awsCallOptions`). The SDK's retries give a
 * TransactWriteItems the same ClientRequestToken on every attempt, so a transaction applied but not
 * acknowledged is recognised on the retry instead of failing its own conditions.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type AwsCallOptions, awsCallOptions } from '../aws/client-config';
import { isAwsError } from '../aws/errors';
import { ConditionFailedError, StorageError } from './errors';
import {
  type Condition,
  isExpired,
  nowSeconds,
  type QueryOptions,
  type Table,
  type TableItem,
  type TableKey,
  TTL_ATTRIBUTE,
  type UpdateSpec,
  type WriteOp,
  assertValidTransaction,
} from './table';

/**
 * Plain JSON data as attribute values: `undefined` members left out, class instances (Date, Map…) refused
 * rather than guessed at, numbers a double cannot hold exactly refused rather than rounded.
 */
export const toItem = (item: Record<string, unknown>): Record<string, AttributeValue> =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });

/** Stored attribute values as plain data (an integer beyond 2^53 comes back as a bigint, never rounded). */
export const fromItem = (item: Record<string, AttributeValue>): TableItem => unmarshall(item, { wrapNumbers: false }) as TableItem;

interface Expression {
  names: Record<string, string>;
  values: Record<string, unknown>;
  next: number;
}

const name = (expr: Expression, attr: string): string => {
  const placeholder = `#n${expr.next++}`;
  expr.names[placeholder] = attr;
  return placeholder;
};
const value = (expr: Expression, v: unknown): string => {
  const placeholder = `:v${expr.next++}`;
  expr.values[placeholder] = v;
  return placeholder;
};

export class DynamoDbTable implements Table {
  constructor(
    readonly name: string,
    private readonly client: DynamoDBClient,
    private readonly ttl: boolean,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Compiles a condition; on TTL tables an expired item counts as absent, as reads see it. */
  private compile(condition: Condition, expr: Expression): string {
    const live = () => {
      if (!this.ttl) return '';
      return ` AND (attribute_not_exists(${name(expr, TTL_ATTRIBUTE)}) OR ${name(expr, TTL_ATTRIBUTE)} > ${value(expr, nowSeconds(this.clock()))})`;
    };
    const gone = () => {
      if (!this.ttl) return '';
      return ` OR ${name(expr, TTL_ATTRIBUTE)} <= ${value(expr, nowSeconds(this.clock()))}`;
    };
    switch (condition.kind) {
      case 'absent':
        return `(attribute_not_exists(${name(expr, 'pk')})${gone()})`;
      case 'equals':
        return `(${name(expr, condition.attr)} = ${value(expr, condition.value)}${live()})`;
      case 'lessThan':
        return `(${name(expr, condition.attr)} < ${value(expr, condition.value)}${live()})`;
      case 'attrAbsent':
        return `(attribute_not_exists(${name(expr, condition.attr)})${gone()})`;
      case 'and':
        return `(${condition.all.map((c) => this.compile(c, expr)).join(' AND ')})`;
      case 'or':
        return `(${condition.any.map((c) => this.compile(c, expr)).join(' OR ')})`;
    }
  }

  private conditionParams(condition: Condition | undefined, expr: Expression = { names: {}, values: {}, next: 0 }) {
    if (!condition) return {};
    return { ConditionExpression: this.compile(condition, expr) };
  }

  private static withExpression(expr: Expression) {
    return {
      ...(Object.keys(expr.names).length ? { ExpressionAttributeNames: expr.names } : {}),
      ...(Object.keys(expr.values).length ? { ExpressionAttributeValues: toItem(expr.values) } : {}),
    };
  }

  private key(key: TableKey): Record<string, AttributeValue> {
    return key.sk === undefined ? { pk: { S: key.pk } } : { pk: { S: key.pk }, sk: { S: key.sk } };
  }

  private static item(attributes: Record<string, AttributeValue> | undefined): TableItem | undefined {
    return attributes ? fromItem(attributes) : undefined;
  }

  /** Sends one command within the deadline scope; a failed condition is ConditionFailedError, anything else StorageError. */
  private async run<O>(operation: string, send: (client: DynamoDBClient, options: AwsCallOptions) => Promise<O>): Promise<O> {
    try {
      return await send(this.client, awsCallOptions());
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) throw new ConditionFailedError(this.name, error);
      throw new StorageError(this.name, operation, error);
    }
  }

  async get(key: TableKey): Promise<TableItem | undefined> {
    const out = await this.run('GetItem', (c, o) => c.send(new GetItemCommand({ TableName: this.name, Key: this.key(key), ConsistentRead: true }), o));
    const item = DynamoDbTable.item(out.Item);
    return item && !isExpired(item, this.clock()) ? item : undefined;
  }

  async put(item: TableItem, options: { condition?: Condition } = {}): Promise<void> {
    const expr: Expression = { names: {}, values: {}, next: 0 };
    const condition = this.conditionParams(options.condition, expr);
    const input = { TableName: this.name, Item: toItem(item), ...condition, ...DynamoDbTable.withExpression(expr) };
    await this.run('PutItem', (c, o) => c.send(new PutItemCommand(input), o));
  }

  private updateExpression(update: UpdateSpec, expr: Expression): string {
    const clauses: string[] = [];
    const set = Object.entries(update.set ?? {}).filter(([, v]) => v !== undefined);
    if (set.length) clauses.push(`SET ${set.map(([k, v]) => `${name(expr, k)} = ${value(expr, v)}`).join(', ')}`);
    const add = Object.entries(update.add ?? {});
    if (add.length) clauses.push(`ADD ${add.map(([k, v]) => `${name(expr, k)} ${value(expr, v)}`).join(', ')}`);
    if (update.remove?.length) clauses.push(`REMOVE ${update.remove.map((k) => name(expr, k)).join(', ')}`);
    if (!clauses.length) throw new Error('update needs at least one of set, add or remove');
    return clauses.join(' ');
  }

  async update(key: TableKey, update: UpdateSpec, options: { condition?: Condition } = {}): Promise<TableItem> {
    const expr: Expression = { names: {}, values: {}, next: 0 };
    const UpdateExpression = this.updateExpression(update, expr);
    const condition = this.conditionParams(options.condition, expr);
    const input = { TableName: this.name, Key: this.key(key), UpdateExpression, ReturnValues: 'ALL_NEW' as const, ...condition, ...DynamoDbTable.withExpression(expr) };
    const out = await this.run('UpdateItem', (c, o) => c.send(new UpdateItemCommand(input), o));
    return DynamoDbTable.item(out.Attributes)!;
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    assertValidTransaction(this.name, ops);
    const items = ops.map((op): TransactWriteItem => {
      const expr: Expression = { names: {}, values: {}, next: 0 };
      if ('put' in op) {
        const condition = this.conditionParams(op.condition, expr);
        return { Put: { TableName: this.name, Item: toItem(op.put), ...condition, ...DynamoDbTable.withExpression(expr) } };
      }
      if ('update' in op) {
        const UpdateExpression = this.updateExpression(op.spec, expr);
        const condition = this.conditionParams(op.condition, expr);
        return { Update: { TableName: this.name, Key: this.key(op.update), UpdateExpression, ...condition, ...DynamoDbTable.withExpression(expr) } };
      }
      if ('delete' in op) {
        const condition = this.conditionParams(op.condition, expr);
        return { Delete: { TableName: this.name, Key: this.key(op.delete), ...condition, ...DynamoDbTable.withExpression(expr) } };
      }
      const condition = this.conditionParams(op.condition, expr) as { ConditionExpression: string };
      return { ConditionCheck: { TableName: this.name, Key: this.key(op.check), ...condition, ...DynamoDbTable.withExpression(expr) } };
    });
    // A concurrent transaction on the same item cancels ours with TransactionConflict: try again shortly, as
    // a new transaction (a new ClientRequestToken: the cancelled one was not applied). The SDK's own retries
    // (5xx, timeouts, TransactionInProgress) resend the same token, as DynamoDB's idempotency requires.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }), awsCallOptions());
        return;
      } catch (error) {
        const cancelled = isAwsError(error, 'TransactionCanceledException');
        const reasons = cancelled ? (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons : undefined;
        if (cancelled && reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) throw new ConditionFailedError(this.name, error);
        if (cancelled && reasons?.some((r) => r.Code === 'TransactionConflict') && attempt < 4) {
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
          continue;
        }
        throw new StorageError(this.name, 'transactWrite', error);
      }
    }
  }

  async delete(key: TableKey, options: { condition?: Condition } = {}): Promise<void> {
    const expr: Expression = { names: {}, values: {}, next: 0 };
    const condition = this.conditionParams(options.condition, expr);
    const input = { TableName: this.name, Key: this.key(key), ...condition, ...DynamoDbTable.withExpression(expr) };
    await this.run('DeleteItem', (c, o) => c.send(new DeleteItemCommand(input), o));
  }

  async query(pk: string, options: QueryOptions = {}): Promise<TableItem[]> {
    const items: TableItem[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const expr: Expression = { names: {}, values: {}, next: 0 };
      let keyCondition = `${name(expr, 'pk')} = ${value(expr, pk)}`;
      if (options.skBeginsWith !== undefined) keyCondition += ` AND begins_with(${name(expr, 'sk')}, ${value(expr, options.skBeginsWith)})`;
      const input = {
        TableName: this.name,
        KeyConditionExpression: keyCondition,
        ScanIndexForward: !options.descending,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(options.limit ? { Limit: options.limit - items.length } : {}),
        ...DynamoDbTable.withExpression(expr),
      };
      const out = await this.run('Query', (c, o) => c.send(new QueryCommand(input), o));
      for (const raw of out.Items ?? []) {
        const item = DynamoDbTable.item(raw)!;
        if (!isExpired(item, this.clock())) items.push(item);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && (!options.limit || items.length < options.limit));
    return items;
  }

  async scan(options: { limit?: number } = {}): Promise<TableItem[]> {
    const items: TableItem[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const input = { TableName: this.name, ConsistentRead: true, ...(startKey ? { ExclusiveStartKey: startKey } : {}) };
      const out = await this.run('Scan', (c, o) => c.send(new ScanCommand(input), o));
      for (const raw of out.Items ?? []) {
        const item = DynamoDbTable.item(raw)!;
        if (!isExpired(item, this.clock())) items.push(item);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && (!options.limit || items.length < options.limit));
    return options.limit ? items.slice(0, options.limit) : items;
  }
}
