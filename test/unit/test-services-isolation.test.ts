/**
 * The test services are this checkout's own: a port answering is only "ours" when the listening socket
 * belongs to the process we started, and the run's endpoints are never the dev ports another checkout
 * may hold.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { freePort, isListening, listeningPids, ownsPort } from '../../scripts/services/ports';
import { isOurProcess, ownProcessListening, ServiceFailedError } from '../../scripts/services/process-control';
import { DEV_PORTS, TEST_ENV } from '../../scripts/services/service-sets';

/** Another process (as another checkout's service would be) listening on a free port. */
async function stranger(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', "const s=require('net').createServer(()=>{}).listen(0,'127.0.0.1',()=>console.log(s.address().port))"], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', () => reject(new Error('stranger exited')));
  });
  return { child, port };
}

describe('test services belong to this checkout', () => {
  let other: { child: ChildProcess; port: number };
  beforeAll(async () => {
    other = await stranger();
  });
  afterAll(() => {
    other.child.kill();
  });

  it('knows which process holds a listening port', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(ownsPort(process.pid, port)).toBe(true);
      expect(ownsPort(other.child.pid!, port)).toBe(false);
      expect(ownsPort(process.pid, other.port)).toBe(false);
      expect(ownsPort(other.child.pid!, other.port)).toBe(true);
      expect(listeningPids(other.port)).toEqual([other.child.pid]);
    } finally {
      server.close();
    }
  });

  it('refuses a service answering from someone else\'s process, and says who', async () => {
    const refusal = ownProcessListening('moto', process.pid, other.port);
    await expect(refusal).rejects.toBeInstanceOf(ServiceFailedError);
    await expect(ownProcessListening('moto', process.pid, other.port)).rejects.toThrow(
      `port ${other.port} is in use by another process (pid ${other.child.pid}), not by this checkout's moto (pid ${process.pid})`,
    );
  });

  it('waits (not ready, no error) while our process has not opened its port yet', async () => {
    const port = await freePort();
    await expect(ownProcessListening('moto', process.pid, port)).resolves.toBe(false);
  });

  it('fails at once when the process it started is gone', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    await expect(ownProcessListening('Kafka', child.pid, await freePort())).rejects.toThrow('the process this checkout started is not running');
  });

  it('never takes a reused pid for the process it started: the command line must carry our marker', async () => {
    expect(isOurProcess(other.child.pid!, "createServer(()=>{}).listen(0,'127.0.0.1'")).toBe(true);
    expect(isOurProcess(other.child.pid!, '/work/some-checkout/.services/kafka-4.1.1-test')).toBe(false);
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    expect(isOurProcess(gone.pid!, '')).toBe(false);
  });

  it('picks free ports, never a listening one', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).not.toBe(other.port);
    expect(await isListening(other.port)).toBe(true);
  });

  it('runs this suite on its own services, not on the dev ports', () => {
    const brokers = process.env[TEST_ENV.kafkaBrokers]!;
    const aws = process.env[TEST_ENV.awsEndpoint]!;
    expect(brokers).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(brokers.split(':')[1])).not.toBe(DEV_PORTS.kafka);
    expect(new URL(aws).port).not.toBe(String(DEV_PORTS.moto));
    expect(process.env.KAFKA_BROKERS).toBe(brokers);
    expect(process.env.AWS_ENDPOINT_URL).toBe(aws);
  });
});
