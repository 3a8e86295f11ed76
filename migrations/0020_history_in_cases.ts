import { sql, type Kysely } from 'kysely';
import { CASE_HISTORY_TABLE } from './0001_init.js';

/**
 * A case's state history moves into its row (src/store/case-history.ts): `cases.history` holds the
 * entries `[from, to, note, at]` as text, joined by commas, and `case_history` goes. As a table the
 * history took 461 bytes per case at 1,000,000 cases — 2.8 rows with a tuple header each, the
 * primary key and the hash index on `case_id` — and one more insert and two index entries per step.
 *
 * The history's link to the message that caused a transition (`message_seq`) is not carried over:
 * nothing read it, and the note names that message's type (the message has the same transaction
 * time). Existing rows are copied in one statement: on a large database this rewrites every case
 * row once — run it in a maintenance window (README, "Upgrading").
 */
const ENTRY = `'[' || coalesce(to_json(h.from_state)::text, 'null') || ',' || to_json(h.to_state)::text || ','
                   || coalesce(to_json(h.note)::text, 'null') || ',' || floor(extract(epoch from h.at) * 1000)::bigint::text || ']'`;

const UP = [
  `alter table cases add column history text null`,
  `update cases c set history = h.history
     from (select h.case_id, string_agg(${ENTRY}, ',' order by h.id) as history from case_history h group by h.case_id) h
    where c.id = h.case_id`,
  `drop table case_history`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  // the table as 0001 and 0017 left it; the message links are gone (see above)
  await sql.raw(CASE_HISTORY_TABLE).execute(db);
  await sql`create index case_history_case_hash_idx on case_history using hash (case_id)`.execute(db);
  await sql`insert into case_history (case_id, from_state, to_state, note, at)
    select c.id, e.entry ->> 0, e.entry ->> 1, e.entry ->> 2, 'epoch'::timestamptz + (e.entry ->> 3)::bigint * interval '1 millisecond'
      from cases c, jsonb_array_elements(('[' || c.history || ']')::jsonb) with ordinality as e(entry, n)
     where c.history is not null
     order by c.created_at, c.id, e.n`.execute(db);
  await sql`alter table cases drop column history`.execute(db);
}
