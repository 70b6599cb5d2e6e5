/**
 * SigV4 for the lean AWS client: AWS's published test-suite vectors, and agreement with the AWS SDK's own
 * signer (@smithy/signature-v4) for the requests the Lambdas send (JSON protocol, session tokens, ports).
 */
import { SignatureV4 } from '@smithy/signature-v4';
import { computeSignature, signRequest, uriEscape } from '../../shared/aws/sigv4';
import { NodeSha256 } from '../support/sha256';

const suite = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const suiteScope = { region: 'us-east-1', service: 'service' };
const suiteDate = new Date('2015-08-30T12:36:00Z');


describe('SigV4 signing', () => {
  it('matches the AWS test suite: get-vanilla', () => {
    const { signature, signedHeaders } = computeSignature(
      { method: 'GET', host: 'example.amazonaws.com', path: '/', headers: { 'X-Amz-Date': '20150830T123600Z' }, body: '' },
      suite,
      suiteScope,
      suiteDate,
    );
    expect(signedHeaders).toBe('host;x-amz-date');
    expect(signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  it('matches the AWS test suite: get-vanilla-query-order-key-case (query parameters sorted)', () => {
    const { signature } = computeSignature(
      { method: 'GET', host: 'example.amazonaws.com', path: '/', query: { Param2: 'value2', Param1: 'value1' }, headers: { 'X-Amz-Date': '20150830T123600Z' }, body: '' },
      suite,
      suiteScope,
      suiteDate,
    );
    expect(signature).toBe('b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500');
  });

  it('escapes as RFC 3986 requires (reserved characters SigV4 encodes that encodeURIComponent leaves)', () => {
    expect(uriEscape("a b!'()*~._-")).toBe('a%20b%21%27%28%29%2A~._-');
  });

  const cases = [
    { what: 'a DynamoDB call with long-lived keys', host: 'dynamodb.eu-west-1.amazonaws.com', service: 'dynamodb', token: undefined, target: 'DynamoDB_20120810.GetItem' },
    { what: 'an SQS call with a session token (Lambda credentials)', host: 'sqs.us-east-1.amazonaws.com', service: 'sqs', token: 'IQoJb3JpZ2luX2VjEXAMPLE//token+with/symbols=', target: 'AmazonSQS.SendMessage' },
    { what: 'a Secrets Manager call to an endpoint with a port', host: '127.0.0.1:5000', service: 'secretsmanager', token: 'tok', target: 'secretsmanager.GetSecretValue' },
  ];
  it.each(cases)('agrees with the AWS SDK signer for $what', async ({ host, service, token, target }) => {
    const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ...(token ? { sessionToken: token } : {}) };
    const body = JSON.stringify({ TableName: 't', Key: { pk: { S: 'ünïcode ✓' } } });
    const date = new Date('2026-11-25T09:30:00Z');
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target };
    const ours = signRequest({ method: 'POST', host, path: '/', headers, body }, credentials, { region: 'eu-west-1', service }, date);

    const [hostname, port] = host.split(':');
    const sdk = new SignatureV4({ credentials, region: 'eu-west-1', service, sha256: NodeSha256 as never, uriEscapePath: true, applyChecksum: false });
    const request = { method: 'POST', protocol: 'https:', hostname: hostname!, ...(port ? { port: Number(port) } : {}), path: '/', query: {}, headers: { ...headers, host }, body };
    const signed = (await sdk.sign(request, { signingDate: date })) as { headers: Record<string, string> };
    expect(ours.authorization).toBe(signed.headers.authorization);
    expect(ours['x-amz-date']).toBe(signed.headers['x-amz-date']);
    if (token) expect(ours['x-amz-security-token']).toBe(token);
  });

  it('changes the signature when the body, the target or the key changes', () => {
    const base = { method: 'POST', host: 'dynamodb.us-east-1.amazonaws.com', path: '/', headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body: '{}' };
    const sign = (r: typeof base, secret = 'secret') => signRequest(r, { accessKeyId: 'AK', secretAccessKey: secret }, { region: 'us-east-1', service: 'dynamodb' }, suiteDate).authorization;
    const reference = sign(base);
    expect(sign({ ...base, body: '{"a":1}' })).not.toBe(reference);
    expect(sign({ ...base, headers: { 'x-amz-target': 'DynamoDB_20120810.DeleteItem' } })).not.toBe(reference);
    expect(sign(base, 'other')).not.toBe(reference);
  });
});
