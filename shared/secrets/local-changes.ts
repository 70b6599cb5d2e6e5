/**
 * Local secret changes, seen across processes through the state folder: the CLI marks
 * `<IONFLUX_HOME>/secrets.changed` after every `ionflux secrets set` (whatever the backend: the local file
 * or moto), and a running local runtime's SecretResolver empties its cache when the marker (or the local
 * secrets file itself) is replaced. Each write is a rename, so the file's identity changes every time.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretChangeSignal } from './secret-resolver';

export class LocalSecretChanges implements SecretChangeSignal {
  private readonly marker: string;
  private readonly watched: string[];

  constructor(home: string) {
    this.marker = path.join(home, 'secrets.changed');
    this.watched = [this.marker, path.join(home, 'secrets.json')];
  }

  stamp(): string {
    return this.watched
      .map((file) => {
        try {
          const stat = fs.statSync(file);
          return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  /** Tells every local runtime on this state folder that secrets changed. */
  touch(): void {
    fs.mkdirSync(path.dirname(this.marker), { recursive: true });
    const tmp = `${this.marker}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${randomUUID()}\n`);
    fs.renameSync(tmp, this.marker);
  }
}
