import { sql, type Kysely } from 'kysely';

/**
 * The list indexes of `cases` end at `created_at`; the case id left them. A page is still ordered by
 * (created_at, id) and its cursor still seeks (`(created_at, id) > ($at, $id)` becomes an index
 * condition `created_at >= $at`): PostgreSQL walks the index in `created_at` order and sorts only the
 * cases that share a creation time by id (Incremental Sort) — the cases one group commit opened,
 * never more than a statement writes. Why: the id (~20 bytes with its header) was ~40 % of each of
 * the five entries a case has in them, and these indexes stay ~55–60 % full (an entry moves when its
 * case changes state; appends land inside each state's or peer's range, where a full page splits in
 * halves): ~0.19 KB per case.
 *
 * Each index is built anew, which blocks writes to `cases` while it builds (~1 s per index per
 * million cases on the bench machine): run it in a quiet hour, like every migration that builds an
 * index.
 */
const INDEXES: readonly [name: string, before: string, after: string][] = [
  ['cases_created_idx', '(created_at, id)', '(created_at)'],
  ['cases_state_idx', '(state, created_at, id)', '(state, created_at)'],
  ['cases_peer_idx', '(peer, created_at, id)', '(peer, created_at)'],
  ['cases_peer_state_idx', '(peer, state, created_at, id)', '(peer, state, created_at)'],
  ['cases_role_idx', '(role, created_at, id)', '(role, created_at)'],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
async function rebuild(db: Kysely<any>, columns: (i: (typeof INDEXES)[number]) => string): Promise<void> {
  for (const i of INDEXES) {
    await sql.raw(`drop index ${i[0]}`).execute(db);
    await sql.raw(`create index ${i[0]} on cases ${columns(i)}`).execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see rebuild()
export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, (i) => i[2]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see rebuild()
export async function down(db: Kysely<any>): Promise<void> {
  await rebuild(db, (i) => i[1]);
}
