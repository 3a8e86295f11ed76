/**
 * Starts ONE throwaway PostgreSQL cluster for the whole test run and hands its admin URL to the
 * tests (`inject('pgAdminUrl')` and `process.env.SWITCHGATE_TEST_PG_URL`). Each test database is
 * created inside it by test/support/backends.ts.
 *
 * - SWITCHGATE_TEST_PG_URL already set: that server is used and nothing is started.
 * - No PostgreSQL installed: with CI=true that is an error; otherwise the postgres backend
 *   tests are skipped with a warning.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

// Overridable to test the "no PostgreSQL" path.
const PG_ROOT = process.env.SWITCHGATE_TEST_PG_ROOT ?? '/usr/lib/postgresql';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const preset = process.env.SWITCHGATE_TEST_PG_URL;
  if (preset) {
    project.provide('pgAdminUrl', preset);
    return async () => {};
  }

  const bin = findPostgresBin();
  if (!bin) {
    const message = `no PostgreSQL found under ${PG_ROOT}/*/bin (install the "postgresql" package)`;
    if (process.env.CI === 'true') throw new Error(`${message}; PostgreSQL is required in CI`);
    console.warn(`\n[global-setup] WARNING: ${message} — postgres backend tests are SKIPPED\n`);
    project.provide('pgAdminUrl', null);
    return async () => {};
  }

  const started = Date.now();
  const cluster = await startCluster(bin);
  const ms = Date.now() - started;
  console.log(`[global-setup] PostgreSQL (${bin}) on 127.0.0.1:${cluster.port} started in ${ms} ms`);
  process.env.SWITCHGATE_TEST_PG_URL = cluster.url;
  project.provide('pgAdminUrl', cluster.url);

  // Last resort if teardown never runs (e.g. the runner is killed by a signal it handles).
  const onExit = (): void => cluster.stopSync();
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    cluster.stopSync();
    delete process.env.SWITCHGATE_TEST_PG_URL;
  };
}

function findPostgresBin(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : undefined;
}

interface Cluster {
  url: string;
  port: number;
  stopSync(): void;
}

async function startCluster(bin: string): Promise<Cluster> {
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
  const port = await freePort();
  const conf = [
    `listen_addresses = '127.0.0.1'`,
    `port = ${port}`,
    `unix_socket_directories = '${root}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    `timezone = 'UTC'`,
    'log_min_messages = warning',
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
