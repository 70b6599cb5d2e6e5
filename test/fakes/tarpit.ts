/**
 * A tarpit: a TCP endpoint that accepts every connection and never answers — the failure a timeout alone
 * does not see coming (the connection succeeds; nothing ever comes back). Used as AWS_ENDPOINT_URL, as a
 * Kafka broker and as a provider's base URL to prove that every function answers before its deadline.
 */
import net from 'node:net';

export class Tarpit {
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;
  /** Connections accepted so far. */
  accepted = 0;

  async start(): Promise<{ port: number; url: string; hostPort: string }> {
    this.server = net.createServer((socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
      socket.resume(); // read and drop whatever comes; never write
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as net.AddressInfo).port;
    return { port, url: `http://127.0.0.1:${port}`, hostPort: `127.0.0.1:${port}` };
  }

  /** Closes the connections held so far (clients waiting on them fail at once); keeps accepting new ones. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
