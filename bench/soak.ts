/**
 * `npm run bench:soak [-- --minutes N --rate R --restart-every M]`: two gateways (DEU.EKPA,
 * DEU.EKPB) on a throwaway PostgreSQL, delivering to each other over SOAP on 127.0.0.1, under a
 * steady mixed load for N minutes (default 30): every WBCI message type, about 20 % refusals, and
 * gateway B (the peer of A) restarted every M minutes (default 5). Not part of `npm test`.
 *
 * Every 30 s it prints RSS and event-loop delay (p99 / max over the interval, from prom-client's
 * default metrics at /metrics) of both gateways and their outbox backlog; at the end it stops the
 * load, waits for both outboxes to drain and compares what each side sent with what the other
 * received: lost and doubled messages must be 0. The last line is one JSON document.
 *
 * Load is bounded in count and time and only ever goes to 127.0.0.1.
 */
import { createDatabase } from './database.js';
import { freePort } from '../src/net/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { findPostgresBin, startCluster } from '../test/support/pg-cluster.js';
import { createCalendar } from '../src/domain/calendar.js';
import { firstKueKwtOnOrAfter } from '../src/protocols/wbci/deadlines.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const MINUTES = arg('minutes', 30);
/** new cases per second */
const RATE = arg('rate', 3);
const RESTART_EVERY_MIN = arg('restart-every', 5);
const SAMPLE_MS = 30_000;
const MAX_FLOWS_IN_FLIGHT = 300;
const STEP_TIMEOUT_MS = 180_000;
const API_KEY = 'bench-key';
const LOG_FILE = join(tmpdir(), `switchgate-soak-${process.pid}.log`);

const cal = createCalendar({ country: 'DE', region: 'BY' });
const KWT = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(cal.today(new Date()), 15));
const TV_DATE = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(cal.today(new Date()), 25));

type Json = Record<string, unknown>;
/** the parts of a case view (GET /v1/switches/{id}) the flows look at */
interface CaseView {
  state?: string;
  switchDate?: string | null;
  openChange?: { id?: string } | null;
}
interface Node {
  name: 'A' | 'B';
  url: string;
  port: number;
  databaseUrl: string;
  opts: Json;
  child?: ChildProcess;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = createWriteStream(LOG_FILE);



async function startNode(node: Node): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/node.ts', 'gateway', JSON.stringify({ ...node.opts, port: node.port })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  child.stderr!.on('data', (d: Buffer) => log.write(`[${node.name}] ${d.toString()}`));
  node.child = child;
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      if (line.startsWith('READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`gateway ${node.name} exited with ${code}`)));
  });
}

async function stopNode(node: Node): Promise<void> {
  const child = node.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** A REST call that rides out the peer's restart: connection errors and 503 are tried again. */
async function call(node: Node, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; data: Json & CaseView & { id?: string } }> {
  const until = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await request(node.url + path, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const text = await res.body.text();
      if (res.statusCode !== 503) return { status: res.statusCode, data: text ? JSON.parse(text) : undefined };
    } catch {
      // the peer is restarting
    }
    if (Date.now() > until) throw new Error(`${method} ${path} at ${node.name}: no answer in time`);
    await sleep(250);
  }
}

/** Waits until `node` has the case and it satisfies `ok`; returns its view. */
async function until(node: Node, id: string, ok: (c: CaseView) => boolean): Promise<CaseView> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const r = await call(node, 'GET', `/v1/switches/${id}`);
    if (r.status === 200 && ok(r.data)) return r.data;
    if (Date.now() > deadline) throw new Error(`case ${id} at ${node.name}: expected state not reached (${r.status} ${r.data?.state})`);
    await sleep(200);
  }
}

async function act(node: Node, path: string, body: unknown): Promise<void> {
  const r = await call(node, 'POST', path, body);
  if (r.status >= 300) throw new Error(`POST ${path} at ${node.name}: ${r.status} ${JSON.stringify(r.data).slice(0, 200)}`);
}

let customerSeq = 0;
function va(type: 'VA-KUE-MRN' | 'VA-KUE-ORN' | 'VA-RRNP'): Json {
  const base = { procedure: 'wbci', type, donating: 'DEU.EKPB', requestedDate: KWT, customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: `Soak${++customerSeq}` } };
  const location = { street: 'Hauptstr.', houseNumber: String(1 + (customerSeq % 999)), postalCode: '80331', city: 'München' };
  const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: String(1_000_000 + (customerSeq % 8_000_000)) }] };
  if (type === 'VA-KUE-MRN') return { ...base, location, numbers };
  if (type === 'VA-KUE-ORN') return { ...base, location, lineIdentification: { areaCode: '89', number: '7654321' } };
  return { ...base, numbers, pkiAuf: 'D001' };
}
const acceptKue = { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' };
const acceptOrn = { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }] };
const acceptRrnp = { result: 'accept', code: 'ZWA', switchDate: KWT, pkiAbg: 'D123' };
const akmTr = { takeOver: true, lines: [{ contractNumber: '1234567890' }] };
const state = (s: string) => (c: CaseView) => c.state === s;
const openChange = (c: CaseView) => Boolean(c.openChange?.id);
const noChange = (s: string) => (c: CaseView) => c.state === s && !c.openChange;

/**
 * Ten scripted flows, one per case in turn: together they send all eleven WBCI message types;
 * two of ten end in an ABBM (20 % refusals), one more in an ABBM-TR.
 */
async function flow(i: number, A: Node, B: Node): Promise<void> {
  const kind = i % 10;
  const type = kind === 2 ? 'VA-KUE-ORN' : kind === 3 ? 'VA-RRNP' : 'VA-KUE-MRN';
  const created = await call(A, 'POST', '/v1/switches', va(type));
  if (created.status !== 201) throw new Error(`POST /v1/switches: ${created.status} ${JSON.stringify(created.data).slice(0, 200)}`);
  const id = created.data.id as string;
  await until(B, id, state('AWAITING_ANSWER'));
  if (kind === 1 || kind === 8) {
    await act(B, `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    await until(A, id, state('REJECTED'));
    return;
  }
  await act(B, `/v1/switches/${id}/answer`, kind === 2 ? acceptOrn : kind === 3 ? acceptRrnp : acceptKue);
  await until(A, id, state('AGREED'));
  switch (kind) {
    case 0:
    case 9:
      await act(A, `/v1/switches/${id}/resource-handover`, akmTr);
      await until(B, id, state('TR_NOTIFIED'));
      return;
    case 2:
      await act(A, `/v1/switches/${id}/resource-handover`, { takeOver: false });
      await until(B, id, state('TR_NOTIFIED'));
      return;
    case 3:
      return;
    case 4: {
      await act(A, `/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE });
      const c = await until(B, id, openChange);
      await act(B, `/v1/switches/${id}/changes/${c.openChange!.id}/answer`, { result: 'accept' });
      await until(A, id, (v) => v.switchDate === TV_DATE && !v.openChange);
      return;
    }
    case 5:
    case 6: {
      await act(A, `/v1/switches/${id}/cancel`, { kind: kind === 5 ? 'STR-AUF' : 'STR-AEN' });
      const c = await until(B, id, openChange);
      await act(B, `/v1/switches/${id}/changes/${c.openChange!.id}/answer`, { result: 'accept' });
      await until(A, id, noChange(kind === 5 ? 'CANCELLED' : 'REPLACED'));
      return;
    }
    case 7:
      await act(A, `/v1/switches/${id}/resource-handover`, akmTr);
      await until(B, id, state('TR_NOTIFIED'));
      await act(B, `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8143' }] });
      await until(A, id, state('AGREED'));
      return;
  }
}

function rssMb(child: ChildProcess | undefined): number {
  if (!child?.pid) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Event-loop delay p99 and max (ms) since the last scrape (prom-client resets the histogram). */
async function loopDelay(node: Node): Promise<{ p99: number; max: number }> {
  try {
    const res = await request(`${node.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const text = await res.body.text();
    const get = (name: string) => Number(new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
    return { p99: get('nodejs_eventloop_lag_p99_seconds'), max: get('nodejs_eventloop_lag_max_seconds') };
  } catch {
    return { p99: Number.NaN, max: Number.NaN };
  }
}

async function outboxCounts(db: pg.Client): Promise<{ pending: number; dead: number; delivered: number }> {
  const { rows } = await db.query<{ status: string; n: string }>(`SELECT status, count(*)::text AS n FROM outbox GROUP BY status`);
  const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { pending: n('pending'), dead: n('dead'), delivered: n('delivered') };
}

/** Sent by `from` (outbound, per case and type) against received by `to`: lost and doubled. */
async function compare(from: pg.Client, to: pg.Client): Promise<{ sent: number; received: number; lost: number; doubled: number }> {
  const q = `SELECT case_id, type, count(*)::int AS n FROM messages WHERE direction = $1 GROUP BY case_id, type`;
  const out = new Map((await from.query<{ case_id: string; type: string; n: number }>(q, ['out'])).rows.map((r) => [`${r.case_id} ${r.type}`, r.n]));
  const inn = new Map((await to.query<{ case_id: string; type: string; n: number }>(q, ['in'])).rows.map((r) => [`${r.case_id} ${r.type}`, r.n]));
  let lost = 0;
  let doubled = 0;
  for (const [k, n] of out) lost += Math.max(0, n - (inn.get(k) ?? 0));
  for (const [k, n] of inn) doubled += Math.max(0, n - (out.get(k) ?? 0));
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return { sent: sum(out), received: sum(inn), lost, doubled };
}

async function main(): Promise<void> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('no PostgreSQL found (install the postgresql package)');
  const cluster = await startCluster(bin);
  const [pa, pb] = [await freePort(), await freePort()];
  const dbA = await createDatabase(cluster.url, 'soak_a');
  const dbB = await createDatabase(cluster.url, 'soak_b');
  const A: Node = { name: 'A', port: pa, url: `http://127.0.0.1:${pa}`, databaseUrl: dbA, opts: { databaseUrl: dbA, self: 'DEU.EKPA', peer: 'DEU.EKPB', peerUrl: `http://127.0.0.1:${pb}/wbci/v1`, deliver: true, apiKey: API_KEY } };
  const B: Node = { name: 'B', port: pb, url: `http://127.0.0.1:${pb}`, databaseUrl: dbB, opts: { databaseUrl: dbB, self: 'DEU.EKPB', peer: 'DEU.EKPA', peerUrl: `http://127.0.0.1:${pa}/wbci/v1`, deliver: true, apiKey: API_KEY } };
  const clientA = new pg.Client({ connectionString: dbA });
  const clientB = new pg.Client({ connectionString: dbB });
  const samples: Json[] = [];
  let started = 0;
  let done = 0;
  const failures: string[] = [];
  const restarts: { atMin: number; downMs: number }[] = [];
  try {
    await startNode(B);
    await startNode(A);
    await clientA.connect();
    await clientB.connect();
    console.log(`switchgate soak: ${MINUTES} min, ${RATE} new cases/s, gateway B restarted every ${RESTART_EVERY_MIN} min; gateway logs in ${LOG_FILE}`);
    console.log('  min   cases(started/done/failed)   RSS A/B MB   loop p99 A/B ms   loop max A/B ms   outbox pending A/B');
    const t0 = Date.now();
    const end = t0 + MINUTES * 60_000;
    const inflight = new Set<Promise<void>>();
    let nextSample = t0 + SAMPLE_MS;
    let nextRestart = t0 + RESTART_EVERY_MIN * 60_000;
    let restarting: Promise<void> | undefined;
    let i = 0;
    while (Date.now() < end) {
      const now = Date.now();
      if (now >= nextRestart && !restarting) {
        nextRestart += RESTART_EVERY_MIN * 60_000;
        const at = (now - t0) / 60_000;
        restarting = (async () => {
          const s = Date.now();
          await stopNode(B);
          await startNode(B);
          restarts.push({ atMin: Number(at.toFixed(2)), downMs: Date.now() - s });
        })().finally(() => {
          restarting = undefined;
        });
      }
      if (now >= nextSample) {
        nextSample += SAMPLE_MS;
        const [la, lb] = [await loopDelay(A), await loopDelay(B)];
        const [oa, ob] = [await outboxCounts(clientA), await outboxCounts(clientB)];
        const s = { min: Number(((now - t0) / 60_000).toFixed(1)), started, done, failed: failures.length, rssA: rssMb(A.child), rssB: rssMb(B.child), loopP99A: la.p99, loopP99B: lb.p99, loopMaxA: la.max, loopMaxB: lb.max, pendingA: oa.pending, pendingB: ob.pending };
        samples.push(s);
        const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
        console.log(`${String(s.min).padStart(5)}   ${`${started}/${done}/${failures.length}`.padEnd(28)} ${`${f(s.rssA)}/${f(s.rssB)}`.padEnd(12)} ${`${f(la.p99)}/${f(lb.p99)}`.padEnd(17)} ${`${f(la.max)}/${f(lb.max)}`.padEnd(17)} ${oa.pending}/${ob.pending}`);
      }
      if (inflight.size < MAX_FLOWS_IN_FLIGHT) {
        const n = i++;
        started++;
        const p: Promise<void> = flow(n, A, B)
          .then(() => {
            done++;
          })
          .catch((err: unknown) => {
            failures.push(`flow ${n % 10}: ${(err as Error).message}`);
          })
          .finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await sleep(1000 / RATE);
    }
    console.log('load stopped; waiting for the flows in flight and for both outboxes to drain');
    await restarting;
    await Promise.all(inflight);
    const drainStart = Date.now();
    let oa = await outboxCounts(clientA);
    let ob = await outboxCounts(clientB);
    while ((oa.pending > 0 || ob.pending > 0) && Date.now() - drainStart < 300_000) {
      await sleep(500);
      oa = await outboxCounts(clientA);
      ob = await outboxCounts(clientB);
    }
    const byType = async (db: pg.Client) =>
      Object.fromEntries((await db.query<{ type: string; n: number }>(`SELECT type, count(*)::int AS n FROM messages WHERE direction = 'out' GROUP BY type ORDER BY type`)).rows.map((r) => [r.type, r.n]));
    const sentByType = { a: await byType(clientA), b: await byType(clientB) };
    const aToB = await compare(clientA, clientB);
    const bToA = await compare(clientB, clientA);
    const first = samples[0];
    const last = samples.at(-1);
    const summary = {
      scenario: 'soak',
      minutes: MINUTES,
      ratePerSecond: RATE,
      restarts,
      cases: { started, completed: done, failed: failures.length },
      messages: { aToB, bToA, lost: aToB.lost + bToA.lost, doubled: aToB.doubled + bToA.doubled },
      sentByType,
      outboxAtEnd: { a: oa, b: ob, drainSeconds: Number(((Date.now() - drainStart) / 1000).toFixed(1)) },
      rssMbA: { first: first?.rssA, last: last?.rssA, max: Math.max(...samples.map((s) => s.rssA as number).filter(Number.isFinite)) },
      loopDelayMsA: { p99Max: Math.max(...samples.map((s) => s.loopP99A as number).filter(Number.isFinite)), maxMax: Math.max(...samples.map((s) => s.loopMaxA as number).filter(Number.isFinite)) },
      loopDelayMsB: { p99Max: Math.max(...samples.map((s) => s.loopP99B as number).filter(Number.isFinite)), maxMax: Math.max(...samples.map((s) => s.loopMaxB as number).filter(Number.isFinite)) },
      failures: failures.slice(0, 10),
      samples,
    };
    console.log(`\nlost ${summary.messages.lost}, doubled ${summary.messages.doubled} (A→B sent ${aToB.sent}, received ${aToB.received}; B→A sent ${bToA.sent}, received ${bToA.received})`);
    console.log(`message types sent: A ${JSON.stringify(sentByType.a)}; B ${JSON.stringify(sentByType.b)}`);
    console.log(`outbox at the end: A pending ${oa.pending} dead ${oa.dead}, B pending ${ob.pending} dead ${ob.dead}; cases ${done} completed, ${failures.length} failed`);
    console.log(`RSS of A: ${summary.rssMbA.first} MB at the first sample, ${summary.rssMbA.last} MB at the last, ${summary.rssMbA.max} MB at most (B restarts every ${RESTART_EVERY_MIN} min)`);
    console.log(JSON.stringify(summary));
    if (summary.messages.lost > 0 || summary.messages.doubled > 0 || oa.pending > 0 || ob.pending > 0) process.exitCode = 1;
  } finally {
    await clientA.end().catch(() => undefined);
    await clientB.end().catch(() => undefined);
    await stopNode(A);
    await stopNode(B);
    cluster.stopSync();
    log.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
