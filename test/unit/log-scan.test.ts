import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanLogs } from '../../scripts/test';

describe('the secret-value log scan of npm test', () => {
  it('finds a stored secret value in any captured log, and only then', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-'));
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(path.join(dir, 'secret-values.txt'), `${JSON.stringify('sk-live-abcdef123')}\n`);
    fs.writeFileSync(path.join(dir, 'logs', 'worker-1.log'), '{"message":"resolved","secret":"ionflux/platform/openai"}\n');
    expect(scanLogs(dir)).toEqual([]);
    fs.appendFileSync(path.join(dir, 'logs', 'worker-1.log'), '{"message":"oops","detail":"Bearer sk-live-abcdef123"}\n');
    const leaks = scanLogs(dir);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).not.toContain('sk-live-abcdef123');
  });
});
