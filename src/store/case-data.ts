/**
 * A WBCI case's `data` is stored in two parts (migration 0018): the keys SQL looks into or a list
 * page projects stay in `data` (jsonb until 0025, json text since); the rest — the pre-announcement (`va`, ~0.5 KB of jsonb), the
 * answer, the times, the changes — is compressed into `data_z` against a dictionary learned per
 * procedure and role, as message bodies are (`body-codec.ts`): ~1.2 KB of jsonb become ~0.3 KB of
 * jsonb and ~0.25 KB compressed. Readers get the whole object back through `withCaseData`.
 *
 * The other procedures keep all of `data` uncompressed: AGCOM cases are listed whole, and SQL searches
 * AGCOM (`sessionCode`, `lineKeys`) and interconnection (`data.pdi`) cases by keys inside it.
 * Rows written before 0018 keep everything in `data`; their next write splits them.
 */
import type { Kysely } from 'kysely';
import { toJson, type Database, type JsonValue } from './schema.js';
import { loadDictionaries, packWire, unpackText, SHORT_TEXT_POLICY, type PackPolicy, type PackedWire } from './wire-codec.js';
import { GATEWAY_JSON_KEEP } from './dictionary-source.js';

/** the case's roles, states and carrier codes may stay in a dictionary; the customer's data not (`dictionary-source.ts`) */
const CASE_DATA_POLICY: PackPolicy = { ...SHORT_TEXT_POLICY, keep: GATEWAY_JSON_KEEP };

/**
 * The keys of a WBCI case's data that stay in the `data` column: `agreement` (the successor lookup searches its
 * resources), `akmTr` (the wholesale tick compares its time) and the list page's projection
 * (src/http/views.ts CASE_VIEW_DATA; a test keeps the two in step). A key SQL reads must be here —
 * `data -> 'va'` would find nothing.
 */
export const WBCI_HOT_KEYS: readonly string[] = ['agreement', 'akmTr', 'terminationDate', 'replaces', 'replacedBy'];

export interface PackedCaseData {
  /** what goes into the `data` column */
  data: unknown;
  /** the cold keys, compressed; null when the case has none */
  cold: PackedWire | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits a case's data into its searchable part and its compressed cold keys. */
export function packCaseData(db: Kysely<Database>, c: { procedure: string; role: string; data: unknown }): PackedCaseData {
  const data = c.data;
  if (c.procedure !== 'wbci' || !isObject(data)) return { data, cold: null };
  const hot: Record<string, unknown> = {};
  const cold: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) (WBCI_HOT_KEYS.includes(k) ? hot : cold)[k] = v;
  if (Object.keys(cold).length === 0) return { data, cold: null };
  const text = toJson(cold as JsonValue);
  return { data: hot, cold: packWire(db, text, { peer: `case:${c.role}`, direction: 'in', format: 'case-data', type: c.procedure }, CASE_DATA_POLICY) };
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
