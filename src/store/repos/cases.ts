/** Case rows: one per Vorabstimmung / migration order, procedure-neutral. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { toJson, type CaseRole, type CaseRow, type Database, type JsonValue } from '../schema.js';
import { COLD_HALVES_SQL, needsColdPart, packCaseData, withCaseData } from '../case-data.js';
import { confirmWire, ensureDictionariesSql } from '../wire-codec.js';
import { appendedSql, CREATED_MS, historyAppend, parseHistory, type CaseHistoryEntry, type HistoryEntry } from '../case-history.js';

export type Db = Kysely<Database> | Transaction<Database>;

/** What a procedure hands to the store for one case; `data` is the procedure's full state. */
export interface CaseSnapshot {
  id: string;
  procedure: string;
  type: string;
  role: CaseRole;
  peer: string;
  state: string;
  requestedDate: string | null;
  switchDate: string | null;
  openChange: unknown;
  data: unknown;
  deadlines: unknown[];
  nextDueAt: Date | null;
  overdue: boolean;
}

const json = (v: unknown) => toJson((v ?? null) as JsonValue);

export async function loadCase(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<CaseRow | undefined> {
  let q = db.selectFrom('cases').select(STORED_CASE_ROW).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && (await withCaseData(db, [row]))[0];
}

/** The case data's two stored parts; the dictionary its cold part needs is inserted first. */
async function storedData(db: Db, c: CaseSnapshot) {
  const packed = packCaseData(db, c);
  const dictionaries = ensureDictionariesSql([packed.cold]);
  if (dictionaries) await dictionaries.execute(db);
  return { packed, columns: { data: json(packed.data), data_z: packed.cold?.z ?? null, data_dict: packed.cold?.dictId ?? null } };
}

export async function insertCase(db: Db, c: CaseSnapshot): Promise<void> {
  const { packed, columns } = await storedData(db, c);
  await db
    .insertInto('cases')
    .values({
      id: c.id,
      procedure: c.procedure,
      type: c.type,
      role: c.role,
      peer: c.peer,
      state: c.state,
      requested_date: c.requestedDate,
      switch_date: c.switchDate,
      open_change: c.openChange == null ? null : json(c.openChange),
      ...columns,
      deadlines: json(c.deadlines),
      next_due_at: c.nextDueAt,
      overdue: c.overdue,
    })
    .execute();
  confirmWire(db, [packed.cold]);
}

/** Writes the case's new state; `history`: the transitions it makes, appended in the same statement (`case-history.ts`). */
export async function updateCase(db: Db, c: CaseSnapshot, history: readonly HistoryEntry[] = []): Promise<void> {
  const { packed, columns } = await storedData(db, c);
  const appended = historyAppend(history);
  await db
    .updateTable('cases')
    .set({
      type: c.type,
      state: c.state,
      requested_date: c.requestedDate,
      switch_date: c.switchDate,
      open_change: c.openChange == null ? null : json(c.openChange),
      ...columns,
      deadlines: json(c.deadlines),
      next_due_at: c.nextDueAt,
      overdue: c.overdue,
      version: sql<number>`version + 1`,
      updated_at: sql<Date>`now()`,
      ...(appended === null ? {} : { history: appendedSql(appended) }),
    })
    .where('id', '=', c.id)
    .execute();
  confirmWire(db, [packed.cold]);
}

export async function setWholesaleOrder(db: Db, id: string, order: unknown): Promise<void> {
  await db
    .updateTable('cases')
    .set({ wholesale_order: json(order), version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export interface CaseFilter {
  state?: string;
  peer?: string;
  role?: string;
  procedure?: string;
  /** any of these case types */
  types?: readonly string[];
  overdue?: boolean;
  /** keyset position: creation time in epoch microseconds (timestamptz precision) and id */
  after?: { createdUs: string; id: string };
  limit: number;
}

/**
 * What of each case's `data` a list reads: only `keys` (each present, null when the case has none),
 * except for the procedures in `whole`, whose view renders from all of it. `data` is the
 * procedure's full state (~1.1 KB for a WBCI case: the VA, the changes, the answer); shipping and
 * parsing it for every row of a page was half of a page's time in the database driver.
 */
export interface DataProjection {
  keys: readonly string[];
  whole: readonly string[];
}

/** Every column of `cases`; typed so that a column added to the table must be added here. */
const CASE_COLUMNS = [
  'id', 'procedure', 'type', 'role', 'peer', 'state', 'requested_date', 'switch_date', 'open_change', 'deadlines',
  'next_due_at', 'overdue', 'wholesale_order', 'version', 'created_at', 'updated_at',
] as const satisfies readonly Exclude<keyof CaseRow, 'data'>[];
type AllColumnsListed = Exclude<keyof CaseRow, 'data' | (typeof CASE_COLUMNS)[number]> extends never ? true : never;
const allColumnsListed: AllColumnsListed = true;
void allColumnsListed;
/**
 * A case row as `withCaseData` takes it: every column but `history`, which only `caseHistory` reads
 * (~150 bytes a case that a step, a tick or a list would ship and drop).
 */
export const STORED_CASE_ROW = [...CASE_COLUMNS, 'data', 'data_z', 'data_dict'] as const;

/**
 * The projected `data`, and of the compressed keys: all for the procedures read whole, the cold halves of WBCI
 * rows when a projected key is only partly in `data` (case-data.ts WBCI_PARTLY_HOT). A page inflates nothing else.
 */
function projectedData(p: DataProjection) {
  const pairs = p.keys.flatMap((k) => [sql.lit(k), sql`data -> ${sql.lit(k)}`]);
  const partial = sql<JsonValue>`json_build_object(${sql.join(pairs)})`;
  const halves = needsColdPart(p.keys);
  if (p.whole.length === 0 && !halves) return [partial.as('data')];
  const whole = p.whole.length === 0 ? sql`false` : sql`procedure in (${sql.join(p.whole.map((w) => sql.lit(w)))})`;
  const wbci = halves ? sql`procedure = 'wbci'` : sql`false`;
  return [
    sql<JsonValue>`case when ${whole} then data else ${partial} end`.as('data'),
    sql<Uint8Array | null>`case when ${whole} then data_z when ${wbci} then ${sql.raw(COLD_HALVES_SQL)} end`.as('data_z'),
    sql<number | null>`case when ${whole} or ${wbci} then data_dict end`.as('data_dict'),
  ];
}

export async function listCases(db: Db, f: CaseFilter, opts: { data?: DataProjection } = {}): Promise<(CaseRow & { created_us: string })[]> {
  const created = sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as('created_us');
  let q = opts.data
    ? db.selectFrom('cases').select([...CASE_COLUMNS, ...projectedData(opts.data), created])
    : db.selectFrom('cases').select([...STORED_CASE_ROW, created]);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.peer) q = q.where('peer', '=', f.peer);
  if (f.role) q = q.where('role', '=', f.role as CaseRole);
  if (f.procedure) q = q.where('procedure', '=', f.procedure);
  if (f.types) q = q.where('type', 'in', [...f.types]);
  if (f.overdue !== undefined) q = q.where('overdue', '=', f.overdue);
  if (f.after) {
    const at = sql<Date>`'epoch'::timestamptz + ${f.after.createdUs}::bigint * interval '1 microsecond'`;
    const id = f.after.id;
    // A row-value comparison seeks in the list indexes on (…, created_at) (`created_at >= $at`,
    // then the cases of that instant by id: 0024); the equivalent OR of two conditions does not,
    // and a deep page then reads every row before it.
    q = q.where(sql<boolean>`(created_at, id) > (${at}, ${id})`);
  }
  // a projected row's cold halves (COLD_HALVES_SQL) go back into the keys it projects, and add none
  return withCaseData(db, await q.orderBy('created_at').orderBy('id').limit(f.limit).execute()) as Promise<(CaseRow & { created_us: string })[]>;
}

/** Whether case `id` exists (a primary-key probe that reads no column). */
export async function caseExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('cases').select(sql<number>`1`.as('one')).where('id', '=', id).executeTakeFirst()) !== undefined;
}

/**
 * Recipient cases in `state` that have no wholesale order yet, oldest change first: the wholesale
 * tick's candidates (a partial index holds exactly these, so completed cases cost nothing).
 */
export async function casesAwaitingOrder(
  db: Db,
  q: { procedure: string; state: string; limit: number; akmTrAtOrBefore?: string },
): Promise<{ id: string }[]> {
  let query = db
    .selectFrom('cases')
    .select('id')
    .where('procedure', '=', q.procedure)
    .where('role', '=', 'recipient')
    .where('state', '=', q.state)
    .where('wholesale_order', 'is', null);
  if (q.akmTrAtOrBefore !== undefined) query = query.where(sql<boolean>`(data->'akmTr'->>'at') <= ${q.akmTrAtOrBefore}`);
  return query.orderBy('updated_at').limit(q.limit).execute();
}

/** Cases whose earliest open deadline has passed but are not yet flagged, or that need a time tick. */
export async function casesDueBy(db: Db, now: Date, limit: number): Promise<{ id: string }[]> {
  return db
    .selectFrom('cases')
    .select('id')
    .where('next_due_at', '<=', now)
    .orderBy('next_due_at')
    .limit(limit)
    .execute();
}

/** The case's state transitions, oldest first (empty for an unknown case). */
export async function caseHistory(db: Db, caseId: string): Promise<CaseHistoryEntry[]> {
  const row = await db.selectFrom('cases').select(['history', CREATED_MS.as('created_ms')]).where('id', '=', caseId).executeTakeFirst();
  return row ? parseHistory(row.history, Number(row.created_ms)) : [];
}

/** The Donating's AGCOM case of a codice sessione (unique per Donating in practice; newest wins). */
export async function agcomDonatingCaseBySessionCode(db: Db, sessionCode: string): Promise<CaseRow | undefined> {
  const row = await db
    .selectFrom('cases')
    .select(STORED_CASE_ROW)
    .where('procedure', '=', 'agcom')
    .where('role', '=', 'donating')
    .where(sql<boolean>`data->>'sessionCode' = ${sessionCode}`)
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && (await withCaseData(db, [row]))[0];
}
