/**
 * The replayable event feed. Readers see only events of transactions older than every running
 * one (`tx < pg_snapshot_xmin(pg_current_snapshot())`) and page by (tx, seq), so a cursor never
 * skips an event that commits late. Stored a row per case and transaction (src/store/event-groups.ts).
 */
import { sql } from 'kysely';
import type { Db } from './cases.js';
import { confirmWire, ensureDictionariesSql } from '../wire-codec.js';
import { loadEventDictionaries, packEventRows, rowSeqOf, unpackEventRow, unpackEventRows, type StoredEvent, type StoredEventRow } from '../event-groups.js';

export const EVENTS_CHANNEL = 'switchgate_events';

export interface NewDomainEvent {
  type: string;
  caseId: string | null;
  data: unknown;
}

export interface FeedEvent {
  cursor: string;
  type: string;
  caseId: string | null;
  data: unknown;
  at: string;
}

export async function appendEvents(db: Db, events: NewDomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = packEventRows(db, events);
  const packed = rows.map((r) => r.packed);
  const dictionaries = ensureDictionariesSql(packed);
  const values = rows.map((r) => sql`(${r.caseId}::text, ${r.n}::smallint, ${r.packed.z}::bytea, ${r.packed.dictId}::bigint, NULL::jsonb)`);
  await sql`${dictionaries ? sql`WITH wd AS (${dictionaries}) ` : sql``}INSERT INTO events (case_id, n, data_z, data_dict, data) VALUES ${sql.join(values)}`.execute(db);
  confirmWire(db, packed);
  await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(db);
}

export interface Cursor {
  tx: string;
  seq: number;
}

export const START: Cursor = { tx: '0', seq: 0 };

export function encodeCursor(c: Cursor): string {
  return `${c.tx}-${c.seq}`;
}

/** Parses a cursor; undefined when malformed (the API answers 400). */
export function decodeCursor(s: string): Cursor | undefined {
  const m = /^(\d{1,20})-(\d{1,15})$/.exec(s);
  if (!m) return undefined;
  return { tx: m[1]!, seq: Number(m[2]) };
}

const ROW_COLUMNS = sql`seq, tx::text AS tx, n, type, case_id, data, data_z, data_dict, at`;

const toFeed = (e: StoredEvent): FeedEvent => ({
  cursor: encodeCursor({ tx: e.tx, seq: e.seq }),
  type: e.type,
  caseId: e.caseId,
  data: e.data,
  at: e.at.toISOString(),
});

export async function readEvents(db: Db, after: Cursor, limit: number): Promise<FeedEvent[]> {
  // from the row that may hold the cursor's event, leaving out the rows that end at or before it:
  // every row read then holds at least one event after the cursor, so `limit` rows are enough
  const { rows } = await sql<StoredEventRow>`
    SELECT ${ROW_COLUMNS}
      FROM events
     WHERE (tx, seq) >= (${after.tx}::xid8, ${rowSeqOf(after.seq)}::bigint)
       AND (tx <> ${after.tx}::xid8 OR seq + coalesce(n, 1) - 1 > ${after.seq}::bigint)
       AND tx < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY events.tx, events.seq  -- the columns, not the text alias: as text 1000 sorts before 809
     LIMIT ${limit}`.execute(db);
  await loadEventDictionaries(db, rows);
  // every row read ends after the cursor; only the one holding it starts at or before it. A cursor's
  // tx may carry leading zeros, the rows' never
  const tx = BigInt(after.tx).toString();
  const page: FeedEvent[] = [];
  // decompressed row by row, only as many as the page needs
  for (const row of rows) {
    for (const e of unpackEventRow(row)) if (page.length < limit && (e.tx !== tx || e.seq > after.seq)) page.push(toFeed(e));
    if (page.length >= limit) break;
  }
  return page;
}

/** One event by its cursor, whatever the snapshot (it was committed when its id was handed out). */
export async function readEventAt(db: Db, c: Cursor): Promise<FeedEvent | undefined> {
  const { rows } = await sql<StoredEventRow>`
    SELECT ${ROW_COLUMNS}
      FROM events
     WHERE tx = ${c.tx}::xid8 AND seq BETWEEN ${rowSeqOf(c.seq)}::bigint AND ${c.seq}::bigint
     ORDER BY seq DESC
     LIMIT 1`.execute(db);
  const event = (await unpackEventRows(db, rows)).find((e) => e.seq === c.seq);
  return event ? toFeed(event) : undefined;
}
