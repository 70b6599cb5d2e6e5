/**
 * moto server, a real AWS API emulator (Secrets Manager, DynamoDB, SQS, SES, S3, …) on 127.0.0.1,
 * installed from PyPI into a project-local virtualenv together with cfn-lint. Service sets
 * (service-sets.ts) run one for `npm run dev` (port 5000) and one for the tests (a free port).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { servicesHome } from './paths';
import { isOurProcess, ownProcessListening, readPid, spawnDetached, stopProcess, waitFor } from './process-control';

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
  private readonly dir: string;
  private readonly pidFile: string;
  readonly logFile: string;

  /** `name`: folder under .services/ for this server's pid and log. */
  constructor(readonly port: number, name = 'moto') {
    this.endpoint = `http://127.0.0.1:${port}`;
    this.dir = path.join(servicesHome, name);
    this.pidFile = path.join(this.dir, 'pid');
    this.logFile = path.join(this.dir, 'moto.log');
  }

  pid(): number | undefined {
    const pid = readPid(this.pidFile);
    return pid !== undefined && isOurProcess(pid, `-p ${this.port}`) ? pid : undefined;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (!this.pid()) {
      ensureVenv();
      fs.mkdirSync(this.dir, { recursive: true });
      // moto_server.py: moto's own server, with DynamoDB writes made atomic as DynamoDB's are.
      const launcher = path.join(__dirname, 'moto_server.py');
      const pid = spawnDetached(venvBin('python'), [launcher, '-H', '127.0.0.1', '-p', String(this.port)], this.logFile);
      fs.writeFileSync(this.pidFile, String(pid));
    }
    try {
      await waitFor(`moto server ${this.endpoint}`, () => this.ready(), timeoutMs, this.logFile);
    } catch (error) {
      await this.stop(); // never leave a process of ours behind that is not serving its port
      throw error;
    }
  }

  /** Ready = our moto process holds the port and a real AWS API call (Secrets Manager ListSecrets) answers. */
  async ready(): Promise<boolean> {
    if (!(await ownProcessListening(`moto ${this.endpoint}`, this.pid(), this.port))) return false;
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
