import pg from 'pg';
import { inflateSync } from 'node:zlib';
const c = new pg.Client(process.env.U); await c.connect();
const r = await c.query(`select m.raw_z, d.dict, m.type from messages m join wire_dictionaries d on d.id = m.raw_dict where m.type='RUEM-VA' and m.direction='in' limit 1`);
const row = r.rows[0];
const raw = inflateSync(row.raw_z, { dictionary: row.dict }).toString();
console.log(row.raw_z.length, raw.length, row.dict.length);
console.log(raw);
await c.end();
