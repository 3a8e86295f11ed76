/**
 * How a step of a case runs, for every procedure. Optimistic (the default): reads take no locks
 * and the write is one statement guarded by the case version — two round trips, no transaction.
 * Locked: a transaction with `FOR UPDATE`, for steps that write more than one case or run a hook
 * that writes along, and as the fallback when optimistic attempts keep colliding.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { isOverdue } from '../domain/deadline.js';
import type { Issue } from '../domain/issues.js';
import type { CaseRow, Database } from '../store/schema.js';
import { STORED_CASE_ROW, type CaseSnapshot } from '../store/repos/cases.js';
import { withCaseData } from '../store/case-data.js';
import type { CaseStep, CaseStepResult } from '../store/repos/case-writes.js';
import type { MessageRecord } from '../store/repos/messages.js';
import type { NewDomainEvent } from '../store/repos/events.js';
import { newMessageId } from '../domain/message-id.js';

export type Tx = Transaction<Database>;

export interface Unit {
  db: Tx | Kysely<Database>;
  locked: boolean;
}

/**
 * How a create or a command commits: `beforeCommit` runs inside the transaction that writes, with
 * what the answer can be rebuilt from (`ref`: the case id, or the queued message's id). The HTTP
 * layer marks its Idempotency-Key there (`idempotentOptions`), so a retry after a crash between
 * the commit and the answer is answered, never run again.
 */
export interface CommandOptions {
  beforeCommit?: (trx: Tx, ref: string) => Promise<void>;
}

/** The step must run in a transaction; thrown in optimistic mode, caught by runStep. */
export const NEEDS_TX = Symbol('needs a transaction');
/** The case changed between read and write; caught by runStep, which tries again. */
export const CONFLICT = Symbol('version conflict');

export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23505';

/** Runs a step optimistically, retrying on conflicts; in a transaction when it needs one. */
export async function runStep<T>(db: Kysely<Database>, fn: (u: Unit) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fn({ db, locked: false });
    } catch (err) {
      if (err === NEEDS_TX) break;
      if (err !== CONFLICT && !isUniqueViolation(err)) throw err;
    }
  }
  return db.transaction().execute((trx) => fn({ db: trx, locked: true }));
}

/** The case row as written, without reading it back. */
export const rowOf = (s: CaseSnapshot, w: CaseStepResult): CaseRow => ({
  id: s.id,
  procedure: s.procedure,
  type: s.type,
  role: s.role,
  peer: s.peer,
  state: s.state,
  requested_date: s.requestedDate,
  switch_date: s.switchDate,
  open_change: (s.openChange ?? null) as CaseRow['open_change'],
  data: s.data as CaseRow['data'],
  deadlines: s.deadlines as CaseRow['deadlines'],
  next_due_at: s.nextDueAt,
  overdue: s.overdue,
  wholesale_order: (w.wholesaleOrder ?? null) as CaseRow['wholesale_order'],
  version: w.version!,
  created_at: w.createdAt!,
  updated_at: w.updatedAt!,
});

/** An inbound message refused by the rules, and the business answer the gateway sends itself. */
export interface Refusal {
  caseId: string;
  /** the refused message as received */
  message: { type: string; body: object; businessId: string | null };
  peer: string;
  raw?: string;
  rawFormat?: string;
  /** WS-Security verification result, for a signed message */
  signature?: unknown;
  dedupeKey: string;
  issues: Issue[];
  /** what the sender is told, stored with the refused message (and repeated for a duplicate) */
  replyInfo: unknown;
  /** the answer to queue, if the refusal is answered on the wire */
  answer?: { type: string; body: unknown; event?: Record<string, unknown> };
}

/**
 * The step that records a refusal: the refused message (status `refused`, with the issues and the
 * reply), the queued answer and its outbox row, and the events — the case row stays as it was.
 */
export function refusalStep(r: Refusal): { step: CaseStep; messageId: string } {
  const messageId = newMessageId();
  const messages: MessageRecord[] = [
    {
      messageId,
      caseId: r.caseId,
      type: r.message.type,
      direction: 'in',
      peer: r.peer,
      businessId: r.message.businessId,
      status: 'refused',
      body: { ...r.message.body, reply: r.replyInfo, issues: r.issues },
      raw: r.raw ?? null,
      rawFormat: r.rawFormat ?? 'test',
      dedupeKey: r.dedupeKey,
      signature: r.signature ?? null,
    },
  ];
  const events: NewDomainEvent[] = [{ type: 'message.refused', caseId: r.caseId, data: { messageId, type: r.message.type, issues: r.issues, reply: r.replyInfo } }];
  if (r.answer) {
    const replyId = randomUUID();
    messages.push({ messageId: replyId, caseId: r.caseId, type: r.answer.type, direction: 'out', peer: r.peer, businessId: null, status: 'queued', body: r.answer.body });
    events.push({ type: 'message.queued', caseId: r.caseId, data: { messageId: replyId, type: r.answer.type, auto: true, ...r.answer.event } });
  }
  return {
    messageId,
    step: { caseWrite: 'none', messages, outbox: r.answer ? [{ message: 1, kind: 'peer', destination: r.peer }] : [], history: [], events },
  };
}

/** A deadline as stored with a case: computed by the domain, plus whether its lapse was announced. */
export interface AnnouncedDeadline {
  name: string;
  dueAt: string;
  party?: string;
  ref?: string;
  announced?: boolean;
}

/** Marks the deadlines that have lapsed as announced and returns one `deadline.overdue` event for each — once. */
export function announceOverdue<D extends AnnouncedDeadline>(caseId: string, deadlines: D[], now: Date): { deadlines: D[]; events: NewDomainEvent[] } {
  const events: NewDomainEvent[] = [];
  const marked = deadlines.map((dl) => {
    if (dl.announced || !isOverdue(dl, now)) return dl;
    events.push({ type: 'deadline.overdue', caseId, data: { name: dl.name, dueAt: dl.dueAt, party: dl.party ?? null, ref: dl.ref ?? null } });
    return { ...dl, announced: true };
  });
  return { deadlines: marked, events };
}

/**
 * Runs `fn` for each case of `procedure` whose next due time has passed, each in its own
 * transaction with the case row locked; a case another replica is handling is skipped.
 * Returns how many cases were due.
 */
export async function forEachDueCase(
  db: Kysely<Database>,
  procedure: string,
  now: Date,
  limit: number,
  fn: (trx: Tx, row: CaseRow) => Promise<void>,
): Promise<number> {
  const due = await db
    .selectFrom('cases')
    .select('id')
    .where('procedure', '=', procedure)
    .where('next_due_at', '<=', now)
    .orderBy('next_due_at')
    .limit(limit)
    .execute();
  await forEachLockedCase(db, due.map((d) => d.id), fn);
  return due.length;
}

/** Runs `fn` for each case, each in its own transaction with the row locked; cases another replica holds are skipped. */
export async function forEachLockedCase(db: Kysely<Database>, ids: readonly string[], fn: (trx: Tx, row: CaseRow) => Promise<void>): Promise<void> {
  for (const id of ids) {
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('cases').select(STORED_CASE_ROW).where('id', '=', id).forUpdate().skipLocked().executeTakeFirst();
      if (row) await fn(trx, (await withCaseData(trx, [row]))[0]!);
    });
  }
}
