/**
 * The replayable event feed. Readers see only events of transactions older than every running
 * one (`tx < pg_snapshot_xmin(pg_current_snapshot())`) and page by (tx, seq), so a cursor never
 * skips an event that commits late.
 */
import { sql } from 'kysely';
import type { Db } from './cases.js';
import { toJson, type JsonValue } from '../schema.js';

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
  await db
    .insertInto('events')
    .values(events.map((e) => ({ type: e.type, case_id: e.caseId, data: toJson((e.data ?? {}) as JsonValue) })))
    .execute();
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

export async function readEvents(db: Db, after: Cursor, limit: number): Promise<FeedEvent[]> {
  const { rows } = await sql<{ seq: number | string; tx: string; type: string; case_id: string | null; data: unknown; at: Date }>`
    SELECT seq, tx::text AS tx, type, case_id, data, at
      FROM events
     WHERE (tx, seq) > (${after.tx}::xid8, ${after.seq}::bigint)
       AND tx < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY events.tx, events.seq  -- the columns, not the text alias: as text 1000 sorts before 809
     LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({
    cursor: encodeCursor({ tx: r.tx, seq: Number(r.seq) }),
    type: r.type,
    caseId: r.case_id,
    data: r.data,
    at: new Date(r.at).toISOString(),
  }));
}
