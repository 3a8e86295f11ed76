import { sql, type Kysely } from 'kysely';

/**
 * Storage per case and the list filtered by peer and state.
 *
 * The wire form of a message is kept once, compressed (zlib) against a dictionary learned from
 * earlier traffic of the same peer and direction — the SOAP envelope, the WS-Security boilerplate
 * and the signer's certificate recur in every message, so a signed 5 KB VA shrinks to ~0.6 KB
 * (pglz TOAST managed ~3.3 KB). Dictionaries are immutable and content-addressed (`id` is derived
 * from their SHA-256), so replicas that learn the same one write the same row.
 *
 * Existing rows keep their text `raw`; readers take `raw` when set and `raw_z` otherwise, so no
 * rewrite of a large table happens inside the migration (all ADD COLUMNs are nullable without a
 * default: catalogue-only, no table rewrite, brief lock).
 */
const UP = [
  `create table wire_dictionaries (
     id          bigint primary key,
     dict        bytea not null,
     created_at  timestamptz not null default now()
   )`,
  `alter table messages add column raw_z bytea null, add column raw_dict bigint null`,
  // already compressed: pglz would only spend CPU finding that out
  `alter table messages alter column raw_z set storage external`,
  // GET /v1/switches?peer=&state= (an operator's "what is open with carrier X"): one range scan in
  // list order instead of intersecting the peer and state indexes and sorting what both match,
  // which at 1M cases reads thousands of rows per page (npm run bench:scale)
  `create index cases_peer_state_idx on cases (peer, state, created_at, id)`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists cases_peer_state_idx`.execute(db);
  await sql`alter table messages drop column if exists raw_z, drop column if exists raw_dict`.execute(db);
  await sql`drop table if exists wire_dictionaries`.execute(db);
}
