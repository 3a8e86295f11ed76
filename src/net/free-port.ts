/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the demos, benches and tests start servers
 * that must know each other's ports before they listen). Another process may take it meanwhile:
 * callers that cannot retry should bind port 0 instead.
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
