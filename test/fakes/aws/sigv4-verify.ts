/**
 * What an AWS endpoint does first with a request: check its SigV4 signature, here with the AWS SDK's own
 * signer (so a request a fake accepts would be accepted by AWS). Shared by the fake AWS endpoints.
 */
import type http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../support/sha256';

export async function verifySigV4(
  req: Pick<http.IncomingMessage, 'headers' | 'method' | 'url'>,
  body: string,
  keys: Record<string, string>,
  scope: { region: string; service: string },
): Promise<boolean> {
  const authorization = req.headers.authorization ?? '';
  const match = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(authorization);
  if (!match) return false;
  const [, accessKeyId, , region, service, signedHeaders] = match;
  const secretAccessKey = keys[accessKeyId!];
  if (!secretAccessKey || region !== scope.region || service !== scope.service) return false;
  const headers = Object.fromEntries(signedHeaders!.split(';').map((h) => [h, String(req.headers[h] ?? '')]));
  const amzDate = String(req.headers['x-amz-date']);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const token = req.headers['x-amz-security-token'];
  const signer = new SignatureV4({
    credentials: { accessKeyId: accessKeyId!, secretAccessKey, ...(typeof token === 'string' ? { sessionToken: token } : {}) },
    region: region!,
    service: service!,
    sha256: NodeSha256 as never,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const [hostname, port] = String(req.headers.host).split(':');
  const signed = (await signer.sign(
    { method: req.method!, protocol: 'http:', hostname: hostname!, ...(port ? { port: Number(port) } : {}), path: req.url!, query: {}, headers, body },
    { signingDate },
  )) as { headers: Record<string, string> };
  return signed.headers.authorization === authorization;
}
