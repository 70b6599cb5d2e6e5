/**
 * The lean AWS JSON-protocol client against a fake endpoint that verifies signatures with the AWS SDK's
 * signer: the wire format (target, content type, token), the SDK's retry rules, error shapes, response
 * integrity, timeouts and credential refresh.
 */
import { crc32 } from 'node:zlib';
import { cachedCredentials, credentialsFromEnvironment, staticCredentials } from '../../shared/aws/credentials';
import { AwsNetworkError, AwsServiceError } from '../../shared/aws/errors';
import { AwsJsonClient, awsServices, errorName } from '../../shared/aws/json-client';
import { FakeAwsJsonServer } from '../fakes/aws/json-protocol-server';

const KEY = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret/key+with=symbols' };

describe('AWS JSON-protocol client', () => {
  let server: FakeAwsJsonServer;
  let endpoint: string;
  beforeEach(async () => {
    server = new FakeAwsJsonServer({ [KEY.accessKeyId]: KEY.secretAccessKey, AKIDROTATED: 'rotated' }, { region: 'eu-west-1', service: 'dynamodb' });
    endpoint = await server.start();
  });
  afterEach(() => server.stop());

  const client = (options: Partial<ConstructorParameters<typeof AwsJsonClient>[1]> = {}) =>
    new AwsJsonClient(awsServices.dynamodb, { region: 'eu-west-1', endpoint, credentials: staticCredentials(KEY), random: () => 0, ...options });

  it('sends a correctly signed awsJson 1.0 call and returns the parsed output', async () => {
    server.respond({ body: { Item: { pk: { S: 'a' } } } });
    const c = client({ credentials: staticCredentials({ ...KEY, sessionToken: 'session-token' }) });
    const out = await c.call('GetItem', { TableName: 't', Key: { pk: { S: 'a' } } });
    c.destroy();
    expect(out).toEqual({ Item: { pk: { S: 'a' } } });
    expect(server.received).toEqual([
      { target: 'DynamoDB_20120810.GetItem', contentType: 'application/x-amz-json-1.0', body: { TableName: 't', Key: { pk: { S: 'a' } } }, signatureValid: true, securityToken: 'session-token' },
    ]);
  });

  it('a request signed with the wrong secret is one the verifier rejects (the check can fail)', async () => {
    const c = client({ credentials: staticCredentials({ accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' }) });
    await c.call('GetItem', {});
    c.destroy();
    expect(server.received[0]!.signatureValid).toBe(false);
  });

  it('retries throttling and 5xx answers, then returns the success', async () => {
    server.respond(
      { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
      { status: 503, body: {} },
      { body: { ok: true } },
    );
    const c = client({ maxAttempts: 3 });
    await expect(c.call('PutItem', {})).resolves.toEqual({ ok: true });
    c.destroy();
    expect(server.received).toHaveLength(3);
  });

  it('does not retry a client error, and exposes its name, message, status, request id and body', async () => {
    server.respond({
      status: 400,
      headers: { 'x-amzn-errortype': 'TransactionCanceledException:http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/' },
      body: { message: 'Transaction cancelled', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] },
    });
    const c = client({ maxAttempts: 3 });
    const error = (await c.call('TransactWriteItems', {}).catch((e: unknown) => e)) as AwsServiceError;
    c.destroy();
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'TransactionCanceledException', statusCode: 400, requestId: 'req-1', retryable: false });
    expect(error.message).toContain('Transaction cancelled');
    expect(error.body.CancellationReasons).toEqual([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);
    expect(server.received).toHaveLength(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    server.respond({ status: 500, body: { __type: 'InternalServerError', message: 'boom' } }, { status: 500, body: { __type: 'InternalServerError', message: 'boom again' } });
    const c = client({ maxAttempts: 2 });
    await expect(c.call('GetItem', {})).rejects.toMatchObject({ name: 'InternalServerError', message: expect.stringContaining('boom again') });
    c.destroy();
  });

  it('retries a dropped connection and reports a network error when it keeps dropping', async () => {
    server.respond({ drop: true }, { body: { ok: 1 } });
    const c = client();
    await expect(c.call('GetItem', {})).resolves.toEqual({ ok: 1 });
    server.respond({ drop: true }, { drop: true });
    await expect(c.call('GetItem', {})).rejects.toBeInstanceOf(AwsNetworkError);
    c.destroy();
  });

  it('times out an attempt that gets no answer', async () => {
    server.respond({ delayMs: 500, body: {} });
    const c = client({ maxAttempts: 1, timeoutMs: 100 });
    await expect(c.call('GetItem', {})).rejects.toThrow(/no answer within 100 ms/);
    c.destroy();
  });

  it('checks DynamoDB response integrity (x-amz-crc32)', async () => {
    const good = JSON.stringify({ Item: { pk: { S: 'x' } } });
    server.respond({ body: good, headers: { 'x-amz-crc32': String(crc32(good)) } }, { body: good, headers: { 'x-amz-crc32': '12345' } }, { body: good, headers: { 'x-amz-crc32': '12345' } });
    const c = client();
    await expect(c.call('GetItem', {})).resolves.toEqual({ Item: { pk: { S: 'x' } } });
    await expect(c.call('GetItem', {})).rejects.toThrow(/x-amz-crc32/);
    c.destroy();
  });

  it('looks credentials up again once after an expired-token error', async () => {
    let lookups = 0;
    const credentials = cachedCredentials(async () => (++lookups === 1 ? KEY : { accessKeyId: 'AKIDROTATED', secretAccessKey: 'rotated' }));
    server.respond({ status: 400, body: { __type: 'ExpiredTokenException', message: 'The security token included in the request is expired' } }, { body: {} });
    const c = client({ credentials, maxAttempts: 1 });
    await expect(c.call('GetItem', {})).resolves.toEqual({});
    c.destroy();
    expect(lookups).toBe(2);
    expect(server.received.map((r) => r.signatureValid)).toEqual([true, true]);
  });

  it('names errors from the header, the __type or the status', () => {
    expect(errorName('com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException')).toBe('ConditionalCheckFailedException');
    expect(errorName('ResourceNotFoundException:http://internal.amazon.com/')).toBe('ResourceNotFoundException');
    expect(errorName(undefined)).toBeUndefined();
  });
});

describe('credentials for the lean client', () => {
  it('takes keys and the session token from the environment (as Lambda sets them)', async () => {
    const source = credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' }, { emulator: false });
    await expect(source.get()).resolves.toEqual({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
  });

  it('uses dummy keys for an emulator endpoint when nothing is configured', async () => {
    await expect(credentialsFromEnvironment({}, { emulator: true }).get()).resolves.toEqual({ accessKeyId: 'test', secretAccessKey: 'test' });
  });

  it('refreshes temporary credentials shortly before they expire, and retries a failed lookup', async () => {
    let now = Date.parse('2026-11-25T10:00:00Z');
    let lookups = 0;
    const source = cachedCredentials(async () => {
      lookups++;
      if (lookups === 1) throw new Error('metadata service unreachable');
      return { accessKeyId: `K${lookups}`, secretAccessKey: 's', expiration: new Date(now + 15 * 60_000) };
    }, () => now);
    await expect(source.get()).rejects.toThrow('unreachable');
    await expect(source.get()).resolves.toMatchObject({ accessKeyId: 'K2' });
    now += 5 * 60_000;
    await expect(source.get()).resolves.toMatchObject({ accessKeyId: 'K2' });
    now += 6 * 60_000; // 4 minutes left: inside the refresh window
    await expect(source.get()).resolves.toMatchObject({ accessKeyId: 'K3' });
    expect(lookups).toBe(3);
  });
});
