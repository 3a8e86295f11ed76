/**
 * Start-up and idle memory (`npm run bench:startup`; not part of `npm test`): spawns
 * `node bin/switchgate.js start` the way an operator runs it (compiled dist/ when it is fresh —
 * `npm run build` — else the sources through tsx; the figures say which) and measures
 *
 * - start → ready: from spawn until GET /health/ready first answers 200 (polled every 5 ms);
 * - RSS 3 s after ready, and RSS and V8 heap at idle, BENCH_STARTUP_IDLE_SECONDS (20) after ready
 *   (from /proc and /metrics);
 *
 * on PostgreSQL (an already migrated database, as after the first start) and on the embedded
 * PGlite (first start in an empty DATA_DIR, then a restart on it). Each run is repeated
 * BENCH_STARTUP_RUNS times (default 5); the median is reported. `--json` prints one JSON document
 * as the last line, with the load average: on a shared machine, say so next to the figures.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { findPostgresBin, startCluster, type Cluster } from '../test/support/pg-cluster.js';
import { freePort } from '../src/net/free-port.js';
import { createDatabase } from './database.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const JSON_OUT = process.argv.includes('--json');
/** RSS 3 s after ready (start-up's allocations still held), and at idle: V8's memory reducer gives the
 * young generation back ~10 s after the last activity, so idle is read BENCH_STARTUP_IDLE_SECONDS (20) after ready */
const EARLY_MS = 3_000;
const IDLE_MS = Number(process.env.BENCH_STARTUP_IDLE_SECONDS ?? 20) * 1000;

interface Run {
  readyMs: number;
  earlyRssMb: number;
  idleRssMb: number;
  idleHeapUsedMb: number | null;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
}

async function metric(url: string, name: string): Promise<number | null> {
  const res = await request(`${url}/metrics`);
  const text = await res.body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : null;
}

async function startOnce(env: NodeJS.ProcessEnv): Promise<Run> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/switchgate.js', 'start'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    let readyMs = NaN;
    while (Number.isNaN(readyMs)) {
      if (child.exitCode !== null) throw new Error(`switchgate exited with ${child.exitCode}`);
      try {
        const res = await request(`${url}/health/ready`);
        await res.body.dump();
        if (res.statusCode === 200) readyMs = performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 60_000) throw new Error('not ready after 60 s');
      if (Number.isNaN(readyMs)) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, EARLY_MS));
    const earlyRssMb = rssMb(child.pid!);
    await new Promise((r) => setTimeout(r, Math.max(0, IDLE_MS - EARLY_MS)));
    // read before /metrics is asked: answering it is activity
    const idleRssMb = rssMb(child.pid!);
    const heap = await metric(url, 'nodejs_heap_size_used_bytes');
    return { readyMs: Math.round(readyMs), earlyRssMb, idleRssMb, idleHeapUsedMb: heap === null ? null : Math.round(heap / 1e6) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function summarise(runs: Run[]) {
  return {
    runs: runs.length,
    readyMs: { median: median(runs.map((r) => r.readyMs)), min: Math.min(...runs.map((r) => r.readyMs)), max: Math.max(...runs.map((r) => r.readyMs)) },
    earlyRssMb: { median: median(runs.map((r) => r.earlyRssMb)), max: Math.max(...runs.map((r) => r.earlyRssMb)) },
    idleRssMb: { median: median(runs.map((r) => r.idleRssMb)), max: Math.max(...runs.map((r) => r.idleRssMb)) },
    idleHeapUsedMb: runs[0]!.idleHeapUsedMb === null ? null : median(runs.map((r) => r.idleHeapUsedMb ?? 0)),
  };
}

function compiledIsFresh(): boolean {
  const stamp = join('dist', '.built');
  if (!existsSync(stamp)) return false;
  return process.env.SWITCHGATE_FROM_SOURCE !== '1';
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-startup-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, readFileSync('config/default.json'));
  let cluster: Cluster | undefined;
  const results: Record<string, ReturnType<typeof summarise>> = {};
  try {
    const bin = findPostgresBin();
    if (bin) {
      cluster = await startCluster(bin, { durable: true });
      const databaseUrl = await createDatabase(cluster.url, 'startup');
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await startOnce({ SWITCHGATE_CONFIG: config, DATABASE_URL: databaseUrl }));
      results.postgres = summarise(runs);
    }
    const first: Run[] = [];
    const again: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const dataDir = mkdtempSync(join(dir, 'pglite-'));
      const env = { SWITCHGATE_CONFIG: config, DATA_DIR: dataDir, DATABASE_URL: '' };
      first.push(await startOnce(env));
      again.push(await startOnce(env));
      rmSync(dataDir, { recursive: true, force: true });
    }
    results.pgliteFirstStart = summarise(first);
    results.pgliteRestart = summarise(again);
  } finally {
    cluster?.stopSync();
    rmSync(dir, { recursive: true, force: true });
  }
  const code = compiledIsFresh() ? `compiled dist/ (built ${statSync(join('dist', '.built')).mtime.toISOString()})` : 'sources through tsx (no fresh dist/: run `npm run build`)';
  const out = process.stdout;
  const load = loadavg().map((x) => Math.round(x * 100) / 100);
  out.write(`\nstart-up of \`switchgate start\` — ${code}; 2 cores, load average at the end ${load.join(', ')}\n`);
  out.write(`                      ready median (min–max)     RSS 3 s after ready (max)   RSS idle, ${IDLE_MS / 1000} s (max)   idle heap used\n`);
  for (const [name, r] of Object.entries(results)) {
    out.write(`  ${name.padEnd(18)}  ${String(r.readyMs.median).padStart(6)} ms (${r.readyMs.min}–${r.readyMs.max})      ${String(r.earlyRssMb.median).padStart(5)} MB (${r.earlyRssMb.max})            ${String(r.idleRssMb.median).padStart(5)} MB (${r.idleRssMb.max})        ${r.idleHeapUsedMb ?? '?'} MB\n`);
  }
  if (JSON_OUT) out.write(`${JSON.stringify({ code, loadAverage: load, idleSeconds: IDLE_MS / 1000, ...results })}\n`);
}

await main();
