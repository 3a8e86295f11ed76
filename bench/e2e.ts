/**
 * Two gateways: A takes VAs over REST and delivers them through its outbox over SOAP to B, which
 * commits them as inbound messages.
 *
 *   endToEnd     closed loop (the saturated rate) or open loop at a fixed rate; latency from the
 *                client sending the REST request at A to B's transaction timestamp of the message
 *   burstDrain   while B is down, A takes `cases` VAs and, for each, a STR-AUF (2 × cases messages);
 *                then B starts: the drain rate (messages committed at B ÷ seconds from B being
 *                ready to the last one) and whether every case's VA arrived before its STR-AUF
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Pool } from 'undici';
import { createDatabase } from './database.js';
import { freePort } from '../src/net/free-port.js';
import { API_KEY, AUTH, sleep, startServer, stopServer, vaBody, type Measured, type Server } from './harness.js';

async function pair(adminUrl: string, tag: string, o: { startB?: boolean } = {}) {
  const dbA = await createDatabase(adminUrl, `bench_${tag}_a`);
  const dbB = await createDatabase(adminUrl, `bench_${tag}_b`);
  const portB = await freePort();
  const bOpts = { databaseUrl: dbB, port: portB, self: 'DEU.EKPB', peer: 'DEU.EKPA', deliver: false, apiKey: API_KEY };
  const b = o.startB === false ? undefined : await startServer('gateway', bOpts);
  const a = await startServer('gateway', { databaseUrl: dbA, self: 'DEU.EKPA', peer: 'DEU.EKPB', peerUrl: `http://127.0.0.1:${portB}/wbci/v1`, deliver: true, apiKey: API_KEY });
  return { a, b, dbA, dbB, startB: () => startServer('gateway', bOpts) };
}

/**
 * Waits until B holds `count` inbound messages (or `timeoutMs` passed); returns its rows. The poll
 * counts; the rows are read once at the end — reading all of them every 100 ms took ~8 % of a core
 * from the gateways a burst drain measures (pg_stat_statements, 2026-12-06).
 */
async function awaitAtB<T extends pg.QueryResultRow>(dbB: string, query: string, count: number, timeoutMs: number, pollMs = 50): Promise<{ rows: T[]; lastSeenAt: number }> {
  const client = new pg.Client({ connectionString: dbB });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE direction = 'in'`);
      if (rows[0]!.n >= count || Date.now() > deadline) break;
      await sleep(pollMs);
    }
    const lastSeenAt = Date.now();
    return { rows: (await client.query<T>(query)).rows, lastSeenAt };
  } finally {
    await client.end();
  }
}

export async function endToEnd(adminUrl: string, tag: string, o: { n: number; warmup: number; concurrency: number; rate?: number }): Promise<Measured & { restP99Ms: number }> {
  const { a, b, dbA, dbB } = await pair(adminUrl, tag);
  const pool = new Pool(a.url, { connections: o.concurrency });
  try {
    const sent = new Map<string, number>();
    const restMs: number[] = [];
    let errors = 0;
    const one = async (i: number, measured: boolean) => {
      const s = Date.now();
      try {
        const r = await pool.request({ method: 'POST', path: '/v1/switches', body: JSON.stringify(vaBody(i)), headers: AUTH });
        const body = (await r.body.json()) as { id?: string };
        if (!measured) return;
        restMs.push(Date.now() - s);
        if (r.statusCode !== 201 || !body.id) errors++;
        else sent.set(body.id, s);
      } catch {
        if (measured) errors++;
      }
    };
    const closed = async (from: number, count: number, measured: boolean) => {
      let next = from;
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          for (let i = next++; i < from + count; i = next++) await one(i, measured);
        }),
      );
    };
    // warm-up: both gateways, the outbox and the SOAP path, until B has all of it
    await closed(-o.warmup, o.warmup, false);
    await awaitAtB(dbB, `SELECT 1 FROM messages WHERE direction = 'in'`, o.warmup, 60_000);

    const t0 = performance.now();
    const wall0 = Date.now();
    if (o.rate) {
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < o.n; i++) {
        const wait = t0 + (i * 1000) / o.rate - performance.now();
        if (wait > 0) await sleep(wait);
        inflight.push(one(i, true));
      }
      await Promise.all(inflight);
    } else {
      await closed(0, o.n, true);
    }
    const { rows } = await awaitAtB<{ business_id: string; at: string }>(
      dbB,
      `SELECT business_id, (extract(epoch from created_at) * 1000)::text AS at FROM messages WHERE direction = 'in'`,
      o.warmup + sent.size,
      120_000,
      100,
    );
    const arrived = rows.filter((r) => sent.has(r.business_id));
    const last = Math.max(...arrived.map((r) => Number(r.at)));
    const latencies = arrived.map((r) => Number(r.at) - sent.get(r.business_id)!);
    restMs.sort((x, y) => x - y);
    if (process.env.BENCH_BREAKDOWN === '1') await breakdown(dbA, sent, new Map(arrived.map((r) => [r.business_id, Number(r.at)])));
    return {
      n: arrived.length,
      seconds: (last - wall0) / 1000,
      latencies,
      errors: errors + (sent.size - arrived.length),
      restP99Ms: restMs[Math.floor(restMs.length * 0.99)] ?? Number.NaN,
    };
  } finally {
    await pool.close();
    await stopServer(a);
    await stopServer(b);
  }
}

/**
 * BENCH_BREAKDOWN=1: where the end-to-end time goes, from the timestamps in the two databases —
 * client → A's commit (outbox row), A's commit → B's commit (outbox pick-up, SOAP, B's step), B's
 * commit → A marks it delivered.
 */
async function breakdown(dbA: string, sent: Map<string, number>, atB: Map<string, number>): Promise<void> {
  const client = new pg.Client({ connectionString: dbA });
  await client.connect();
  try {
    const { rows } = await client.query<{ case_id: string; created: string; delivered: string | null }>(
      `SELECT case_id, (extract(epoch from created_at) * 1000)::text AS created, (extract(epoch from delivered_at) * 1000)::text AS delivered FROM outbox`,
    );
    const parts = { 'client → A commit': [] as number[], 'A commit → B commit': [] as number[], 'B commit → A delivered': [] as number[] };
    for (const r of rows) {
      const s = sent.get(r.case_id);
      const b = atB.get(r.case_id);
      if (s === undefined || b === undefined) continue;
      parts['client → A commit'].push(Number(r.created) - s);
      parts['A commit → B commit'].push(b - Number(r.created));
      if (r.delivered) parts['B commit → A delivered'].push(Number(r.delivered) - b);
    }
    for (const [k, v] of Object.entries(parts)) {
      v.sort((x, y) => x - y);
      const q = (p: number) => (v[Math.min(v.length - 1, Math.floor(p * v.length))] ?? Number.NaN).toFixed(1);
      console.error(`  breakdown ${k}: p50 ${q(0.5)} p95 ${q(0.95)} p99 ${q(0.99)} ms (${v.length})`);
    }
  } finally {
    await client.end();
  }
}

export interface DrainResult {
  messages: number;
  arrived: number;
  intakeSeconds: number;
  drainSeconds: number;
  /** from B being ready to its first message: how long A took to notice the peer was back (its probe interval) */
  firstSeconds: number;
  msgsPerSecond: number;
  /** cases whose STR-AUF was committed at B before their VA, or without it */
  orderViolations: number;
  errors: number;
}

export async function burstDrain(adminUrl: string, tag: string, o: { cases: number; concurrency: number; timeoutMs?: number; log?: (line: string) => void }): Promise<DrainResult> {
  const p = await pair(adminUrl, tag, { startB: false });
  let b: Server | undefined;
  const pool = new Pool(p.a.url, { connections: o.concurrency });
  try {
    let errors = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (let i = next++; i < o.cases; i = next++) {
          try {
            const r = await pool.request({ method: 'POST', path: '/v1/switches', body: JSON.stringify(vaBody(i, 'Drain')), headers: AUTH });
            const body = (await r.body.json()) as { id?: string };
            if (r.statusCode !== 201 || !body.id) {
              errors += 2;
              continue;
            }
            const c = await pool.request({
              method: 'POST',
              path: `/v1/switches/${encodeURIComponent(body.id)}/cancel`,
              body: JSON.stringify({ kind: 'STR-AUF' }),
              headers: AUTH,
            });
            const text = await c.body.text();
            if (c.statusCode >= 300) {
              if (errors === 0) o.log?.(`burst drain: first cancel error: HTTP ${c.statusCode} ${text.slice(0, 300)}`);
              errors++;
            }
          } catch {
            errors += 2;
          }
        }
      }),
    );
    const intakeSeconds = (performance.now() - t0) / 1000;
    const messages = 2 * o.cases - errors;
    o.log?.(`burst drain: ${messages} messages queued at A in ${intakeSeconds.toFixed(1)} s with the peer down`);
    b = await p.startB();
    const ready = Date.now();
    const { rows } = await awaitAtB<{ case_id: string; type: string; at: string }>(
      p.dbB,
      `SELECT case_id, type, (extract(epoch from created_at) * 1000)::text AS at FROM messages WHERE direction = 'in' ORDER BY messages.seq`,
      messages,
      o.timeoutMs ?? 300_000,
      100,
    );
    const last = rows.length ? Math.max(...rows.map((r) => Number(r.at))) : Number.NaN;
    const first = rows.length ? Math.min(...rows.map((r) => Number(r.at))) : Number.NaN;
    const drainSeconds = (last - ready) / 1000;
    // per case: the VA first, then its STR-AUF (rows are in commit order at B)
    const seen = new Map<string, string[]>();
    for (const r of rows) seen.set(r.case_id, [...(seen.get(r.case_id) ?? []), r.type]);
    let orderViolations = 0;
    for (const [caseId, types] of seen) {
      if (types.join(',') === 'VA-KUE-MRN,STR-AUF') continue;
      if (orderViolations++ < 3) o.log?.(`burst drain: case ${caseId} reached B as ${types.join(', ')}`);
    }
    return {
      messages,
      arrived: rows.length,
      intakeSeconds,
      drainSeconds,
      firstSeconds: (first - ready) / 1000,
      msgsPerSecond: rows.length / drainSeconds,
      orderViolations,
      errors: errors + (messages - rows.length),
    };
  } finally {
    await pool.close();
    await stopServer(p.a);
    await stopServer(b);
  }
}
