import { sql, type Kysely } from 'kysely';

/**
 * The outbox retention sweep (0012, src/delivery/outbox-retention.ts) runs on every replica's tick,
 * every 30 s, and asks for delivered rows older than the retention. The outbox keeps a week of
 * delivered rows by default, so that is a growing number to look through; the only index on
 * delivered rows leads with the destination (the console's per-peer figures). This one holds the
 * delivered rows in delivery order, so a sweep reads the rows it deletes and stops
 * (test/integration/query-plans.test.ts fails without it).
 */
const UP = [`create index outbox_delivered_at_idx on outbox (delivered_at) where status = 'delivered'`];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists outbox_delivered_at_idx`.execute(db);
}
