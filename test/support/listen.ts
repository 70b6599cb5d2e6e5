import type http from 'node:http';

/** `server.listen` on 127.0.0.1 that rejects (port in use…) instead of throwing later. */
export function listen(server: http.Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
