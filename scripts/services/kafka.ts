/**
 * A real single-node Apache Kafka 4.x broker (KRaft: broker + controller in one JVM) on 127.0.0.1,
 * run from the Maven Central jars listed in kafka-pom.xml. Service sets (service-sets.ts) run one for
 * `npm run dev` and one for the tests; tests and benches that stop and start a broker run their own.
 * A broker is only "ready" when the port answers from the process this checkout started.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { projectRoot, servicesHome } from './paths';
import { freePorts } from './ports';
import { isOurProcess, ownProcessListening, readPid, sleep, spawnDetached, stopProcess, waitFor } from './process-control';

const pom = path.join(projectRoot, 'scripts', 'services', 'kafka-pom.xml');
const log4j = path.join(projectRoot, 'scripts', 'services', 'log4j2.properties');

export const kafkaVersion = /<kafka\.version>([^<]+)</.exec(fs.readFileSync(pom, 'utf8'))?.[1] ?? 'unknown';
const libsDir = path.join(servicesHome, `kafka-${kafkaVersion}`, 'libs');

/** Downloads the broker jars once (Maven caches them in ~/.m2 as well). */
export function ensureKafkaLibs(): string {
  const marker = path.join(libsDir, '.complete');
  if (fs.existsSync(marker)) return libsDir;
  fs.mkdirSync(libsDir, { recursive: true });
  console.error(`services: fetching Apache Kafka ${kafkaVersion} jars from Maven Central into ${libsDir}`);
  execFileSync(
    'mvn',
    [
      '-q', '-B', '-f', pom,
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
      `-DoutputDirectory=${libsDir}`, '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (!fs.readdirSync(libsDir).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`services: Maven finished but no kafka_2.13 jar is in ${libsDir}`);
  }
  fs.writeFileSync(marker, new Date().toISOString());
  return libsDir;
}

export interface KafkaBrokerOptions {
  /** Folder name under .services/ for this broker's data, logs and pid. */
  name: string;
  port: number;
  controllerPort: number;
  heapMb?: number;
}

export class KafkaBroker {
  readonly dir: string;
  readonly brokers: string;
  private readonly pidFile: string;
  readonly logFile: string;

  constructor(private readonly options: KafkaBrokerOptions) {
    this.dir = path.join(servicesHome, `kafka-${kafkaVersion}-${options.name}`);
    this.brokers = `127.0.0.1:${options.port}`;
    this.pidFile = path.join(this.dir, 'pid');
    this.logFile = path.join(this.dir, 'broker.log');
  }

  pid(): number | undefined {
    const pid = readPid(this.pidFile);
    return pid !== undefined && isOurProcess(pid, this.dir) ? pid : undefined;
  }

  private configure(): string {
    const dataDir = path.join(this.dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(this.dir, 'server.properties');
    const { port, controllerPort } = this.options;
    fs.writeFileSync(
      file,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${dataDir}`,
        // Like MSK Serverless: topics are never created implicitly; the publisher provisions them.
        'auto.create.topics.enable=false',
        'num.partitions=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'log.retention.hours=24',
        '',
      ].join('\n'),
    );
    return file;
  }

  private javaArgs(): string[] {
    const heap = this.options.heapMb ?? 512;
    return [
      `-Xms${Math.min(256, heap)}m`, `-Xmx${heap}m`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${path.join(this.dir, 'logs')}`,
      '-cp', `${ensureKafkaLibs()}/*`,
    ];
  }

  /** Starts the broker if it is not running, then waits for a real metadata round trip. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (!this.pid()) {
      const config = this.configure();
      if (!fs.existsSync(path.join(this.dir, 'data', 'meta.properties'))) {
        // A KRaft cluster id is a base64url UUID; generating it here saves one JVM start. It may begin
        // with '-' (1 in 64), so it is passed as --cluster-id=<id>, never as a separate argument.
        const clusterId = randomBytes(16).toString('base64url');
        execFileSync('java', [...this.javaArgs(), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
      }
      const pid = spawnDetached('java', [...this.javaArgs(), 'kafka.Kafka', config], this.logFile, { cwd: this.dir });
      fs.writeFileSync(this.pidFile, String(pid));
    }
    try {
      await waitFor(`Kafka broker ${this.brokers}`, () => this.ready(), timeoutMs, this.logFile);
    } catch (error) {
      await this.stop(); // never leave a process of ours behind that is not serving its port
      throw error;
    }
  }

  /**
   * Ready = our broker process holds the port, answers metadata and can create a topic with a leader
   * (an open port is not enough: it could be another checkout's broker).
   */
  async ready(): Promise<boolean> {
    if (!(await ownProcessListening(`Kafka broker ${this.brokers}`, this.pid(), this.options.port))) return false;
    const admin = new Kafka({
      clientId: 'ionflux-services', brokers: [this.brokers], logLevel: logLevel.NOTHING,
      connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: '__ionflux_ready', numPartitions: 1 }], waitForLeaders: true, timeout: 10_000 });
      const meta = await admin.fetchTopicMetadata({ topics: ['__ionflux_ready'] });
      if (!(meta.topics[0]?.partitions.every((p) => p.leader >= 0) ?? false)) return false;
      // Consumer groups work too: a fresh broker creates __consumer_offsets on the first coordinator
      // lookup and answers "coordinator not available" until it has a leader.
      await admin.describeGroups(['__ionflux_ready']);
      return true;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid) await stopProcess(pid, 20_000);
    fs.rmSync(this.pidFile, { force: true });
    // Let the OS release the ports before a restart on the same ones.
    await sleep(200);
  }

  /** Stops the broker and deletes its data folder. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  get port(): number {
    return this.options.port;
  }

  get controllerPort(): number {
    return this.options.controllerPort;
  }
}

/** A broker of its own on ports free right now (a test or bench that stops and starts it). */
export async function privateBroker(name: string, heapMb?: number): Promise<KafkaBroker> {
  const [port, controllerPort] = await freePorts(2);
  return new KafkaBroker({ name, port: port!, controllerPort: controllerPort!, heapMb });
}
