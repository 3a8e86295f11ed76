import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
import pg from 'pg';
import { createDatabase } from './database.js';
import { closedLoop } from './load.js';
import { AUTH, startServer, stopServer, vaBody } from './harness.js';
import { findPostgresBin, startCluster } from '../test/support/pg-cluster.js';
const mode = process.argv[2] as 'gateway' | 'baseline';
const bin = findPostgresBin();
const cluster = await startCluster(bin!, { durable: true });
const admin = cluster.url;
const db = await createDatabase(admin, 'cnt');
const server = await startServer(mode, { databaseUrl: db, self: 'DEU.EKPA', peer: 'DEU.EKPB', deliver: false });
const reqs = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ body: JSON.stringify(vaBody(from + k)), headers: AUTH }));
await closedLoop('w', server.url, '/v1/switches', { warmup: reqs(-1000, 500), measured: reqs(0, 10), concurrency: 32 });
const c = new pg.Client({ connectionString: db }); await c.connect();
const q = async () => (await c.query(`select xact_commit::int x, tup_inserted::int i, tup_updated::int u, tup_fetched::int f, blks_hit::int h from pg_stat_database where datname='cnt'`)).rows[0];
await c.query('select pg_stat_clear_snapshot()'); const a = await q();
const t = process.hrtime.bigint();
const ps = (await import('node:child_process')).execSync;
const cpu = () => { const tick = 100; const st = (pid: number) => { const f = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / tick; }; const pgs = ps('pgrep -u postgres').toString().trim().split('\n').map(Number); let pgt = 0; for (const p of pgs) { try { pgt += st(p); } catch {} } return { srv: st(server.child.pid!), pg: pgt, me: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 }; };
if (process.env.STRACE) { const { spawn } = await import("node:child_process"); const st = spawn("strace", ["-f", "-c", "-w", "-o", "/tmp/strace.txt", "-p", String(server.child.pid)], { stdio: "ignore" }); await new Promise(r => setTimeout(r, 1000)); process.on("exit", () => st.kill("SIGINT")); (globalThis as any).st = st; }
const cpu0 = cpu();
const m = await closedLoop('m', server.url, '/v1/switches', { warmup: [], measured: reqs(20000, 3000), concurrency: 32 });
const cpu1 = cpu(); if ((globalThis as any).st) { (globalThis as any).st.kill("SIGINT"); await new Promise(r => setTimeout(r, 1000)); }
await new Promise(r => setTimeout(r, 800));
await c.query('select pg_stat_clear_snapshot()'); const b = await q();
console.log(mode, 'n', m.n, 'rate', (m.n / m.seconds).toFixed(0), 'per request:', Object.fromEntries(Object.keys(a).map(k => [k, ((b[k] - a[k]) / m.n).toFixed(2)])), 'cpu ms/req', { srv: ((cpu1.srv - cpu0.srv) * 1000 / m.n).toFixed(3), pg: ((cpu1.pg - cpu0.pg) * 1000 / m.n).toFixed(3), loadgen: ((cpu1.me - cpu0.me) * 1000 / m.n).toFixed(3) });
await c.end(); await stopServer(server); cluster.stopSync();
