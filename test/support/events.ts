/**
 * The event feed as tests look at it: every stored event, committed or not yet visible to the feed,
 * with its (tx, seq). Events are stored grouped and compressed (src/store/event-groups.ts), so SQL
 * cannot read their types or payloads; this goes through the store's decoder.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import { unpackEventRows, type StoredEvent, type StoredEventRow } from '../../src/store/event-groups.js';

export type { StoredEvent };

/** Every event in the table, in feed order; `visible`: whether the feed can show it yet. */
export async function allEvents(db: Kysely<Database>, caseId?: string): Promise<(StoredEvent & { visible: boolean })[]> {
  const { rows } = await sql<StoredEventRow & { visible: boolean }>`
    SELECT seq, tx::text AS tx, n, type, case_id, data, data_z, data_dict, at, tx < pg_snapshot_xmin(pg_current_snapshot()) AS visible
      FROM events
     ${caseId === undefined ? sql`` : sql`WHERE case_id = ${caseId}`}
     ORDER BY events.tx, events.seq`.execute(db);
  const out: (StoredEvent & { visible: boolean })[] = [];
  for (const r of rows) for (const e of await unpackEventRows(db, [r])) out.push({ ...e, visible: r.visible });
  return out;
}

/** How many events are stored (not rows: a row holds a step's events of one case), of one case or all. */
export async function countEvents(db: Kysely<Database>, caseId?: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT coalesce(sum(coalesce(n, 1)), 0)::text AS n FROM events ${caseId === undefined ? sql`` : sql`WHERE case_id = ${caseId}`}`.execute(db);
  return Number(rows[0]!.n);
}

/** Events as written before 0019 (one row each, `type` and `data` as columns): two for each of `cases` cases C0, C1, …. */
export async function insertSingleEventRows(db: Kysely<Database>, cases: number): Promise<void> {
  for (let i = 0; i < cases; i++) {
    await sql`INSERT INTO events (type, case_id, data) VALUES ('case.case-opened', ${`C${i}`}, ${JSON.stringify({ n: i })}::jsonb), ('case.agreed', ${`C${i}`}, '{}'::jsonb)`.execute(db);
  }
}
