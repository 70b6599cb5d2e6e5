/**
 * Secrets in `<IONFLUX_HOME>/secrets.json` (mode 0600): the embedded default for `npm run dev` and the
 * CLI. Re-read on every access so the CLI and a running local runtime agree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SecretStore } from './secret-store';

export class LocalFileSecretStore implements SecretStore {
  constructor(readonly file: string) {}

  private load(): Record<string, string> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`local secrets file ${this.file} is not valid JSON`, { cause: error });
    }
  }

  async get(name: string): Promise<string | undefined> {
    return this.load()[name];
  }

  async put(name: string, value: string): Promise<void> {
    const all = this.load();
    all[name] = value;
    this.save(all);
  }

  async delete(name: string): Promise<void> {
    const all = this.load();
    if (!(name in all)) return;
    delete all[name];
    this.save(all);
  }

  private save(all: Record<string, string>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  async list(prefix?: string): Promise<string[]> {
    return Object.keys(this.load())
      .filter((name) => !prefix || name.startsWith(prefix))
      .sort();
  }
}
