/**
 * Counts what our code asks of AWS, from the calls themselves: a middleware on the real SDK v3 clients the
 * runtime made (DynamoDB, SQS, Secrets Manager, …) sees every command it sends, so nothing is estimated
 * from reading our code. DynamoDB request units are computed from the real items (read before and after
 * each write through a second, unmetered client, as DynamoDB bills the larger of the two); SQS requests in
 * 64 KB chunks of payload, as SQS bills them.
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { type Item, itemBytes, readUnits, writeUnits } from './dynamodb-capacity';

export interface MeteredUsage {
  /** Commands sent, by `Service.Operation` (e.g. `DynamoDB.PutItem`). */
  commands: Record<string, number>;
  dynamodb: { readUnits: number; writeUnits: number };
  sqs: { billedRequests: number; payloadBytes: number };
}

export const emptyUsage = (): MeteredUsage => ({ commands: {}, dynamodb: { readUnits: 0, writeUnits: 0 }, sqs: { billedRequests: 0, payloadBytes: 0 } });

interface MiddlewareClient {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string; override?: boolean }): void; remove(name: string): boolean };
}

const SQS_CHUNK = 64 * 1024;
const METER = 'ionfluxCostMeter';

type Input = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Output = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class AwsMeter {
  usage: MeteredUsage = emptyUsage();
  enabled = true;
  private readonly keySchemas = new Map<string, Promise<KeySchemaElement[]>>();

  /** `reader`: a DynamoDB client without the meter, for the reads that size items. */
  constructor(private readonly reader: DynamoDBClient) {}

  reset(): MeteredUsage {
    const usage = this.usage;
    this.usage = emptyUsage();
    return usage;
  }

  /** Meters every command this client sends from now on. */
  attach(client: MiddlewareClient): void {
    client.middlewareStack.add(
      (next: (args: { input: Input }) => Promise<{ output: Output }>, context: { clientName?: string; commandName?: string }) =>
        async (args: { input: Input }) => {
          if (!this.enabled) return next(args);
          const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
          const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          const key = `${service}.${operation}`;
          this.usage.commands[key] = (this.usage.commands[key] ?? 0) + 1;
          if (service === 'DynamoDB') return this.dynamodb(operation, args, next);
          if (service === 'SQS') return this.sqs(operation, args, next);
          return next(args);
        },
      { step: 'initialize', name: METER, override: true },
    );
  }

  private async sqs(operation: string, args: { input: Input }, next: (args: { input: Input }) => Promise<{ output: Output }>) {
    const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_CHUNK));
    const attributesBytes = (attributes: Record<string, { StringValue?: string; DataType?: string }> | undefined) =>
      Object.entries(attributes ?? {}).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v.StringValue ?? '') + Buffer.byteLength(v.DataType ?? ''), 0);
    let bytes = 0;
    if (operation === 'SendMessage') bytes = Buffer.byteLength(String(args.input.MessageBody ?? '')) + attributesBytes(args.input.MessageAttributes);
    if (operation === 'SendMessageBatch')
      for (const entry of args.input.Entries ?? []) bytes += Buffer.byteLength(String(entry.MessageBody ?? '')) + attributesBytes(entry.MessageAttributes);
    const result = await next(args);
    if (operation === 'ReceiveMessage')
      for (const m of result.output.Messages ?? []) bytes += Buffer.byteLength(String(m.Body ?? '')) + attributesBytes(m.MessageAttributes);
    this.usage.sqs.payloadBytes += bytes;
    this.usage.sqs.billedRequests += chunks(bytes);
    return result;
  }

  private async dynamodb(operation: string, args: { input: Input }, next: (args: { input: Input }) => Promise<{ output: Output }>) {
    const input = args.input;
    const units = this.usage.dynamodb;
    switch (operation) {
      case 'GetItem': {
        const result = await next(args);
        // Billed on the whole item, whatever the projection returned.
        const bytes = itemBytes(await this.current(input.TableName, input.Key));
        units.readUnits += readUnits(bytes, input.ConsistentRead ? 'strong' : 'eventual');
        return result;
      }
      case 'Query':
      case 'Scan': {
        const result = await next(args);
        const bytes = (result.output.Items ?? []).reduce((sum: number, item: Item) => sum + itemBytes(item), 0);
        units.readUnits += readUnits(bytes, input.ConsistentRead ? 'strong' : 'eventual');
        return result;
      }
      case 'BatchGetItem': {
        const result = await next(args);
        for (const [table, items] of Object.entries((result.output.Responses ?? {}) as Record<string, Item[]>))
          for (const item of items) units.readUnits += readUnits(itemBytes(item), input.RequestItems?.[table]?.ConsistentRead ? 'strong' : 'eventual');
        return result;
      }
      case 'TransactGetItems': {
        const result = await next(args);
        for (const response of (result.output.Responses ?? []) as Array<{ Item?: Item }>) units.readUnits += readUnits(itemBytes(response.Item), 'transactional');
        return result;
      }
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.writes([{ operation, request: input }], false, () => next(args));
      case 'TransactWriteItems': {
        const writes = (input.TransactItems as Array<Record<string, Input>>).map((entry) => {
          const [operation, request] = Object.entries(entry)[0]!;
          return { operation: `${operation}Item`.replace('ConditionCheckItem', 'ConditionCheck'), request: request! };
        });
        return this.writes(writes, true, () => next(args));
      }
      case 'BatchWriteItem': {
        const writes = Object.entries(input.RequestItems as Record<string, Array<Record<string, Input>>>).flatMap(([table, requests]) =>
          requests.map((r) => (r.PutRequest ? { operation: 'PutItem', request: { TableName: table, Item: r.PutRequest.Item } } : { operation: 'DeleteItem', request: { TableName: table, Key: r.DeleteRequest!.Key } })),
        );
        return this.writes(writes, false, () => next(args));
      }
      default:
        return next(args); // control plane (CreateTable, DescribeTable, …): no request units
    }
  }

  /** Sizes each written item before and after the call (a failed condition still consumes the units). */
  private async writes(writes: Array<{ operation: string; request: Input }>, transactional: boolean, send: () => Promise<{ output: Output }>) {
    const keys = await Promise.all(writes.map(async (w) => (w.request.Key as Item | undefined) ?? this.keyOf(w.request.TableName, w.request.Item as Item)));
    const before = await Promise.all(writes.map((w, i) => this.current(w.request.TableName, keys[i]!)));
    let result: { output: Output } | undefined;
    let failure: unknown;
    try {
      result = await send();
    } catch (error) {
      failure = error;
    }
    const after = await Promise.all(writes.map((w, i) => (w.operation === 'ConditionCheck' ? before[i] : this.current(w.request.TableName, keys[i]!))));
    writes.forEach((w, i) => {
      const incoming = w.operation === 'PutItem' ? itemBytes(w.request.Item as Item) : 0;
      this.usage.dynamodb.writeUnits += writeUnits(itemBytes(before[i]), Math.max(itemBytes(after[i]), incoming), transactional);
    });
    if (failure !== undefined) throw failure;
    return result!;
  }

  private async current(table: string, key: Item): Promise<Item | undefined> {
    const out = await this.reader.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  private async keyOf(table: string, item: Item): Promise<Item> {
    let schema = this.keySchemas.get(table);
    if (!schema) {
      schema = this.reader.send(new DescribeTableCommand({ TableName: table })).then((out) => out.Table!.KeySchema!);
      this.keySchemas.set(table, schema);
    }
    return Object.fromEntries((await schema).map((k) => [k.AttributeName!, item[k.AttributeName!] as AttributeValue]));
  }
}
