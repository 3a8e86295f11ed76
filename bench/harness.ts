/**
 * What every bench scenario shares: server processes (bench/node.ts) on 127.0.0.1, the VA bodies the
 * load generator sends, and the statistics of a measured run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../src/net/free-port.js';
import { createCalendar } from '../src/domain/calendar.js';
import { firstKueKwtOnOrAfter } from '../src/protocols/wbci/deadlines.js';

export const API_KEY = 'bench-key';
export const AUTH = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

const cal = createCalendar({ country: 'DE', region: 'BY' });
export const REQUESTED_DATE = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(cal.today(new Date()), 15));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The REST body of a VA-KUE-MRN (README quick start shape), distinct per `i`. */
export function vaBody(i: number, tag = 'Muster') {
  return {
    procedure: 'wbci',
    type: 'VA-KUE-MRN',
    donating: 'DEU.EKPB',
    requestedDate: REQUESTED_DATE,
    customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: `${tag}${i}` },
    location: { street: 'Hauptstr.', houseNumber: String(1 + (Math.abs(i) % 999)), postalCode: '80331', city: 'München' },
    // warm-up bodies (negative i) carry other numbers than the measured ones
    numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: String((i < 0 ? 2000000 : 1000000) + Math.abs(i)) }] },
  };
}

export interface ServerOptions {
  databaseUrl: string;
  port?: number;
  self?: string;
  peer?: string;
  peerUrl?: string;
  deliver?: boolean;
  apiKey?: string;
  /** the peer's pinned signing certificate: its SOAP messages must be signed (`peers[].wsSecurity.required`) */
  peerCertFile?: string;
}

export interface Server {
  url: string;
  port: number;
  child: ChildProcess;
}

const children = new Set<ChildProcess>();

/** A gateway or the bare baseline in its own process; resolves when it listens. */
export async function startServer(mode: 'gateway' | 'baseline', opts: ServerOptions): Promise<Server> {
  const port = opts.port ?? (await freePort());
  // BENCH_NODE_ARGS: node flags for the server processes only (e.g. --trace-gc-nvp, which NODE_OPTIONS refuses)
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'bench/node.ts', mode, JSON.stringify({ ...opts, port })], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY')) resolve();
      // what those flags print (V8 writes its traces to stdout)
      else if (nodeArgs.length > 0) process.stderr.write(`${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, port, child };
}

export async function stopServer(server: Server | undefined): Promise<void> {
  const child = server?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** On the way out after an error: no server process outlives the bench. */
export function killServers(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** One measured run of one scenario. */
export interface Measured {
  /** messages that completed (committed, or arrived at the peer) */
  n: number;
  seconds: number;
  latencies: number[];
  /** failed requests, answers other than 2xx (load shedding's 503 included), messages that never arrived */
  errors: number;
}

export interface Summary {
  msgsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const round1 = (x: number) => Math.round(x * 10) / 10;

export function summarize(m: Measured): Summary {
  const s = [...m.latencies].sort((a, b) => a - b);
  return {
    msgsPerSecond: round1(m.n / m.seconds),
    p50Ms: round1(percentile(s, 50)),
    p95Ms: round1(percentile(s, 95)),
    p99Ms: round1(percentile(s, 99)),
    errors: m.errors,
  };
}

/** The median of each figure over the repetitions (errors: their sum — one error is one too many). */
export function medianSummary(runs: readonly Summary[]): Summary {
  return {
    msgsPerSecond: round1(median(runs.map((r) => r.msgsPerSecond))),
    p50Ms: round1(median(runs.map((r) => r.p50Ms))),
    p95Ms: round1(median(runs.map((r) => r.p95Ms))),
    p99Ms: round1(median(runs.map((r) => r.p99Ms))),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}
