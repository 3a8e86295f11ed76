import { sql, type Kysely } from 'kysely';

/**
 * The event feed stored one row per case and transaction instead of one per event
 * (src/store/event-groups.ts): the events a step writes for its case share a row, their types and
 * payloads compressed together (`data_z`, `n` events). 7.2 rows of ~180 bytes and a primary-key
 * entry each per WBCI case became ~4 rows of ~110.
 *
 * The cursor stays `tx-seq`: the sequence now steps by 64 from a multiple of 64, and event i of a
 * row is `seq + i` (a row holds at most 64). Rows written before keep `type` and `data` and `n`
 * null, and are read as they are; their seqs all lie below the first new one.
 */
const UP = [
  `alter table events add column n smallint null, add column data_z bytea null, add column data_dict bigint null`,
  `alter table events alter column type drop not null, alter column data drop not null`,
  `alter table events add constraint events_payload_stored check ((n is null and type is not null and data is not null) or (n between 1 and 64 and data_z is not null)) not valid`,
  `alter sequence events_seq_seq increment by 64`,
  // is_called = false: the next value is the aligned one itself
  `select setval('events_seq_seq', ((select last_value from events_seq_seq) / 64 + 1) * 64, false)`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  // SQL cannot inflate the grouped payloads: going back would lose those events
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from events where n is not null`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error(`0019 cannot be undone: ${rows[0]!.n} event rows hold grouped, compressed events`);
  await sql`alter sequence events_seq_seq increment by 1`.execute(db);
  await sql`alter table events drop constraint if exists events_payload_stored`.execute(db);
  await sql`alter table events drop column if exists n, drop column if exists data_z, drop column if exists data_dict`.execute(db);
  await sql`alter table events alter column type set not null, alter column data set not null`.execute(db);
}
