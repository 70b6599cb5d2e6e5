/**
 * moto server, a real AWS API emulator (Secrets Manager, DynamoDB, SQS, SES, S3, …) on 127.0.0.1:5000,
 * installed from PyPI into a project-local virtualenv together with cfn-lint.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { servicesHome } from './paths';
import { isAlive, readPid, spawnDetached, stopProcess, waitFor } from './process-control';

export const pythonRequirements = ['moto[server]>=5.1,<6', 'cfn-lint>=1.20,<2'];
export const venvDir = path.join(servicesHome, 'venv');
export const venvBin = (tool: string) => path.join(venvDir, 'bin', tool);

/** Creates the virtualenv once and installs moto and cfn-lint into it (pip caches the wheels). */
export function ensureVenv(): void {
  const marker = path.join(venvDir, '.complete');
  const wanted = pythonRequirements.join(' ');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) return;
  const python = process.env.PYTHON ?? 'python3';
  console.error(`services: installing ${wanted} into ${venvDir}`);
  if (!fs.existsSync(venvBin('python'))) execFileSync(python, ['-m', 'venv', venvDir], { stdio: 'inherit' });
  execFileSync(venvBin('python'), ['-m', 'pip', 'install', '--quiet', ...pythonRequirements], { stdio: 'inherit' });
  fs.writeFileSync(marker, wanted);
}

export class MotoServer {
  readonly endpoint: string;
  private readonly dir = path.join(servicesHome, 'moto');
  private readonly pidFile = path.join(this.dir, 'pid');
  readonly logFile = path.join(this.dir, 'moto.log');

  constructor(readonly port = 5000) {
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  pid(): number | undefined {
    const pid = readPid(this.pidFile);
    return pid !== undefined && isAlive(pid) ? pid : undefined;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (!this.pid()) {
      ensureVenv();
      fs.mkdirSync(this.dir, { recursive: true });
      const pid = spawnDetached(venvBin('moto_server'), ['-H', '127.0.0.1', '-p', String(this.port)], this.logFile);
      fs.writeFileSync(this.pidFile, String(pid));
    }
    await waitFor(`moto server ${this.endpoint}`, () => this.ready(), timeoutMs, this.logFile);
  }

  /** Ready = a real AWS API call (Secrets Manager ListSecrets, JSON protocol) answers. */
  async ready(): Promise<boolean> {
    if (!this.pid()) throw new Error('moto process is not running');
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.ListSecrets',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(2000),
    });
    const body = (await response.json()) as { SecretList?: unknown };
    return response.ok && Array.isArray(body.SecretList);
  }

  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid) await stopProcess(pid, 10_000);
    fs.rmSync(this.pidFile, { force: true });
  }
}
