/**
 * The AGCOM Fase 2 case service: the one place where a decided step becomes durable, as the WBCI
 * service does for its procedure. For every message, in or out, it asks the AGCOM state machine,
 * then writes the case (state, deadlines), the message (parsed and raw), the history, the outbox
 * rows and the events in ONE statement (`writeCaseStep`). The Donating's automatic answer (xml2,
 * the formal validation decided by the machine) is written in the same step as what it answers.
 *
 * Units of work: steps on an existing case run optimistically (version-guarded single statement,
 * retried on conflict, falling back to a locked transaction); steps that open a case run in a
 * transaction holding advisory locks on the line keys, so two requests for one line cannot both
 * open a case ("one open switch per line", `lineKeys`), on any number of replicas.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import { errorsOnly, type Issue } from '../../domain/issues.js';
import { isTerminal, TERMINAL_STATES, type AgcomCaseState } from '../../protocols/agcom/case-state.js';
import { computeDeadlines, sessionCodeValidUntil, type Deadline } from '../../protocols/agcom/deadlines.js';
import {
  apply,
  completeByNetwork,
  explainRefusal,
  formalAnswer,
  nextTimedTransitionAt,
  openCase,
  refuseDuplicate,
  tick,
  type AutoReply,
  type Decision,
  type Effect,
  type MachineContext,
  type MessageKind,
} from '../../protocols/agcom/machine.js';
import type { AgcomRules } from '../../protocols/agcom/rules.js';
import type { AgcomMessage, FormalValidation, MigrationRequest, OperatorCode } from '../../protocols/agcom/types.js';
import type { IdSource } from '../../store/ids.js';
import type { CaseRow, Database } from '../../store/schema.js';
import { loadCase, updateCase, type CaseSnapshot } from '../../store/repos/cases.js';
import type { HistoryEntry } from '../../store/case-history.js';
import { writeCaseStep, type CaseStepResult } from '../../store/repos/case-writes.js';
import { appendEvents, type NewDomainEvent } from '../../store/repos/events.js';
import { findByDedupeKey, type MessageRecord } from '../../store/repos/messages.js';
import { AppError, invalidContent, notFound, refusedByStateMachine } from '../errors.js';
import { checkCasePrecondition } from '../case-precondition.js';
import { CONFLICT, NEEDS_TX, announceOverdue, forEachDueCase, isUniqueViolation, refusalStep, rowOf, runStep, type CommandOptions, type Tx, type Unit } from '../case-unit.js';
import {
  answerBodyPath,
  buildCancellation,
  buildManagerial,
  buildRequest,
  buildReschedule,
  changeBodyPath,
  parseStartCodes,
  startBodyPath,
  type AgcomAnswerInput,
  type AgcomCancelInput,
  type AgcomContactInput,
  type AgcomRescheduleInput,
  type StartAgcomSwitch,
} from './commands.js';
import type { AgcomPartner, AgcomSettings } from './settings.js';
import { newMessageId } from '../../domain/message-id.js';

/** What the case row's `data` holds: the machine's state plus what only phase 3 needs. */
export type StoredAgcomCase = AgcomCaseState & { contact?: AgcomContactInput };

/**
 * Runs in the same transaction as the case change, after it was written (the phase-3 hook point,
 * as `CaseChangeHook` for WBCI). `next.sessionCode`, `next.request.resources`, `next.request.numbers`
 * and `next.dac` are what a phase-3 order needs; `managerial-validated` OK is "phase 2 succeeded".
 */
export interface AgcomCaseChangeHook {
  (trx: Transaction<Database>, change: { prev: StoredAgcomCase | null; next: StoredAgcomCase; effects: Effect[] }): Promise<void>;
  /** the effect kinds the hook reacts to; absent: every change */
  effects?: readonly Effect['kind'][];
}

export interface AgcomServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** order ids: `<operator>_<V-id suffix>` */
  ids: IdSource;
  settings: AgcomSettings;
  log: Logger;
  onCaseChanged?: AgcomCaseChangeHook;
  /** told the outcome of every inbound message (metrics) */
  onReceived?: (peer: string, type: string, outcome: 'accepted' | 'refused' | 'invalid' | 'duplicate') => void;
  /** what phase 3 needs of a new request beyond the schema (e.g. the FTTH N1's field lengths); issues refuse it (422) */
  startChecks?: (input: StartAgcomSwitch) => Issue[];
}

export interface StoredDeadline extends Deadline {
  announced?: boolean;
}

export type AgcomRawFormat = 'file' | 'json' | 'soap' | 'test';

export interface AgcomInboundMeta {
  /** the authenticated partner's carrier code */
  peer: string;
  raw?: string;
  rawFormat?: AgcomRawFormat;
}

export type AgcomReceiveOutcome =
  | { status: 'accepted'; messageId: string; caseId: string; duplicate: boolean; warnings: Issue[] }
  /** business refusal: recorded; answered (xml2 KO) when the message is one the Donating answers */
  | { status: 'refused'; messageId: string; caseId: string; duplicate: boolean; issues: Issue[]; reply: { result: 'KO'; category: string } | null }
  /** not accepted at all (wrong partner): nothing stored */
  | { status: 'invalid'; code: string; issues: Issue[] };

export interface Sent {
  messageId: string;
  row: CaseRow;
  /** what the rules found without refusing, in request-body terms; also `case.warning` on the feed */
  warnings: Issue[];
}

interface Loaded {
  state: StoredAgcomCase;
  deadlines: StoredDeadline[];
  version: number;
}


/** advisory-lock class of AGCOM line keys (any constant distinct from other users of advisory locks) */
const LINE_LOCK_CLASS = 0x4147; // 'AG'

/** Machine codes that say "not now / not by you", answered 409; everything else is content (422). */
const STATE_CODES = new Set([
  'SG_AGCOM_CLOSED',
  'SG_AGCOM_CHANGE_OPEN',
  'SG_AGCOM_AFTER_DAC',
  'SG_AGCOM_WRONG_PARTY',
  'SG_AGCOM_WRONG_DIRECTION',
  'SG_AGCOM_ALREADY_ANSWERED',
  'SG_AGCOM_NOT_FORMALLY_VALIDATED',
  'SG_AGCOM_NO_OPEN_CHANGE',
  'SG_AGCOM_WRONG_CHANGE',
  'SG_AGCOM_FORMAL_AUTOMATIC',
  'SG_AGCOM_DUPLICATE',
  'SG_AGCOM_ORDER_ID_IN_USE',
]);

/** A machine refusal as the API answers it, its paths in request-body terms. */
function refusal(issues: Issue[], toBody: (p: string) => string): AppError {
  const mapped = issues.map((i) => {
    const path = toBody(i.path);
    return path === i.path ? i : { ...i, path };
  });
  const first = errorsOnly(mapped)[0];
  if (first && STATE_CODES.has(first.code)) return refusedByStateMachine(mapped);
  return invalidContent(errorsOnly(mapped).concat(mapped.filter((i) => i.severity === 'warning')));
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The same message content from the same sender is the same message, whatever file carried it. */
export function agcomDedupeKey(m: AgcomMessage): string {
  const h = createHash('sha256').update(canonicalJson(m)).digest('base64url');
  return `agcom:${m.sender}:${m.type}:${m.orderId}:${h}`;
}

const eventsOf = (caseId: string, d: Extract<Decision, { ok: true }>): NewDomainEvent[] => [
  ...d.effects.map((e) => ({ type: `case.${e.kind}`, caseId, data: e as unknown })),
  ...d.warnings.map((w) => ({ type: 'case.warning', caseId, data: w as unknown })),
];

/** Which message a reply record answers, for the feed and the refusal record. */
const replyInfo = (r: FormalValidation | null): { result: 'KO'; category: string } | null =>
  r && r.result === 'KO' ? { result: 'KO', category: r.rejection?.category ?? 'ALTRO' } : null;

export class AgcomService {
  readonly #d: AgcomServiceDeps;

  constructor(deps: AgcomServiceDeps) {
    this.#d = deps;
  }

  get settings(): AgcomSettings {
    return this.#d.settings;
  }

  get self(): OperatorCode {
    return this.#d.settings.operatorCode;
  }

  #partnerOf(s: AgcomCaseState): AgcomPartner | undefined {
    return this.#d.settings.byOperator(s.role === 'recipient' ? s.donating : s.recipient);
  }

  /** End of the codice sessione's validity under the case's rules (per partner); null = none. */
  sessionCodeValidUntil(s: AgcomCaseState): Date | null {
    return sessionCodeValidUntil(s, { calendar: this.#d.settings.calendar, rules: this.#rulesOf(s) });
  }

  #rulesOf(s: AgcomCaseState): AgcomRules {
    return this.#partnerOf(s)?.rules ?? this.#d.settings.rules;
  }

  #ctx(direction: 'in' | 'out', role: 'recipient' | 'donating', rules: AgcomRules): MachineContext {
    const st = this.#d.settings;
    return { now: this.#d.clock.now(), calendar: st.calendar, rules, direction, cowOwner: st.cowOwner(role), cosTable: st.cosTable, maxRequestedDateHorizonDays: st.maxRequestedDateHorizonDays };
  }

  #deadlines(s: AgcomCaseState, previous: StoredDeadline[]): StoredDeadline[] {
    const fresh = computeDeadlines(s, { calendar: this.#d.settings.calendar, rules: this.#rulesOf(s) });
    return fresh.map((d) => {
      const old = previous.find((p) => p.name === d.name && p.ref === d.ref && p.dueAt === d.dueAt);
      return old?.announced ? { ...d, announced: true } : d;
    });
  }

  #snapshot(s: StoredAgcomCase, deadlines: StoredDeadline[], now: Date): CaseSnapshot {
    const nextTick = nextTimedTransitionAt(s, { calendar: this.#d.settings.calendar, rules: this.#rulesOf(s) });
    const pendingDue = deadlines.filter((d) => !d.announced).map((d) => Date.parse(d.dueAt));
    const candidates = nextTick ? [...pendingDue, nextTick.getTime()] : pendingDue;
    const partnerOp = s.role === 'recipient' ? s.donating : s.recipient;
    return {
      id: s.orderId,
      procedure: 'agcom',
      type: s.procedure,
      role: s.role,
      peer: this.#partnerOf(s)?.carrierCode ?? partnerOp,
      state: s.state,
      requestedDate: s.dac,
      // the DAC is agreed once the Donating's CRM said OK
      switchDate: s.state === 'VALIDATED' || s.state === 'COMPLETED' ? s.dac : null,
      openChange: s.openChange,
      data: s,
      deadlines,
      nextDueAt: candidates.length ? new Date(Math.min(...candidates)) : null,
      overdue: deadlines.some((d) => Date.parse(d.dueAt) < now.getTime()),
    };
  }

  async #tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    return this.#d.db.transaction().execute(fn);
  }

  #run<T>(fn: (u: Unit) => Promise<T>): Promise<T> {
    return runStep(this.#d.db, fn);
  }

  async #load(u: Unit, id: string): Promise<Loaded | undefined> {
    const row = await loadCase(u.db, id, { forUpdate: u.locked });
    if (!row || row.procedure !== 'agcom') return undefined;
    checkCasePrecondition(row);
    return { state: row.data as unknown as StoredAgcomCase, deadlines: row.deadlines as unknown as StoredDeadline[], version: row.version };
  }

  #hookWants(effects: readonly Effect[]): boolean {
    const hook = this.#d.onCaseChanged;
    if (!hook) return false;
    return !hook.effects || effects.some((e) => hook.effects!.includes(e.kind));
  }

  /** Locks the line keys for the rest of the transaction (sorted: no deadlock between two openers). */
  async #lockLines(trx: Tx, keys: readonly string[]): Promise<void> {
    for (const k of [...keys].sort()) {
      await sql`SELECT pg_advisory_xact_lock(${LINE_LOCK_CLASS}::int, hashtext(${k}))`.execute(trx);
    }
  }

  /** An open AGCOM case (any role) holding one of the line keys, other than `except`. */
  async #openCaseForLines(db: Tx | Kysely<Database>, keys: readonly string[], except: string): Promise<string | undefined> {
    if (keys.length === 0) return undefined;
    const row = await db
      .selectFrom('cases')
      .select('id')
      .where('procedure', '=', 'agcom')
      .where('state', 'not in', [...TERMINAL_STATES])
      .where('id', '!=', except)
      .where(sql<boolean>`(data->'lineKeys')::jsonb ?| ${sql`ARRAY[${sql.join(keys.map((k) => sql`${k}::text`))}]`}`)
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }

  /** Writes one decided step: case, message (and the automatic reply), history, outbox, events. */
  async #persist(
    u: Unit,
    prev: Loaded | null,
    d: Extract<Decision, { ok: true }> & { state: StoredAgcomCase },
    msg: AgcomMessage,
    direction: 'in' | 'out',
    meta: { raw?: string; rawFormat?: string; dedupeKey?: string; extraEvents?: NewDomainEvent[] },
  ): Promise<Sent> {
    const now = this.#d.clock.now();
    const next = d.state;
    const deadlines = this.#deadlines(next, prev?.deadlines ?? []);
    const snap = this.#snapshot(next, deadlines, now);
    const hook = this.#hookWants(d.effects);
    if (hook && !u.locked) throw NEEDS_TX;
    const messageId = newMessageId();
    const messages: MessageRecord[] = [
      {
        messageId,
        caseId: next.orderId,
        type: msg.type,
        direction,
        peer: snap.peer,
        businessId: null,
        status: direction === 'out' ? 'queued' : 'accepted',
        body: msg,
        raw: meta.raw ?? null,
        rawFormat: meta.rawFormat ?? (direction === 'out' ? null : 'test'),
        dedupeKey: meta.dedupeKey ?? null,
      },
    ];
    const events: NewDomainEvent[] = [
      { type: direction === 'in' ? 'message.received' : 'message.queued', caseId: next.orderId, data: { messageId, type: msg.type } },
      ...eventsOf(next.orderId, d),
      ...(meta.extraEvents ?? []),
    ];
    const outbox: { message: number; kind: 'peer'; destination: string }[] = direction === 'out' ? [{ message: 0, kind: 'peer', destination: snap.peer }] : [];
    if (d.reply) {
      const replyId = randomUUID();
      messages.push({ messageId: replyId, caseId: next.orderId, type: d.reply.type, direction: 'out', peer: snap.peer, businessId: null, status: 'queued', body: d.reply });
      outbox.push({ message: messages.length - 1, kind: 'peer', destination: snap.peer });
      events.push({ type: 'message.queued', caseId: next.orderId, data: { messageId: replyId, type: d.reply.type, auto: true, result: d.reply.result } });
    }
    const written: CaseStepResult = await writeCaseStep(u.db, {
      caseWrite: prev ? 'update' : 'insert',
      snapshot: snap,
      ...(prev && !u.locked ? { expectedVersion: prev.version } : {}),
      messages,
      history: !prev || prev.state.state !== next.state ? [{ from: prev?.state.state ?? null, to: next.state, note: msg.type }] : [],
      outbox,
      events,
    });
    if (written.conflict) throw CONFLICT;
    if (hook) await this.#d.onCaseChanged!(u.db as Tx, { prev: prev?.state ?? null, next, effects: d.effects });
    return { messageId, row: rowOf(snap, written), warnings: d.warnings };
  }

  // -------------------------------------------------------------------------------------------
  // Northbound commands (this gateway sends)

  /** The Donating named by carrier code (`ITA.OLB`) or operator code (`OLB`). */
  partnerNamed(name: string): AgcomPartner | undefined {
    return this.#d.settings.byCarrier(name) ?? this.#d.settings.byOperator(name);
  }

  async #orderId(): Promise<string> {
    const id = await this.#d.ids.next('V');
    return `${this.self}_${id.slice(id.lastIndexOf('.') + 1)}`;
  }

  async startSwitch(input: StartAgcomSwitch, opts: CommandOptions = {}): Promise<{ row: CaseRow; warnings: Issue[] }> {
    const partner = this.partnerNamed(input.donating);
    if (!partner) {
      throw new AppError(422, 'SG_UNKNOWN_PEER', `donating operator ${input.donating} is not a configured AGCOM partner`, [
        { path: '/donating', rule: 'knownPeer', code: 'SG_UNKNOWN_PEER', message: `no AGCOM partner with carrier or operator code ${input.donating} is configured` },
      ]);
    }
    const parsed = parseStartCodes(input, { rules: partner.rules, cosTable: this.#d.settings.cosTable });
    if (!parsed.ok) throw invalidContent(parsed.issues);
    const phase3 = this.#d.startChecks?.(input) ?? [];
    if (phase3.length) throw invalidContent(phase3);
    const toBody = startBodyPath(input);
    const orderId = await this.#orderId();
    const req = buildRequest(input, parsed, {
      orderId,
      recipient: this.self,
      donating: partner.operatorCode,
      sentDate: this.#d.settings.calendar.today(this.#d.clock.now()),
    });
    const d = openCase(req, 'recipient', this.#ctx('out', 'recipient', partner.rules));
    if (!d.ok) throw refusal(d.issues, toBody);
    const state: StoredAgcomCase = { ...d.state, contact: input.contact };
    const warnings = [...parsed.warnings, ...d.warnings.map((w) => ({ ...w, path: toBody(w.path) }))];
    return this.#tx(async (trx) => {
      await this.#lockLines(trx, state.lineKeys);
      const other = await this.#openCaseForLines(trx, state.lineKeys, orderId);
      if (other) {
        const dup = refuseDuplicate(req, { direction: 'out' }, other);
        throw refusal(dup.ok ? [] : dup.issues, toBody);
      }
      const extraEvents = parsed.warnings.map((w) => ({ type: 'case.warning', caseId: orderId, data: w as unknown }));
      const { row } = await this.#persist({ db: trx, locked: true }, null, { ...d, state, warnings: d.warnings }, req, 'out', { extraEvents });
      await opts.beforeCommit?.(trx, orderId);
      if (warnings.length) this.#d.log.info({ caseId: orderId, codes: warnings.map((w) => w.code) }, 'agcom request sent with warnings');
      return { row, warnings };
    });
  }

  /** Sends a message built from the current state of case `id`. */
  async #send(id: string, kind: MessageKind, build: (s: StoredAgcomCase) => AgcomMessage, toBody: (p: string) => string, opts: CommandOptions = {}): Promise<Sent> {
    const step = async (u: Unit): Promise<Sent> => {
      const prev = await this.#load(u, id);
      if (!prev) throw notFound('switch', id);
      // who may send what now is decided before the content: a step the case does not allow
      // must not surface as a complaint about a field the gateway filled in itself
      const early = explainRefusal(prev.state, kind, prev.state.role, 'out');
      if (early) throw refusal([early], toBody);
      const msg = build(prev.state);
      const d = apply(prev.state, msg, this.#ctx('out', prev.state.role, this.#rulesOf(prev.state)));
      if (!d.ok) throw refusal(d.issues, toBody);
      const sent = await this.#persist(u, prev, { ...d, state: d.state as StoredAgcomCase }, msg, 'out', {});
      if (opts.beforeCommit) await opts.beforeCommit(u.db as Tx, sent.messageId);
      return { ...sent, warnings: sent.warnings.map((w) => ({ ...w, path: toBody(w.path) })) };
    };
    // with something to commit along, one transaction; otherwise the optimistic step
    return opts.beforeCommit ? this.#tx((trx) => step({ db: trx, locked: true })) : this.#run(step);
  }

  /** As Donating: the managerial validation (xml3) decided by the CRM. */
  answer(id: string, input: AgcomAnswerInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(id, 'MANAGERIAL', (s) => buildManagerial(s, input, this.self, () => `${this.self}-${randomUUID()}`), answerBodyPath, opts);
  }

  /** As Recipient: annullamento, up to the DAC day included. */
  cancel(id: string, input: AgcomCancelInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(id, 'ANNULLAMENTO', (s) => buildCancellation(s, input, this.self, this.#today()), changeBodyPath, opts);
  }

  /** As Recipient: rimodulazione of the DAC, up to the DAC day included. */
  reschedule(id: string, input: AgcomRescheduleInput, opts: CommandOptions = {}): Promise<Sent> {
    return this.#send(id, 'RIMODULAZIONE', (s) => buildReschedule(s, input, this.self, this.#today()), changeBodyPath, opts);
  }

  #today(): string {
    return this.#d.settings.calendar.today(this.#d.clock.now());
  }

  // -------------------------------------------------------------------------------------------
  // East-west inbound (a partner sent a record)

  #checkParties(msg: AgcomMessage, partner: AgcomPartner | undefined, peer: string): Issue | undefined {
    if (!partner) return { path: '/sender', rule: 'knownPartner', code: 'SG_PEER_MISMATCH', message: `${peer} is not a configured AGCOM partner` };
    if (msg.sender !== partner.operatorCode) {
      return { path: '/sender', rule: 'authenticatedSender', code: 'SG_PEER_MISMATCH', message: `sender ${msg.sender} is not the authenticated partner ${partner.operatorCode}` };
    }
    const self = this.self;
    if (msg.recipient !== self && msg.donating !== self) return { path: '/donating', rule: 'addressedToSelf', code: 'SG_PEER_MISMATCH', message: `neither party is this gateway (${self})` };
    if (msg.type === 'RICHIESTA' && msg.donating !== self) {
      return { path: '/donating', rule: 'addressedToSelf', code: 'SG_PEER_MISMATCH', message: `a request must be addressed to this gateway (${self}) as Donating` };
    }
    return undefined;
  }

  async receive(msg: AgcomMessage, meta: AgcomInboundMeta): Promise<AgcomReceiveOutcome> {
    const outcome = await this.#receive(msg, meta);
    this.#d.onReceived?.(meta.peer, msg.type, outcome.status !== 'invalid' && outcome.duplicate ? 'duplicate' : outcome.status);
    return outcome;
  }

  async #receive(msg: AgcomMessage, meta: AgcomInboundMeta): Promise<AgcomReceiveOutcome> {
    const partner = this.#d.settings.byCarrier(meta.peer);
    const bad = this.#checkParties(msg, partner, meta.peer);
    if (bad) return { status: 'invalid', code: 'SG_PEER_MISMATCH', issues: [bad] };
    const key = agcomDedupeKey(msg);
    const persistMeta = { raw: meta.raw, rawFormat: meta.rawFormat ?? 'test', dedupeKey: key };
    if (msg.type === 'RICHIESTA') return this.#receiveRequest(msg, partner!, meta, key);

    return this.#run(async (u) => {
      const seen = await this.#seen(u.db, key);
      if (seen) return seen;
      const prev = await this.#load(u, msg.orderId);
      if (!prev) {
        const issue: Issue = { path: '/orderId', rule: 'knownOrder', code: 'SG_AGCOM_UNKNOWN_ORDER', message: `order ${msg.orderId} is not known`, severity: 'error' };
        // a cancellation or reschedule is answered; an answer to nothing we know cannot be
        const reply = msg.type === 'ANNULLAMENTO' || msg.type === 'RIMODULAZIONE' ? formalAnswer(msg, 'KO', { category: 'ALTRO', text: issue.message }) : null;
        return this.#refuse(u.db, msg, meta, key, [issue], reply);
      }
      const counterpart = prev.state.role === 'recipient' ? prev.state.donating : prev.state.recipient;
      if (counterpart !== partner!.operatorCode) {
        return { status: 'invalid', code: 'SG_PEER_MISMATCH', issues: [{ path: '/orderId', rule: 'counterparty', code: 'SG_PEER_MISMATCH', message: `${partner!.operatorCode} is not the counterparty of ${msg.orderId}` }] };
      }
      const d = apply(prev.state, msg, this.#ctx('in', prev.state.role, this.#rulesOf(prev.state)));
      if (!d.ok) return this.#refuse(u.db, msg, meta, key, d.issues, d.reply);
      const { messageId } = await this.#persist(u, prev, { ...d, state: d.state as StoredAgcomCase }, msg, 'in', persistMeta);
      return { status: 'accepted', messageId, caseId: msg.orderId, duplicate: false, warnings: d.warnings };
    });
  }

  /** A new request: formal validation by the machine, then "one open switch per line". */
  async #receiveRequest(req: MigrationRequest, partner: AgcomPartner, meta: AgcomInboundMeta, key: string): Promise<AgcomReceiveOutcome> {
    try {
      return await this.#openReceived(req, partner, meta, key);
    } catch (err) {
      // the same request committed concurrently (another replica, a resent file): answer as it was
      if (!isUniqueViolation(err)) throw err;
      return this.#openReceived(req, partner, meta, key);
    }
  }

  async #openReceived(req: MigrationRequest, partner: AgcomPartner, meta: AgcomInboundMeta, key: string): Promise<AgcomReceiveOutcome> {
    return this.#tx(async (trx) => {
      const seen = await this.#seen(trx, key);
      if (seen) return seen;
      const ctx = this.#ctx('in', 'donating', partner.rules);
      const existing = await this.#load({ db: trx, locked: true }, req.orderId);
      if (existing) {
        // the machine answers a reused order id (KO DUPLICATO) or refuses it without reply
        const d = apply(existing.state, req, ctx);
        return this.#refuse(trx, req, meta, key, d.ok ? [] : d.issues, d.ok ? null : d.reply);
      }
      const d = openCase(req, 'donating', ctx);
      if (!d.ok) return this.#refuse(trx, req, meta, key, d.issues, d.reply);
      await this.#lockLines(trx, d.state.lineKeys);
      const other = await this.#openCaseForLines(trx, d.state.lineKeys, req.orderId);
      if (other) {
        const dup = refuseDuplicate(req, { direction: 'in' }, other);
        return this.#refuse(trx, req, meta, key, dup.ok ? [] : dup.issues, dup.ok ? null : dup.reply);
      }
      const { messageId } = await this.#persist({ db: trx, locked: true }, null, { ...d, state: d.state }, req, 'in', {
        raw: meta.raw,
        rawFormat: meta.rawFormat ?? 'test',
        dedupeKey: key,
      });
      return { status: 'accepted', messageId, caseId: req.orderId, duplicate: false, warnings: d.warnings };
    });
  }

  /**
   * A record of an accepted file that could not be read at all (missing or malformed elements):
   * recorded, and a request/change is answered with a formal KO so the Recipient is not left waiting.
   */
  async receiveUnreadable(
    rec: { orderId: string; kind: 'xml1' | 'xml2' | 'xml3'; issues: Issue[]; sender: OperatorCode; recipient: OperatorCode; donating: OperatorCode },
    meta: AgcomInboundMeta,
  ): Promise<AgcomReceiveOutcome> {
    const partner = this.#d.settings.byCarrier(meta.peer);
    if (!partner || partner.operatorCode !== rec.sender) {
      return { status: 'invalid', code: 'SG_PEER_MISMATCH', issues: [{ path: '/sender', rule: 'authenticatedSender', code: 'SG_PEER_MISMATCH', message: `${rec.sender} is not the authenticated partner` }] };
    }
    const key = `agcom:${rec.sender}:UNREADABLE:${rec.orderId}:${createHash('sha256').update(meta.raw ?? canonicalJson(rec.issues)).digest('base64url')}`;
    return this.#run(async (u) => {
      const seen = await this.#seen(u.db, key);
      if (seen) return seen;
      const first = errorsOnly(rec.issues)[0];
      const text = (first?.message ?? 'the record cannot be read').slice(0, 255);
      let reply: FormalValidation | null = null;
      if (rec.kind === 'xml1') {
        // without a readable TipoComunicazione the record is answered as a request, the common case
        const state = await this.#load(u, rec.orderId);
        reply = {
          type: 'VALIDAZIONE_FORMALE',
          answers: 'RICHIESTA',
          result: 'KO',
          recipient: rec.recipient,
          donating: rec.donating,
          sender: this.self,
          orderId: rec.orderId,
          procedure: state?.state.procedure ?? 'migrazione',
          rejection: { category: 'FORMATO', text },
        };
      }
      const stub = { type: 'UNREADABLE', sender: rec.sender, recipient: rec.recipient, donating: rec.donating, orderId: rec.orderId, file: rec.kind } as unknown as AgcomMessage;
      return this.#refuse(u.db, stub, meta, key, rec.issues, reply);
    });
  }

  async #seen(db: Tx | Kysely<Database>, key: string): Promise<AgcomReceiveOutcome | undefined> {
    const seen = await findByDedupeKey(db, key);
    if (!seen) return undefined;
    // the same message again: one effect, the same answer
    const body = seen.body as { reply?: { result: 'KO'; category: string } | null } | null;
    return seen.status === 'refused'
      ? { status: 'refused', messageId: seen.message_id, caseId: seen.case_id, duplicate: true, issues: [], reply: body?.reply ?? null }
      : { status: 'accepted', messageId: seen.message_id, caseId: seen.case_id, duplicate: true, warnings: [] };
  }

  /** Records a refused inbound message and queues the formal KO; the case stays as it was. */
  async #refuse(db: Tx | Kysely<Database>, msg: AgcomMessage, meta: AgcomInboundMeta, key: string, issues: Issue[], reply: AutoReply | null): Promise<AgcomReceiveOutcome> {
    const caseId = msg.orderId;
    const info = replyInfo(reply);
    const { step, messageId } = refusalStep({
      caseId,
      message: { type: msg.type, body: msg, businessId: null },
      peer: meta.peer,
      raw: meta.raw,
      rawFormat: meta.rawFormat,
      dedupeKey: key,
      issues,
      replyInfo: info,
      answer: reply ? { type: reply.type, body: reply, event: { result: reply.result } } : undefined,
    });
    await writeCaseStep(db, step);
    this.#d.log.info({ caseId, messageId, type: msg.type, codes: issues.map((i) => i.code) }, 'inbound agcom message refused');
    return { status: 'refused', messageId, caseId, duplicate: false, issues, reply: info };
  }

  /**
   * Closes the Recipient's case because the network operator completed the migration (FTTH N7 OK),
   * in the caller's transaction (the one recording the N7). False when the case is not VALIDATED.
   */
  async completeByNetwork(trx: Tx, caseId: string, note: string): Promise<boolean> {
    const row = await loadCase(trx, caseId, { forUpdate: true });
    if (!row || row.procedure !== 'agcom') return false;
    const state = row.data as unknown as StoredAgcomCase;
    const now = this.#d.clock.now();
    const d = completeByNetwork(state, now);
    if (!d || !d.ok) return false;
    const next = d.state as StoredAgcomCase;
    await updateCase(trx, this.#snapshot(next, this.#deadlines(next, row.deadlines as unknown as StoredDeadline[]), now), [{ from: state.state, to: next.state, note }]);
    await appendEvents(trx, eventsOf(caseId, d));
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** Flags overdue deadlines (announced once) and applies time-driven transitions. */
  async tickDue(limit = 100): Promise<number> {
    const now = this.#d.clock.now();
    return forEachDueCase(this.#d.db, 'agcom', now, limit, async (trx, row) => {
      const id = row.id;
      let state = row.data as unknown as StoredAgcomCase;
      const events: NewDomainEvent[] = [];
      const history: HistoryEntry[] = [];
      const rules = this.#rulesOf(state);
      const d = isTerminal(state.state) ? null : tick(state, { now, calendar: this.#d.settings.calendar, rules });
      if (d && d.ok) {
        if (d.state.state !== state.state) history.push({ from: state.state, to: d.state.state, note: 'time' });
        events.push(...eventsOf(id, d));
        if (this.#hookWants(d.effects)) await this.#d.onCaseChanged!(trx, { prev: state, next: d.state as StoredAgcomCase, effects: d.effects });
        state = d.state as StoredAgcomCase;
      }
      const overdue = announceOverdue(id, this.#deadlines(state, row.deadlines as unknown as StoredDeadline[]), now);
      await updateCase(trx, this.#snapshot(state, overdue.deadlines, now), history);
      await appendEvents(trx, [...events, ...overdue.events]);
    });
  }
}
