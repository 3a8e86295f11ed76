/**
 * How an interconnection object (request, fault, project) becomes durable: as a case of procedure
 * `interconnect` in the shared case store, each step written by ONE statement (`writeCaseStep`):
 * the case row (version-guarded when optimistic), the message in or out with its outbox row, the
 * history and the events. Steps that touch two cases (a completed cessation ceases its accesses)
 * run in a locked transaction (`NEEDS_TX`), as the other procedures do.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { IdSource } from '../../store/ids.js';
import type { CaseRow, Database } from '../../store/schema.js';
import { loadCase, type CaseSnapshot } from '../../store/repos/cases.js';
import { writeCaseStep } from '../../store/repos/case-writes.js';
import type { NewDomainEvent } from '../../store/repos/events.js';
import { findByDedupeKey, type MessageRecord } from '../../store/repos/messages.js';
import { CONFLICT, NEEDS_TX, rowOf, runStep, type CommandOptions, type Tx, type Unit } from '../case-unit.js';
import { checkCasePrecondition } from '../case-precondition.js';
import type { AccessRequest, FaultReport } from '../../protocols/interconnect/types.js';
import { projectDeadlines, reportWindowEnd, type Project } from '../../protocols/interconnect/project.js';
import { envelope, messageType, type WireEnvelope, type WireKind, type WireObject } from './wire.js';
import type { InterconnectSettings } from './settings.js';
import { newMessageId } from '../../domain/message-id.js';

export type Stored = ({ object: 'request' } & AccessRequest) | ({ object: 'fault' } & FaultReport) | ({ object: 'project' } & Project);

export interface StoredDeadline {
  name: string;
  dueAt: string;
  party?: string;
  announced?: boolean;
}

export interface Loaded<T extends Stored = Stored> {
  value: T;
  deadlines: StoredDeadline[];
  version: number;
}

export interface CoreDeps {
  db: Kysely<Database>;
  clock: Clock;
  ids: IdSource;
  settings: InterconnectSettings;
  log: Logger;
}

/** What one step writes. */
export interface Step {
  prev: Loaded | null;
  next: Stored;
  /** a message this gateway sends (queued with its outbox row) or received */
  message?: { direction: 'out'; kind: WireKind; body: unknown } | { direction: 'in'; envelope: WireEnvelope; raw: string };
  events: NewDomainEvent[];
  /** other cases changed by the same step (locked units only) */
  also?: { prev: Loaded; next: Stored }[];
}

export const procedureOf = 'interconnect';

export function typeOf(s: Stored): string {
  return s.object === 'request' ? s.type : s.object;
}

function dateOf(s: Stored): { requested: string | null; done: string | null } {
  if (s.object !== 'request') return { requested: null, done: null };
  const requested = s.data.type === 'cessation' ? s.data.requestedDate : s.orderDate;
  return { requested, done: s.completion?.completionDate ?? null };
}

export class InterconnectCore {
  constructor(readonly d: CoreDeps) {}

  get settings(): InterconnectSettings {
    return this.d.settings;
  }

  now(): Date {
    return this.d.clock.now();
  }

  today(): string {
    return this.d.settings.calendar.today(this.now());
  }

  run<T>(fn: (u: Unit) => Promise<T>): Promise<T> {
    return runStep(this.d.db, fn);
  }

  tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.d.db.transaction().execute(fn);
  }

  /**
   * A command on an existing object: optimistic like `run`, or — when something must commit with
   * it (the Idempotency-Key) — one transaction with `beforeCommit` at its end.
   */
  command(id: string, opts: CommandOptions, fn: (u: Unit) => Promise<CaseRow>): Promise<CaseRow> {
    const { beforeCommit } = opts;
    if (!beforeCommit) return this.run(fn);
    return this.tx(async (trx) => {
      const row = await fn({ db: trx, locked: true });
      await beforeCommit(trx, id);
      return row;
    });
  }

  async newId(object: WireObject): Promise<string> {
    return this.d.ids.next(object === 'request' ? 'V' : object === 'fault' ? 'S' : 'T');
  }

  async load<T extends Stored>(u: Unit | { db: Tx | Kysely<Database>; locked: boolean }, id: string, object: T['object']): Promise<Loaded<T> | undefined> {
    const row = await loadCase(u.db, id, { forUpdate: u.locked });
    if (!row || row.procedure !== procedureOf) return undefined;
    const value = row.data as unknown as Stored;
    if (value.object !== object) return undefined;
    checkCasePrecondition(row);
    return { value: value as T, deadlines: (row.deadlines ?? []) as unknown as StoredDeadline[], version: row.version };
  }

  /** The deadlines a stored object carries now (projects only), keeping what was announced. */
  deadlinesOf(s: Stored, previous: StoredDeadline[]): StoredDeadline[] {
    if (s.object !== 'project') return [];
    return projectDeadlines(s, this.d.settings.projects).map((dl) => {
      const old = previous.find((p) => p.name === dl.name && p.dueAt === dl.dueAt);
      return old?.announced ? { ...dl, announced: true } : dl;
    });
  }

  snapshot(s: Stored, deadlines: StoredDeadline[], now: Date): CaseSnapshot {
    const dates = dateOf(s);
    const due = deadlines.filter((d) => !d.announced).map((d) => Date.parse(d.dueAt));
    const windowEnd = s.object === 'project' ? reportWindowEnd(s, this.d.settings.projects) : undefined;
    if (windowEnd) due.push(windowEnd.getTime());
    return {
      id: s.id,
      procedure: procedureOf,
      type: typeOf(s),
      role: s.role,
      peer: s.counterpart,
      state: s.state,
      requestedDate: dates.requested,
      switchDate: dates.done,
      openChange: null,
      data: s,
      deadlines,
      nextDueAt: due.length ? new Date(Math.min(...due)) : null,
      overdue: deadlines.some((d) => Date.parse(d.dueAt) < now.getTime()),
    };
  }

  /** Writes one step; returns the case row as written and the id of its message. */
  async persist(u: Unit, step: Step): Promise<{ row: CaseRow; messageId: string | null }> {
    if (step.also?.length && !u.locked) throw NEEDS_TX;
    const now = this.now();
    const next = step.next;
    const deadlines = this.deadlinesOf(next, step.prev?.deadlines ?? []);
    const snap = this.snapshot(next, deadlines, now);
    const messages: MessageRecord[] = [];
    const outbox: { message: number; kind: 'peer'; destination: string }[] = [];
    let messageId: string | null = null;
    const events = [...step.events];
    if (step.message?.direction === 'out') {
      messageId = newMessageId();
      const env = envelope(messageId, this.d.settings.self, next.object, next.id, step.message.kind, step.message.body);
      const type = messageType(next.object, step.message.kind);
      messages.push({ messageId, caseId: next.id, type, direction: 'out', peer: next.counterpart, businessId: null, status: 'queued', body: env });
      outbox.push({ message: 0, kind: 'peer', destination: next.counterpart });
      events.unshift({ type: 'message.queued', caseId: next.id, data: { messageId, type } });
    } else if (step.message?.direction === 'in') {
      const env = step.message.envelope;
      messageId = newMessageId();
      const type = messageType(env.object, env.kind);
      messages.push({
        messageId,
        caseId: next.id,
        type,
        direction: 'in',
        peer: next.counterpart,
        businessId: env.messageId,
        status: 'accepted',
        body: env,
        raw: step.message.raw,
        rawFormat: 'json',
        dedupeKey: dedupeKeyOf(env),
      });
      events.unshift({ type: 'message.received', caseId: next.id, data: { messageId, type } });
    }
    const prevState = step.prev?.value.state ?? null;
    const written = await writeCaseStep(u.db, {
      caseWrite: step.prev ? 'update' : 'insert',
      snapshot: snap,
      ...(step.prev && !u.locked ? { expectedVersion: step.prev.version } : {}),
      messages,
      history: prevState !== next.state ? [{ from: prevState, to: next.state, note: messages[0]?.type ?? null }] : [],
      outbox,
      events,
    });
    if (written.conflict) throw CONFLICT;
    for (const other of step.also ?? []) {
      const dl = this.deadlinesOf(other.next, other.prev.deadlines);
      await writeCaseStep(u.db, {
        caseWrite: 'update',
        snapshot: this.snapshot(other.next, dl, now),
        messages: [],
        history: other.prev.value.state !== other.next.state ? [{ from: other.prev.value.state, to: other.next.state, note: `by ${next.id}` }] : [],
        outbox: [],
        events: [{ type: 'interconnect.access.changed', caseId: other.next.id, data: { by: next.id } }],
      });
    }
    return { row: rowOf(snap, written), messageId };
  }

  /** A message already applied (the same sender's message id): the same answer again. */
  async seen(db: Tx | Kysely<Database>, env: WireEnvelope): Promise<{ status: string; caseId: string; body: unknown } | undefined> {
    const row = await findByDedupeKey(db, dedupeKeyOf(env));
    return row ? { status: row.status, caseId: row.case_id, body: row.body } : undefined;
  }
}

export const dedupeKeyOf = (env: WireEnvelope): string => `ic:${env.sender}:${env.messageId}`;
