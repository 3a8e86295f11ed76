import { sql, type Kysely } from 'kysely';

/**
 * Storage per case, second step (issue #15; docs/capacity.md "Storage").
 *
 * - `message_signers`: the WS-Security verification result of inbound messages, once per distinct
 *   result (it describes the peer's certificate, not the message); `messages.signer` references it.
 *   Existing rows keep their `signature` jsonb and readers take it when set, so no large table is
 *   rewritten inside the migration: the ADD COLUMN is nullable without a default (catalogue-only,
 *   brief lock), like 0009.
 * - `events`: one index instead of two. The feed reads by (tx, seq) and nothing looks an event up
 *   by `seq` alone, so the primary key becomes (tx, seq) and the separate `events_tx_seq_idx` and
 *   the old key on `seq` go (~22 bytes per event, ~0.22 KB per case). Building the unique index
 *   holds writes to `events` for the build (seconds per ten million events), inside the migration
 *   transaction like every other statement here; replicas wait on kysely's migration lock.
 */
const UP = [
  `create table message_signers (
     id          bigint primary key,
     detail      jsonb not null,
     created_at  timestamptz not null default now()
   )`,
  `alter table messages add column signer bigint null`,
  `create unique index events_tx_seq_key on events (tx, seq)`,
  `alter table events drop constraint events_pkey, add constraint events_pkey primary key using index events_tx_seq_key`,
  `drop index events_tx_seq_idx`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists events_tx_seq_idx on events (tx, seq)`.execute(db);
  await sql`alter table events drop constraint if exists events_pkey`.execute(db);
  await sql`alter table events add constraint events_pkey primary key (seq)`.execute(db);
  await sql`alter table messages drop column if exists signer`.execute(db);
  await sql`drop table if exists message_signers`.execute(db);
}
