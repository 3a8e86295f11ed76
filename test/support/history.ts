/**
 * Case histories as tests count them: they are stored in the case rows (src/store/case-history.ts),
 * so "how many history entries" is a sum over `cases.history`, not a row count.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

/** SQL for the number of history entries stored over all cases. */
export const HISTORY_ENTRIES = sql<string>`(SELECT coalesce(sum(jsonb_array_length(('[' || history || ']')::jsonb)), 0) FROM cases WHERE history IS NOT NULL)::text`;

/** How many history entries are stored over all cases. */
export async function countHistory(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT ${HISTORY_ENTRIES} AS n`.execute(db);
  return Number(rows[0]!.n);
}
