/**
 * Ports of the local services: finding free ones, and telling whether a listening port belongs to a
 * process we started. Several checkouts of the project may run on one machine; a service answering on
 * "our" port is only ours if the listening socket is held by the process whose pid we recorded.
 */
import fs from 'node:fs';
import net from 'node:net';

/** Ports the OS hands out for outgoing connections (Linux default 32768–60999). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on at this instant, on 127.0.0.1, chosen below the OS's ephemeral range: a
 * service stopped and started again on it (the broker outage test) cannot find it taken by some
 * process's outgoing connection in between.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 20_000;
  const high = Math.max(low + 1000, Math.min(ephemeralLow, 65_536)) - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const procAvailable = () => fs.existsSync('/proc/net/tcp');

/** Socket inodes listening on `port` (any local address), from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local rem st tx:rx tr:when retrnsmt uid timeout inode …; st 0A = LISTEN
      if (cols.length > 9 && cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`)) inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/** Pids of every process holding a socket listening on `port` (those /proc lets us read). */
export function listeningPids(port: number): number[] {
  if (!procAvailable()) return [];
  const inodes = listeningInodes(port);
  if (!inodes.size) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

/**
 * Whether the socket listening on `port` belongs to `pid`. Where /proc is not available (macOS) the
 * question cannot be asked and the answer is `undefined`.
 */
export function ownsPort(pid: number, port: number): boolean | undefined {
  if (!procAvailable()) return undefined;
  const inodes = listeningInodes(port);
  if (!inodes.size) return false;
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode && inodes.has(inode)) return true;
    } catch {
      /* fd closed meanwhile */
    }
  }
  return false;
}

/** A sentence naming who holds `port`, for errors and status lines. */
export function describeHolder(port: number): string {
  const pids = listeningPids(port);
  if (!pids.length) return `port ${port} is in use by a process this user cannot see`;
  return `port ${port} is in use by another process (pid ${pids.join(', ')})`;
}
