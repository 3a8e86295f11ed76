/**
 * Scale figures (`npm run bench:scale`; not part of `npm test`): N cases (BENCH_SCALE_CASES,
 * default 1,000,000) generated in bulk in PostgreSQL by cloning cases the real gateway wrote
 * (bench/scale/templates.ts, generate.ts), then, against a real `switchgate start` process:
 *
 * - GET /v1/switches: first page, a deep cursor page, filters by state, peer, role, overdue —
 *   p99 < 10 ms. Each is one index range scan in created_at order (0001: cases_created_idx,
 *   cases_state_idx, cases_peer_idx, cases_role_idx, cases_overdue_idx — the filter column first,
 *   then created_at; since 0024 without the id, the cases of one instant sorted by id as they are
 *   read; the cursor is a row-value comparison that seeks, 0005), so a page reads
 *   ~limit rows however many cases there are; peer and state together: cases_peer_state_idx (0009)
 *   — without it PostgreSQL intersects the peer and state indexes and sorts what both match. The
 *   database side of a page is ~0.1 ms; the rest is the gateway's: a page reads of each case's
 *   `data` only the keys its view shows and is serialized with JSON.stringify (gateway CPU per
 *   request is reported next to the latencies);
 * - GET /v1/switches/{id} (primary key) and /messages (messages_case_hash_idx, 0017) — p99 < 5 ms;
 * - the event feed from any position (events_pkey on (tx, seq), since 0012) — p99 < 10 ms;
 * - one deadline tick (the gateway's own tick: due cases through the partial cases_next_due_idx,
 *   wholesale candidates through cases_order_pending_idx) — p99 < 50 ms;
 * - the gateway's RSS with the ~10 % open cases (100,000 at 1M) whose deadlines it watches — < 200 MB:
 *   a fresh gateway running its own ticks for BENCH_SCALE_WATCH_SECONDS (65), and for comparison the
 *   measuring gateway after the reads (BENCH_SCALE_HEAP=1 prints its V8 heap figures there);
 * - bytes per case per table (pg_total_relation_size) and the database size per million cases.
 *
 * The template gateways sign every SOAP message (WS-Security), as a peer that requires signatures
 * does; BENCH_SCALE_SIGNED=0 measures the unsigned wire instead.
 *
 * The PostgreSQL cluster runs with the test settings (fsync off): generation speed is not a figure
 * here, reads are. `--json` prints one JSON document as the last line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Agent, request } from 'undici';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import { listCases } from '../src/store/repos/cases.js';
import { readInboundContext } from '../src/store/repos/messages.js';
import { CASE_VIEW_DATA } from '../src/http/views.js';
import type { Database } from '../src/store/schema.js';
import { unpackWith, wireContext } from '../src/store/wire-codec.js';
import { findPostgresBin, startCluster, type Cluster } from '../test/support/pg-cluster.js';
import { freePort } from '../src/net/free-port.js';
import { createGateway } from '../src/gateway.js';
import { parseConfig } from '../src/config/load.js';
import { createDatabase } from './database.js';
import { openDatabase } from '../src/store/connect.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { writeTemplateCases, tableSizes } from './scale/templates.js';
import { createTemplateTables, generateChunk, loadTemplates, PEERS, SELF } from './scale/generate.js';

const GENERATE = Number(process.env.BENCH_SCALE_CASES ?? 1_000_000);
/**
 * BENCH_SCALE_KEEP=1: leave the generated cluster running (its URL is printed) so that later runs can
 * measure against it with BENCH_SCALE_REUSE=<that URL> — generation takes minutes, a read pass seconds.
 * A reused database is migrated to this tree's migrations (new indexes) before the reads.
 */
const KEEP = process.env.BENCH_SCALE_KEEP === '1';
const REUSE = process.env.BENCH_SCALE_REUSE || undefined;
const CHUNK = Number(process.env.BENCH_SCALE_CHUNK ?? 25_000);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 200);
/** how long the fresh watching gateway runs before its RSS is read (its ticks run every 30 s) */
const WATCH_SECONDS = Number(process.env.BENCH_SCALE_WATCH_SECONDS ?? 65);
/** rounds of every read before the first one is measured */
const WARMUP = Number(process.env.BENCH_SCALE_WARMUP ?? 200);
/**
 * requests of a read right before its own samples. The rounds above interleave all reads, and V8
 * does not tier up a function whose type feedback keeps changing: on a 20,000-case database
 * (`--trace-opt`), `decodeSoap`, `openEnvelope`, `bodyOfWire` and `messageView` were first compiled
 * by TurboFan only once `/messages` ran on its own — 28 ms of compiling for `decodeSoap` alone on
 * the second core, during the read's first requests; its CPU per request in that block was 0.84–0.96
 * ms against 0.66–0.78 in a later block of the same read. With 20 of these the read measured first
 * after a change of read paid for it in its p99; with 200 (the default sample count) each read is
 * measured in the steady state it reaches under its own traffic.
 */
const SCENARIO_WARMUP = Number(process.env.BENCH_SCALE_SCENARIO_WARMUP ?? 200);
const JSON_OUT = process.argv.includes('--json');
/** node flags for the gateway processes (e.g. `--trace-opt`, refused in NODE_OPTIONS), whose output is then shown */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
/** `text`: the wire forms as before 0009 (a text column, pglz TOAST) — for the before/after storage figure */
const LAYOUT = process.env.BENCH_SCALE_LAYOUT === 'text' ? 'text' : 'compressed';
/** BENCH_SCALE_SIGNED=0: template gateways that do not sign (WS-Security off) — the default signs every SOAP message */
const SIGNED = process.env.BENCH_SCALE_SIGNED !== '0';
const API_KEY = 'scale-key';
const GROWING = ['cases', 'messages', 'events', 'outbox', 'wire_dictionaries'];
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const log = (line: string) => process.stderr.write(`${line}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50Ms: round(percentile(s, 50)), p99Ms: round(percentile(s, 99)), maxMs: round(s[s.length - 1] ?? NaN) };
}
const round = (x: number) => Math.round(x * 100) / 100;

function gatewayConfig() {
  return {
    self: { carrierCode: SELF, profiles: ['wbci'], holidayRegion: 'DE-BY' },
    apiKeys: [{ name: 'scale', keySha256: sha(API_KEY), scopes: ['switches:read', 'switches:write', 'events:read'] }],
    // nothing listens on port 9: the bench measures reads and ticks, not deliveries
    peers: PEERS.map((carrierCode) => ({ carrierCode, protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', auth: { type: 'none' } })),
  };
}

async function startGateway(databaseUrl: string): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-scale-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(gatewayConfig()));
  const port = await freePort();
  const child = spawn(process.execPath, [...NODE_ARGS, 'bin/switchgate.js', 'start'], {
    env: { ...process.env, SWITCHGATE_CONFIG: configFile, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', NODE_ARGS.length > 0 ? 'inherit' : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await request(`${url}/health/ready`);
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 600 || child.exitCode !== null) throw new Error('the gateway did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, dir };
}

/** Turns the template messages back into the layout before 0009: the wire form as text. */
async function asTextLayout(c: pg.Client): Promise<void> {
  const { rows: dicts } = await c.query<{ id: string; dict: Buffer }>('SELECT id::text, dict FROM wire_dictionaries');
  const byId = new Map(dicts.map((d) => [d.id, d.dict]));
  const { rows } = await c.query<{ k: number; message_id: string; case_id: string; raw_z: Buffer | null; raw_dict: string | null }>('SELECT k, message_id, case_id, raw_z, raw_dict::text FROM tpl_messages');
  for (const r of rows) {
    if (!r.raw_z) continue;
    const raw = unpackWith(r.raw_z, r.raw_dict ? byId.get(r.raw_dict)! : null, wireContext(r));
    await c.query('UPDATE tpl_messages SET raw = $1, raw_z = NULL, raw_dict = NULL WHERE k = $2 AND message_id = $3', [raw, r.k, r.message_id]);
  }
}

/** BENCH_SCALE_EXPLAIN=1: the plans of the list queries and the inbound successor lookup, as the repositories send them. */
async function explainLists(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const captured: CompiledQuery[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => void captured.push(e.query) });
  // as GET /v1/switches reads a page: only the data keys the view shows
  const view = { data: CASE_VIEW_DATA };
  await listCases(db, { limit: 51 }, view);
  await listCases(db, { limit: 51, peer: PEERS[7] }, view);
  await listCases(db, { limit: 51, role: 'donating' }, view);
  await listCases(db, { limit: 51, state: 'AGREED', peer: PEERS[12] }, view);
  // every inbound VA: the peer's REPLACED donating cases waiting for a successor (0013)
  await readInboundContext(db, { dedupeKey: 'none', caseId: 'none', ownId: null, replacedFrom: PEERS[0]! });
  for (const q of captured) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.parameters as unknown[]);
    log(`${q.sql}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  }
  await db.destroy();
}

/** CPU time (user + system) the process `pid` has used so far, in ms (10 ms clock ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14, 15 of stat)
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Math.round(Number(line.replace(/\D+/g, '')) / 1024);
}

/** Generates BENCH_SCALE_CASES cases in a fresh `scale` database of the cluster at `adminUrl`; returns its URL. */
async function generate(adminUrl: string): Promise<string> {
  const scaleUrl = await createDatabase(adminUrl, 'scale');
  const [tplA, tplB] = [await createDatabase(adminUrl, 'tpl_a'), await createDatabase(adminUrl, 'tpl_b')];

  log(`template cases: two ${SIGNED ? 'signing' : 'unsigned (BENCH_SCALE_SIGNED=0)'} gateways run the good case and a refused VA …`);
  const t = await writeTemplateCases(tplA, tplB, SIGNED);
  const c = new pg.Client({ connectionString: scaleUrl });
  await c.connect();
  await createTemplateTables(c);
  await loadTemplates(c, tplA, [t.completed, t.refused], 0);
  await loadTemplates(c, tplB, [t.completed, t.refused], 2);
  if (LAYOUT === 'text') await asTextLayout(c);

  const started = performance.now();
  for (let from = 1; from <= GENERATE; from += CHUNK) {
    const to = Math.min(GENERATE, from + CHUNK - 1);
    await generateChunk(c, from, to, GENERATE);
    if (((to / CHUNK) | 0) % 4 === 0 || to === GENERATE) log(`generated ${to.toLocaleString('en')} cases (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  for (const table of ['cases', 'messages', 'outbox', 'events']) await c.query(`DROP TABLE tpl_${table}`);
  await c.query('VACUUM ANALYZE');
  await c.end();
  return scaleUrl;
}

async function main(): Promise<void> {
  const bin = findPostgresBin();
  if (!bin && !REUSE) throw new Error('PostgreSQL binaries not found (see test/support/pg-cluster.ts)');
  const t0 = performance.now();
  let cluster: Cluster | undefined;
  let gateway: { url: string; child: ChildProcess; dir: string } | undefined;
  try {
    let scaleUrl: string;
    let generateSeconds: number | null = null;
    if (REUSE) {
      // an earlier run's database (BENCH_SCALE_KEEP=1): migrate it to this tree's indexes and measure
      scaleUrl = REUSE;
      const store = await openDatabase({ databaseUrl: scaleUrl });
      await migrateToLatest(store.db);
      await store.close();
    } else {
      cluster = await startCluster(bin!, { settings: ['shared_buffers = 256MB', 'max_wal_size = 4GB', 'checkpoint_timeout = 30min'] });
      scaleUrl = await generate(cluster.url);
      generateSeconds = Math.round((performance.now() - t0) / 1000);
    }
    const c = new pg.Client({ connectionString: scaleUrl });
    await c.connect();
    await c.query('ANALYZE');
    const { rows: count } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM cases');
    const CASES = count[0]!.n;

    const sizes = await tableSizes(scaleUrl, GROWING);
    const { rows: db } = await c.query<{ bytes: string }>(`SELECT pg_database_size(current_database())::text AS bytes`);
    const { rows: open } = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE next_due_at IS NOT NULL`);
    const perMillion = (bytes: number) => Math.round((bytes / CASES) * 1e6 / 1e6) / 1e3; // GB per million cases
    const storage = {
      databaseBytes: Number(db[0]!.bytes),
      gbPerMillionCases: perMillion(Number(db[0]!.bytes)),
      tables: sizes.map((s) => ({ ...s, bytesPerCase: Math.round(s.bytes / CASES) })),
    };

    // sample positions and ids for the reads
    const { rows: ids } = await c.query<{ id: string }>(`SELECT id FROM cases TABLESAMPLE SYSTEM (1) LIMIT ${SAMPLES}`);
    const { rows: positions } = await c.query<{ tx: string; seq: string }>(`SELECT tx::text, seq::text FROM events TABLESAMPLE SYSTEM (1) LIMIT ${SAMPLES}`);
    await c.end();

    if (process.env.BENCH_SCALE_EXPLAIN === '1') await explainLists(scaleUrl);
    log('starting `switchgate start` on the generated database …');
    gateway = await startGateway(scaleUrl);
    const { url, child } = gateway;
    const agent = new Agent({ connections: 1 });
    const get = async (path: string): Promise<{ ms: number; body: Record<string, unknown> }> => {
      const t0 = performance.now();
      const res = await request(url + path, { dispatcher: agent, headers: { authorization: `Bearer ${API_KEY}` } });
      const text = await res.body.text();
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${text.slice(0, 300)}`);
      return { ms, body: JSON.parse(text) as Record<string, unknown> };
    };
    // the gateway's CPU per request next to the latencies: on a shared machine the latencies carry
    // everyone's load, the CPU the gateway spent on the requests does not
    const measure = async (paths: () => string): Promise<ReturnType<typeof summary> & { gatewayCpuMsPerRequest: number }> => {
      for (let i = 0; i < SCENARIO_WARMUP; i++) await get(paths());
      const ms: number[] = [];
      const cpu0 = cpuMs(child.pid!);
      for (let i = 0; i < SAMPLES; i++) ms.push((await get(paths())).ms);
      return { ...summary(ms), gatewayCpuMsPerRequest: round((cpuMs(child.pid!) - cpu0) / SAMPLES) };
    };
    // cursors from a walk into the list: page 1, and the page after ~the middle of the table
    const cursors: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page: { body: Record<string, unknown> } = await get(`/v1/switches?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      cursor = page.body.nextCursor as string | null;
      if (cursor) cursors.push(cursor);
    }
    const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
    let n = 0;
    const states = ['AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED', 'COMPLETED', 'REJECTED', 'CANCELLED'];
    const scenarios: Record<string, () => string> = {
      listFirstPage: () => '/v1/switches?limit=50',
      listCursorPage: () => `/v1/switches?limit=50&cursor=${encodeURIComponent(pick(cursors, n++))}`,
      listByState: () => `/v1/switches?limit=50&state=${pick(states, n++)}`,
      listByPeer: () => `/v1/switches?limit=50&peer=${pick(PEERS, n++)}`,
      listByRole: () => `/v1/switches?limit=50&role=${n++ % 2 ? 'recipient' : 'donating'}`,
      listOverdue: () => '/v1/switches?limit=50&overdue=true',
      listByStateAndPeer: () => `/v1/switches?limit=50&state=${pick(states, n)}&peer=${pick(PEERS, n++)}`,
      switchById: () => `/v1/switches/${pick(ids, n++).id}`,
      messagesOfSwitch: () => `/v1/switches/${pick(ids, n++).id}/messages`,
      messagesWithRaw: () => `/v1/switches/${pick(ids, n++).id}/messages?raw=true`,
      eventFeedFromPosition: () => { const p = pick(positions, n++); return `/v1/events?after=${p.tx}-${p.seq}`; },
    };
    // the process's code paths warm (JIT tiers, heap growth, pools) before the first scenario counts:
    // a fresh gateway spends ~2.6 ms CPU on a list page for its first ~1,000 requests and ~1.4 ms
    // after ~2,000; with 20 warm-up requests the scenario measured first (the first list page) paid
    // for that and looked several times slower than the cursor page
    for (let i = 0; i < WARMUP; i++) for (const path of Object.values(scenarios)) await get(path());
    const http: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const [name, path] of Object.entries(scenarios)) http[name] = await measure(path);
    const rssAfterReads = rssMb(child.pid!);
    if (process.env.BENCH_SCALE_HEAP) {
      const metrics = await (await request(`${url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).body.text();
      log(metrics.split('\n').filter((l) => /^(process_resident_memory_bytes|process_heap_bytes|nodejs_heap_size_(total|used)_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_(total|used)_bytes)/.test(l)).join('\n'));
    }

    // the deadline tick, as the gateway runs it (in this process, with the same configuration)
    const gw = await createGateway({ config: parseConfig(gatewayConfig(), 'bench', {}), databaseUrl: scaleUrl, log: pino({ level: 'silent' }), background: false });
    const ticks: number[] = [];
    let processed = 0;
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      processed += await gw.tick();
      ticks.push(performance.now() - t0);
    }
    await gw.close();
    const rssIdle = rssMb(child.pid!);

    // what the goal names: a gateway that watches the open cases' deadlines — a fresh process on the
    // same database whose own background ticks (every 30 s) run for WATCH_SECONDS, no reads. The
    // figures above come after thousands of reads, whose garbage V8 lets the heap grow into before
    // a full collection (it is garbage: a full GC brings the heap back to its size at start-up)
    const watcher = await startGateway(scaleUrl);
    let rssWatching: number;
    try {
      await new Promise((r) => setTimeout(r, WATCH_SECONDS * 1000));
      rssWatching = rssMb(watcher.child.pid!);
    } finally {
      watcher.child.kill('SIGTERM');
      await new Promise((r) => watcher.child.once('exit', r));
      rmSync(watcher.dir, { recursive: true, force: true });
    }

    const figures = {
      cases: CASES,
      wireLayout: LAYOUT,
      openCasesWatched: open[0]!.n,
      generateSeconds,
      storage,
      http,
      tick: { ...summary(ticks.slice(10)), casesProcessed: processed },
      gatewayRssMb: { afterReads: rssAfterReads, idle: rssIdle, watching: rssWatching },
      machine: '2 cores; see loadAverage for what else ran',
      loadAverage: loadavg().map((x) => round(x)),
    };
    print(figures);
    if (JSON_OUT) process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    if (gateway) {
      gateway.child.kill('SIGTERM');
      await new Promise((r) => gateway!.child.once('exit', r));
      rmSync(gateway.dir, { recursive: true, force: true });
    }
    if (cluster && KEEP) log(`kept the cluster: BENCH_SCALE_REUSE=${cluster.url.replace(/\/postgres$/, '/scale')} (stop it with pg_ctl -D <SHOW data_directory> stop)`);
    else cluster?.stopSync();
  }
}

function print(f: { loadAverage: number[]; cases: number; wireLayout: string; openCasesWatched: number; storage: { gbPerMillionCases: number; databaseBytes: number; tables: { table: string; bytes: number; rows: number; bytesPerCase: number }[] }; http: Record<string, ReturnType<typeof summary> & { gatewayCpuMsPerRequest: number }>; tick: ReturnType<typeof summary> & { casesProcessed: number }; gatewayRssMb: { afterReads: number; idle: number; watching: number }; generateSeconds: number | null }) {
  const out = process.stdout;
  out.write(`\nscale: ${f.cases.toLocaleString('en')} cases (${f.openCasesWatched.toLocaleString('en')} open with deadlines), ${f.generateSeconds === null ? 'reused database' : `generated in ${f.generateSeconds} s`} — 2-core machine (load average below)\n\n`);
  out.write(`storage (wire forms ${f.wireLayout}): database ${(f.storage.databaseBytes / 1e9).toFixed(2)} GB = ${f.storage.gbPerMillionCases} GB per million cases\n`);
  for (const t of f.storage.tables) out.write(`  ${t.table.padEnd(18)} ${(t.bytes / 1e6).toFixed(0).padStart(7)} MB  ${String(t.rows).padStart(10)} rows  ${String(t.bytesPerCase).padStart(6)} B/case\n`);
  out.write('\nHTTP (sequential, one connection)        p50 ms   p99 ms   max ms   gateway CPU ms/request\n');
  for (const [name, s] of Object.entries(f.http)) out.write(`  ${name.padEnd(36)} ${String(s.p50Ms).padStart(7)} ${String(s.p99Ms).padStart(8)} ${String(s.maxMs).padStart(8)} ${String(s.gatewayCpuMsPerRequest).padStart(8)}\n`);
  out.write(`\ndeadline tick: p50 ${f.tick.p50Ms} ms, p99 ${f.tick.p99Ms} ms (${f.tick.casesProcessed} due cases processed)\n`);
  out.write(`gateway RSS: ${f.gatewayRssMb.afterReads} MB after the reads, ${f.gatewayRssMb.idle} MB after the ticks; a fresh gateway watching the open cases' deadlines (${WATCH_SECONDS} s of its own ticks): ${f.gatewayRssMb.watching} MB\n`);
  out.write(`load average at the end (1, 5, 15 min): ${f.loadAverage.join(', ')}\n`);
}

await main();
