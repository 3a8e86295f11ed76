import { sql, type Kysely } from 'kysely';

/**
 * Read paths that grew with the cases (npm run bench:scale; test/integration/query-plans.test.ts
 * fails when one of them sorts or scans what grows):
 *
 * - Every inbound VA looks for the peer's donating cases cancelled by STR-AEN that wait for a
 *   successor (WbciService: readInboundContexts' `replaced`, #waitingForSuccessor): procedure wbci,
 *   role donating, that peer, state REPLACED, the 20 most recently updated. Without an index that
 *   holds exactly these in updated_at order, PostgreSQL took every REPLACED case of the peer through
 *   cases_peer_state_idx, fetched each heap row, and sorted them all — the REPLACED cases are never
 *   deleted, so that is a growing number per inbound VA (200,000 generated cases: 447 heap pages,
 *   7 ms cold; ~5× that at 1M). Partial, so it holds only the REPLACED donating WBCI cases and
 *   costs nothing on the writes of other cases; read backwards for `updated_at desc`, it yields the
 *   20 rows and stops.
 *
 * The REST lists are served by the indexes of 0001 and 0009 (one range scan in (created_at, id)
 * order per filter; see bench/scale.ts) and need nothing new.
 */
const UP = [
  `create index cases_replaced_successor_idx on cases (peer, updated_at) where procedure = 'wbci' and role = 'donating' and state = 'REPLACED'`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists cases_replaced_successor_idx`.execute(db);
}
