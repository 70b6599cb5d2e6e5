/**
 * The cost benchmark's meter (bench/cost): DynamoDB request units counted from the real items our calls
 * touch, by AWS's documented rules, on the project's own SDK clients against moto — so `npm run bench --
 * cost` prices what the code does, not what someone thought it does.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { AwsMeter } from '../../bench/cost/aws-meter';
import { attributeValueBytes, itemBytes, readUnits, writeUnits } from '../../bench/cost/dynamodb-capacity';
import { awsClientConfig } from '../../shared/aws/client-config';
import { config } from '../../shared/config/env';
import { resetEnvironment } from '../../shared/runtime/per-environment';
import { sqsClient } from '../../shared/runtime/queues';
import { dynamoDbClient } from '../../shared/runtime/storage';
import { useLocalServices } from '../support/environment';

describe('DynamoDB capacity arithmetic (AWS documented rules)', () => {
  it('sizes attribute names and values as DynamoDB bills them', () => {
    expect(itemBytes({ pk: { S: 'abc' } })).toBe(5);
    expect(itemBytes({ pk: { S: 'é' } })).toBe(4); // UTF-8 bytes, not characters
    expect(attributeValueBytes({ N: '123.450' })).toBe(4); // 5 significant digits → 3 + 1
    expect(attributeValueBytes({ N: '-0.001' })).toBe(2);
    expect(attributeValueBytes({ M: { a: { S: 'x' } } })).toBe(6); // 3 + (1 + name 1 + value 1)
    expect(attributeValueBytes({ L: [{ S: 'ab' }, { BOOL: true }] })).toBe(8); // 3 + (1 + 2) + (1 + 1)
    expect(attributeValueBytes({ SS: ['a', 'bc'] })).toBe(3);
    expect(itemBytes(undefined)).toBe(0);
  });

  it('rounds writes per started KB of the larger image and reads per 4 KB, transactions doubled', () => {
    expect(writeUnits(0, 10)).toBe(1);
    expect(writeUnits(3000, 500)).toBe(3);
    expect(writeUnits(1024, 0)).toBe(1);
    expect(writeUnits(1025, 0, true)).toBe(4);
    expect(readUnits(0, 'strong')).toBe(1);
    expect(readUnits(4097, 'strong')).toBe(2);
    expect(readUnits(100, 'eventual')).toBe(0.5);
    expect(readUnits(100, 'transactional')).toBe(2);
  });
});

describe('AwsMeter on the project SDK clients (moto)', () => {
  const name = `cost-meter-${randomUUID().slice(0, 8)}`;
  let client: DynamoDBClient;
  let meter: AwsMeter;

  beforeAll(async () => {
    await useLocalServices();
    client = dynamoDbClient();
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    meter = new AwsMeter(new DynamoDBClient(awsClientConfig(config())));
    meter.attach(client);
    meter.attach(sqsClient());
  });
  afterAll(() => resetEnvironment());
  beforeEach(() => meter.reset());

  const item = (sk: string, bytes: number) => ({ pk: { S: 'p' }, sk: { S: sk }, data: { S: 'x'.repeat(bytes) } });

  it('counts a put by the item it writes, and an overwrite by the larger of old and new', async () => {
    await client.send(new PutItemCommand({ TableName: name, Item: item('a', 2500) }));
    expect(meter.usage.dynamodb.writeUnits).toBe(3);
    await client.send(new PutItemCommand({ TableName: name, Item: item('a', 10) }));
    expect(meter.usage.dynamodb.writeUnits).toBe(6); // the 2.5 KB item it replaced: 3 more
    expect(meter.usage.commands['DynamoDB.PutItem']).toBe(2);
  });

  it('counts a write whose condition fails, and an update by the larger image', async () => {
    await client.send(new PutItemCommand({ TableName: name, Item: item('b', 100) }));
    meter.reset();
    await expect(
      client.send(new PutItemCommand({ TableName: name, Item: item('b', 100), ConditionExpression: 'attribute_not_exists(pk)' })),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(meter.usage.dynamodb.writeUnits).toBe(1);
    await client.send(
      new UpdateItemCommand({ TableName: name, Key: { pk: { S: 'p' }, sk: { S: 'b' } }, UpdateExpression: 'SET more = :m', ExpressionAttributeValues: { ':m': { S: 'y'.repeat(1500) } } }),
    );
    expect(meter.usage.dynamodb.writeUnits).toBe(3); // 1 + ceil(~1.6 KB)
  });

  it('counts reads by consistency, queries by what they read, transactions twice', async () => {
    for (const sk of ['q1', 'q2', 'q3']) await client.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'query' }, sk: { S: sk }, data: { S: 'z'.repeat(2000) } } }));
    meter.reset();
    await client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'query' }, sk: { S: 'q1' } }, ConsistentRead: true }));
    expect(meter.usage.dynamodb.readUnits).toBe(1);
    await client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: 'query' }, sk: { S: 'q1' } } }));
    expect(meter.usage.dynamodb.readUnits).toBe(1.5);
    await client.send(new QueryCommand({ TableName: name, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'query' } } }));
    expect(meter.usage.dynamodb.readUnits).toBe(2.5); // ~6 KB read → 2 units, halved
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: name, Item: item('t1', 10) } },
          { ConditionCheck: { TableName: name, Key: { pk: { S: 'query' }, sk: { S: 'q1' } }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    expect(meter.usage.dynamodb.writeUnits).toBe(2 + 2 * 2); // the put: 2 × 1; the check on a 2 KB item: 2 × 2
  });

  it('counts SQS requests per 64 KB chunk of payload', async () => {
    const { QueueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: `cost-meter-${randomUUID().slice(0, 8)}` }));
    meter.reset();
    await sqsClient().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(100) }));
    expect(meter.usage.sqs.billedRequests).toBe(1);
    await sqsClient().send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(70 * 1024) }));
    expect(meter.usage.sqs.billedRequests).toBe(3);
  });

  it('counts nothing while disabled', async () => {
    meter.enabled = false;
    await client.send(new PutItemCommand({ TableName: name, Item: item('off', 10) }));
    meter.enabled = true;
    expect(meter.usage.dynamodb.writeUnits).toBe(0);
    expect(meter.usage.commands).toEqual({});
  });
});
