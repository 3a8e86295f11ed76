import { sql, type Kysely } from 'kysely';

/**
 * A case's messages and its history are only ever looked up by equality on `case_id` (GET
 * …/messages, the console's timeline, the inbound receipt); the `seq`/`id` order of a case's few
 * rows is a sort of a handful in memory. As B-trees on (case_id, seq) and (case_id, id) the two
 * indexes took 245 bytes per case each at 20,000 cases: messages of many cases arrive interleaved,
 * so their leaf pages split half-full. A hash index keeps a 4-byte hash code per row instead of the
 * ~20-byte key and does not split that way: ~105 bytes per case each (`npm run bench:scale`).
 * Hash indexes are WAL-logged (PostgreSQL ≥ 10), so crash-safe and replicated like the B-trees.
 */
const UP = [
  `create index messages_case_hash_idx on messages using hash (case_id)`,
  `drop index messages_case_idx`,
  `create index case_history_case_hash_idx on case_history using hash (case_id)`,
  `drop index case_history_case_idx`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists messages_case_idx on messages (case_id, seq)`.execute(db);
  await sql`drop index if exists messages_case_hash_idx`.execute(db);
  await sql`create index if not exists case_history_case_idx on case_history (case_id, id)`.execute(db);
  await sql`drop index if exists case_history_case_hash_idx`.execute(db);
}
