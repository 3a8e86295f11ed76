/**
 * Initial schema. Plain SQL on purpose: it must run unchanged on PostgreSQL (>= 13, for xid8)
 * and on PGlite, and it never imports application code (a migration is frozen once released).
 *
 * Conventions: domain dates are `text` (YYYY-MM-DD, no time-zone games), instants are
 * `timestamptz`, structured data is `jsonb`.
 */
import { sql, type Kysely } from 'kysely';

/** Deferred so a repository may write the history row before the case row in one transaction. (0020's down makes it again.) */
export const CASE_HISTORY_TABLE = `create table case_history (
     id           bigserial primary key,
     case_id      text not null references cases (id) on delete cascade deferrable initially deferred,
     from_state   text null,
     to_state     text not null,
     message_seq  bigint null,
     note         text null,
     at           timestamptz not null default now()
   )`;

const UP: readonly string[] = [
  `create table cases (
     id              text primary key,
     procedure       text not null,
     type            text not null,
     role            text not null check (role in ('recipient', 'donating')),
     peer            text not null,
     state           text not null,
     requested_date  text null check (requested_date ~ '^\\d{4}-\\d{2}-\\d{2}$'),
     switch_date     text null check (switch_date ~ '^\\d{4}-\\d{2}-\\d{2}$'),
     open_change     jsonb null,
     data            jsonb not null,
     deadlines       jsonb not null default '[]'::jsonb,
     next_due_at     timestamptz null,
     overdue         boolean not null default false,
     wholesale_order jsonb null,
     version         integer not null default 1,
     created_at      timestamptz not null default now(),
     updated_at      timestamptz not null default now()
   )`,
  // Listing is ordered by (created_at, id); each filter gets the same order behind it so a
  // filtered, cursor-paginated list is one index range scan.
  `create index cases_created_idx on cases (created_at, id)`,
  `create index cases_state_idx on cases (state, created_at, id)`,
  `create index cases_peer_idx on cases (peer, created_at, id)`,
  `create index cases_role_idx on cases (role, created_at, id)`,
  `create index cases_overdue_idx on cases (created_at, id) where overdue`,
  `create index cases_next_due_idx on cases (next_due_at) where next_due_at is not null`,

  // No foreign key to cases: the message log also records traffic that names an unknown case
  // (e.g. an inbound message for a VA-ID we never issued, answered with a rejection).
  `create table messages (
     seq           bigserial primary key,
     message_id    text not null unique,
     case_id       text not null,
     type          text not null,
     direction     text not null check (direction in ('in', 'out')),
     peer          text not null,
     business_id   text null,
     status        text not null,
     body          jsonb not null,
     raw           text null,
     raw_format    text null,
     dedupe_key    text null unique,
     created_at    timestamptz not null default now(),
     delivered_at  timestamptz null
   )`,
  `create index messages_case_idx on messages (case_id, seq)`,

  CASE_HISTORY_TABLE,
  `create index case_history_case_idx on case_history (case_id, id)`,

  `create table outbox (
     id               bigserial primary key,
     message_id       text not null,
     case_id          text not null,
     kind             text not null check (kind in ('peer', 'wholesale')),
     destination      text not null,
     status           text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
     attempts         integer not null default 0,
     next_attempt_at  timestamptz not null default now(),
     lease_owner      text null,
     lease_until      timestamptz null,
     last_error       text null,
     created_at       timestamptz not null default now(),
     delivered_at     timestamptz null
   )`,
  `create index outbox_due_idx on outbox (next_attempt_at) where status = 'pending'`,
  `create index outbox_case_idx on outbox (case_id, id)`,

  `create table dead_letters (
     id           bigserial primary key,
     outbox_id    bigint not null,
     message_id   text not null,
     case_id      text not null,
     destination  text not null,
     reason       text not null,
     attempts     integer not null,
     created_at   timestamptz not null default now(),
     replayed_at  timestamptz null
   )`,

  // The feed is ordered by (tx, seq) and only shows transactions older than the oldest one
  // still running (pg_snapshot_xmin), which makes it gapless under concurrent writers:
  // a bigserial alone is not, because sequence values are handed out before commit.
  `create table events (
     seq      bigserial primary key,
     tx       xid8 not null default pg_current_xact_id(),
     type     text not null,
     case_id  text null,
     data     jsonb not null default '{}'::jsonb,
     at       timestamptz not null default now()
   )`,
  `create index events_tx_seq_idx on events (tx, seq)`,

  `create table idempotency_keys (
     principal     text not null,
     key           text not null,
     request_hash  text not null,
     status_code   integer not null,
     response      jsonb not null,
     created_at    timestamptz not null default now(),
     primary key (principal, key)
   )`,
  // For expiring old keys.
  `create index idempotency_keys_created_idx on idempotency_keys (created_at)`,

  `create table id_sequences (
     name   text primary key,
     value  bigint not null
   )`,

  `create table webhook_cursors (
     name        text primary key,
     last_tx     text not null,
     last_seq    bigint not null,
     updated_at  timestamptz not null default now()
   )`,
];

const DOWN: readonly string[] = [
  'drop table if exists webhook_cursors',
  'drop table if exists id_sequences',
  'drop table if exists idempotency_keys',
  'drop table if exists events',
  'drop table if exists dead_letters',
  'drop table if exists outbox',
  'drop table if exists case_history',
  'drop table if exists messages',
  'drop table if exists cases',
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time, not the current Database type
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
