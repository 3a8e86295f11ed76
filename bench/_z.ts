import pg from 'pg';
import { deflateSync } from 'node:zlib';
import { dictionarySource } from '../src/store/wire-codec.js';
const c = new pg.Client(process.env.U); await c.connect();
async function measure(label: string, q: string) {
  const r = await c.query(q);
  const dicts = new Map<string, Buffer>(); let plain = 0, z = 0, zd = 0, n = 0;
  for (const row of r.rows) {
    const s = JSON.stringify(row.v); const b = Buffer.from(s);
    plain += b.length; z += deflateSync(b).length;
    const d = dicts.get(row.k);
    if (!d) { dicts.set(row.k, Buffer.from(dictionarySource(s))); zd += deflateSync(b).length; }
    else zd += deflateSync(b, { dictionary: d }).length;
    n++;
  }
  console.log(label, 'n', n, 'json', Math.round(plain / n), 'z', Math.round(z / n), 'zdict', Math.round(zd / n), 'keys', dicts.size);
}
await measure('msg.body', `select body v, peer||direction||type k from messages`);
await measure('cases.data', `select data v, role||state k from cases`);
await measure('cases.data-va', `select data - 'va' v, role||state k from cases`);
await measure('events.data', `select data v, type k from events`);
await c.end();
