/**
 * A case's state history is stored in its own row (migration 0020): `cases.history` is the text of
 * its entries, each a JSON array `[from, to, note, at]` (`at` in epoch milliseconds, database time),
 * joined by commas. A step appends to it in the statement that writes the case, so the history
 * costs no row, no primary key and no index entry of its own: as a table it took 461 bytes per
 * case at 1,000,000 cases (2.8 rows, their key and the hash index on `case_id`), as text ~150.
 *
 * Text rather than jsonb: appending is a concatenation, and the same three entries take 164 bytes
 * as text against 250 as jsonb. Only the console reads it, one case at a time.
 *
 * The entry's time is the database's `now()` (the transaction's start), as the history table's
 * default was: the text travels with a placeholder that SQL replaces, because a statement prepared
 * once (`writeCaseOpenings`) cannot splice a timestamp expression between its JSON values.
 */
import { sql, type RawBuilder } from 'kysely';

export interface HistoryEntry {
  from: string | null;
  to: string;
  note: string | null;
}

export interface CaseHistoryEntry {
  from_state: string | null;
  to_state: string;
  note: string | null;
  at: Date;
}

/**
 * Stands for the entry's time until SQL puts it in. JSON.stringify writes U+0001 inside a string
 * as the escape `\u0001`, never as the character itself, so it cannot collide with a value.
 */
const AT = '\u0001';

/** The entries' text with the time left as a placeholder (`entriesSql` and `appendedSql` fill it). */
export function historyText(entries: readonly HistoryEntry[]): string | null {
  if (entries.length === 0) return null;
  return entries.map((e) => `${JSON.stringify([e.from, e.to, e.note]).slice(0, -1)},${AT}]`).join(',');
}

/** SQL for `text` with the placeholder replaced by the transaction's time in epoch milliseconds. */
export function entriesSql(text: RawBuilder<unknown> | string): RawBuilder<string> {
  return sql<string>`replace(${text}, chr(1), floor(extract(epoch from now()) * 1000)::bigint::text)`;
}

/** SQL for the `history` column with `text`'s entries appended. */
export function appendedSql(text: string): RawBuilder<string> {
  return sql<string>`concat_ws(',', history, ${entriesSql(text)})`;
}

/** The entries of a stored history, oldest first. */
export function parseHistory(stored: string | null): CaseHistoryEntry[] {
  if (stored === null || stored === '') return [];
  const entries = JSON.parse(`[${stored}]`) as [string | null, string, string | null, number][];
  return entries.map(([from, to, note, at]) => ({ from_state: from, to_state: to, note, at: new Date(at) }));
}
