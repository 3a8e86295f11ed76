/**
 * One committed step of a case — the case row (its history included), its messages, outbox rows and events, and
 * the wake-up notifications — written by ONE SQL statement (data-modifying CTEs). Inside the
 * caller's transaction that is one round trip instead of eight; the database sees exactly the
 * rows the separate inserts would have written.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db, CaseSnapshot } from './cases.js';
import type { MessageRecord } from './messages.js';
import type { NewDomainEvent } from './events.js';
import { EVENTS_CHANNEL } from './events.js';
import { HOLDS_BACK, OUTBOX_CHANNEL } from './outbox.js';
import { toJson, type JsonValue } from '../schema.js';
import { confirmWire, dictionariesCte, ensureDictionariesSql, packWire, wireContext, type PackedWire } from '../wire-codec.js';
import { packBody } from '../body-codec.js';
import { bodySourceCode } from '../wire-bodies.js';
import { packCaseData, type PackedCaseData } from '../case-data.js';
import { packEventRows, type EventRowToWrite } from '../event-groups.js';
import { appendedSql, historyAppend, openingHistoryText, openingSql, type HistoryAppend, type HistoryEntry } from '../case-history.js';
import { storedDedupeKey } from '../dedupe-keys.js';
import { confirmSigners, ensureSignersSql, packSigner, signersCte, type PackedSigner } from '../message-signers.js';
import { PREPARED } from '../prepared.js';

export interface CaseStep {
  /** insert a new case, update an existing one, or leave the case row alone (refusals) */
  caseWrite: 'insert' | 'update' | 'none';
  snapshot?: CaseSnapshot;
  /**
   * Optimistic concurrency for `update`: the step is written only if the case still has this
   * version; otherwise nothing at all is written and the result says `conflict`.
   */
  expectedVersion?: number;
  messages: MessageRecord[];
  /** index into `messages` of the message each outbox row carries */
  outbox: { message: number; kind: 'peer' | 'wholesale'; destination: string }[];
  /** the state transitions the step makes (the note names the message that caused one, if any) */
  history: HistoryEntry[];
  events: NewDomainEvent[];
}

export interface CaseStepResult {
  /** `messages.seq` of each message, in order */
  seqs: number[];
  /** the outbox rows written already leased to `OutboxLease.owner` (none without a lease) */
  leased: LeasedOutboxRow[];
  createdAt: Date | null;
  updatedAt: Date | null;
  version: number | null;
  wholesaleOrder: unknown;
  /** the case changed since it was read (expectedVersion did not match): nothing was written */
  conflict: boolean;
}

/**
 * Outbox rows leased to a worker of this process as they are inserted, with one attempt counted —
 * what its claim would have written — so it delivers them without a claim round trip and nobody
 * else claims them; should it die, they come back when the lease ends like any claimed row's.
 */
export interface OutboxLease {
  owner: string;
  ms: number;
  /** the messages whose outbox row is to be leased: a subset of `leasableMessages` of the steps */
  messageIds: ReadonlySet<string>;
}

export interface LeasedOutboxRow {
  outboxId: number;
  messageId: string;
}

/**
 * The messages of a step whose outbox row may be leased at its insert: the row must be the
 * oldest undelivered one of its case and destination, or it would overtake an earlier message.
 * A new case has no earlier row; a version-guarded update is written only if no other step of
 * the case committed since it was read, and its statement checks the rows committed before (an
 * older undelivered row: the new one is left to the claim). The first row per destination of a
 * step only — the step's later ones wait for it.
 */
export function leasableMessages(step: CaseStep): string[] {
  const guarded = step.caseWrite === 'insert' || (step.caseWrite === 'update' && step.expectedVersion !== undefined);
  if (!guarded || !step.snapshot) return [];
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const o of step.outbox) {
    const channel = `${o.kind} ${o.destination}`;
    if (seen.has(channel)) continue;
    seen.add(channel);
    ids.push(step.messages[o.message]!.messageId);
  }
  return ids;
}

const json = (v: unknown) => toJson((v ?? null) as JsonValue);
const jsonOrNull = (v: unknown) => (v == null ? null : json(v));

function openingSqlOrNull(history: readonly HistoryEntry[]): RawBuilder<string> | null {
  const text = openingHistoryText(history);
  return text === null ? null : openingSql(text);
}

const appendedOrNothing = (a: HistoryAppend | null): RawBuilder<unknown> => (a === null ? sql`` : sql`, history = ${appendedSql(a)}`);

/** The case's insert or update; `history`: the step's history entries (`historyAppend`), written in the same statement. */
function caseCte(s: CaseSnapshot, d: PackedCaseData, mode: 'insert' | 'update', history: readonly HistoryEntry[], expectedVersion?: number): RawBuilder<unknown> {
  const z = d.cold?.z ?? null;
  const dict = d.cold?.dictId ?? null;
  if (mode === 'insert') {
    return sql`INSERT INTO cases (id, procedure, type, role, peer, state, requested_date, switch_date, open_change, data, data_z, data_dict, deadlines, next_due_at, overdue, history)
      VALUES (${s.id}, ${s.procedure}, ${s.type}, ${s.role}, ${s.peer}, ${s.state}, ${s.requestedDate}, ${s.switchDate},
              ${jsonOrNull(s.openChange)}::json, ${json(d.data)}::json, ${z}::bytea, ${dict}::bigint, ${json(s.deadlines)}::json, ${s.nextDueAt}::timestamptz, ${s.overdue},
              ${openingSqlOrNull(history)})
      RETURNING created_at, updated_at, version, wholesale_order`;
  }
  return sql`UPDATE cases SET type = ${s.type}, state = ${s.state}, requested_date = ${s.requestedDate}, switch_date = ${s.switchDate},
        open_change = ${jsonOrNull(s.openChange)}::json, data = ${json(d.data)}::json, data_z = ${z}::bytea, data_dict = ${dict}::bigint, deadlines = ${json(s.deadlines)}::json,
        next_due_at = ${s.nextDueAt}::timestamptz, overdue = ${s.overdue}, version = version + 1, updated_at = now()${appendedOrNothing(historyAppend(history))}
      WHERE id = ${s.id}${expectedVersion === undefined ? sql`` : sql` AND version = ${expectedVersion}`}
      RETURNING created_at, updated_at, version, wholesale_order`;
}

/** A message's compressed texts: its wire form (null where it has none) and its parsed body (null where the wire form holds it). */
export interface PackedMessage {
  wire: PackedWire | null;
  body: PackedWire | null;
  /** `messages.body_from` (0021): set where `body` is null */
  bodyFrom: number | null;
}

/** The wire forms and bodies of a step's messages, compressed. */
export function packMessages(db: Db, messages: readonly MessageRecord[]): PackedMessage[] {
  return messages.map((m) => {
    const context = wireContext({ case_id: m.caseId, message_id: m.messageId });
    const wire = m.raw == null ? null : packWire(db, m.raw, { peer: m.peer, direction: m.direction, format: m.rawFormat ?? null, type: m.type }, undefined, context);
    const bodyFrom = wire && m.bodyFrom ? bodySourceCode(m.bodyFrom) : null;
    return { wire, bodyFrom, body: bodyFrom === null ? packBody(db, m.body, { peer: m.peer, direction: m.direction, type: m.type }) : null };
  });
}

/** Every compressed text of the messages: what the dictionary CTEs and `confirmWire` take. */
const texts = (packed: readonly PackedMessage[]): PackedWire[] => packed.flatMap((p) => [p.wire, p.body].filter((t): t is PackedWire => t !== null));
/** The compressed parts of the cases' data, likewise. */
const coldTexts = (data: readonly (PackedCaseData | null)[]): PackedWire[] => data.flatMap((d) => (d?.cold ? [d.cold] : []));
/** The compressed event rows, likewise. */
const eventTexts = (rows: readonly EventRowToWrite[]): PackedWire[] => rows.map((r) => r.packed);

/** The signer references of a step's messages (null where a message carries no verification result). */
function packSigners(db: Db, messages: readonly MessageRecord[]): (PackedSigner | null)[] {
  return messages.map((m) => packSigner(db, m.signature));
}

/** The CTEs that insert what the messages reference (dictionaries, signer rows) and the database may lack. */
function referencedRows(wires: readonly PackedWire[], signers: readonly (PackedSigner | null)[]): RawBuilder<unknown>[] {
  const dictionaries = ensureDictionariesSql(wires);
  const signerRows = ensureSignersSql(signers);
  return [...(dictionaries ? [sql`wd AS (${dictionaries})`] : []), ...(signerRows ? [sql`ws AS (${signerRows})`] : [])];
}

/** A message as one row of the JSON document the insert reads; bytes travel as base64. */
function messageRow(m: MessageRecord, packed: PackedMessage, signer: PackedSigner | null, ord: number) {
  const { wire, body, bodyFrom } = packed;
  return {
    ord, message_id: m.messageId, case_id: m.caseId, type: m.type, direction: m.direction, peer: m.peer,
    business_id: m.businessId, status: m.status, body_z: body ? body.z.toString('base64') : null, body_dict: body?.dictId ?? null, body_from: bodyFrom,
    raw_z: wire ? wire.z.toString('base64') : null, raw_dict: wire?.dictId ?? null, raw_format: m.rawFormat ?? null, dedupe_key: storedDedupeKey(m.dedupeKey), signer: signer?.id ?? null,
  };
}

/**
 * The messages' insert: one JSON document of rows (`json_to_recordset`), so the statement's text is
 * the same for any number of messages. `RETURNING seq, message_id` for the results.
 */
function messagesCte(
  messages: readonly MessageRecord[],
  packed: readonly PackedMessage[],
  signers: readonly (PackedSigner | null)[],
  guard: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const rows = JSON.stringify(messages.map((m, i) => messageRow(m, packed[i]!, signers[i] ?? null, i)));
  return sql`INSERT INTO messages (message_id, case_id, type, direction, peer, business_id, status, body_z, body_dict, body_from, raw_z, raw_dict, raw_format, dedupe_key, signer)
      SELECT message_id, case_id, type, direction, peer, business_id, status, decode(body_z, 'base64'), body_dict, body_from, decode(raw_z, 'base64'), raw_dict, raw_format, dedupe_key, signer
        FROM json_to_recordset(${rows}::json) AS v(ord int, message_id uuid, case_id text, type text, direction text, peer text, business_id text,
             status text, body_z text, body_dict bigint, body_from smallint, raw_z text, raw_dict bigint, raw_format text, dedupe_key uuid, signer bigint)
       ${guard}
       ORDER BY ord
      RETURNING seq, message_id`;
}

interface StepSql {
  parts: RawBuilder<unknown>[];
  /** a JSON object with the step's results: message seqs and the case row */
  result: RawBuilder<unknown>;
  /** the step's outbox CTE when it may insert rows nobody leased (they need a wake-up); null: none */
  unleasedOutbox: RawBuilder<unknown> | null | 'some';
  notifyEvents: boolean;
}

/** The CTEs of one step; `k` makes their names unique when several steps share a statement. */
function stepSql(
  step: CaseStep,
  k: number,
  data: PackedCaseData | null,
  packed: readonly PackedMessage[],
  signers: readonly (PackedSigner | null)[],
  events: readonly EventRowToWrite[],
  lease: OutboxLease | undefined,
): StepSql {
  const c = sql.raw(`c${k}`);
  const m = sql.raw(`m${k}`);
  const parts: RawBuilder<unknown>[] = [];
  const guarded = step.caseWrite === 'update' && step.expectedVersion !== undefined;
  // with a version guard every other row is written only if the case update matched
  const guard = guarded ? sql`WHERE EXISTS (SELECT 1 FROM ${c})` : sql``;
  if (step.caseWrite !== 'none') {
    if (!step.snapshot || !data) throw new Error('writeCaseStep: a case write needs a snapshot');
    parts.push(sql`${c} AS (${caseCte(step.snapshot, data, step.caseWrite, step.history, step.expectedVersion)})`);
  } else if (step.history.length > 0) {
    // the history lives in the case row: a transition without a case write would be a state the row does not have
    throw new Error('writeCaseStep: a step that leaves the case row alone records no transition');
  }
  if (step.messages.length) parts.push(sql`${m} AS (${messagesCte(step.messages, packed, signers, guard)})`);
  const o = sql.raw(`o${k}`);
  const leased = lease ? step.outbox.filter((r) => lease.messageIds.has(step.messages[r.message]!.messageId)).length : 0;
  let unleasedOutbox: StepSql['unleasedOutbox'] = null;
  if (step.outbox.length && leased === 0) {
    const rows = step.outbox.map((r) => {
      const msg = step.messages[r.message]!;
      return sql`(${msg.messageId}::uuid, ${msg.caseId}, ${r.kind}, ${r.destination})`;
    });
    parts.push(sql`${o} AS (INSERT INTO outbox (message_id, case_id, kind, destination) SELECT * FROM (VALUES ${sql.join(rows)}) AS v ${guard})`);
    unleasedOutbox = 'some';
  } else if (step.outbox.length) {
    const rows = step.outbox.map((r) => {
      const msg = step.messages[r.message]!;
      const owner = lease!.messageIds.has(msg.messageId) ? lease!.owner : null;
      return sql`(${msg.messageId}::uuid, ${msg.caseId}::text, ${r.kind}::text, ${r.destination}::text, ${owner}::text)`;
    });
    // an older undelivered row of the case and destination keeps the new one for the claim (leasableMessages)
    parts.push(sql`${o} AS (INSERT INTO outbox (message_id, case_id, kind, destination, lease_owner, lease_until, attempts)
      SELECT v.message_id, v.case_id, v.kind, v.destination, l.owner, CASE WHEN l.owner IS NOT NULL THEN now() + ${lease!.ms}::int * interval '1 millisecond' END, CASE WHEN l.owner IS NOT NULL THEN 1 ELSE 0 END
        FROM (VALUES ${sql.join(rows)}) AS v(message_id, case_id, kind, destination, owner)
        CROSS JOIN LATERAL (SELECT CASE WHEN v.owner IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM outbox p WHERE p.case_id = v.case_id AND p.kind = v.kind AND p.destination = v.destination AND ${HOLDS_BACK})
               THEN v.owner END AS owner) l
       ${guard}
      RETURNING id, message_id, lease_owner)`);
    unleasedOutbox = leased < step.outbox.length ? 'some' : sql`EXISTS (SELECT 1 FROM ${o} WHERE lease_owner IS NULL)`;
  }
  if (events.length) {
    const rows = events.map((e) => sql`(${e.caseId}::text, ${e.n}::smallint, ${e.packed.z}::bytea, ${e.packed.dictId}::bigint, NULL::jsonb)`);
    parts.push(sql`${sql.raw(`e${k}`)} AS (INSERT INTO events (case_id, n, data_z, data_dict, data) SELECT * FROM (VALUES ${sql.join(rows)}) AS v ${guard})`);
  }
  const result = sql`json_build_object(
      'seqs', ${step.messages.length ? sql`(SELECT json_agg(json_build_object('id', message_id, 'seq', seq)) FROM ${m})` : sql`NULL::json`},
      'case_row', ${step.caseWrite !== 'none' ? sql`(SELECT row_to_json(${c}) FROM ${c})` : sql`NULL::json`},
      'leased', ${leased > 0 ? sql`(SELECT json_agg(json_build_object('id', id, 'message_id', message_id)) FROM ${o} WHERE lease_owner IS NOT NULL)` : sql`NULL::json`})`;
  return { parts, result, unleasedOutbox, notifyEvents: step.events.length > 0 };
}

type RawResult = {
  seqs: { id: string; seq: number }[] | null;
  case_row: { created_at: string; updated_at: string; version: number; wholesale_order: unknown } | null;
  leased: { id: string | number; message_id: string }[] | null;
};

const leasedRows = (rows: { id: string | number; message_id: string }[] | null): LeasedOutboxRow[] => (rows ?? []).map((r) => ({ outboxId: Number(r.id), messageId: r.message_id }));

function resultOf(step: CaseStep, row: RawResult): CaseStepResult {
  const guarded = step.caseWrite === 'update' && step.expectedVersion !== undefined;
  const conflict = step.caseWrite === 'update' && !row.case_row;
  if (conflict && !guarded) throw new Error(`case ${step.snapshot!.id} vanished during the update`);
  const bySeq = new Map((row.seqs ?? []).map((s) => [s.id, Number(s.seq)]));
  return {
    seqs: step.messages.map((msg) => bySeq.get(msg.messageId)!),
    leased: leasedRows(row.leased),
    createdAt: row.case_row ? new Date(row.case_row.created_at) : null,
    updatedAt: row.case_row ? new Date(row.case_row.updated_at) : null,
    version: row.case_row?.version ?? null,
    wholesaleOrder: row.case_row?.wholesale_order ?? null,
    conflict,
  };
}

/**
 * Several steps in ONE statement — group commit for concurrent requests. The steps must concern
 * different cases (a statement must not update one row twice). Atomic together: if any step
 * fails (a unique violation), none is written and the caller retries them one by one.
 */
export async function writeCaseSteps(db: Db, steps: CaseStep[], lease?: OutboxLease): Promise<CaseStepResult[]> {
  const packed = steps.map((s) => packMessages(db, s.messages));
  const signers = steps.map((s) => packSigners(db, s.messages));
  const data = steps.map((s) => (s.caseWrite !== 'none' && s.snapshot ? packCaseData(db, s.snapshot) : null));
  const events = steps.map((s) => packEventRows(db, s.events));
  const built = steps.map((s, k) => stepSql(s, k, data[k] ?? null, packed[k]!, signers[k]!, events[k]!, lease));
  const compressed = [...texts(packed.flat()), ...coldTexts(data), ...eventTexts(events.flat())];
  const parts = [...referencedRows(compressed, signers.flat()), ...built.flatMap((b) => b.parts)];
  // notifications are wake-up hints: one per channel for the whole statement; rows leased as they
  // are written wake nobody (their worker is told in process)
  const unleased = built.map((b) => b.unleasedOutbox).filter((u) => u !== null);
  const outboxNotify = unleased.length === 0 ? null : unleased.includes('some') ? sql`pg_notify(${OUTBOX_CHANNEL}, '')` : sql`CASE WHEN ${sql.join(unleased as RawBuilder<unknown>[], sql` OR `)} THEN pg_notify(${OUTBOX_CHANNEL}, '') END`;
  const notify = [
    ...(outboxNotify ? [outboxNotify] : []),
    ...(built.some((b) => b.notifyEvents) ? [sql`pg_notify(${EVENTS_CHANNEL}, '')`] : []),
  ];
  const select = sql`SELECT json_build_array(${sql.join(built.map((b) => b.result))}) AS results${notify.length ? sql`, ${sql.join(notify)}` : sql``}`;
  const query = parts.length ? sql`WITH ${sql.join(parts)} ${select}` : select;
  const { rows } = await query.execute(db);
  const results = (rows[0] as { results: RawResult[] }).results;
  confirmWire(db, compressed);
  confirmSigners(db, signers.flat());
  return steps.map((s, i) => resultOf(s, results[i]!));
}

export async function writeCaseStep(db: Db, step: CaseStep, lease?: OutboxLease): Promise<CaseStepResult> {
  return (await writeCaseSteps(db, [step], lease))[0]!;
}

/** Steps that open a case: nothing to guard, so any number of them fit one fixed-shape statement. */
export const isCaseOpening = (s: CaseStep): boolean => s.caseWrite === 'insert' && s.snapshot !== undefined && s.expectedVersion === undefined;

/**
 * New cases in ONE statement whose shape does not grow with the batch: each table's rows travel as
 * one JSON document (`json_to_recordset`), so PostgreSQL parses and plans four inserts, not four per
 * step, and the gateway encodes one JSON text per table instead of one per value. The messages keep
 * their own insert (`messagesCte`), the one place that knows how a message is stored. Atomic
 * together, like `writeCaseSteps`; every step must satisfy `isCaseOpening`.
 */
export async function writeCaseOpenings(db: Db, steps: CaseStep[], lease?: OutboxLease): Promise<CaseStepResult[]> {
  const data = steps.map((s) => packCaseData(db, s.snapshot!));
  const cases = steps.map((s, i) => {
    const c = s.snapshot!;
    const d = data[i]!;
    return {
      id: c.id, procedure: c.procedure, type: c.type, role: c.role, peer: c.peer, state: c.state,
      requested_date: c.requestedDate, switch_date: c.switchDate, open_change: c.openChange ?? null,
      data: d.data ?? null, data_z: d.cold ? d.cold.z.toString('base64') : null, data_dict: d.cold?.dictId ?? null,
      deadlines: c.deadlines ?? null, next_due_at: c.nextDueAt, overdue: c.overdue, history: openingHistoryText(s.history),
    };
  });
  const caseIdOf = (s: CaseStep) => s.snapshot!.id;
  // `ord` keeps each table's rows in the order of the steps (ids and the event feed follow it)
  const ordered = <T>(rows: T[]) => rows.map((r, ord) => ({ ...r, ord }));
  const ownerOf = (messageId: string) => (lease?.messageIds.has(messageId) ? lease.owner : null);
  const outbox = ordered(
    steps.flatMap((s) =>
      s.outbox.map((o) => {
        const { messageId, caseId } = s.messages[o.message]!;
        return { message_id: messageId, case_id: caseId, kind: o.kind, destination: o.destination, lease_owner: ownerOf(messageId) };
      }),
    ),
  );
  const eventRows = steps.flatMap((s) => packEventRows(db, s.events));
  const events = ordered(eventRows.map((e) => ({ case_id: e.caseId, n: e.n, data_z: e.packed.z.toString('base64'), data_dict: e.packed.dictId })));
  const messages = steps.flatMap((s) => s.messages);
  const packed = packMessages(db, messages);
  const signers = packSigners(db, messages);
  const compressed = [...texts(packed), ...coldTexts(data), ...eventTexts(eventRows)];
  // every part is always there (empty documents insert nothing): one text, prepared once per connection
  const { rows } = await sql<{
    cases: { id: string; created_at: string; updated_at: string; version: number; wholesale_order: unknown }[];
    seqs: { id: string; seq: number }[] | null;
    leased: { id: string | number; message_id: string }[] | null;
  }>`${sql.raw(PREPARED)}
    WITH wd AS (${dictionariesCte(compressed)}),
    ws AS (${signersCte(signers)}),
    c AS (INSERT INTO cases (id, procedure, type, role, peer, state, requested_date, switch_date, open_change, data, data_z, data_dict, deadlines, next_due_at, overdue, history)
      SELECT id, procedure, type, role, peer, state, requested_date, switch_date, open_change, data, decode(data_z, 'base64'), data_dict, deadlines, next_due_at, overdue, ${openingSql(sql`history`)}
        FROM json_to_recordset(${JSON.stringify(cases)}::json) AS x(id text, procedure text, type text, role text, peer text, state text,
             requested_date text, switch_date text, open_change json, data json, data_z text, data_dict bigint, deadlines json, next_due_at timestamptz, overdue boolean, history text)
      RETURNING id, created_at, updated_at, version, wholesale_order),
    m AS (${messagesCte(messages, packed, signers, sql``)}),
    o AS (INSERT INTO outbox (message_id, case_id, kind, destination, lease_owner, lease_until, attempts)
      SELECT x.message_id, x.case_id, x.kind, x.destination, x.lease_owner,
             CASE WHEN x.lease_owner IS NOT NULL THEN now() + ${lease?.ms ?? 0}::int * interval '1 millisecond' END,
             CASE WHEN x.lease_owner IS NOT NULL THEN 1 ELSE 0 END
        FROM json_to_recordset(${JSON.stringify(outbox)}::json) AS x(message_id uuid, case_id text, kind text, destination text, lease_owner text, ord int)
       ORDER BY x.ord
      RETURNING id, message_id, lease_owner),
    e AS (INSERT INTO events (case_id, n, data_z, data_dict, data)
      SELECT x.case_id, x.n, decode(x.data_z, 'base64'), x.data_dict, NULL::jsonb
        FROM json_to_recordset(${JSON.stringify(events)}::json) AS x(case_id text, n smallint, data_z text, data_dict bigint, ord int)
       ORDER BY x.ord)
    SELECT (SELECT json_agg(c) FROM c) AS cases,
           (SELECT json_agg(json_build_object('id', message_id, 'seq', seq)) FROM m) AS seqs,
           (SELECT json_agg(json_build_object('id', id, 'message_id', message_id)) FROM o WHERE lease_owner IS NOT NULL) AS leased,
           -- rows leased as they are written wake nobody: their worker is told in process
           CASE WHEN EXISTS (SELECT 1 FROM o WHERE lease_owner IS NULL) THEN pg_notify(${OUTBOX_CHANNEL}, '') END AS outbox_notified,
           CASE WHEN ${events.length > 0}::boolean THEN pg_notify(${EVENTS_CHANNEL}, '') END AS events_notified`.execute(db);
  confirmWire(db, compressed);
  confirmSigners(db, signers);
  const row = rows[0]!;
  const byCase = new Map(row.cases.map((c) => [c.id, c]));
  const bySeq = new Map((row.seqs ?? []).map((s) => [s.id, Number(s.seq)]));
  const leased = leasedRows(row.leased);
  return steps.map((s) => {
    const c = byCase.get(caseIdOf(s))!;
    const own = new Set(s.messages.map((msg) => msg.messageId));
    return {
      seqs: s.messages.map((msg) => bySeq.get(msg.messageId)!),
      leased: leased.filter((l) => own.has(l.messageId)),
      createdAt: new Date(c.created_at),
      updatedAt: new Date(c.updated_at),
      version: c.version,
      wholesaleOrder: c.wholesale_order ?? null,
      conflict: false,
    };
  });
}
