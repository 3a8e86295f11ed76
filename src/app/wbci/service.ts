/**
 * The WBCI case service: the one place where a decided step becomes durable. For every message,
 * in or out, it asks the field rules and the state machine, then writes the message (parsed and
 * raw), the case state with its deadlines, the history, the outbox row and the events in ONE
 * transaction. It decides nothing itself.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { WorkingDayCalendar } from '../../domain/calendar.js';
import { errorsOnly, type Issue } from '../../domain/issues.js';
import type { Role, WbciCaseState } from '../../protocols/wbci/case-state.js';
import { computeDeadlines, rrnpContractEndIssue, witaTerminationDate, type Deadline } from '../../protocols/wbci/deadlines.js';
import { validateMessage } from '../../protocols/wbci/fields.js';
import { akmTrFindings, apply, explainRefusal, linkPredecessor, linkSuccessor, successorIssues, messageKind, nextTimedTransitionAt, openCase, tick, type AutoReply, type Decision, type Effect, type MachineContext } from '../../protocols/wbci/machine.js';
import { standardText } from '../../protocols/wbci/codes.js';
import type { WbciRules } from '../../protocols/wbci/rules.js';
import type { DeliveryInfo } from '../../protocols/wbci/delivery-header.js';
import { matchSuccessor } from '../../protocols/wbci/successor.js';
import type { Abbm, AbbmTr, AkmTr, CarrierCode, VaRequest, VaType, WbciMessage } from '../../protocols/wbci/types.js';
import { isVaType, ownIdOf, vaIdOf } from '../../protocols/wbci/types.js';
import type { CaseRow, Database } from '../../store/schema.js';
import type { IdSource } from '../../store/ids.js';
import { loadCase, updateCase, type CaseSnapshot } from '../../store/repos/cases.js';
import type { HistoryEntry } from '../../store/case-history.js';
import type { BodySource } from '../../store/wire-bodies.js';
import { withStandardTexts } from '../../protocols/wbci/stored-body.js';
import { findByDedupeKey, businessIdUsed, readInboundContext, readInboundContexts, type InboundContext, type InboundQuery } from '../../store/repos/messages.js';
import { Coalescer } from '../../store/repos/coalescer.js';
import { withCaseData } from '../../store/case-data.js';
import { appendEvents, type NewDomainEvent } from '../../store/repos/events.js';
import { writeCaseStep, type CaseStep, type CaseStepResult } from '../../store/repos/case-writes.js';
import type { StepBatcher } from '../../store/repos/step-batcher.js';
import { AppError, invalidContent, notFound, refusedByStateMachine } from '../errors.js';
import { checkCasePrecondition } from '../case-precondition.js';
import { CONFLICT, NEEDS_TX, announceOverdue, forEachDueCase, refusalStep, rowOf, runStep, type CommandOptions, type Tx, type Unit } from '../case-unit.js';
import {
  buildAbbmTr,
  buildAkmTr,
  buildAnswer,
  buildChangeAnswer,
  buildStorno,
  buildTvsVa,
  buildVa,
  type AnswerInput,
  type CancelInput,
  type ChangeAnswerInput,
  type RescheduleInput,
  type ResourceHandoverAnswerInput,
  type ResourceHandoverInput,
  type StartWbciSwitch,
} from './commands.js';
import { newMessageId } from '../../domain/message-id.js';

export interface WbciServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  ids: IdSource;
  calendar: WorkingDayCalendar;
  rules: WbciRules;
  /** `deadlines.maxRequestedDateHorizonDays` (default 730) */
  maxRequestedDateHorizonDays?: number;
  self: CarrierCode;
  /** whether a carrier code is a configured WBCI peer */
  isPeer: (carrierCode: string) => boolean;
  log: Logger;
  /** group commit of optimistic steps; without it every step is its own statement */
  batcher?: StepBatcher;
  /** called inside the transaction of every committed case change (phase 3 hangs here) */
  onCaseChanged?: CaseChangeHook;
  /** `wbci.akmTrChecks` (default `auto`) */
  akmTrChecks?: 'auto' | 'event';
  /** a wholesale provider is configured: a missing WITA order is watched (D15) */
  wholesaleOrders?: boolean;
  /** told the outcome of every inbound message (metrics) */
  onReceived?: (peer: string, type: string, outcome: 'accepted' | 'refused' | 'invalid' | 'duplicate') => void;
}

/**
 * Runs in the same transaction as the case change, after it was written: whatever it writes
 * (an order, an outbox row, events) commits or rolls back together with the change.
 */
export interface CaseChangeHook {
  (trx: Transaction<Database>, change: { prev: WbciCaseState | null; next: WbciCaseState; effects: Effect[] }): Promise<void>;
  /**
   * The effect kinds the hook reacts to; changes without one of them skip the hook (and a new
   * case can then be written without a transaction). Absent: the hook sees every change.
   */
  effects?: readonly Effect['kind'][];
}

/** A deadline as stored with the case: computed by the domain, plus whether its lapse was announced. */
export interface StoredDeadline extends Deadline {
  announced?: boolean;
}

export interface InboundMeta {
  /** the authenticated sending carrier */
  peer: CarrierCode;
  raw?: string;
  rawFormat?: 'soap' | 'json' | 'test';
  /** WS-Security verification result of a signed message, recorded with it */
  signature?: unknown;
  /** switchgate's delivery header / envelope member, when the sender is a switchgate */
  delivery?: DeliveryInfo;
}

export type ReceiveOutcome =
  | { status: 'accepted'; messageId: string; caseId: string; duplicate: boolean; warnings: Issue[] }
  /** business refusal: acknowledged (positive TEQ), answered asynchronously with `reply` */
  | { status: 'refused'; messageId: string; caseId: string; duplicate: boolean; issues: Issue[]; reply: { type: string; code: string } | null }
  /** not accepted at all: transport-level problem (negative TEQ), nothing stored */
  | { status: 'invalid'; issues: Issue[]; code: string };


interface Loaded {
  state: WbciCaseState;
  deadlines: StoredDeadline[];
  version: number;
}


/** What a northbound command produced: the queued message and the case as it now is. */
export interface Sent {
  messageId: string;
  row: CaseRow;
  /** what the machine found along the way without refusing (e.g. a short lead time); also `case.warning` on the feed */
  warnings: Issue[];
}

/** A started switch: the new case and the warnings of its first message. */
export interface Started {
  row: CaseRow;
  warnings: Issue[];
}


const snapshotOf = (s: WbciCaseState, deadlines: StoredDeadline[], now: Date, nextTickAt: Date | null): CaseSnapshot => {
  const pendingDue = deadlines.filter((d) => !d.announced).map((d) => Date.parse(d.dueAt));
  const candidates = nextTickAt ? [...pendingDue, nextTickAt.getTime()] : pendingDue;
  return {
    id: s.vaId,
    procedure: 'wbci',
    type: s.type,
    role: s.role,
    peer: s.role === 'recipient' ? s.donating : s.recipient,
    state: s.state,
    requestedDate: s.requestedDate,
    switchDate: s.switchDate,
    openChange: s.openChange,
    data: s,
    deadlines,
    nextDueAt: candidates.length ? new Date(Math.min(...candidates)) : null,
    overdue: deadlines.some((d) => Date.parse(d.dueAt) < now.getTime()),
  };
};

/** Effects that ask the CRM for a decision are WBCI events of their own (README, "Events"). */
const WBCI_EVENTS: Partial<Record<Effect['kind'], string>> = {
  'akm-tr-finding': 'wbci.akm-tr-finding',
  clarification: 'wbci.clarification',
  'successor-ambiguous': 'wbci.successor-ambiguous',
};

/** Effects of the machine become feed events one to one, named `case.<kind>` (or a `wbci.` event). */
const eventsOf = (caseId: string, d: Extract<Decision, { ok: true }>): NewDomainEvent[] => [
  ...d.effects.map((e) => ({ type: WBCI_EVENTS[e.kind] ?? `case.${e.kind}`, caseId, data: e as unknown })),
  ...d.warnings.map((w) => ({ type: 'case.warning', caseId, data: w as unknown })),
];

/** JSON with sorted keys: the same content hashes the same whatever order a peer put its fields in. */
function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  // one string built in place: this runs on every inbound message
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + (v[i] === undefined ? 'null' : canonicalJson(v[i]));
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  out = '{';
  for (const k of keys) {
    if (o[k] === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJson(o[k]);
  }
  return out + '}';
}

/**
 * What makes two receipts the same message (one effect, the same answer), wbci.md §11.2 and the
 * README's "retry or new message":
 * - with switchgate's delivery id: the same delivery id from the same peer, nothing else. Two
 *   deliveries with identical content are two business messages (an unchanged AKM-TR re-sent after
 *   an ABBM-TR; a TVS-VA that reuses a T-ID, answered with 8115).
 * - without one (another vendor's gateway): sender, type, business id and a hash of the content —
 *   refined by the case state for the AKM-TR (see `akmTrRound`).
 */
function dedupeKey(m: WbciMessage, delivery: DeliveryInfo | undefined): string {
  if (delivery?.id !== undefined) return `wbci:${m.sender}:delivery:${delivery.id}`;
  const h = createHash('sha256').update(canonicalJson(m)).digest('base64url');
  return `wbci:${m.sender}:${m.type}:${ownIdOf(m) ?? vaIdOf(m)}:${h}`;
}

/**
 * How many AKM-TRs of this case were rejected by ABBM-TR so far. WBCI lets the EKPauf send the
 * AKM-TR again after an ABBM-TR, possibly unchanged (wbci.md §4, §7 "TR rejected"): an AKM-TR that
 * arrives after n rejections is a new message even when its content equals an earlier one.
 */
function akmTrRound(s: WbciCaseState): number {
  return s.akmTr.status === 'rejected' ? s.akmTr.count : Math.max(0, s.akmTr.count - 1);
}

export class WbciService {
  readonly #d: WbciServiceDeps;
  /** the optimistic reads of concurrent receipts share a statement */
  readonly #inboundReads: Coalescer<InboundQuery, InboundContext>;

  constructor(deps: WbciServiceDeps) {
    this.#d = deps;
    this.#inboundReads = new Coalescer((qs) => readInboundContexts(deps.db, qs));
  }

  #ctx(direction: 'in' | 'out'): MachineContext {
    return { now: this.#d.clock.now(), calendar: this.#d.calendar, rules: this.#d.rules, direction, maxRequestedDateHorizonDays: this.#d.maxRequestedDateHorizonDays };
  }

  /** When the machine's `tick` may next change something by itself (completion, successor expiry). */
  #nextTickAt(s: WbciCaseState): Date | null {
    return nextTimedTransitionAt(s, { calendar: this.#d.calendar, rules: this.#d.rules });
  }

  /** Recomputes the open deadlines, keeping the "announced" mark of ones that did not move. */
  #deadlines(s: WbciCaseState, previous: StoredDeadline[]): StoredDeadline[] {
    const fresh = computeDeadlines(s, { calendar: this.#d.calendar, rules: this.#d.rules, watchWholesaleOrder: this.#d.wholesaleOrders === true });
    return fresh.map((d) => {
      const old = previous.find((p) => p.name === d.name && p.ref === d.ref && p.dueAt === d.dueAt);
      return old?.announced ? { ...d, announced: true } : d;
    });
  }

  /** Dates derived from the state and stored with it (D14 `terminationDate`). */
  #derived(s: WbciCaseState): WbciCaseState {
    const termination = witaTerminationDate(s, { calendar: this.#d.calendar, rules: this.#d.rules });
    if (termination === null || termination === s.terminationDate) return s;
    return { ...s, terminationDate: termination };
  }

  async #tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.#d.db.transaction().execute(fn);
  }

  #run<T>(fn: (u: Unit) => Promise<T>): Promise<T> {
    return runStep(this.#d.db, fn);
  }

  async #loadState(u: Unit | Tx, id: string): Promise<Loaded | undefined> {
    const unit: Unit = 'locked' in u ? u : { db: u, locked: true };
    const row = await loadCase(unit.db, id, { forUpdate: unit.locked });
    if (!row || row.procedure !== 'wbci') return undefined;
    checkCasePrecondition(row);
    return { state: row.data as unknown as WbciCaseState, deadlines: row.deadlines as unknown as StoredDeadline[], version: row.version };
  }

  /** Writes one decided step: case, message, history, outbox, events. */
  async #persist(
    u: Unit,
    prev: Loaded | null,
    d: Extract<Decision, { ok: true }>,
    msg: WbciMessage,
    direction: 'in' | 'out',
    meta: { raw?: string; rawFormat?: string; dedupeKey?: string; signature?: unknown },
  ): Promise<Sent> {
    const now = this.#d.clock.now();
    const next = this.#derived(d.state);
    const deadlines = this.#deadlines(next, prev?.deadlines ?? []);
    const snap = snapshotOf(next, deadlines, now, this.#nextTickAt(next));
    const messageId = newMessageId();
    const hook = this.#hookWants(d.effects);
    if (hook && !u.locked) throw NEEDS_TX;
    const written = await this.#write(u.db, {
      caseWrite: prev ? 'update' : 'insert',
      snapshot: snap,
      ...(prev && !u.locked ? { expectedVersion: prev.version } : {}),
      messages: [
        {
          messageId,
          caseId: next.vaId,
          type: msg.type,
          direction,
          peer: snap.peer,
          businessId: ownIdOf(msg) ?? null,
          status: direction === 'out' ? 'queued' : 'accepted',
          body: direction === 'out' ? withStandardTexts(msg) : msg,
          raw: meta.raw ?? null,
          rawFormat: meta.rawFormat ?? (direction === 'out' ? null : 'test'),
          dedupeKey: meta.dedupeKey ?? null,
          signature: meta.signature ?? null,
          // a message received is the decoding of its wire form: the body need not be stored apart (0021)
          bodyFrom: direction === 'in' && meta.raw ? bodySourceOf(meta.rawFormat) : null,
        },
      ],
      history: !prev || prev.state.state !== next.state ? [{ from: prev?.state.state ?? null, to: next.state, note: msg.type }] : [],
      outbox: direction === 'out' ? [{ message: 0, kind: 'peer', destination: snap.peer }] : [],
      events: [
        { type: direction === 'in' ? 'message.received' : 'message.queued', caseId: next.vaId, data: { messageId, type: msg.type, businessId: ownIdOf(msg) ?? null } },
        ...eventsOf(next.vaId, d),
      ],
    });
    if (written.conflict) throw CONFLICT;
    if (hook) {
      await this.#d.onCaseChanged!(u.db as Tx, { prev: prev?.state ?? null, next, effects: d.effects });
      // the hook may have changed the case (its wholesale order): answer with the row as committed
      const row = await loadCase(u.db, next.vaId);
      if (row) return { messageId, row, warnings: d.warnings };
    }
    return { messageId, row: rowOf(snap, written), warnings: d.warnings };
  }

  /** Outside a transaction, steps of concurrent requests share a statement (group commit). */
  #write(db: Tx | Kysely<Database>, step: CaseStep): Promise<CaseStepResult> {
    return db === this.#d.db && this.#d.batcher ? this.#d.batcher.write(step) : writeCaseStep(db, step);
  }

  #hookWants(effects: readonly Effect[]): boolean {
    const hook = this.#d.onCaseChanged;
    if (!hook) return false;
    return !hook.effects || effects.some((e) => hook.effects!.includes(e.kind));
  }

  #checkFields(msg: WbciMessage): Issue[] {
    const errors = errorsOnly(validateMessage(msg, 'send'));
    if (errors.length) throw invalidContent(errors);
    return [];
  }

  // -------------------------------------------------------------------------------------------
  // Northbound commands (this gateway sends)

  async startSwitch(input: StartWbciSwitch, opts: CommandOptions = {}): Promise<Started> {
    if (!this.#d.isPeer(input.donating)) {
      throw new AppError(422, 'SG_UNKNOWN_PEER', `donating carrier ${input.donating} is not a configured peer`, [
        { path: '/donating', rule: 'knownPeer', code: 'SG_UNKNOWN_PEER', message: `no peer with carrierCode ${input.donating} is configured` },
      ]);
    }
    const vaId = await this.#d.ids.next('V');
    const va = buildVa(input, vaId, this.#d.self);
    this.#checkFields(va);
    if (input.replaces) va.replaces = input.replaces;
    if (!input.replaces && !opts.beforeCommit) {
      // The common case: a new VA is one row set written by one statement — atomic on its own,
      // no transaction needed unless a hook has to write along.
      const d = openCase(va, 'recipient', this.#ctx('out'));
      if (!d.ok) throw refusedByStateMachine(d.issues);
      if (!this.#hookWants(d.effects)) return this.#persist({ db: this.#d.db, locked: false }, null, d, va, 'out', {});
    }
    return this.#tx(async (trx) => {
      let predecessor: Loaded | undefined;
      if (input.replaces) {
        predecessor = await this.#loadState(trx, input.replaces);
        if (!predecessor) throw notFound('switch', input.replaces);
        if (predecessor.state.role !== 'recipient' || predecessor.state.donating !== input.donating) {
          throw new AppError(409, 'SG_SUCCESSOR_MISMATCH', 'a successor VA must go to the same donating carrier as the VA it replaces', [
            { path: '/replaces', rule: 'samePeer', code: 'SG_SUCCESSOR_MISMATCH', message: `${input.replaces} is not a VA this gateway sent to ${input.donating}` },
          ]);
        }
      }
      const d = openCase(va, 'recipient', this.#ctx('out'), predecessor ? { replaces: predecessor.state } : undefined);
      if (!d.ok) throw refusedByStateMachine(d.issues);
      if (predecessor) await this.#linkSuccessor(trx, predecessor, vaId);
      const started = await this.#persist({ db: trx, locked: true }, null, d, va, 'out', {});
      await opts.beforeCommit?.(trx, vaId);
      return started;
    });
  }

  async #linkSuccessor(trx: Tx, predecessor: Loaded, successorId: string) {
    const linked = linkSuccessor(predecessor.state, successorId);
    const deadlines = this.#deadlines(linked, predecessor.deadlines);
    await updateCase(trx, snapshotOf(linked, deadlines, this.#d.clock.now(), this.#nextTickAt(linked)));
    await appendEvents(trx, [{ type: 'case.successor-linked', caseId: linked.vaId, data: { successor: successorId } }]);
  }

  /** Sends a message built from the current state of case `id`. */
  async #send(
    id: string,
    build: (s: WbciCaseState) => Promise<WbciMessage | undefined> | WbciMessage | undefined,
    onMissing?: () => AppError,
    opts: CommandOptions = {},
  ): Promise<Sent> {
    const step = async (u: Unit): Promise<Sent> => {
      const prev = await this.#loadState(u, id);
      if (!prev) {
        // a case of another procedure: the step exists, just not for it
        const other = await loadCase(u.db, id);
        if (other) throw new AppError(409, 'SG_WRONG_PROCEDURE', `${id} is a ${other.procedure} case; this step belongs to WBCI`);
        throw notFound('switch', id);
      }
      const msg = await build(prev.state);
      if (!msg) throw onMissing ? onMissing() : notFound('switch', id);
      // Who may send what in which state is decided before the content: otherwise a step the case
      // does not allow surfaces as a field error on something the gateway filled in itself (the
      // RRNP business case of an AKM-TR, the EKPabg's prefix on a T-ID).
      const kind = messageKind(msg);
      const early = kind === 'VA' ? null : explainRefusal(prev.state, kind, prev.state.role === 'recipient' ? 'auf' : 'abg', 'out');
      if (early) throw refusedByStateMachine([early]);
      this.#checkFields(msg);
      const d = apply(prev.state, msg, this.#ctx('out'));
      if (!d.ok) throw refusedByStateMachine(d.issues);
      const sent = await this.#persist(u, prev, d, msg, 'out', {});
      if (opts.beforeCommit) await opts.beforeCommit(u.db as Tx, sent.messageId);
      return sent;
    };
    // with something to commit along, one transaction; otherwise the optimistic step (group commit)
    return opts.beforeCommit ? this.#tx((trx) => step({ db: trx, locked: true })) : this.#run(step);
  }

  answer(id: string, input: AnswerInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(id, (s) => {
      if (input.result === 'accept' && input.contractEnd !== undefined) {
        const issue = rrnpContractEndIssue(s, input.contractEnd, { calendar: this.#d.calendar, rules: this.#d.rules });
        if (issue) throw new AppError(422, issue.code, issue.message, [issue]);
      }
      return buildAnswer(s, input, this.#d.self);
    }, undefined, opts);
  }

  resourceHandover(id: string, input: ResourceHandoverInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(id, (s) => buildAkmTr(s, input, this.#d.self), undefined, opts);
  }

  answerResourceHandover(id: string, input: ResourceHandoverAnswerInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(id, (s) => buildAbbmTr(s, input, this.#d.self), undefined, opts);
  }

  async reschedule(id: string, input: RescheduleInput, opts: CommandOptions = {}): Promise<Sent> {
    const changeId = await this.#d.ids.next('T');
    return this.#send(id, (s) => buildTvsVa(s, input, changeId, this.#d.self), undefined, opts);
  }

  async cancel(id: string, input: CancelInput, opts: CommandOptions = {}): Promise<Sent> {
    const stornoId = await this.#d.ids.next('S');
    return this.#send(id, (s) => buildStorno(s, input, stornoId, this.#d.self), undefined, opts);
  }

  answerChange(id: string, changeId: string, input: ChangeAnswerInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(
      id,
      (s) => buildChangeAnswer(s, changeId, input, this.#d.self),
      () => notFound('open change request', changeId),
      opts,
    );
  }

  // -------------------------------------------------------------------------------------------
  // East-west inbound (a peer sends)

  async receive(msg: WbciMessage, meta: InboundMeta): Promise<ReceiveOutcome> {
    const outcome = await this.#receive(msg, meta);
    this.#d.onReceived?.(meta.peer, msg.type, outcome.status !== 'invalid' && outcome.duplicate ? 'duplicate' : outcome.status);
    return outcome;
  }

  async #receive(msg: WbciMessage, meta: InboundMeta): Promise<ReceiveOutcome> {
    const fieldIssues = validateMessage(msg, 'receive');
    const errors = errorsOnly(fieldIssues);
    if (errors.length) return { status: 'invalid', code: '0995', issues: errors };
    const auth = this.#checkParties(msg, meta.peer);
    if (auth) return { status: 'invalid', code: 'SG_PEER_MISMATCH', issues: [auth] };
    const contentKey = dedupeKey(msg, meta.delivery);

    return this.#run(async (u) => {
      let key = contentKey;
      const trx = u.db;
      const caseId = vaIdOf(msg);
      const isVa = isVaType(msg.type);
      const ownId = ownIdOf(msg) ?? null;
      // optimistic: one read for everything; locked: the same reads, row by row, with locks
      const read = u.locked
        ? undefined
        : await this.#readInbound(trx, { dedupeKey: key, caseId, ownId: isVa ? null : ownId, replacedFrom: isVa ? msg.sender : null });
      const seen = read ? read.seen : ((await findByDedupeKey(trx, key)) ?? null);
      const byContent = meta.delivery?.id === undefined;
      if (seen && !(byContent && msg.type === 'AKM-TR')) return sameAnswer(seen);
      const ctx = this.#ctx('in');

      if (isVa) {
        const persistMeta = { raw: meta.raw, rawFormat: meta.rawFormat ?? 'test', dedupeKey: key, signature: meta.signature };
        const va = msg as VaRequest;
        const existing = read ? read.caseRow : await loadCase(trx, caseId, { forUpdate: true });
        if (existing) {
          const issue: Issue = { path: '/vaId', rule: 'unusedId', code: '8115', message: `VA-ID ${caseId} is already in use` };
          return this.#refuse(trx, msg, meta, key, [issue], { type: 'ABBM', code: '8115', businessCase: va.type, vaIdRef: caseId, text: standardText('8115') ?? issue.message });
        }
        const explicit = meta.delivery?.replaces;
        let predecessor: Loaded | undefined;
        let d: Decision;
        if (explicit !== undefined) {
          // the partner named the cancelled VA: its rules apply (a mismatch is refused, as when sent)
          const named = await this.#loadState(u, explicit);
          predecessor = named && named.state.role === 'donating' && named.state.recipient === va.recipient ? named : undefined;
          d = openCase(va, 'donating', ctx, predecessor ? { replaces: predecessor.state } : undefined);
          if (d.ok && !predecessor) d.warnings.push({ path: '/replaces', rule: 'knownPredecessor', code: 'SG_SUCCESSOR_UNKNOWN', message: `${explicit} is not a VA of ${va.recipient} on this gateway; not linked`, severity: 'warning' });
        } else {
          const waiting = read ? read.replaced : await this.#waitingForSuccessor(u, va.recipient);
          const match = matchSuccessor(va, waiting.map((r) => r.data as WbciCaseState), ctx.now, { calendar: this.#d.calendar, rules: this.#d.rules });
          const linked = match.kind === 'linked' ? loadedOf(waiting.find((r) => (r.data as WbciCaseState).vaId === match.predecessor.vaId)!) : undefined;
          d = openCase(va, 'donating', ctx, linked ? { replaces: linked.state } : match.kind === 'ambiguous' ? { maybeReplaces: match } : undefined);
          if (!d.ok && linked) {
            // an inferred link that breaks a successor rule is no reason to refuse the VA: the CRM decides
            const why = d.issues.find((i) => i.severity === 'error')?.message ?? 'successor rules not met';
            d = openCase(va, 'donating', ctx, { maybeReplaces: { candidates: [linked.state.vaId], reason: why } });
          } else {
            predecessor = linked;
          }
        }
        if (!d.ok) return this.#refuse(trx, msg, meta, key, d.issues, d.reply);
        if (predecessor) {
          if (!u.locked) throw NEEDS_TX;
          await this.#linkSuccessor(trx as Tx, predecessor, caseId);
        }
        const { messageId } = await this.#persist(u, null, d, msg, 'in', persistMeta);
        return { status: 'accepted', messageId, caseId, duplicate: false, warnings: [...fieldIssues, ...d.warnings] };
      }

      const prev = read
        ? read.caseRow && read.caseRow.procedure === 'wbci'
          ? { state: read.caseRow.data as WbciCaseState, deadlines: read.caseRow.deadlines as StoredDeadline[], version: read.caseRow.version }
          : undefined
        : await this.#loadState(u, caseId);
      if (byContent && msg.type === 'AKM-TR') {
        // without a delivery id the case decides: an AKM-TR after an ABBM-TR is a new message
        const round = prev ? akmTrRound(prev.state) : 0;
        if (round > 0) key = `${contentKey}:round${round}`;
        const again = round > 0 ? ((await findByDedupeKey(trx, key)) ?? null) : seen;
        if (again) return sameAnswer(again);
      }
      const persistMeta = { raw: meta.raw, rawFormat: meta.rawFormat ?? 'test', dedupeKey: key, signature: meta.signature };
      if (!prev) {
        const issue: Issue = { path: '/vaIdRef', rule: 'knownVaId', code: '8140', message: `VA-ID ${caseId} is not known` };
        // A Meldung that answers nothing we know cannot be answered by a Meldung: just refuse it.
        const text = standardText('8140') ?? issue.message;
        const reply: AutoReply | null =
          msg.type === 'AKM-TR'
            ? { type: 'ABBM-TR', code: '8140', businessCase: msg.businessCase as VaType, vaIdRef: caseId, text }
            : msg.type === 'TVS-VA' || msg.type === 'STR-AUF' || msg.type === 'STR-AEN'
              ? autoReplyFor(null, msg, '8140')
              : null;
        return this.#refuse(trx, msg, meta, key, [issue], reply);
      }
      if ((prev.state.role === 'recipient' ? prev.state.donating : prev.state.recipient) !== meta.peer) {
        return { status: 'invalid', code: 'SG_PEER_MISMATCH', issues: [{ path: '/vaIdRef', rule: 'counterparty', code: 'SG_PEER_MISMATCH', message: `${meta.peer} is not the counterparty of ${caseId}` }] };
      }
      const isChange = msg.type === 'TVS-VA' || msg.type === 'STR-AUF' || msg.type === 'STR-AEN';
      if (isChange && (read ? read.ownIdUsed : await businessIdUsed(trx, ownId!, 'in'))) {
        const issue: Issue = { path: msg.type === 'TVS-VA' ? '/changeId' : '/stornoId', rule: 'unusedId', code: '8115', message: `${ownIdOf(msg)} is already in use` };
        return this.#refuse(trx, msg, meta, key, [issue], autoReplyFor(prev.state, msg, '8115'));
      }
      if (msg.type === 'AKM-TR') {
        ctx.akmTrChecks = this.#d.akmTrChecks ?? 'auto';
        const stray = akmTrFindings(prev.state, msg, {});
        if (stray.length > 0) ctx.linesOfOtherCases = await linesNamedElsewhere(trx, caseId, msg);
      }
      const d = apply(prev.state, msg, ctx);
      if (!d.ok) return this.#refuse(trx, msg, meta, key, d.issues, d.reply);
      const { messageId } = await this.#persist(u, prev, d, msg, 'in', persistMeta);
      return { status: 'accepted', messageId, caseId, duplicate: false, warnings: [...fieldIssues, ...d.warnings] };
    });
  }

  #readInbound(db: Tx | Kysely<Database>, q: InboundQuery): Promise<InboundContext> {
    return db === this.#d.db ? this.#inboundReads.get(q) : readInboundContext(db, q);
  }

  #checkParties(msg: WbciMessage, peer: CarrierCode): Issue | undefined {
    const self = this.#d.self;
    if (msg.sender !== peer) return { path: '/sender', rule: 'authenticatedSender', code: 'SG_PEER_MISMATCH', message: `sender ${msg.sender} is not the authenticated peer ${peer}` };
    if (msg.recipient !== self && msg.donating !== self) return { path: '/donating', rule: 'addressedToSelf', code: 'SG_PEER_MISMATCH', message: `neither contract partner is this gateway (${self})` };
    if (isVaType(msg.type) && msg.donating !== self) return { path: '/donating', rule: 'addressedToSelf', code: 'SG_PEER_MISMATCH', message: `a VA must be addressed to this gateway (${self}) as donating carrier` };
    return undefined;
  }

  /** Donating cases of `peer` waiting for a successor VA (successor.ts picks among them). */
  async #waitingForSuccessor(u: Unit, peer: CarrierCode): Promise<{ data: unknown; deadlines: unknown; version: number }[]> {
    let q = u.db
      .selectFrom('cases')
      .select(['id', 'data', 'data_z', 'data_dict', 'deadlines', 'version'])
      .where('procedure', '=', 'wbci')
      .where('role', '=', 'donating')
      .where('peer', '=', peer)
      .where('state', '=', 'REPLACED')
      .orderBy('updated_at', 'desc')
      .limit(20);
    if (u.locked) q = q.forUpdate();
    return withCaseData(u.db, await q.execute());
  }

  /**
   * The CRM links case `id` to the cancelled VA `replaces` it succeeds (after a
   * `wbci.successor-ambiguous`, or whenever the link was not known on receipt). Local to this
   * gateway: each side's CRM links its own cases. Checked by the machine's successor rules.
   */
  async link(id: string, replaces: string): Promise<CaseRow> {
    return this.#tx(async (trx) => {
      const succ = await this.#loadState(trx, id);
      if (!succ) throw notFound('switch', id);
      const pred = await this.#loadState(trx, replaces);
      if (!pred) {
        throw new AppError(422, 'SG_SUCCESSOR_MISMATCH', `${replaces} is not a WBCI case of this gateway`, [
          { path: '/replaces', rule: 'knownCase', code: 'SG_SUCCESSOR_MISMATCH', message: `no WBCI case ${replaces}` },
        ]);
      }
      if (succ.state.replaces !== undefined) {
        throw new AppError(409, 'SG_SUCCESSOR_ALREADY_LINKED', `${id} already succeeds ${succ.state.replaces}`, [
          { path: '/replaces', rule: 'linkOnce', code: 'SG_SUCCESSOR_ALREADY_LINKED', message: `${id} already succeeds ${succ.state.replaces}` },
        ]);
      }
      if (succ.state.role !== pred.state.role) {
        throw new AppError(409, 'SG_SUCCESSOR_MISMATCH', `${id} and ${replaces} are cases of different roles`, [
          { path: '/replaces', rule: 'sameRole', code: 'SG_SUCCESSOR_MISMATCH', message: `${replaces} is a ${pred.state.role} case, ${id} a ${succ.state.role} case` },
        ]);
      }
      const issues = successorIssues(succ.state.va, pred.state, this.#ctx('out')).filter((i) => i.severity === 'error');
      if (issues.length > 0) throw refusedByStateMachine(issues.map(({ path, rule, code, message, severity }) => ({ path, rule, code, message, severity })));
      const now = this.#d.clock.now();
      const linked = linkPredecessor(succ.state, pred.state);
      await updateCase(trx, snapshotOf(linked, succ.deadlines, now, this.#nextTickAt(linked)));
      await this.#linkSuccessor(trx, pred, id);
      await appendEvents(trx, [{ type: 'case.successor-linked', caseId: id, data: { replaces, by: 'crm' } }]);
      this.#d.log.info({ caseId: id, replaces }, 'successor linked by the CRM');
      const row = await loadCase(trx, id);
      return row!;
    });
  }

  /** Records a refused inbound message and queues the business answer; the case stays as it was. */
  async #refuse(
    db: Tx | Kysely<Database>,
    msg: WbciMessage,
    meta: InboundMeta,
    key: string,
    issues: Issue[],
    reply: AutoReply | null,
  ): Promise<ReceiveOutcome> {
    const caseId = vaIdOf(msg);
    const replyInfo = reply ? { type: reply.type, code: reply.code } : null;
    const answer = reply ? replyMessage(msg, reply, this.#d.self) : undefined;
    const { step, messageId } = refusalStep({
      caseId,
      message: { type: msg.type, body: msg, businessId: ownIdOf(msg) ?? null },
      peer: meta.peer,
      raw: meta.raw,
      rawFormat: meta.rawFormat,
      signature: meta.signature,
      dedupeKey: key,
      issues,
      replyInfo,
      answer: answer && { type: answer.type, body: answer },
    });
    await this.#write(db, step);
    this.#d.log.info({ caseId, messageId, type: msg.type, codes: issues.map((i) => i.code) }, 'inbound message refused');
    return { status: 'refused', messageId, caseId, duplicate: false, issues, reply: replyInfo };
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** Flags overdue deadlines (announced once) and applies time-driven transitions; returns how many cases were looked at. */
  async tickDue(limit = 100): Promise<number> {
    const now = this.#d.clock.now();
    return forEachDueCase(this.#d.db, 'wbci', now, limit, async (trx, row) => {
      const id = row.id;
      let state = row.data as unknown as WbciCaseState;
      const events: NewDomainEvent[] = [];
      const history: HistoryEntry[] = [];
      const d = tick(state, this.#ctx('in'));
      if (d && d.ok) {
        if (d.state.state !== state.state) history.push({ from: state.state, to: d.state.state, note: 'time' });
        events.push(...eventsOf(id, d));
        if (this.#hookWants(d.effects)) await this.#d.onCaseChanged!(trx, { prev: state, next: d.state, effects: d.effects });
        state = d.state;
      }
      // D15: once the wholesale order exists, its absence is no longer watched
      const open = this.#deadlines(state, row.deadlines as unknown as StoredDeadline[]).filter((dl) => !(dl.name === 'wholesaleOrder' && row.wholesale_order));
      const overdue = announceOverdue(id, open, now);
      await updateCase(trx, snapshotOf(state, overdue.deadlines, now, this.#nextTickAt(state)), history);
      await appendEvents(trx, [...events, ...overdue.events]);
    });
  }

  /** The role a configured peer plays in a case. Exposed for the REST layer's explanations. */
  static roleOf(s: WbciCaseState): Role {
    return s.role;
  }
}

const loadedOf = (r: { data: unknown; deadlines: unknown; version: number }): Loaded => ({
  state: r.data as WbciCaseState,
  deadlines: r.deadlines as StoredDeadline[],
  version: r.version,
});

/**
 * Which of the AKM-TR's lines this gateway named in the RUEM-VA of another of its cases (rare: only
 * asked for lines the case's own RUEM-VA did not name).
 */
async function linesNamedElsewhere(db: Tx | Kysely<Database>, caseId: string, m: AkmTr): Promise<{ lineIds: string[]; contractNumbers: string[] }> {
  const out = { lineIds: [] as string[], contractNumbers: [] as string[] };
  for (const line of m.lines) {
    for (const [field, into] of [['lineId', out.lineIds], ['contractNumber', out.contractNumbers]] as const) {
      const value = line[field];
      if (value === undefined) continue;
      const probe = JSON.stringify([{ [field]: value }]);
      const hit = await sql<{ id: string }>`SELECT id FROM cases
         WHERE procedure = 'wbci' AND role = 'donating' AND id <> ${caseId}
           AND (data -> 'agreement' -> 'resources')::jsonb @> ${probe}::jsonb LIMIT 1`.execute(db);
      if (hit.rows.length > 0) into.push(value);
    }
  }
  return out;
}

const bodySourceOf = (format: string | undefined): BodySource | null => (format === 'soap' ? 'wbci-soap' : format === 'json' ? 'wbci-json' : null);

/** The same message again: one effect, the same answer as the first time. */
function sameAnswer(seen: { message_id: string; case_id: string; status: string; body: unknown }): ReceiveOutcome {
  const body = seen.body as { reply?: { type: string; code: string } } | null;
  return seen.status === 'refused'
    ? { status: 'refused', messageId: seen.message_id, caseId: seen.case_id, duplicate: true, issues: [], reply: body?.reply ?? null }
    : { status: 'accepted', messageId: seen.message_id, caseId: seen.case_id, duplicate: true, warnings: [] };
}

function autoReplyFor(s: WbciCaseState | null, msg: WbciMessage, code: string): AutoReply {
  const vaIdRef = vaIdOf(msg);
  const text = standardText(code) ?? code;
  if (msg.type === 'TVS-VA') {
    return { type: 'ABBM', code, businessCase: 'TVS-VA', vaIdRef, changeIdRef: msg.changeId, text, ...(s?.switchDate ? { switchDate: s.switchDate } : {}) };
  }
  if (msg.type === 'STR-AUF' || msg.type === 'STR-AEN') return { type: 'ABBM', code, businessCase: msg.type, vaIdRef, stornoIdRef: msg.stornoId, text };
  return { type: 'ABBM', code, businessCase: s?.type ?? (isVaType(msg.type) ? msg.type : 'VA-KUE-MRN'), vaIdRef, text };
}

/** The ABBM / ABBM-TR the gateway sends on its own when it refuses an inbound message. */
function replyMessage(msg: WbciMessage, reply: AutoReply, self: CarrierCode): Abbm | AbbmTr {
  const base = {
    recipient: msg.recipient,
    donating: msg.donating,
    sender: self,
    vaIdRef: vaIdOf(msg),
    businessCase: reply.businessCase,
    positions: [{ code: reply.code, text: reply.text }],
  };
  if (reply.type === 'ABBM-TR') return { type: 'ABBM-TR', ...base };
  return {
    type: 'ABBM',
    ...base,
    ...(reply.changeIdRef ? { changeIdRef: reply.changeIdRef } : {}),
    ...(reply.stornoIdRef ? { stornoIdRef: reply.stornoIdRef } : {}),
    ...(reply.switchDate ? { switchDate: reply.switchDate } : {}),
    ...(reply.reason ? { reason: reply.reason } : {}),
  };
}
