import { sql, type Kysely } from 'kysely';

/**
 * `messages` is keyed by its message id: the B-tree on `seq` that was its primary key goes (~63
 * bytes and one index insert per case's messages less). Nothing looks a message up by `seq` — a
 * case's messages are found by the hash index on `case_id` and ordered by `seq` in memory, every
 * other lookup is by message id, dedupe key or business id — so the unique index on `message_id`
 * can be the key (logical replication needs one). `seq` stays: it orders a case's messages.
 * The unique index is built anew (a full build packs it, as a REINDEX would): on a large table a
 * maintenance window, as for 0020.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table messages drop constraint messages_pkey`.execute(db);
  await sql`alter table messages drop constraint messages_message_id_key, add constraint messages_pkey primary key (message_id)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table messages drop constraint messages_pkey, add constraint messages_message_id_key unique (message_id)`.execute(db);
  await sql`alter table messages add constraint messages_pkey primary key (seq)`.execute(db);
}
