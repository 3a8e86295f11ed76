/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the demos, benches and tests start servers
 * that must know each other's ports before they listen). Another process may take it meanwhile:
 * callers that cannot retry should bind port 0 instead.
 *
 * The port is drawn below the kernel's ephemeral range (Linux: 32768–60999 by default), not
 * from it: a port the kernel hands out for `listen(0)` is just as soon handed to an outgoing
 * connection (a database client, an HTTP request) of any process on the machine, which then
 * makes our later `listen` fail with EADDRINUSE. Drawn at random and checked by binding it, a
 * port from below that range collides only with another caller drawing the same number — never
 * with an earlier draw of this process (below).
 */
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_000;

function tryBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Ports this process handed out lately, by when: a caller typically draws two or three ports and
 * only then listens on them, so a port must not be drawn again while an earlier caller has yet to
 * bind it (two draws of the same number made a pair of gateways fail with EADDRINUSE).
 */
const handedOut = new Map<number, number>();
const HOLD_MS = 60_000;

function recentlyHandedOut(port: number, now: number): boolean {
  const at = handedOut.get(port);
  if (at === undefined) return false;
  if (now - at < HOLD_MS) return true;
  handedOut.delete(port);
  return false;
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (recentlyHandedOut(port, Date.now())) continue;
    if (await tryBind(port)) {
      handedOut.set(port, Date.now());
      return port;
    }
  }
  // a machine whose low ports are all taken: the kernel's choice, with its small risk
  return anyPort();
}
