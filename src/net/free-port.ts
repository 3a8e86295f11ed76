/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the demos, benches and tests start servers
 * that must know each other's ports before they listen). Another program may take it meanwhile:
 * callers that cannot retry should bind port 0 instead.
 *
 * The port is drawn below the kernel's ephemeral range (Linux: 32768–60999 by default), not
 * from it: a port the kernel hands out for `listen(0)` is just as soon handed to an outgoing
 * connection (a database client, an HTTP request) of any process on the machine, which then
 * makes our later `listen` fail with EADDRINUSE. Drawn at random and checked by binding it, a
 * port from below that range could still collide with another caller's draw that has yet to be
 * bound — so each draw is reserved (below), across processes.
 */
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * A caller typically draws two or three ports and only then listens on them, seconds later
 * (a gateway's migrations run in between). Until it does, the port binds for anybody, so each
 * draw is reserved for a while by a file created exclusively in one folder per user: another
 * draw of the same number — in this process, in another test worker (vitest runs files in
 * separate processes), or in a child process — skips it. A process-local memory did not do:
 * two workers drew 30908 within seconds and one gateway failed with EADDRINUSE in CI.
 */
const HOLD_MS = 60_000;
const folder = join(tmpdir(), `switchgate-ports-${process.getuid?.() ?? 'user'}`);
let reservable = true;

function createExclusive(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** false when the port is reserved by a draw of the last minute; true when this draw reserved it */
function reserve(port: number, now: number): boolean {
  if (!reservable) return true;
  const path = join(folder, String(port));
  try {
    mkdirSync(folder, { recursive: true });
    if (createExclusive(path)) return true;
    if (now - statSync(path).mtimeMs < HOLD_MS) return false;
    // an old reservation: its owner has bound the port by now (the bind check says whether) or gave up
    unlinkSync(path);
    return createExclusive(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false; // another draw removed the old reservation first
    // a temp folder we may not write: draws stay unreserved (the bind check alone)
    reservable = false;
    return true;
  }
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (!reserve(port, Date.now())) continue;
    if (await tryBind(port)) return port;
  }
  // a machine whose low ports are all taken: the kernel's choice, with its small risk
  return anyPort();
}
