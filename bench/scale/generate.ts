/**
 * Bulk generation of N cases by cloning template cases the real gateway wrote (templates.ts):
 * every generated row is a template row with its ids, peer and times replaced, so column sizes,
 * JSON shapes and compressed wire forms are exactly the gateway's. One statement per table and
 * chunk (generate_series), one transaction per chunk — no row goes through Node.
 *
 * The spread: 20 peers, skewed (the biggest takes ~22 %, the smallest <1 %); creation times over
 * two years, newest last; 80 % of the cases take the good path (VA → RUEM-VA → AKM-TR, three
 * signed messages), 20 % are refused (VA → ABBM). States: ~10 % open (AWAITING_ANSWER, AGREED,
 * TR_NOTIFIED) with a deadline in the next 30 days, a handful already due; the rest closed
 * (COMPLETED, CANCELLED, REPLACED, REJECTED).
 */
import pg from 'pg';

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
      for (const table of ['cases', 'messages', 'case_history', 'outbox', 'events']) {
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
  for (const table of ['cases', 'messages', 'case_history', 'outbox', 'events']) {
    await c.query(`DROP TABLE IF EXISTS tpl_${table}`);
    await c.query(`CREATE UNLOGGED TABLE tpl_${table} (k int NOT NULL, LIKE ${table})`);
  }
}

/** Generates cases [from, to] (1-based) of `total` in one transaction; creation times spread over two years by g. */
export async function generateChunk(c: Client, from: number, to: number, total: number): Promise<void> {
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
  // open cases: a deadline in the next 30 days (a few already due); closed ones: none
  await c.query(`INSERT INTO cases (id, procedure, type, role, peer, state, requested_date, switch_date, open_change, data, data_z, data_dict, deadlines, next_due_at, overdue, wholesale_order, version, created_at, updated_at)
    SELECT gen.id, t.procedure, t.type, t.role, gen.peer, gen.state, t.requested_date, t.switch_date, t.open_change,
           replace(replace(t.data::text, t.id, gen.id), '${TEMPLATE_PEER}', gen.peer)::jsonb, t.data_z, t.data_dict,
           CASE WHEN gen.state IN ('AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED') THEN replace(t.deadlines::text, t.id, gen.id)::jsonb ELSE '[]'::jsonb END,
           CASE WHEN gen.state NOT IN ('AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED') THEN NULL
                WHEN gen.g % 100000 = 7 THEN now() - interval '1 minute'
                ELSE now() + (g % 43200) * interval '1 minute' END,
           false,
           CASE WHEN gen.state = 'COMPLETED' AND t.role = 'recipient' THEN jsonb_build_object('state', 'completed', 'orderId', 'WO-' || gen.g) END,
           t.version, gen.at, gen.at + (t.updated_at - t.created_at)
      FROM gen JOIN tpl_cases t USING (k)`);
  await c.query(`INSERT INTO messages (message_id, case_id, type, direction, peer, business_id, status, body, raw, raw_format, dedupe_key, created_at, delivered_at, signature, raw_z, raw_dict, signer, body_z, body_dict)
    SELECT md5(gen.id || '/' || t.seq)::uuid::text, gen.id, t.type, t.direction, gen.peer, replace(t.business_id, gen.tpl_id, gen.id), t.status,
           replace(replace(t.body::text, gen.tpl_id, gen.id), '${TEMPLATE_PEER}', gen.peer)::jsonb, t.raw, t.raw_format,
           -- a dedupe key ends in the delivery id (a UUID) or names the case: either way made unique per generated case
           CASE WHEN t.dedupe_key ~ '[0-9a-f-]{36}$' THEN left(t.dedupe_key, length(t.dedupe_key) - 36) || md5(gen.id || '/d/' || t.seq)::uuid::text
                ELSE replace(t.dedupe_key, gen.tpl_id, gen.id) END,
           gen.at + (t.created_at - gen.tpl_at), gen.at + (t.delivered_at - gen.tpl_at), t.signature, t.raw_z, t.raw_dict, t.signer, t.body_z, t.body_dict
      FROM gen JOIN tpl_messages t USING (k) ORDER BY gen.g, t.seq`);
  await c.query(`INSERT INTO case_history (case_id, from_state, to_state, message_seq, note, at)
    SELECT gen.id, t.from_state, t.to_state, t.message_seq, t.note, gen.at + (t.at - gen.tpl_at)
      FROM gen JOIN tpl_case_history t USING (k) ORDER BY gen.g, t.id`);
  await c.query(`INSERT INTO outbox (message_id, case_id, kind, destination, status, attempts, next_attempt_at, created_at, delivered_at)
    SELECT md5(gen.id || '/' || m.seq)::uuid::text, gen.id, t.kind, gen.peer, t.status, t.attempts, gen.at + (t.next_attempt_at - gen.tpl_at),
           gen.at + (t.created_at - gen.tpl_at), gen.at + (t.delivered_at - gen.tpl_at)
      FROM gen JOIN tpl_outbox t USING (k) JOIN tpl_messages m ON m.k = t.k AND m.message_id = t.message_id
     -- steady state: the gateway deletes delivered rows after outbox.deliveredRetentionHours (default 7 days)
     WHERE t.status <> 'delivered' OR gen.at + (t.delivered_at - gen.tpl_at) > now() - interval '168 hours'
     ORDER BY gen.g, t.id`);
  await c.query(`INSERT INTO events (type, case_id, data, at)
    SELECT t.type, gen.id, replace(t.data::text, gen.tpl_id, gen.id)::jsonb, gen.at + (t.at - gen.tpl_at)
      FROM gen JOIN tpl_events t USING (k) ORDER BY gen.g, t.seq`);
  await c.query('COMMIT');
}
