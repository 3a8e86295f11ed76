/**
 * `npm run bench [-- --json]`: throughput and latency of switchgate on a real PostgreSQL with
 * PostgreSQL's default durability (fsync and synchronous_commit on), against a bare baseline in the
 * same run. Servers run in their own processes; this process only generates load over HTTP on
 * 127.0.0.1.
 *
 *   baseline        a bare fastify route writing the same rows in one transaction per request
 *   rest-intake     switchgate REST intake of VAs (POST /v1/switches; outbox not delivered)
 *   inbound-soap    switchgate inbound SOAP VA-KUE-MRN, unsigned (the peer need not sign)
 *   inbound-soap-signed  the same, every message signed and verified (WS-Security required, pinned cert)
 *   e2e-saturated   REST at A → SOAP → committed at B, closed loop
 *   e2e-half-rate   the same at half the saturated rate, open loop
 *   burst-drain     BENCH_DRAIN_CASES (5,000) VAs and as many STR-AUF queued while B is down, then B
 *                   back: drain rate, per-case order
 *   rating          interconnection traffic rating against reading and splitting the same CSV
 *
 * Every scenario is warmed up before it is measured and runs BENCH_REPEAT (3) times, the repetitions
 * interleaved so that each one's ratios compare runs made minutes apart at most; a scenario's figures
 * are the median of its repetitions, a ratio the median of the repetitions' ratios. With `--json` the
 * last line of the output is one JSON document:
 *   { durable, scenarios: [{ name, msgsPerSecond, p50Ms, p95Ms, p99Ms, errors }],
 *     ratios: { restIntake, inboundSoap, rating }, endToEnd: { saturatedMsgsPerSecond, halfRateP99Ms },
 *     burstDrainRatio }
 *
 * Env: BENCH_FAST=1 (fsync and synchronous_commit off: the old, not durable, mode), BENCH_N (measured
 * requests per scenario, default 3000), BENCH_WARMUP (requests before an intake scenario is measured, 8000), BENCH_E2E_WARMUP (before an end-to-end scenario, 4000), BENCH_CONCURRENCY (32), BENCH_REPEAT (3), BENCH_ONLY (names, comma
 * separated), BENCH_RATE (the half-rate scenario's rate instead of half the saturated one), BENCH_DRAIN_CASES (5000), BENCH_RATING_CALLS (see bench/rating.ts), BENCH_PROFILE=<dir> (CPU
 * profiles of the server processes), DATABASE_URL (use that server instead of a throwaway cluster).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from './database.js';
import { closedLoop, type Request } from './load.js';
import { endToEnd, burstDrain } from './e2e.js';
import { runRatingBench } from './rating.js';
import { AUTH, killServers, median, medianSummary, REQUESTED_DATE, startServer, stopServer, summarize, vaBody, type Summary } from './harness.js';
import { findPostgresBin, startCluster, type Cluster } from '../test/support/pg-cluster.js';
import { makeTestCert, type TestCert } from '../test/support/ws-security.js';
import { encodeSoap, type ControlBlock } from '../src/protocols/wbci/soap-codec.js';
import { signEnvelope } from '../src/protocols/wbci/ws-security-sign.js';
import type { VaKueMrn } from '../src/protocols/wbci/types.js';

const N = Number(process.env.BENCH_N ?? 3000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
// The end-to-end scenarios' warm-up, in requests: both gateways are fresh processes, like the
// intake scenarios' (below). With 600 (N / 5, until session 13) the half-rate scenario's first ~4 s
// — ~1,000 messages — had p50 39–44 ms against 11–14 ms later in the same run, the tail of its p99
// (2026-12-06, 2 cores); with 4,000 the first seconds were like the rest.
const WARMUP = Number(process.env.BENCH_E2E_WARMUP ?? 4000);
// The intake scenarios' warm-up, in requests. Each server is a fresh process: its first thousands
// of requests run code V8 has not optimised yet. Measured in blocks of 1,500 requests after start
// (2 cores, 2026-12-05): the gateway's CPU per REST request fell from 0.55 ms to 0.39, 0.23, 0.27,
// 0.20 and settled at ~0.16 ms after ~7,500 requests; the baseline's from 0.61 to ~0.30 ms after
// ~6,000. Fewer requests measure the compiler, not the server. The signed scenario warms up on
// fewer (its time goes to RSA and c14n, native code; and each of its bodies takes ~2 ms to sign).
const INTAKE_WARMUP = Number(process.env.BENCH_WARMUP ?? 8000);
const SIGNED_WARMUP = Math.min(INTAKE_WARMUP, 1500);
const DRAIN_CASES = Number(process.env.BENCH_DRAIN_CASES ?? 5000);
const DURABLE = process.env.BENCH_FAST !== '1';
const JSON_OUT = process.argv.includes('--json');
const ONLY = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (name: string) => !ONLY || ONLY.includes(name);

const SCENARIOS = ['baseline', 'rest-intake', 'inbound-soap', 'inbound-soap-signed', 'e2e-saturated', 'e2e-half-rate', 'burst-drain', 'rating'] as const;
type Name = (typeof SCENARIOS)[number];

const log = (line: string) => (JSON_OUT ? console.error(line) : console.log(line));

const restRequests = (from: number, count: number): Request[] =>
  Array.from({ length: count }, (_, k) => ({ body: JSON.stringify(vaBody(from + k)), headers: AUTH }));

/** Inbound VA-KUE-MRN as peer DEU.EKPA sends them to DEU.EKPB; signed with `cert` when given. */
function soapRequests(from: number, count: number, cert?: TestCert): Request[] {
  const control: ControlBlock = {
    timestamp: new Date().toISOString(),
    major: '02',
    minor: '00',
    ...(cert ? { signature: { issuer: cert.identity.issuer, serial: cert.identity.serial } } : {}),
  };
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const b = vaBody(i);
    const va: VaKueMrn = {
      type: 'VA-KUE-MRN',
      vaId: `DEU.EKPA.V${String(i < 0 ? 900000000 - i : i + 1).padStart(9, '0')}`,
      recipient: 'DEU.EKPA',
      donating: 'DEU.EKPB',
      sender: 'DEU.EKPA',
      requestedDate: REQUESTED_DATE,
      customer: b.customer as VaKueMrn['customer'],
      location: b.location,
      numbers: b.numbers as VaKueMrn['numbers'],
    };
    const xml = encodeSoap(va, control);
    return {
      body: cert ? signEnvelope(xml, cert.identity) : xml,
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"annehmenAnfrage"', authorization: 'Bearer bench-token' },
    };
  });
}

async function intake(adminUrl: string, name: Name, rep: number, warmup: Request[], measured: Request[], peerCertFile?: string): Promise<Summary> {
  const db = await createDatabase(adminUrl, `bench_${name.replaceAll('-', '_')}`);
  const server =
    name === 'baseline'
      ? await startServer('baseline', { databaseUrl: db })
      : await startServer('gateway', { databaseUrl: db, self: name === 'rest-intake' ? 'DEU.EKPA' : 'DEU.EKPB', peer: name === 'rest-intake' ? 'DEU.EKPB' : 'DEU.EKPA', deliver: false, peerCertFile });
  try {
    const path = name.startsWith('inbound-soap') ? '/wbci/v1' : '/v1/switches';
    const s = summarize(await closedLoop(name, server.url, path, { warmup, measured, concurrency: C }));
    log(`  run ${rep} ${name}: ${s.msgsPerSecond} msgs/s, p50 ${s.p50Ms} p95 ${s.p95Ms} p99 ${s.p99Ms} ms, ${s.errors} errors`);
    return s;
  } finally {
    await stopServer(server);
  }
}

const round2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

async function main(): Promise<void> {
  let cluster: Cluster | undefined;
  let adminUrl = process.env.DATABASE_URL;
  const certDir = mkdtempSync(join(tmpdir(), 'switchgate-bench-'));
  const runs = new Map<Name, Summary[]>();
  const add = (name: Name, s: Summary) => runs.set(name, [...(runs.get(name) ?? []), s]);
  const repRatios: { restIntake: number; inboundSoap: number; inboundSoapSigned: number; burstDrain: number; restP99Ok: boolean }[] = [];
  let rating: Awaited<ReturnType<typeof runRatingBench>> | undefined;
  try {
    if (!adminUrl) {
      const bin = findPostgresBin();
      if (!bin) throw new Error('no PostgreSQL found (install the postgresql package) and no DATABASE_URL given');
      cluster = await startCluster(bin, { durable: DURABLE });
      adminUrl = cluster.url;
    }
    log(
      `switchgate bench: N=${N} per scenario after a warm-up of ${INTAKE_WARMUP} requests (signed SOAP ${SIGNED_WARMUP}, end to end ${WARMUP}), concurrency ${C}, ${REPEAT} repetitions (median), PostgreSQL ${DURABLE ? 'durable (fsync and synchronous_commit on, the defaults)' : 'BENCH_FAST: fsync and synchronous_commit OFF'}; servers, PostgreSQL and the load generator share this machine's cores`,
    );
    const cert = wanted('inbound-soap-signed') ? makeTestCert(certDir, 'ekpa', '/C=DE/O=Bench EKPA/CN=DEU.EKPA') : undefined;
    const certFile = cert?.certFile;
    // bodies are made once, before any clock runs (each scenario's database is fresh, so ids may repeat across repetitions)
    const rest = { warmup: restRequests(-INTAKE_WARMUP, INTAKE_WARMUP), measured: restRequests(0, N) };
    const soap = wanted('inbound-soap') ? { warmup: soapRequests(-INTAKE_WARMUP, INTAKE_WARMUP), measured: soapRequests(0, N) } : undefined;
    const signed = cert ? { warmup: soapRequests(-SIGNED_WARMUP, SIGNED_WARMUP, cert), measured: soapRequests(0, N, cert) } : undefined;

    for (let rep = 1; rep <= REPEAT; rep++) {
      log(`repetition ${rep} of ${REPEAT}`);
      const r: Partial<Record<Name, Summary>> = {};
      const keep = (name: Name, s: Summary) => {
        r[name] = s;
        add(name, s);
      };
      if (wanted('baseline')) keep('baseline', await intake(adminUrl, 'baseline', rep, rest.warmup, rest.measured));
      if (wanted('rest-intake')) keep('rest-intake', await intake(adminUrl, 'rest-intake', rep, rest.warmup, rest.measured));
      if (soap) keep('inbound-soap', await intake(adminUrl, 'inbound-soap', rep, soap.warmup, soap.measured));
      if (signed) keep('inbound-soap-signed', await intake(adminUrl, 'inbound-soap-signed', rep, signed.warmup, signed.measured, certFile));
      let steady = Number.NaN;
      if (wanted('e2e-saturated') || (wanted('e2e-half-rate') && !process.env.BENCH_RATE) || wanted('burst-drain')) {
        const sat = await endToEnd(adminUrl, 'e2e_sat', { n: N, warmup: WARMUP, concurrency: C });
        const s = summarize(sat);
        steady = s.msgsPerSecond;
        log(`  run ${rep} e2e-saturated: ${s.msgsPerSecond} msgs/s at B (REST answer at A p99 ${sat.restP99Ms} ms), ${s.errors} errors`);
        keep('e2e-saturated', s);
      }
      if (wanted('e2e-half-rate')) {
        const rate = Number(process.env.BENCH_RATE ?? Math.max(10, Math.floor(steady / 2)));
        const half = await endToEnd(adminUrl, 'e2e_half', { n: Math.min(N, rate * 20), warmup: WARMUP, concurrency: C, rate });
        const s = summarize(half);
        log(`  run ${rep} e2e-half-rate (${rate}/s): p50 ${s.p50Ms} p95 ${s.p95Ms} p99 ${s.p99Ms} ms REST at A → committed at B, ${s.errors} errors`);
        keep('e2e-half-rate', s);
      }
      let drainRatio = Number.NaN;
      if (wanted('burst-drain')) {
        const d = await burstDrain(adminUrl, 'drain', { cases: DRAIN_CASES, concurrency: C, log });
        drainRatio = d.msgsPerSecond / steady;
        log(
          `  run ${rep} burst-drain: ${d.arrived} of ${d.messages} messages at B ${d.drainSeconds.toFixed(1)} s after it was ready, the first after ${d.firstSeconds.toFixed(1)} s (${d.msgsPerSecond.toFixed(0)} msgs/s, ${drainRatio.toFixed(2)}× steady e2e), ${d.orderViolations} cases out of order, ${d.errors} errors`,
        );
        // latency is not what this scenario measures: its figures are the drain's
        keep('burst-drain', { msgsPerSecond: Math.round(d.msgsPerSecond * 10) / 10, p50Ms: Number.NaN, p95Ms: Number.NaN, p99Ms: Number.NaN, errors: d.errors + d.orderViolations });
      }
      const ratio = (a?: Summary, b?: Summary) => (a && b ? a.msgsPerSecond / b.msgsPerSecond : Number.NaN);
      repRatios.push({
        restIntake: ratio(r['rest-intake'], r.baseline),
        inboundSoap: ratio(r['inbound-soap'], r.baseline),
        inboundSoapSigned: ratio(r['inbound-soap-signed'], r.baseline),
        burstDrain: drainRatio,
        restP99Ok: !!r['rest-intake'] && !!r.baseline && r['rest-intake'].p99Ms <= r.baseline.p99Ms,
      });
    }
  } finally {
    killServers();
    cluster?.stopSync();
    rmSync(certDir, { recursive: true, force: true });
  }
  // rating needs no server and no database: alone on the machine, after the others
  if (wanted('rating')) {
    rating = await runRatingBench((line) => log(`  rating: ${line}`), { rounds: REPEAT });
  }

  const scenarios = SCENARIOS.filter((n) => n !== 'rating' && runs.has(n)).map((name) => ({ name, ...medianSummary(runs.get(name)!) }));
  if (rating) scenarios.push({ name: 'rating', msgsPerSecond: rating.callsPerSecond, p50Ms: Number.NaN, p95Ms: Number.NaN, p99Ms: Number.NaN, errors: 0 });
  const byName = (n: Name) => scenarios.find((s) => s.name === n);
  const doc = {
    durable: DURABLE,
    scenarios: scenarios.map((s) => ({ ...s, p50Ms: fin(s.p50Ms), p95Ms: fin(s.p95Ms), p99Ms: fin(s.p99Ms) })),
    ratios: {
      restIntake: round2(median(repRatios.map((r) => r.restIntake))),
      inboundSoap: round2(median(repRatios.map((r) => r.inboundSoap))),
      rating: rating ? round2(rating.ratingRatio) : null,
    },
    endToEnd: { saturatedMsgsPerSecond: fin(byName('e2e-saturated')?.msgsPerSecond), halfRateP99Ms: fin(byName('e2e-half-rate')?.p99Ms) },
    burstDrainRatio: round2(median(repRatios.map((r) => r.burstDrain))),
  };

  printTable(runs, repRatios, doc, rating?.perRound.map((p) => p.ratio));
  if (JSON_OUT) console.log(JSON.stringify(doc));
}

const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

function printTable(
  runs: Map<Name, Summary[]>,
  repRatios: { restIntake: number; inboundSoap: number; inboundSoapSigned: number; burstDrain: number; restP99Ok: boolean }[],
  doc: { ratios: { restIntake: number | null; inboundSoap: number | null; rating: number | null }; endToEnd: { halfRateP99Ms: number | null }; burstDrainRatio: number | null },
  ratingRounds: number[] | undefined,
): void {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–').padStart(9);
  log('\nscenario              run    msgs/s   p50 ms   p95 ms   p99 ms  errors');
  for (const [name, list] of runs) {
    list.forEach((s, i) => log(`${name.padEnd(20)} ${String(i + 1).padStart(4)} ${f(s.msgsPerSecond)}${f(s.p50Ms)}${f(s.p95Ms)}${f(s.p99Ms)} ${String(s.errors).padStart(7)}`));
    const m = medianSummary(list);
    log(`${name.padEnd(20)}  med ${f(m.msgsPerSecond)}${f(m.p50Ms)}${f(m.p95Ms)}${f(m.p99Ms)} ${String(m.errors).padStart(7)}`);
  }
  const per = (k: 'restIntake' | 'inboundSoap' | 'inboundSoapSigned' | 'burstDrain') => repRatios.map((r) => (Number.isFinite(r[k]) ? r[k].toFixed(2) : '–')).join(' / ');
  log('');
  log(`REST intake ÷ baseline (per run): ${per('restIntake')}; median ${doc.ratios.restIntake ?? '–'} (target ≥ 2.0, p99 ≤ baseline p99: ${repRatios.map((r) => (r.restP99Ok ? 'yes' : 'no')).join(' / ')})`);
  log(`inbound SOAP ÷ baseline (per run): ${per('inboundSoap')}; median ${doc.ratios.inboundSoap ?? '–'} (target ≥ 1.3); with WS-Security verification: ${per('inboundSoapSigned')}`);
  log(`end to end at half the saturated rate: p99 ${doc.endToEnd.halfRateP99Ms ?? '–'} ms (target < 100 ms; REST request at A → B's transaction timestamp, same host clock)`);
  log(`burst drain ÷ steady end-to-end rate (per run): ${per('burstDrain')}; median ${doc.burstDrainRatio ?? '–'} (target ≥ 0.8, every case in order)`);
  if (ratingRounds) log(`rating ÷ read-and-split (per round): ${ratingRounds.map((r) => r.toFixed(2)).join(' / ')}; median ${doc.ratios.rating ?? '–'} (target ≥ 0.5)`);
}

main().catch((err: unknown) => {
  console.error(err);
  killServers();
  process.exit(1);
});
