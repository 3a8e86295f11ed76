import { sql, type Kysely } from 'kysely';

/**
 * The outbox worker claims the oldest claimable rows (`ORDER BY id LIMIT n`,
 * src/delivery/outbox-worker.ts). The only index on pending rows was on `next_attempt_at`, so with
 * a backlog — a peer back after an outage, 10,000 rows — every claim read all pending rows, checked
 * each for an undelivered predecessor of its case and sorted them to return a few: the claim was
 * the query PostgreSQL spent most of its CPU on in `npm run bench`'s burst drain (sampled from
 * pg_stat_activity). This index holds the pending rows in claim order, so a claim walks from the
 * oldest and stops after n claimable ones (test/integration/query-plans.test.ts fails without it).
 */
const UP = [`create index outbox_pending_id_idx on outbox (id) where status = 'pending'`];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists outbox_pending_id_idx`.execute(db);
}
