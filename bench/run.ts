/**
 * `npm run bench`: throughput and latency of switchgate on a real PostgreSQL, against a bare
 * baseline, on this machine. Servers run in their own processes; this process only generates load
 * over HTTP on 127.0.0.1.
 *
 *   scenario 1  baseline REST intake: a bare fastify route writing the same rows in one transaction
 *   scenario 2  switchgate REST intake of VAs (POST /v1/switches; outbox not delivered)
 *   scenario 3  switchgate inbound SOAP (POST /wbci/v1 with VA-KUE-MRN messages)
 *   scenario 4  end to end at half the intake rate: REST request at A → commit at peer B
 *   scenario 5  interconnection traffic rating of a generated CSV (BENCH_RATING_CALLS, 10 million by
 *               default) against reading and splitting the same file's lines (bench/rating.ts)
 *
 * Env: BENCH_N (requests per scenario, default 3000), BENCH_CONCURRENCY (32), BENCH_DURABLE=1
 * (fsync and synchronous_commit on), DATABASE_URL (use that server instead of a throwaway one).
 */
import { createDatabase } from './database.js';
import { freePort } from '../src/net/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Pool } from 'undici';
import { findPostgresBin, startCluster, type Cluster } from '../test/support/pg-cluster.js';
import { encodeSoap } from '../src/protocols/wbci/soap-codec.js';
import { createCalendar } from '../src/domain/calendar.js';
import { firstKueKwtOnOrAfter } from '../src/protocols/wbci/deadlines.js';
import type { VaKueMrn } from '../src/protocols/wbci/types.js';
import { runRatingBench } from './rating.js';

const N = Number(process.env.BENCH_N ?? 3000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DURABLE = process.env.BENCH_DURABLE === '1';
const ONLY = process.env.BENCH_ONLY?.split(',').map(Number);
const run = (n: number) => !ONLY || ONLY.includes(n);
const API_KEY = 'bench-key';
const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

const cal = createCalendar({ country: 'DE', region: 'BY' });
const requestedDate = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(cal.today(new Date()), 15));

interface Row {
  scenario: string;
  n: number;
  seconds: number;
  latencies: number[];
  errors: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;


const children: ChildProcess[] = [];

async function startNode(mode: 'gateway' | 'baseline', opts: Record<string, unknown>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const prof = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'bench/node.ts', mode, JSON.stringify({ ...opts, port })], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (line.startsWith('READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${mode} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}


function vaBody(i: number, requestedDate: string) {
  return {
    procedure: 'wbci',
    type: 'VA-KUE-MRN',
    donating: 'DEU.EKPB',
    requestedDate,
    customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: `Muster${i}` },
    location: { street: 'Hauptstr.', houseNumber: String(1 + (i % 999)), postalCode: '80331', city: 'München' },
    numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: String(1000000 + i) }] },
  };
}

/** Closed loop: C workers, N requests in all. */
async function closedLoop(name: string, url: string, path: string, bodies: (i: number) => { body: string; headers: Record<string, string> }): Promise<Row> {
  const pool = new Pool(url, { connections: C, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  // warm-up: JIT, connection pools
  for (let i = 0; i < Math.min(50, N); i++) {
    const { body, headers } = bodies(-1 - i);
    const r = await pool.request({ method: 'POST', path, body, headers });
    await r.body.dump();
  }
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        const { body, headers } = bodies(i);
        const s = performance.now();
        const r = await pool.request({ method: 'POST', path, body, headers });
        const text = await r.body.text();
        latencies.push(performance.now() - s);
        if (r.statusCode >= 300) {
          if (errors++ === 0) console.error(`${name}: first error: HTTP ${r.statusCode} ${text.slice(0, 300)}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  return { scenario: name, n: N, seconds, latencies, errors };
}

/**
 * A (REST intake, outbox delivery over SOAP) → B (inbound SOAP). Either closed loop with
 * `concurrency` clients, or open loop at `rate` requests/s. Latency: from the client sending the
 * REST request to B's transaction timestamp of the inbound message; throughput: messages committed
 * at B per second until the last one arrived.
 */
async function endToEnd(adminUrl: string, tag: string, o: { n: number; concurrency?: number; rate?: number }): Promise<Row> {
  const dbA = await createDatabase(adminUrl, `bench_e2e_${tag}_a`);
  const dbB = await createDatabase(adminUrl, `bench_e2e_${tag}_b`);
  const b = await startNode('gateway', { databaseUrl: dbB, self: 'DEU.EKPB', peer: 'DEU.EKPA', deliver: false, apiKey: API_KEY });
  const a = await startNode('gateway', { databaseUrl: dbA, self: 'DEU.EKPA', peer: 'DEU.EKPB', peerUrl: `${b.url}/wbci/v1`, deliver: true, apiKey: API_KEY });
  const pool = new Pool(a.url, { connections: C });
  const sent = new Map<string, number>();
  const restMs: number[] = [];
  let errors = 0;
  const one = async (i: number) => {
    const s = Date.now();
    const r = await pool.request({ method: 'POST', path: '/v1/switches', body: JSON.stringify(vaBody(i, requestedDate)), headers: auth });
    const body = (await r.body.json()) as { id?: string };
    restMs.push(Date.now() - s);
    if (r.statusCode !== 201 || !body.id) errors++;
    else sent.set(body.id, s);
  };
  const t0 = performance.now();
  const wall0 = Date.now();
  if (o.rate) {
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < o.n; i++) {
      const wait = t0 + (i * 1000) / o.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(one(i));
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: o.concurrency ?? C }, async () => {
        for (let i = next++; i < o.n; i = next++) await one(i);
      }),
    );
  }
  const client = new pg.Client({ connectionString: dbB });
  await client.connect();
  const deadline = Date.now() + 120_000;
  let rowsB: { business_id: string; at: string }[] = [];
  while (Date.now() < deadline) {
    const r = await client.query<{ business_id: string; at: string }>(
      `SELECT business_id, (extract(epoch from created_at) * 1000)::text AS at FROM messages WHERE direction = 'in'`,
    );
    rowsB = r.rows;
    if (rowsB.length >= sent.size) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await client.end();
  const arrived = rowsB.filter((r) => sent.has(r.business_id));
  const last = Math.max(...arrived.map((r) => Number(r.at)));
  const latencies = arrived.map((r) => Number(r.at) - sent.get(r.business_id)!);
  await pool.close();
  await stop(a.child);
  await stop(b.child);
  const label = o.rate ? `4b end to end at ${o.rate}/s (half of 4a)` : `4a end to end, saturated (c=${o.concurrency ?? C})`;
  const restSorted = restMs.sort((x, y) => x - y);
  console.log(`${label}: of which the REST answer at A took p50 ${pct(restSorted, 50)} ms, p99 ${pct(restSorted, 99)} ms`);
  return { scenario: label, n: arrived.length, seconds: (last - wall0) / 1000, latencies, errors: errors + (sent.size - arrived.length) };
}

function print(rows: Row[], notes: string[]): void {
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  console.log('\nscenario                                   msgs   msgs/s     p50 ms   p95 ms   p99 ms  errors');
  for (const r of rows) {
    const s = [...r.latencies].sort((a, b) => a - b);
    console.log(
      `${r.scenario.padEnd(40)} ${String(r.n).padStart(6)} ${fmt(r.n / r.seconds)} ${fmt(pct(s, 50))} ${fmt(pct(s, 95))} ${fmt(pct(s, 99))}  ${String(r.errors).padStart(6)}`,
    );
  }
  for (const n of notes) console.log(n);
}

async function main(): Promise<void> {
  let cluster: Cluster | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL found (install the postgresql package) and no DATABASE_URL given');
    cluster = await startCluster(bin, { durable: DURABLE });
    adminUrl = cluster.url;
  }
  const rows: Row[] = [];
  try {
    console.log(`switchgate bench: N=${N} per scenario, concurrency ${C}, PostgreSQL ${DURABLE ? 'durable (fsync on)' : 'fsync off, synchronous_commit off'}, 2 cores shared by servers and load generator`);

    // 1. baseline
    if (run(1)) {
      const db = await createDatabase(adminUrl, 'bench_baseline');
      const node = await startNode('baseline', { databaseUrl: db });
      rows.push(await closedLoop('1 baseline REST intake (bare route)', node.url, '/v1/switches', (i) => ({ body: JSON.stringify(vaBody(i, requestedDate)), headers: auth })));
      await stop(node.child);
    }
    // 2. switchgate REST intake
    if (run(2)) {
      const db = await createDatabase(adminUrl, 'bench_intake');
      const node = await startNode('gateway', { databaseUrl: db, self: 'DEU.EKPA', peer: 'DEU.EKPB', deliver: false, apiKey: API_KEY });
      rows.push(await closedLoop('2 switchgate REST intake (VA)', node.url, '/v1/switches', (i) => ({ body: JSON.stringify(vaBody(i, requestedDate)), headers: auth })));
      await stop(node.child);
    }
    // 3. inbound SOAP
    if (run(3)) {
      const db = await createDatabase(adminUrl, 'bench_soap');
      const node = await startNode('gateway', { databaseUrl: db, self: 'DEU.EKPB', peer: 'DEU.EKPA', deliver: false, apiKey: API_KEY });
      const control = { timestamp: new Date().toISOString(), major: '02', minor: '00' };
      const soap = (i: number) => {
        const b = vaBody(i, requestedDate);
        const va: VaKueMrn = {
          type: 'VA-KUE-MRN',
          vaId: `DEU.EKPA.V${String(i < 0 ? 900000000 - i : i + 1).padStart(9, '0')}`,
          recipient: 'DEU.EKPA',
          donating: 'DEU.EKPB',
          sender: 'DEU.EKPA',
          requestedDate,
          customer: b.customer as VaKueMrn['customer'],
          location: b.location,
          numbers: b.numbers as VaKueMrn['numbers'],
        };
        return {
          body: encodeSoap(va, control),
          headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"annehmenAnfrage"', authorization: 'Bearer bench-token' },
        };
      };
      rows.push(await closedLoop('3 switchgate inbound SOAP (VA)', node.url, '/wbci/v1', soap));
      await stop(node.child);
    }
    // 4. end to end: first the sustainable maximum (closed loop), then latency at half of it
    if (run(4)) {
      const sat = await endToEnd(adminUrl, 'sat', { concurrency: C, n: N });
      rows.push(sat);
      const max = sat.n / sat.seconds;
      const rate = Number(process.env.BENCH_RATE ?? Math.max(10, Math.floor(max / 2)));
      rows.push(await endToEnd(adminUrl, 'half', { rate, n: Math.min(N, rate * 20) }));
    }
  } finally {
    for (const c of children) await stop(c);
    cluster?.stopSync();
  }
  // 5. rating: no server and no database, so after the others and alone on the machine
  const rating = run(5) ? await runRatingBench((line) => console.log(`  ${line}`)) : undefined;
  const byNo = (n: number | string) => rows.find((r) => r.scenario.startsWith(`${n} `));
  const rate = (r: Row | undefined) => (r ? r.n / r.seconds : NaN);
  const ratio = rate(byNo(2)) / rate(byNo(1));
  print(rows, [
    '',
    `REST intake ratio switchgate / baseline: ${ratio.toFixed(2)} (target ≥ 1.0)`,
    `inbound SOAP: ${rate(byNo(3)).toFixed(0)} msgs/s (target ≥ 1000)`,
    `end-to-end: ${rate(byNo('4a')).toFixed(0)} msgs/s at most; p99 at half that rate ${byNo('4b') ? pct([...byNo('4b')!.latencies].sort((x, y) => x - y), 99).toFixed(1) : '?'} ms (target < 100 ms)`,
    'scenario 4 measures from the client sending the REST request to the peer\'s transaction timestamp of the inbound message (same host clock).',
    ...(rating
      ? [
          `interconnection rating: ${Math.round(rating.callsPerSecond).toLocaleString('en')} calls/s against ${Math.round(rating.baselineLinesPerSecond).toLocaleString('en')} lines/s read and split; ratingRatio ${rating.ratingRatio.toFixed(2)} (target ≥ 0.5), peak RSS ${rating.peakRssMiB.toFixed(0)} MiB`,
        ]
      : []),
  ]);
}

main().catch((err: unknown) => {
  console.error(err);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
