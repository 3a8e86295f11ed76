import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the queries that run on every inbound message or tick and would otherwise scan a
 * table that grows with the cases (test/integration/query-plans.test.ts keeps them honest):
 * - "was this T-/S-/V-id already used" on each inbound TVS-VA/Storno/VA (messages by business id);
 * - the wholesale tick's candidates: recipient cases without an order, by procedure and state, in
 *   updated_at order — partial, so completed cases (which have their order) are not in it.
 */
const UP = [
  `create index messages_business_id_idx on messages (business_id, direction) where business_id is not null`,
  `create index cases_order_pending_idx on cases (procedure, state, updated_at) where role = 'recipient' and wholesale_order is null`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists messages_business_id_idx`.execute(db);
  await sql`drop index if exists cases_order_pending_idx`.execute(db);
}
