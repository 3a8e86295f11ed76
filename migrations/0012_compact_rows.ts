import { sql, type Kysely } from 'kysely';

/**
 * Storage per case, second step (issue #15; docs/capacity.md "Storage").
 *
 * - `message_signers`: the WS-Security verification result of inbound messages, once per distinct
 *   result (it describes the peer's certificate, not the message); `messages.signer` references it.
 *   Existing rows keep their `signature` jsonb and readers take it when set, so no large table is
 *   rewritten inside the migration: the ADD COLUMN is nullable without a default (catalogue-only,
 *   brief lock), like 0009.
 */
const UP = [
  `create table message_signers (
     id          bigint primary key,
     detail      jsonb not null,
     created_at  timestamptz not null default now()
   )`,
  `alter table messages add column signer bigint null`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table messages drop column if exists signer`.execute(db);
  await sql`drop table if exists message_signers`.execute(db);
}
