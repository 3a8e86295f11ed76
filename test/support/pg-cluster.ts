/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's packages; as root the server runs as the
 * `postgres` user, since PostgreSQL refuses root). Used by the test suite and the benchmark.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/net/free-port.js';

// Overridable to test the "no PostgreSQL" path.
export const PG_ROOT = process.env.SWITCHGATE_TEST_PG_ROOT ?? '/usr/lib/postgresql';

export interface ClusterOptions {
  /** durable settings (fsync, synchronous_commit) instead of the fast test settings */
  durable?: boolean;
  /** extra postgresql.conf lines */
  settings?: string[];
}

export function findPostgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : undefined;
}

export interface Cluster {
  url: string;
  port: number;
  /** Stops and removes the cluster. */
  stopSync(): void;
  /** Shuts the server down (fast: sessions are cut, committed data stays); the data stays for `startServer`. */
  stopServer(): void;
  /** Starts the stopped server again on the same port and data. */
  startServer(): void;
}

export async function startCluster(bin: string, opts: ClusterOptions = {}): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'switchgate-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: hand the directory to the postgres user.
  const owner = asRoot
    ? { uid: Number(run('id', ['-u', 'postgres']).trim()), gid: Number(run('id', ['-g', 'postgres']).trim()) }
    : undefined;
  if (owner) chownSync(root, owner.uid, owner.gid);
  chmodSync(root, 0o700);
  const sh = (cmd: string, args: string[]): string =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);

  sh(join(bin, 'initdb'), [
    '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
  ]);
  // below the ephemeral range: a stopped server (startServer) gets its port back, not an outgoing connection
  const port = await freePort();
  const conf = [
    `listen_addresses = '127.0.0.1'`,
    `port = ${port}`,
    `unix_socket_directories = '${root}'`,
    ...(opts.durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
    'max_connections = 200',
    `timezone = 'UTC'`,
    'log_min_messages = warning',
    ...(opts.settings ?? []),
  ].join('\n');
  // postgresql.auto.conf is read last, so these win over initdb's defaults.
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), `${conf}\n`);
  if (owner) chownSync(join(dataDir, 'postgresql.auto.conf'), owner.uid, owner.gid);

  try {
    sh(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
  } catch (err) {
    const log = existsSync(logFile) ? spawnSync('tail', ['-n', '30', logFile], { encoding: 'utf8' }).stdout : '';
    rmSync(root, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`);
  }

  let stopped = false;
  const pgCtl = (args: string[]) => sh(join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stopSync: () => {
      if (stopped) return;
      stopped = true;
      const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
      const cmd = asRoot ? 'runuser' : join(bin, 'pg_ctl');
      spawnSync(cmd, asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args, { stdio: 'ignore' });
      rmSync(root, { recursive: true, force: true });
    },
    stopServer: () => {
      pgCtl(['-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    startServer: () => {
      pgCtl(['-l', logFile, '-w', '-t', '60', 'start']);
    },
  };
}

function run(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', cwd: tmpdir() });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}
