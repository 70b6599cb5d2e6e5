/**
 * The Table contract on DynamoDB (AWS, and moto in tests and `npm run dev` with AWS_ENDPOINT_URL), over
 * the lean JSON client: items and expression values are converted to attribute values here.
 */
import { type AttributeValue, fromItem, toAttribute, toItem } from '../aws/dynamodb-json';
import { isAwsError } from '../aws/errors';
import type { AwsJsonClient } from '../aws/json-client';
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
    private readonly client: AwsJsonClient,
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

  private static item(attributes: unknown): TableItem | undefined {
    return attributes ? (fromItem(attributes as Record<string, AttributeValue>) as TableItem) : undefined;
  }

  private async run<T = Record<string, unknown>>(operation: string, input: object): Promise<T> {
    try {
      return await this.client.call<T>(operation, input);
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) throw new ConditionFailedError(this.name, error);
      throw new StorageError(this.name, operation, error);
    }
  }

  async get(key: TableKey): Promise<TableItem | undefined> {
    const out = await this.run<{ Item?: unknown }>('GetItem', { TableName: this.name, Key: this.key(key), ConsistentRead: true });
    const item = DynamoDbTable.item(out.Item);
    return item && !isExpired(item, this.clock()) ? item : undefined;
  }

  async put(item: TableItem, options: { condition?: Condition } = {}): Promise<void> {
    const expr: Expression = { names: {}, values: {}, next: 0 };
    const condition = this.conditionParams(options.condition, expr);
    await this.run('PutItem', { TableName: this.name, Item: toItem(item), ...condition, ...DynamoDbTable.withExpression(expr) });
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
    const out = await this.run<{ Attributes?: unknown }>('UpdateItem', {
      TableName: this.name,
      Key: this.key(key),
      UpdateExpression,
      ReturnValues: 'ALL_NEW',
      ...condition,
      ...DynamoDbTable.withExpression(expr),
    });
    return DynamoDbTable.item(out.Attributes)!;
  }

  async transactWrite(ops: WriteOp[]): Promise<void> {
    assertValidTransaction(this.name, ops);
    const items = ops.map((op) => {
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
    // A concurrent transaction on the same item cancels ours with TransactionConflict: try again shortly.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.call('TransactWriteItems', { TransactItems: items });
        return;
      } catch (error) {
        const cancelled = isAwsError(error, 'TransactionCanceledException');
        const reasons = cancelled ? (error.body.CancellationReasons as Array<{ Code?: string }> | undefined) : undefined;
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
    await this.run('DeleteItem', { TableName: this.name, Key: this.key(key), ...condition, ...DynamoDbTable.withExpression(expr) });
  }

  async query(pk: string, options: QueryOptions = {}): Promise<TableItem[]> {
    const items: TableItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const expr: Expression = { names: {}, values: {}, next: 0 };
      let keyCondition = `${name(expr, 'pk')} = ${value(expr, pk)}`;
      if (options.skBeginsWith !== undefined) keyCondition += ` AND begins_with(${name(expr, 'sk')}, ${value(expr, options.skBeginsWith)})`;
      const out = await this.run<{ Items?: unknown[]; LastEvaluatedKey?: Record<string, unknown> }>('Query', {
        TableName: this.name,
        KeyConditionExpression: keyCondition,
        ScanIndexForward: !options.descending,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(options.limit ? { Limit: options.limit - items.length } : {}),
        ...DynamoDbTable.withExpression(expr),
      });
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
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.run<{ Items?: unknown[]; LastEvaluatedKey?: Record<string, unknown> }>('Scan', {
        TableName: this.name,
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const raw of out.Items ?? []) {
        const item = DynamoDbTable.item(raw)!;
        if (!isExpired(item, this.clock())) items.push(item);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && (!options.limit || items.length < options.limit));
    return options.limit ? items.slice(0, options.limit) : items;
  }
}
