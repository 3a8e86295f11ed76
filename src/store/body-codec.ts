/**
 * The parsed body of each message, stored compressed (migration 0016): zlib against a dictionary
 * learned per (peer, direction, message type) from an earlier body of the same kind, as the wire
 * forms are (`wire-codec.ts`, whose dictionaries and rows it shares under the format `body`).
 *
 * Why not jsonb: a body is 200–500 bytes, far below the ~2 KB at which PostgreSQL compresses a row,
 * and its keys and structure recur in every body of its kind. Against its kind's dictionary a body
 * takes ~40 % of its JSON text (~150 instead of ~420 bytes as jsonb) — ~0.8 KB per case.
 *
 * What is given up: SQL cannot look into a body any more. Nothing does: every reader goes through
 * the repositories, which restore `body` with `withBodies`. Rows written before 0016 keep their
 * jsonb `body` and are read as they are.
 */
import type { Kysely } from 'kysely';
import { toJson, type Database, type JsonValue } from './schema.js';
import { loadDictionaries, packWire, unpackText, SHORT_TEXT_POLICY, type PackedWire } from './wire-codec.js';

export interface BodyKey {
  peer: string;
  direction: 'in' | 'out';
  type: string;
}

/** Compresses one body; `db` is the handle the statement that stores it will run on. */
export function packBody(db: Kysely<Database>, body: unknown, key: BodyKey): PackedWire {
  return packWire(db, toJson((body ?? null) as JsonValue), { ...key, format: 'body' }, SHORT_TEXT_POLICY);
}

/** A row as stored: `body` is null when `body_z` holds it. */
export interface StoredBody {
  body: unknown;
  body_z: Uint8Array | null;
  body_dict: number | string | null;
}

/** The rows with `body` restored from `body_z` where it is stored compressed. */
export async function withBodies<R extends StoredBody>(db: Kysely<Database>, rows: R[]): Promise<(Omit<R, 'body'> & { body: JsonValue })[]> {
  await loadDictionaries(db, rows.flatMap((r) => (r.body === null && r.body_z !== null && r.body_dict !== null ? [Number(r.body_dict)] : [])));
  return rows.map((r) => (r.body === null && r.body_z !== null ? { ...r, body: JSON.parse(unpackText(r.body_z, r.body_dict === null ? null : Number(r.body_dict))) as JsonValue } : (r as R & { body: JsonValue })));
}
