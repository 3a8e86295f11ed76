/**
 * `npm run bench:drain`: how fast a backlog drains once a peer is back, with default settings.
 * Gateway A queues 200 VAs while its peer B is down for 45 s; then B starts again. Reported:
 * `burstDrainRatio` — the share of the queued VAs at B within 30 s of B being ready (target 1.0) —
 * and the seconds until the last one arrived. Two gateway processes and PostgreSQL on 127.0.0.1.
 *
 * Env: DRAIN_N (VAs, default 200), DRAIN_OUTAGE_S (default 45), DRAIN_WINDOW_S (default 30),
 * DATABASE_URL (use that server instead of a throwaway one).
 */
import { createDatabase } from './database.js';
import { freePort } from '../src/net/free-port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { request } from 'undici';
import { findPostgresBin, startCluster, type Cluster } from '../test/support/pg-cluster.js';
import { createCalendar } from '../src/domain/calendar.js';
import { firstKueKwtOnOrAfter } from '../src/protocols/wbci/deadlines.js';

const N = Number(process.env.DRAIN_N ?? 200);
const OUTAGE_S = Number(process.env.DRAIN_OUTAGE_S ?? 45);
const WINDOW_S = Number(process.env.DRAIN_WINDOW_S ?? 30);
const API_KEY = 'bench-key';
const cal = createCalendar({ country: 'DE', region: 'BY' });
const KWT = firstKueKwtOnOrAfter(cal, cal.addWorkingDays(cal.today(new Date()), 15));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



async function startGateway(opts: Record<string, unknown>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/node.ts', 'gateway', JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function main(): Promise<void> {
  let cluster: Cluster | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const bin = findPostgresBin();
    if (!bin) throw new Error('no PostgreSQL found (install the postgresql package) and no DATABASE_URL given');
    cluster = await startCluster(bin);
    adminUrl = cluster.url;
  }
  let a: ChildProcess | undefined;
  let b: ChildProcess | undefined;
  try {
    const [pa, pb] = [await freePort(), await freePort()];
    const dbA = await createDatabase(adminUrl, 'bench_drain_a');
    const dbB = await createDatabase(adminUrl, 'bench_drain_b');
    const bOpts = { databaseUrl: dbB, port: pb, self: 'DEU.EKPB', peer: 'DEU.EKPA', deliver: false, apiKey: API_KEY };
    a = await startGateway({ databaseUrl: dbA, port: pa, self: 'DEU.EKPA', peer: 'DEU.EKPB', peerUrl: `http://127.0.0.1:${pb}/wbci/v1`, deliver: true, apiKey: API_KEY });
    // the peer is down from now on; A queues the VAs during the first seconds of the outage
    const outageStart = Date.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < N; i = next++) {
          const res = await request(`http://127.0.0.1:${pa}/v1/switches`, {
            method: 'POST',
            headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              procedure: 'wbci', type: 'VA-KUE-MRN', donating: 'DEU.EKPB', requestedDate: KWT,
              customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: `Drain${i}` },
              location: { street: 'Hauptstr.', houseNumber: String(1 + i), postalCode: '80331', city: 'München' },
              numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: String(1_000_000 + i) }] },
            }),
          });
          const body = (await res.body.json()) as { id?: string };
          if (res.statusCode !== 201 || !body.id) throw new Error(`POST /v1/switches answered ${res.statusCode}`);
          ids.push(body.id);
        }
      }),
    );
    console.log(`${ids.length} VAs queued at A in ${((Date.now() - outageStart) / 1000).toFixed(1)} s; peer down for ${OUTAGE_S} s`);
    await sleep(Math.max(0, outageStart + OUTAGE_S * 1000 - Date.now()));
    b = await startGateway(bOpts);
    const ready = Date.now();
    const client = new pg.Client({ connectionString: dbB });
    await client.connect();
    let arrived = 0;
    let withinWindow = 0;
    let lastAt = Number.NaN;
    const deadline = ready + Math.max(WINDOW_S * 4, 120) * 1000;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE direction = 'in' AND type = 'VA-KUE-MRN'`);
      arrived = rows[0]!.n;
      if (Date.now() - ready <= WINDOW_S * 1000) withinWindow = arrived;
      if (arrived >= ids.length) {
        lastAt = Date.now();
        break;
      }
      await sleep(100);
    }
    if (arrived >= ids.length && lastAt - ready <= WINDOW_S * 1000) withinWindow = arrived;
    await client.end();
    const burstDrainRatio = withinWindow / ids.length;
    const drainSeconds = Number.isNaN(lastAt) ? null : Number(((lastAt - ready) / 1000).toFixed(1));
    console.log(`burstDrainRatio ${burstDrainRatio.toFixed(3)} (${withinWindow} of ${ids.length} VAs at the peer within ${WINDOW_S} s of it being ready; target 1.0)`);
    console.log(`drained in ${drainSeconds ?? `> ${((deadline - ready) / 1000).toFixed(0)}`} s after the peer was ready (${arrived} of ${ids.length} arrived)`);
    console.log(JSON.stringify({ scenario: 'burst-drain', queued: ids.length, outageSeconds: OUTAGE_S, windowSeconds: WINDOW_S, burstDrainRatio, drainSeconds }));
  } finally {
    await stop(a);
    await stop(b);
    cluster?.stopSync();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
