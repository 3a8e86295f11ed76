/**
 * The part of a case's `data` that is written when the case opens and never searched by SQL — the
 * WBCI pre-announcement (`va`), ~0.5 KB of jsonb, the largest key of a WBCI case — is stored
 * compressed in `data_z` (migration 0018) against a dictionary learned per procedure and role, as
 * message bodies are (`body-codec.ts`). Everything else stays jsonb in `data`: the keys SQL looks
 * into (`agreement`, `akmTr`, `sessionCode`, `lineKeys`, an interconnection request's `data`) and
 * the keys a list page projects (src/http/views.ts CASE_VIEW_DATA).
 *
 * A key listed here must never be read by SQL (`data -> 'va'` would find nothing); readers get the
 * whole object back through `withCaseData`. Rows written before 0018 keep `va` in `data`.
 */
import type { Kysely } from 'kysely';
import { toJson, type Database, type JsonValue } from './schema.js';
import { loadDictionaries, packWire, unpackText, type PackPolicy, type PackedWire } from './wire-codec.js';

export const COLD_KEYS: readonly string[] = ['va'];

/** like bodies (body-codec.ts): short texts whose names, numbers and ids do not recur */
const COLD_POLICY: PackPolicy = { minDict: 64, relearnRatio: 0.7 };

export interface PackedCaseData {
  /** what goes into the jsonb `data` column */
  data: unknown;
  /** the cold keys, compressed; null when the case has none */
  cold: PackedWire | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits a case's data into its jsonb part and its compressed cold keys. */
export function packCaseData(db: Kysely<Database>, c: { procedure: string; role: string; data: unknown }): PackedCaseData {
  const data = c.data;
  if (!isObject(data) || !COLD_KEYS.some((k) => data[k] !== undefined)) return { data, cold: null };
  const hot: Record<string, unknown> = {};
  const cold: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) (COLD_KEYS.includes(k) ? cold : hot)[k] = v;
  const text = toJson(cold as JsonValue);
  return { data: hot, cold: packWire(db, text, { peer: `case:${c.role}`, direction: 'in', format: 'case-data', type: c.procedure }, COLD_POLICY) };
}

/** A row as stored: the cold keys may be in `data_z`. */
export interface StoredCaseData {
  data: unknown;
  data_z?: Uint8Array | null;
  data_dict?: number | string | null;
}

/** The rows with their cold keys merged back into `data`, without the storage columns. */
export async function withCaseData<R extends StoredCaseData>(db: Kysely<Database>, rows: R[]): Promise<Omit<R, 'data_z' | 'data_dict'>[]> {
  await loadDictionaries(db, rows.flatMap((r) => (r.data_z != null && r.data_dict != null ? [Number(r.data_dict)] : [])));
  return rows.map(({ data_z, data_dict, ...row }) => {
    if (data_z == null) return row;
    const cold = JSON.parse(unpackText(data_z, data_dict == null ? null : Number(data_dict))) as Record<string, unknown>;
    return { ...row, data: { ...(row.data as Record<string, unknown>), ...cold } };
  });
}
