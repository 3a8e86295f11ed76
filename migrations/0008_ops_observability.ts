import { sql, type Kysely } from 'kysely';

/**
 * What the operations console and the scrape-time metrics read, kept cheap: partial indexes per
 * destination for the pending backlog, recent deliveries and open dead letters, and a small log of
 * failed delivery attempts (one row per failure, pruned after a day by the worker that writes it).
 */
const UP = [
  `create index outbox_pending_dest_idx on outbox (destination, created_at) where status = 'pending'`,
  `create index outbox_delivered_dest_idx on outbox (destination, delivered_at) where status = 'delivered'`,
  `create index dead_letters_open_dest_idx on dead_letters (destination, id) where replayed_at is null`,
  `create table delivery_failures (
     id           bigserial primary key,
     destination  text not null,
     reason       text not null,
     at           timestamptz not null default now()
   )`,
  `create index delivery_failures_dest_at_idx on delivery_failures (destination, at)`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'drop table delivery_failures',
    'drop index dead_letters_open_dest_idx',
    'drop index outbox_delivered_dest_idx',
    'drop index outbox_pending_dest_idx',
  ]) {
    await sql.raw(statement).execute(db);
  }
}
