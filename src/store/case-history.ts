/**
 * A case's state history is stored in its own row (migration 0020): `cases.history` is the text of
 * its entries, each a JSON array, joined by commas. A step appends to it in the statement that
 * writes the case, so the history costs no row, no primary key and no index entry of its own: as a
 * table it took 461 bytes per case at 1,000,000 cases (2.8 rows, their key and the hash index on
 * `case_id`), as text ~150, in the short form below ~90.
 *
 * Two forms of an entry, told apart by their length:
 * - long, `[from, to, note, at]`, `at` in epoch milliseconds (every entry written before the short
 *   form, and an entry whose `from` is not the `to` before it);
 * - short, `[note, dt, to]`: `from` is the previous entry's `to` (null for a case's first entry) and
 *   `dt` the milliseconds since the case's creation. What it leaves out is what the history says
 *   anyway: a transition starts where the last one ended, and a time is mostly the creation's.
 * `to` stands last so that SQL can tell whether the stored history ends in the `to` a new entry
 *   starts from: it ends in `,"<from>"]` exactly then (a long entry ends in a number, and an
 *   unescaped `"` never stands inside a JSON string). The first entry of a write is short only if
 *   SQL finds that — a case whose row changed state without an entry keeps its `from` — and each
 *   later entry of the same write is short if it starts where the one before it ended.
 *
 * Text rather than jsonb: appending is a concatenation, and it is far smaller. Only the console
 * reads it, one case at a time.
 *
 * The times are the database's `now()` (the transaction's start), as the history table's default
 * was: the text travels with placeholders that SQL replaces, because a statement prepared once
 * (`writeCaseOpenings`) cannot splice a timestamp expression between its JSON values.
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
 * Stand for an entry's time until SQL puts it in: the epoch milliseconds (long form), the
 * milliseconds since the case's creation (short form). JSON.stringify writes U+0001 and U+0002
 * inside a string as escapes, never as the characters, so they cannot collide with a value.
 */
const AT = '\u0001';
const DT = '\u0002';

const longEntry = (e: HistoryEntry): string => `${JSON.stringify([e.from, e.to, e.note]).slice(0, -1)},${AT}]`;
const shortEntry = (e: HistoryEntry): string => `[${JSON.stringify(e.note)},${DT},${JSON.stringify(e.to)}]`;

/** A step's entries to append: the first in both forms (SQL picks one), the others decided here. */
export interface HistoryAppend {
  from: string | null;
  short: string;
  long: string;
  rest: string | null;
}

export function historyAppend(entries: readonly HistoryEntry[]): HistoryAppend | null {
  const [first, ...later] = entries;
  if (!first) return null;
  const rest = later.map((e, i) => (e.from === entries[i]!.to ? shortEntry(e) : longEntry(e)));
  return { from: first.from, short: shortEntry(first), long: longEntry(first), rest: rest.length ? rest.join(',') : null };
}

/** The text of a new case's entries (no entry before the first), the times left as placeholders (`openingSql` fills them). */
export function openingHistoryText(entries: readonly HistoryEntry[]): string | null {
  const a = historyAppend(entries);
  if (!a) return null;
  return [a.from === null ? a.short : a.long, ...(a.rest === null ? [] : [a.rest])].join(',');
}

const EPOCH_MS = sql`floor(extract(epoch from now()) * 1000)::bigint`;

function filled(text: RawBuilder<unknown> | string, dt: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`replace(replace(${text}, chr(1), ${EPOCH_MS}::text), chr(2), ${dt}::text)`;
}

/** SQL for a new case's `history`: it is created in this statement (`created_at` is `now()`), so `dt` is 0. */
export function openingSql(text: RawBuilder<unknown> | string): RawBuilder<string> {
  return filled(text, sql`0`);
}

/** SQL for the `history` column with `a`'s entries appended (in an UPDATE of the case row). */
export function appendedSql(a: HistoryAppend): RawBuilder<string> {
  const dt = sql`(${EPOCH_MS} - floor(extract(epoch from created_at) * 1000)::bigint)`;
  // the stored text ends in the entry whose `to` is this one's `from`: `,"<from>"]` (right() counts code points)
  const end = a.from === null ? null : `,${JSON.stringify(a.from)}]`;
  const startsAtEnd = end === null ? sql`history IS NULL` : sql`right(history, ${[...end].length}) = ${end}::text`;
  const first = sql`CASE WHEN ${startsAtEnd} THEN ${filled(a.short, dt)} ELSE ${filled(a.long, dt)} END`;
  return sql<string>`concat_ws(',', history, ${first}, ${a.rest === null ? sql`NULL::text` : filled(a.rest, dt)})`;
}

/** SQL for the case's creation time in epoch milliseconds, which short entries count from (`parseHistory`). */
export const CREATED_MS = sql<string>`floor(extract(epoch from created_at) * 1000)::bigint::text`;

/** The entries of a stored history, oldest first; `createdMs`: the case's creation (`CREATED_MS`). */
export function parseHistory(stored: string | null, createdMs: number): CaseHistoryEntry[] {
  if (stored === null || stored === '') return [];
  const entries = JSON.parse(`[${stored}]`) as ([string | null, string, string | null, number] | [string | null, number, string])[];
  const out: CaseHistoryEntry[] = [];
  for (const e of entries) {
    if (e.length === 4) {
      out.push({ from_state: e[0], to_state: e[1], note: e[2], at: new Date(e[3]) });
    } else {
      out.push({ from_state: out.at(-1)?.to_state ?? null, to_state: e[2], note: e[0], at: new Date(createdMs + e[1]) });
    }
  }
  return out;
}
