/**
 * The `switchgate` command as an operator meets it: help without side effects, one-line start-up
 * errors without stack traces or passwords, and a bounded stop on SIGTERM however it was started.
 * Each case spawns the real entry point (bin/switchgate.js) as a child process.
 */
import { freePort } from '../../src/net/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createTestDatabase, pgAdminUrl } from '../support/backends.js';
import { quickStartVa, rest, startPair } from '../support/gateway-pair.js';
import { openDatabase, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'switchgate.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEV_KEY = 'dev-key-change-me';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sg-cli-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A clean environment: nothing of the test runner's database or config leaks into the child. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info' };
  return env;
}


const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('switchgate --help and friends touch nothing', () => {
  const commands = ['start', 'migrate', 'check-config', 'replay', 'set-aside', 'demo', 'simulate', 'interconnect', 'openapi'];

  it.each(commands)('%s --help prints its usage, exits 0 and opens no database', async (command) => {
    const dataDir = join(tempDir(), 'data');
    const r = await run([command, '--help'], { DATA_DIR: dataDir, DATABASE_URL: 'postgres://u:p@127.0.0.1:1/never' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: switchgate ${command}`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('--help lists every command; --version prints the version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.stdout).toContain(c);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('an unknown flag or command is a usage error (64) naming it', async () => {
    const flag = await run(['start', '--bogus']);
    expect(flag.code).toBe(64);
    expect(flag.stderr).toContain('--bogus');
    const command = await run(['frobnicate']);
    expect(command.code).toBe(64);
    expect(command.stderr).toContain('unknown command: frobnicate');
    const demo = await run(['demo', 'nonsense']);
    expect(demo.code).toBe(64);
    expect(demo.stderr).toContain('no demo for nonsense');
  });
});

describe.skipIf(!pgAdminUrl())('switchgate set-aside [postgres]', () => {
  it("closes a dead letter with a note and the case's STR-AUF goes out; refuses a missing note, a bad id, a closed letter", async () => {
    const databases = [await createTestDatabase(), await createTestDatabase()];
    const stores: Store[] = [];
    const pair = await startPair(async () => {
      const store = await openDatabase({ databaseUrl: databases[stores.length]!.url });
      await migrateToLatest(store.db);
      stores.push(store);
      return store;
    });
    try {
      const b = pair.transport.targets.get('DEU.EKPB')!;
      pair.transport.targets.delete('DEU.EKPB'); // unknown destination: a permanent failure
      const created = await rest(pair.a, 'POST', '/v1/switches', quickStartVa());
      const caseId = created.data.id as string;
      await pair.a.deliver();
      expect((await rest(pair.a, 'POST', `/v1/switches/${caseId}/cancel`, { kind: 'STR-AUF' })).statusCode).toBe(202);
      pair.transport.targets.set('DEU.EKPB', b);
      const [letter] = (await rest(pair.a, 'GET', '/v1/dead-letters')).data.items as { id: string }[];
      const env = { DATABASE_URL: databases[0]!.url };

      const noNote = await run(['set-aside', letter!.id], env);
      expect([noNote.code, noNote.stderr]).toEqual([64, expect.stringContaining('--note must say why')]);
      const badId = await run(['set-aside', 'x1', '--note', 'why'], env);
      expect([badId.code, badId.stderr]).toEqual([64, expect.stringContaining('not a dead-letter id: x1')]);
      await pair.pump();
      expect(pair.transport.sent).toEqual([]);

      const done = await run(['set-aside', letter!.id, '--note', 'refused by the peer for good'], env);
      expect([done.code, done.stdout.trim()], done.stderr).toEqual([0, `dead letter ${letter!.id} set aside`]);
      const again = await run(['set-aside', letter!.id, '--note', 'again'], env);
      expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('unknown, replayed or set aside already')]);
      await pair.pump();
      expect(pair.transport.sent.filter((x) => x.destination === 'DEU.EKPB').map((x) => x.type)).toEqual(['STR-AUF']);
      const [after] = (await rest(pair.a, 'GET', '/v1/dead-letters')).data.items as { setAsideNote: string }[];
      expect(after!.setAsideNote).toBe('refused by the peer for good');
    } finally {
      await pair.close();
      for (const d of databases) await d.drop();
    }
  });
});

describe('start-up problems are one line with the fix, before anything is opened', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" is not a TCP port'],
    [{ PORT: '70000' }, 'PORT="70000" is not a TCP port'],
    [{ HOST: 'not a host!' }, 'HOST="not a host!" is not an address'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud" is not a log level'],
    [{ DATABASE_URL: 'mysql://u:hunter2@127.0.0.1/db' }, 'is not a PostgreSQL URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a URL'],
  ])('%o', async (env, message) => {
    const dataDir = join(tempDir(), 'data');
    const r = await run(['start'], { ...env, DATA_DIR: dataDir });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('hunter2');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an unreachable PostgreSQL is named without its password', async () => {
    const r = await run(['start'], { DATABASE_URL: 'postgres://sg:hunter2@127.0.0.1:1/switchgate' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('cannot use PostgreSQL at postgres://sg:***@127.0.0.1:1/switchgate: connection refused');
    expect(r.stderr).toContain('check DATABASE_URL');
    expect(r.stderr).not.toContain('hunter2');
    noStackTrace(r.stderr);
  });

  it('a port in use and a data directory in use are named', { timeout: 120_000 }, async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const busy = (server.address() as { port: number }).port;
    try {
      const r = await run(['start'], { PORT: String(busy), DATA_DIR: join(tempDir(), 'data'), LOG_LEVEL: 'silent' });
      expect(r.code).toBe(78);
      expect(r.stderr).toContain(`port ${busy} on 127.0.0.1 is already in use`);
      noStackTrace(r.stderr);
    } finally {
      server.close();
    }

    const dataDir = tempDir();
    // a live process (this test runner) holds the directory
    writeFileSync(join(dataDir, 'switchgate.pid'), `${process.pid}\n`);
    const locked = await run(['start'], { PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    expect(locked.code).toBe(78);
    expect(locked.stderr).toContain(`is in use by process ${process.pid}`);
    expect(locked.stderr).toContain('set DATA_DIR to another directory');
    noStackTrace(locked.stderr);
  });
});

/** Waits until the gateway behind `port` answers /health/live. */
async function untilLive(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited early:\n${output()}`);
    try {
      const r = await request(`http://127.0.0.1:${port}/health/live`);
      await r.body.dump();
      if (r.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('SIGTERM stops the gateway, with nothing left running', () => {
  const starters: [string, string, string[]][] = [
    ['node directly', process.execPath, [BIN, 'start']],
    ['npm start', 'npm', ['start', '--silent']],
  ];

  it.each(starters)('started by %s', { timeout: 120_000 }, async (_name, command, args) => {
    const port = await freePort();
    const dataDir = tempDir();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...baseEnv(), PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await untilLive(port, child, () => output);
    // the gateway's own pid, whatever wrapped it (npm, sh): the data directory's lock file
    const gatewayPid = Number(readFileSync(join(dataDir, 'switchgate.pid'), 'utf8'));
    expect(alive(gatewayPid)).toBe(true);

    // a long-poll that would otherwise hold the shutdown for a minute
    const longPoll = request(`http://127.0.0.1:${port}/v1/events?wait=60`, { headers: { authorization: `Bearer ${DEV_KEY}` } });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');

    const answered = await longPoll;
    expect(answered.statusCode).toBe(200);
    await answered.body.dump();
    expect(await exited).toBe(0);
    for (let i = 0; i < 50 && alive(gatewayPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(gatewayPid)).toBe(false);
    expect(output).toContain('shutting down');
    expect(existsSync(join(dataDir, 'switchgate.pid'))).toBe(false);
  });
});
