/**
 * Bulk generation of N cases by cloning template cases the real gateway wrote (templates.ts):
 * every generated row is a template row with its ids, peer and times replaced, so column sizes,
 * JSON shapes and compressed wire forms are exactly the gateway's. One statement per table and
 * chunk (generate_series), one transaction per chunk. What the gateway stores compressed and
 * carries ids — a message's parsed body (0016), the unsearched part of a case's data (0018), a
 * step's events (0019) — is recompressed here per generated row, with its ids replaced, against the
 * template's dictionary (a case whose data named the template's id would be processed as another
 * case by the tick); so are the wire forms (since 0021 a message's body is read from its wire form,
 * and a wire form is compressed with its row's case and message ids, `wireContext`).
 *
 * The spread: 20 peers, skewed (the biggest takes ~22 %, the smallest <1 %); creation times over
 * two years, newest last; 80 % of the cases take the good path (VA → RUEM-VA → AKM-TR, three
 * signed messages), 20 % are refused (VA → ABBM). States: ~10 % open (AWAITING_ANSWER, AGREED,
 * TR_NOTIFIED) with a deadline in the next 30 days, a handful already due; the rest closed
 * (COMPLETED, CANCELLED, REPLACED, REJECTED).
 */
import pg from 'pg';
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import { confirmWire, packWith, unpackWith, wireContext, type PackedWire } from '../../src/store/wire-codec.js';
import { mergedCaseData, packCaseData } from '../../src/store/case-data.js';
import type { Database } from '../../src/store/schema.js';

export const SELF = 'DEU.EKPA';
export const PEERS = Array.from({ length: 20 }, (_, i) => `DEU.Q${String(i).padStart(3, '0')}`);
const TEMPLATE_PEER = 'DEU.EKPB';

type Client = pg.Client;

/**
 * Template k of generated case g: 0–3 good path (recipient side), 4 refused (recipient), 5–8 good
 * path (donating side), 9 refused (donating).
 */
const TEMPLATE_OF = `(ARRAY[0,0,0,0,1,2,2,2,2,3])[(1 + g % 10)::int]`;
const PEER_OF = `(ARRAY[${PEERS.map((p) => `'${p}'`).join(',')}])[1 + floor(20 * power(((g * 7919) % 10007) / 10007.0, 2))::int]`;

/** Copies the rows of `caseIds` from a template database into tpl_* tables of `target`, numbered from `k0`. */
export async function loadTemplates(target: Client, sourceUrl: string, caseIds: string[], k0: number): Promise<void> {
  const src = new pg.Client({ connectionString: sourceUrl });
  await src.connect();
  try {
    for (const [i, id] of caseIds.entries()) {
      const k = k0 + i;
      for (const table of ['cases', 'messages', 'outbox', 'events']) {
        const col = table === 'cases' ? 'id' : 'case_id';
        const { rows } = await src.query<{ rows: unknown }>(`SELECT coalesce(json_agg(t), '[]') AS rows FROM ${table} t WHERE ${col} = $1`, [id]);
        await target.query(`INSERT INTO tpl_${table} SELECT $2::int AS k, r.* FROM json_populate_recordset(NULL::${table}, $1::json) r`, [JSON.stringify(rows[0]!.rows), k]);
      }
    }
    // the dictionaries the template wire forms were compressed against
    const { rows } = await src.query<{ rows: unknown }>(`SELECT coalesce(json_agg(t), '[]') AS rows FROM wire_dictionaries t`);
    await target.query(`INSERT INTO wire_dictionaries SELECT * FROM json_populate_recordset(NULL::wire_dictionaries, $1::json) ON CONFLICT DO NOTHING`, [JSON.stringify(rows[0]!.rows)]);
    // the signer rows the template messages reference
    const { rows: signers } = await src.query<{ rows: unknown }>(`SELECT coalesce(json_agg(t), '[]') AS rows FROM message_signers t`);
    await target.query(`INSERT INTO message_signers SELECT * FROM json_populate_recordset(NULL::message_signers, $1::json) ON CONFLICT DO NOTHING`, [JSON.stringify(signers[0]!.rows)]);
  } finally {
    await src.end();
  }
}

export async function createTemplateTables(c: Client): Promise<void> {
  templates = null;
  for (const table of ['cases', 'messages', 'outbox', 'events']) {
    await c.query(`DROP TABLE IF EXISTS tpl_${table}`);
    await c.query(`CREATE UNLOGGED TABLE tpl_${table} (k int NOT NULL, LIKE ${table})`);
  }
}

/** A template's compressed text, decompressed, with the dictionary to compress its clones against. */
interface Packed {
  text: string;
  dict: Buffer | null;
}

interface Templates {
  /** by k: the template case's whole data as text (its stored parts merged), with its role and procedure */
  cases: Map<number, { text: string; role: string; procedure: string }>;
  /** by k: the template's messages with a compressed body, by seq */
  bodies: Map<number, { seq: string; body: Packed }[]>;
  /** by k: the template's event rows (0019: a step's events of the case, compressed), by seq */
  events: Map<number, { seq: string; events: Packed }[]>;
  /** by k: the template's message ids and seqs (a clone's are md5(id/seq)) */
  messageIds: Map<number, { seq: string; id: string }[]>;
  /** by k: the template's wire forms, by seq */
  wires: Map<number, { seq: string; wire: Packed }[]>;
}

/**
 * The handle the clones' case data is packed for: nothing runs on it; the dictionaries the packing learns are
 * inserted with each chunk, then confirmed against it (src/store/wire-codec.ts), as a gateway's are.
 */
const CASE_PACKING = {} as Kysely<Database>;

/** read from the tpl_* tables on the first chunk; createTemplateTables forgets them */
let templates: Templates | null = null;

async function readTemplates(c: Client): Promise<Templates> {
  if (templates) return templates;
  const dicts = new Map((await c.query<{ id: string; dict: Buffer }>('SELECT id::text, dict FROM wire_dictionaries')).rows.map((r) => [r.id, r.dict]));
  const unpack = (z: Buffer, dictId: string | null): Packed => {
    const dict = dictId === null ? null : dicts.get(dictId)!;
    return { text: (dict ? inflateSync(z, { dictionary: dict }) : inflateSync(z)).toString('utf8'), dict };
  };
  const cases = new Map<number, { text: string; role: string; procedure: string }>();
  for (const r of (await c.query<{ k: number; data: unknown; data_z: Buffer | null; data_dict: string | null; role: string; procedure: string }>(
    'SELECT k, data, data_z, data_dict::text, role, procedure FROM tpl_cases',
  )).rows) {
    const data = r.data_z ? mergedCaseData(r.data, r.data_z, (stream) => unpack(Buffer.from(stream), r.data_dict).text) : r.data;
    cases.set(r.k, { text: JSON.stringify(data), role: r.role, procedure: r.procedure });
  }
  // a body its wire form holds (0021) is not stored: the clone keeps the template's wire form as it
  // is (its size is the point here), so such a clone's body reads back with the template's ids
  const bodies = new Map<number, { seq: string; body: Packed }[]>();
  for (const r of (await c.query<{ k: number; seq: string; body_z: Buffer; body_dict: string | null }>('SELECT k, seq::text, body_z, body_dict::text FROM tpl_messages WHERE body_z IS NOT NULL')).rows) {
    bodies.set(r.k, [...(bodies.get(r.k) ?? []), { seq: r.seq, body: unpack(r.body_z, r.body_dict) }]);
  }
  const events = new Map<number, { seq: string; events: Packed }[]>();
  for (const r of (await c.query<{ k: number; seq: string; data_z: Buffer; data_dict: string | null }>('SELECT k, seq::text, data_z, data_dict::text FROM tpl_events WHERE n IS NOT NULL')).rows) {
    events.set(r.k, [...(events.get(r.k) ?? []), { seq: r.seq, events: unpack(r.data_z, r.data_dict) }]);
  }
  const messageIds = new Map<number, { seq: string; id: string }[]>();
  for (const r of (await c.query<{ k: number; seq: string; message_id: string }>('SELECT k, seq::text, message_id FROM tpl_messages')).rows) {
    messageIds.set(r.k, [...(messageIds.get(r.k) ?? []), { seq: r.seq, id: r.message_id }]);
  }
  const wires = new Map<number, { seq: string; wire: Packed }[]>();
  for (const r of (await c.query<{ k: number; seq: string; message_id: string; case_id: string; raw_z: Buffer; raw_dict: string | null }>(
    'SELECT k, seq::text, message_id, case_id, raw_z, raw_dict::text FROM tpl_messages WHERE raw_z IS NOT NULL',
  )).rows) {
    const dict = r.raw_dict === null ? null : dicts.get(r.raw_dict)!;
    wires.set(r.k, [...(wires.get(r.k) ?? []), { seq: r.seq, wire: { text: unpackWith(r.raw_z, dict, wireContext(r)), dict } }]);
  }
  templates = { cases, bodies, events, messageIds, wires };
  return templates;
}

/**
 * A clone's message id, as the messages insert below makes it (`CLONE_MESSAGE_ID`): a UUIDv7 like the
 * gateway's (src/domain/message-id.ts) whose time part grows with (g, template seq) — the order the
 * rows are inserted in, as a gateway inserts its messages in the order their ids were made — and the
 * rest md5(case id/template seq).
 */
function cloneMessageId(g: string, id: string, seq: string): string {
  const time = (1_700_000_000_000n + BigInt(g) * 1000n + BigInt(seq)).toString(16).padStart(12, '0');
  const h = `${time}7${createHash('md5').update(`${id}/${seq}`).digest('hex')}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
const CLONE_MESSAGE_ID = (seq: string) =>
  `(lpad(to_hex(1700000000000 + gen.g * 1000 + ${seq}), 12, '0') || '7' || left(md5(gen.id || '/' || ${seq}), 19))::uuid`;

/** The clone's compressed text: the template's with the template's id, peer and other ids (`also`) replaced, against the template's dictionary. */
function repack(p: Packed, tplId: string, id: string, peer: string, also: [string, string][] = []): string {
  let replaced = p.text.split(tplId).join(id).split(TEMPLATE_PEER).join(peer);
  for (const [from, to] of also) replaced = replaced.split(from).join(to);
  const text = Buffer.from(replaced, 'utf8');
  return (p.dict ? deflateSync(text, { dictionary: p.dict }) : deflateSync(text)).toString('base64');
}

/** Generates cases [from, to] (1-based) of `total` in one transaction; creation times spread over two years by g. */
export async function generateChunk(c: Client, from: number, to: number, total: number): Promise<void> {
  const tpl = await readTemplates(c);
  // g → template, peer, id, creation time, state; materialised once per chunk
  await c.query('BEGIN');
  await c.query(`CREATE TEMP TABLE gen ON COMMIT DROP AS
    SELECT s.g, s.k, s.peer, tc.id AS tpl_id, tc.created_at AS tpl_at,
           CASE WHEN tc.role = 'recipient' THEN '${SELF}.V' ELSE s.peer || '.V' END || lpad(s.g::text, 9, '0') AS id,
           now() - (${total} - s.g) * interval '1 second' * (63072000.0 / ${total}) - interval '1 hour' AS at,
           CASE WHEN tc.state = 'REJECTED' THEN 'REJECTED'
                WHEN s.r < 4 THEN 'AWAITING_ANSWER' WHEN s.r < 8 THEN 'AGREED' WHEN s.r < 13 THEN 'TR_NOTIFIED'
                WHEN s.r < 16 THEN 'CANCELLED' WHEN s.r < 17 THEN 'REPLACED' ELSE 'COMPLETED' END AS state
      FROM (SELECT g, ${TEMPLATE_OF} AS k, ${PEER_OF} AS peer, (g * 7877) % 100 AS r FROM generate_series(${from}::bigint, ${to}::bigint) g) s
      JOIN tpl_cases tc USING (k)`);
  const gen = (await c.query<{ g: string; k: number; id: string; peer: string; tpl_id: string }>('SELECT g::text, k, id, peer, tpl_id FROM gen ORDER BY g')).rows;
  const caseZ = { g: [] as string[], data: [] as string[], z: [] as (string | null)[], dict: [] as (string | null)[] };
  const newDicts = new Map<number, Buffer>();
  const caseCold: (PackedWire | null)[] = [];
  const bodyZ = { g: [] as string[], seq: [] as string[], z: [] as string[] };
  const eventZ = { g: [] as string[], seq: [] as string[], z: [] as string[] };
  const wireZ = { g: [] as string[], seq: [] as string[], z: [] as string[] };
  for (const r of gen) {
    // the clone's data split and compressed as the gateway does it (src/store/case-data.ts), its dictionaries
    // learned in this process as a gateway's are: from the first texts, anew as the texts grow
    const t = tpl.cases.get(r.k)!;
    const data = JSON.parse(t.text.split(r.tpl_id).join(r.id).split(TEMPLATE_PEER).join(r.peer)) as unknown;
    const packed = packCaseData(CASE_PACKING, { procedure: t.procedure, role: t.role, data });
    caseZ.g.push(r.g);
    caseZ.data.push(JSON.stringify(packed.data));
    caseZ.z.push(packed.cold ? packed.cold.z.toString('base64') : null);
    caseZ.dict.push(packed.cold?.dictId == null ? null : String(packed.cold.dictId));
    if (packed.cold?.ensure) newDicts.set(packed.cold.ensure.id, packed.cold.ensure.dict);
    caseCold.push(packed.cold);
    for (const m of tpl.bodies.get(r.k) ?? []) {
      bodyZ.g.push(r.g);
      bodyZ.seq.push(m.seq);
      bodyZ.z.push(repack(m.body, r.tpl_id, r.id, r.peer));
    }
    const ids = (tpl.messageIds.get(r.k) ?? []).map((m): [string, string] => [m.id, cloneMessageId(r.g, r.id, m.seq)]);
    for (const w of tpl.wires.get(r.k) ?? []) {
      let text = w.wire.text.split(r.tpl_id).join(r.id).split(TEMPLATE_PEER).join(r.peer);
      for (const [from, to] of ids) text = text.split(from).join(to);
      wireZ.g.push(r.g);
      wireZ.seq.push(w.seq);
      wireZ.z.push(packWith(text, w.wire.dict, wireContext({ case_id: r.id, message_id: cloneMessageId(r.g, r.id, w.seq) })).toString('base64'));
    }
    for (const e of tpl.events.get(r.k) ?? []) {
      eventZ.g.push(r.g);
      eventZ.seq.push(e.seq);
      eventZ.z.push(repack(e.events, r.tpl_id, r.id, r.peer, ids));
    }
  }
  // open cases: a deadline in the next 30 days (a few already due); closed ones: none
  // the history (in the case row since 0020): the template's entries, the long ones' times moved with the case's
  if (newDicts.size > 0) {
    await c.query('INSERT INTO wire_dictionaries (id, dict) SELECT * FROM unnest($1::bigint[], $2::bytea[]) ON CONFLICT (id) DO NOTHING', [[...newDicts.keys()], [...newDicts.values()]]);
  }
  await c.query(`INSERT INTO cases (id, procedure, type, role, peer, state, requested_date, switch_date, open_change, data, data_z, data_dict, deadlines, next_due_at, overdue, wholesale_order, version, created_at, updated_at, history)
    SELECT gen.id, t.procedure, t.type, t.role, gen.peer, gen.state, t.requested_date, t.switch_date, t.open_change,
           z.data::json, decode(z.data_z, 'base64'), z.data_dict,
           CASE WHEN gen.state IN ('AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED') THEN replace(t.deadlines::text, t.id, gen.id)::json ELSE '[]'::json END,
           CASE WHEN gen.state NOT IN ('AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED') THEN NULL
                WHEN gen.g % 100000 = 7 THEN now() - interval '1 minute'
                ELSE now() + (gen.g % 43200) * interval '1 minute' END,
           false,
           CASE WHEN gen.state = 'COMPLETED' AND t.role = 'recipient' THEN ('{"state":"completed","orderId":"WO-' || gen.g || '"}')::json END,
           t.version, gen.at, gen.at + (t.updated_at - t.created_at),
           (SELECT string_agg(CASE WHEN jsonb_array_length(e.x) = 3
                                   -- short: its time counts from the case's creation; the template ran its steps
                                   -- milliseconds apart, a clone's are 1–48 hours apart (times of a real length)
                                   THEN '[' || (e.x -> 0)::text || ',' || (CASE WHEN e.n = 1 THEN 0 ELSE (e.n - 1) * 3600000 * (1 + gen.g % 48) END)::text
                                        || ',' || (e.x -> 2)::text || ']'
                                   ELSE '[' || (e.x -> 0)::text || ',' || (e.x -> 1)::text || ',' || (e.x -> 2)::text || ','
                                        || ((e.x ->> 3)::bigint + floor(extract(epoch from gen.at - t.created_at) * 1000)::bigint)::text || ']' END, ',' ORDER BY e.n)
              FROM jsonb_array_elements(('[' || t.history || ']')::jsonb) WITH ORDINALITY AS e(x, n))
      FROM gen JOIN tpl_cases t USING (k) JOIN unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS z(g, data, data_z, data_dict) ON z.g = gen.g`,
    [caseZ.g, caseZ.data, caseZ.z, caseZ.dict]);
  confirmWire(CASE_PACKING, caseCold);
  await c.query(`INSERT INTO messages (message_id, case_id, type, direction, peer, business_id, status, body, raw, raw_format, dedupe_key, created_at, delivered_at, signature, raw_z, raw_dict, signer, body_z, body_dict, body_from)
    SELECT ${CLONE_MESSAGE_ID('t.seq')}, gen.id, t.type, t.direction, gen.peer, replace(t.business_id, gen.tpl_id, gen.id), t.status,
           replace(replace(t.body::text, gen.tpl_id, gen.id), '${TEMPLATE_PEER}', gen.peer)::jsonb, t.raw, t.raw_format,
           -- a dedupe key is stored as 128 bits of a hash (src/store/dedupe-keys.ts): unique per generated case
           CASE WHEN t.dedupe_key IS NOT NULL THEN encode(substr(sha256(convert_to(gen.id || '/d/' || t.seq, 'UTF8')), 1, 16), 'hex')::uuid END,
           gen.at + (t.created_at - gen.tpl_at), gen.at + (t.delivered_at - gen.tpl_at), t.signature, decode(w.raw_z, 'base64'), t.raw_dict, t.signer, decode(z.body_z, 'base64'), t.body_dict, t.body_from
      FROM gen JOIN tpl_messages t USING (k) LEFT JOIN unnest($1::bigint[], $2::bigint[], $3::text[]) AS z(g, seq, body_z) ON z.g = gen.g AND z.seq = t.seq
           LEFT JOIN unnest($4::bigint[], $5::bigint[], $6::text[]) AS w(g, seq, raw_z) ON w.g = gen.g AND w.seq = t.seq
     ORDER BY gen.g, t.seq`, [bodyZ.g, bodyZ.seq, bodyZ.z, wireZ.g, wireZ.seq, wireZ.z]);
  await c.query(`INSERT INTO outbox (message_id, case_id, kind, destination, status, attempts, next_attempt_at, created_at, delivered_at)
    SELECT ${CLONE_MESSAGE_ID('m.seq')}, gen.id, t.kind, gen.peer, t.status, t.attempts, gen.at + (t.next_attempt_at - gen.tpl_at),
           gen.at + (t.created_at - gen.tpl_at), gen.at + (t.delivered_at - gen.tpl_at)
      FROM gen JOIN tpl_outbox t USING (k) JOIN tpl_messages m ON m.k = t.k AND m.message_id = t.message_id
     -- steady state: the gateway deletes delivered rows after outbox.deliveredRetentionHours (default 7 days)
     WHERE t.status <> 'delivered' OR gen.at + (t.delivered_at - gen.tpl_at) > now() - interval '168 hours'
     ORDER BY gen.g, t.id`);
  // a row per template row: the template's grouping is the gateway's (a step's events of a case)
  await c.query(`INSERT INTO events (type, case_id, data, n, data_z, data_dict, at)
    SELECT t.type, gen.id, CASE WHEN t.n IS NULL THEN replace(t.data::text, gen.tpl_id, gen.id)::jsonb END,
           t.n, decode(z.data_z, 'base64'), t.data_dict, gen.at + (t.at - gen.tpl_at)
      FROM gen JOIN tpl_events t USING (k) LEFT JOIN unnest($1::bigint[], $2::bigint[], $3::text[]) AS z(g, seq, data_z) ON z.g = gen.g AND z.seq = t.seq
     ORDER BY gen.g, t.seq`, [eventZ.g, eventZ.seq, eventZ.z]);
  await c.query('COMMIT');
}
