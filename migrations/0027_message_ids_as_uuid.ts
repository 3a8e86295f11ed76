import { sql, type Kysely } from 'kysely';

/**
 * Message ids are stored as `uuid` (16 bytes) instead of their 36 characters of text, in `messages`
 * (its primary key), `outbox` and `dead_letters`. Every message id the gateway has made is a UUID
 * (version 4, since 0022 version 7: src/domain/message-id.ts). At 20,000 cases the primary key went
 * from 166 to 90 bytes per case and the message rows from 615 to ~595 bytes.
 *
 * A stored wire form is compressed with its message id's text as context (src/store/wire-codec.ts,
 * `wireContext`), and PostgreSQL prints a uuid in lower case: an id that is not a UUID in that
 * spelling would no longer open its wire form, so the migration refuses, naming how many, and
 * changes nothing. The three tables are rewritten and their indexes built anew: on a large
 * database a maintenance window, like 0020.
 */
const TABLES = ['messages', 'outbox', 'dead_letters'] as const;
const CANONICAL = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where message_id !~ ${CANONICAL}`.execute(db);
    if (rows[0]!.n > 0) {
      throw new Error(`0027 cannot run: ${rows[0]!.n} message ids in ${table} are not UUIDs in lower case (a stored wire form is compressed with its id's text)`);
    }
  }
  for (const table of TABLES) await sql`alter table ${sql.table(table)} alter column message_id type uuid using message_id::uuid`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) await sql`alter table ${sql.table(table)} alter column message_id type text using message_id::text`.execute(db);
}
