/**
 * Closed-loop load over HTTP: C clients, each sending its next request when the previous one is
 * answered. Bodies are made before the clock starts (signing one costs a millisecond of the CPU the
 * servers share), and a warm-up with the same concurrency runs first (JIT, connection pools, the
 * database's caches) and is not measured.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Measured } from './harness.js';

export interface Request {
  body: string;
  headers: Record<string, string>;
}

async function drive(pool: Pool, path: string, requests: readonly Request[], concurrency: number, onDone?: (ms: number, ok: boolean, status: number, text: string) => void): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const { body, headers } = requests[i]!;
        const s = performance.now();
        try {
          const r = await pool.request({ method: 'POST', path, body, headers });
          const text = await r.body.text();
          onDone?.(performance.now() - s, r.statusCode < 300, r.statusCode, text);
        } catch (err) {
          onDone?.(performance.now() - s, false, 0, (err as Error).message);
        }
      }
    }),
  );
}

export async function closedLoop(
  name: string,
  url: string,
  path: string,
  o: { warmup: readonly Request[]; measured: readonly Request[]; concurrency: number },
): Promise<Measured> {
  const pool = new Pool(url, { connections: o.concurrency, pipelining: 1 });
  try {
    await drive(pool, path, o.warmup, o.concurrency);
    const latencies: number[] = [];
    let errors = 0;
    const t0 = performance.now();
    await drive(pool, path, o.measured, o.concurrency, (ms, ok, status, text) => {
      if (ok) return void latencies.push(ms);
      // a shed request (503) is an error like any other: it was not served
      if (errors++ === 0) console.error(`${name}: first error: HTTP ${status} ${text.slice(0, 300)}`);
    });
    const seconds = (performance.now() - t0) / 1000;
    return { n: latencies.length, seconds, latencies, errors };
  } finally {
    await pool.close();
  }
}
