/**
 * How the event feed is stored (migration 0019): the events one transaction writes for one case in
 * a row — a step's "message received, case agreed, message queued, TR notified" is one row, not
 * four — their types and payloads compressed together against a dictionary learned per sequence of
 * types (the wire forms' machinery, format `events`).
 *
 * Why: an event row was ~180 bytes of which ~100 were the row's header, tx, seq, time, case id and
 * its primary-key entry; the payload is mostly keys that recur and a uuid. 7.2 events per WBCI
 * case took 1.5 KB.
 *
 * The feed's positions do not change: an event's cursor is still `tx-seq`. The sequence steps by 64
 * from a multiple of 64, and event i of a row has seq `row.seq + i`; so the row of any position is
 * found by rounding its seq down to a multiple of 64 (`rowSeqOf`). Rows written before 0019 hold one
 * event each (`n` null, `type` and `data` as columns) at the seq of the old sequence.
 */
import type { Kysely } from 'kysely';
import { toJson, type Database, type JsonValue } from './schema.js';
import { loadDictionaries, packWire, unpackText, SHORT_TEXT_POLICY, type PackPolicy, type PackedWire } from './wire-codec.js';
import { GATEWAY_JSON_KEEP } from './dictionary-source.js';

/** the payloads' types, states and codes may stay in a dictionary (`dictionary-source.ts`) */
const EVENT_POLICY: PackPolicy = { ...SHORT_TEXT_POLICY, keep: GATEWAY_JSON_KEEP };

/** events a row holds at most: the sequence's step */
export const EVENTS_PER_ROW = 64;

export interface GroupedEvent {
  type: string;
  caseId: string | null;
  data: unknown;
}

/** One row to insert: `n` consecutive events of one case, compressed. */
export interface EventRowToWrite {
  caseId: string | null;
  n: number;
  packed: PackedWire;
}

/**
 * The rows for events written together, in their order: each run of consecutive events of one case
 * (at most 64) is a row. Runs, not one row per case, so the feed keeps the order the events were
 * written in.
 */
export function packEventRows(db: Kysely<Database>, events: readonly GroupedEvent[]): EventRowToWrite[] {
  const rows: EventRowToWrite[] = [];
  let start = 0;
  for (let i = 1; i <= events.length; i++) {
    if (i < events.length && events[i]!.caseId === events[start]!.caseId && i - start < EVENTS_PER_ROW) continue;
    const run = events.slice(start, i);
    // the type as the key: keys stay in the dictionary, and of the string values only types, states and codes
    const text = toJson(run.map((e) => ({ [e.type]: (e.data ?? {}) as JsonValue })));
    const kind = run.map((e) => e.type).join(' ').slice(0, 200);
    rows.push({ caseId: run[0]!.caseId, n: run.length, packed: packWire(db, text, { peer: '', direction: 'out', format: 'events', type: kind }, EVENT_POLICY) });
    start = i;
  }
  return rows;
}

/** A row as stored: grouped (`n`, `data_z`) or, written before 0019, one event (`type`, `data`). */
export interface StoredEventRow {
  tx: string;
  seq: number | string;
  n: number | null;
  type: string | null;
  case_id: string | null;
  data: unknown;
  data_z: Uint8Array | null;
  data_dict: number | string | null;
  at: Date | string;
}

export interface StoredEvent {
  tx: string;
  seq: number;
  type: string;
  caseId: string | null;
  data: unknown;
  at: Date;
}

/** The row seq that holds the event at `seq`, if a grouped row holds it. */
export const rowSeqOf = (seq: number): number => seq - (seq % EVENTS_PER_ROW);

/** Reads the dictionaries the rows were compressed against that this process has not cached yet. */
export async function loadEventDictionaries(db: Kysely<Database>, rows: readonly StoredEventRow[]): Promise<void> {
  await loadDictionaries(db, rows.flatMap((r) => (r.n !== null && r.data_dict !== null ? [Number(r.data_dict)] : [])));
}

/** The events of one row; its dictionary must have been loaded (`loadEventDictionaries`). */
export function unpackEventRow(r: StoredEventRow): StoredEvent[] {
  const at = new Date(r.at);
  const seq = Number(r.seq);
  if (r.n === null) return [{ tx: r.tx, seq, type: r.type!, caseId: r.case_id, data: r.data, at }];
  const items = JSON.parse(unpackText(r.data_z!, r.data_dict === null ? null : Number(r.data_dict))) as Record<string, unknown>[];
  if (items.length !== r.n) throw new Error(`event row ${r.tx}-${seq} holds ${items.length} events, not ${r.n}`);
  return items.map((item, i) => {
    const [type, data] = Object.entries(item)[0]!;
    return { tx: r.tx, seq: seq + i, type, caseId: r.case_id, data, at };
  });
}

/** The events of the rows, in feed order. */
export async function unpackEventRows(db: Kysely<Database>, rows: readonly StoredEventRow[]): Promise<StoredEvent[]> {
  await loadEventDictionaries(db, rows);
  return rows.flatMap(unpackEventRow);
}
