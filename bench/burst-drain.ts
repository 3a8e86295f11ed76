/**
 * `npm run bench:drain`: the burst-drain scenario of `npm run bench` alone. Gateway A takes
 * DRAIN_CASES VAs (default 5,000) and a STR-AUF for each while its peer B is down — 2 × DRAIN_CASES
 * messages — then B starts. Reported: the steady end-to-end rate measured first (A → B, B up), the
 * drain rate (messages at B ÷ seconds from B being ready to the last one), `burstDrainRatio` = drain ÷
 * steady (target ≥ 0.8), and the cases whose STR-AUF reached B before their VA (target 0). PostgreSQL
 * durable (BENCH_FAST=1: fsync off).
 *
 * Env: DRAIN_CASES, BENCH_N (requests of the steady run, default 3000), BENCH_CONCURRENCY (32),
 * DATABASE_URL (use that server instead of a throwaway one).
 */
import { findPostgresBin, startCluster, type Cluster } from '../test/support/pg-cluster.js';
import { burstDrain, endToEnd } from './e2e.js';
import { killServers, summarize } from './harness.js';

const CASES = Number(process.env.DRAIN_CASES ?? 5000);
const N = Number(process.env.BENCH_N ?? 3000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);

async function main(): Promise<void> {
  let cluster: Cluster | undefined;
  let adminUrl = process.env.DATABASE_URL;
  try {
    if (!adminUrl) {
      const bin = findPostgresBin();
      if (!bin) throw new Error('no PostgreSQL found (install the postgresql package) and no DATABASE_URL given');
      cluster = await startCluster(bin, { durable: process.env.BENCH_FAST !== '1' });
      adminUrl = cluster.url;
    }
    const steady = summarize(await endToEnd(adminUrl, 'drain_steady', { n: N, warmup: Math.max(200, Math.floor(N / 5)), concurrency: C }));
    console.log(`steady end to end: ${steady.msgsPerSecond} msgs/s`);
    const d = await burstDrain(adminUrl, 'drain', { cases: CASES, concurrency: C, log: console.log });
    const burstDrainRatio = d.msgsPerSecond / steady.msgsPerSecond;
    console.log(`drained ${d.arrived} of ${d.messages} messages in ${d.drainSeconds.toFixed(1)} s (${d.msgsPerSecond.toFixed(0)} msgs/s); burstDrainRatio ${burstDrainRatio.toFixed(2)} (target ≥ 0.8); ${d.orderViolations} cases out of order`);
    console.log(JSON.stringify({ scenario: 'burst-drain', steadyMsgsPerSecond: steady.msgsPerSecond, ...d, burstDrainRatio }));
  } finally {
    killServers();
    cluster?.stopSync();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  killServers();
  process.exit(1);
});
