/**
 * The WBCI state machine (wbci.md §6): the single source of truth for what may follow what in a
 * Vorabstimmung. The same code guards what we send (`direction: 'out'`) and checks what we receive
 * (`direction: 'in'`), in both roles: it reasons about the *party* that sends a message, so the
 * recipient's and the donating gateway reach the same state for the same sequence.
 *
 * Messages are assumed well-formed (fields.ts/codes.ts check formats); this module checks only
 * ordering, parties, dates and timing.
 *
 * Strictness differs by direction on purpose: what we send must be right (errors), but a Meldung we
 * receive cannot be answered on the wire, so content problems in it become warnings for a person
 * (Klärfall) while the state still follows the partner; received *requests* (TVS-VA, Storno,
 * AKM-TR) that break a guard are refused with the business answer §6.3 prescribes.
 */
import type { WorkingDayCalendar } from '../../domain/calendar.js';
import { addDays, daysBetween } from '../../domain/calendar.js';
import { DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS, dateHorizonViolation } from '../../domain/date-horizon.js';
import type { Issue } from '../../domain/issues.js';
import { TERMINAL_STATES, type ChangeRecord, type OpenChange, type Role, type WbciCaseState, type WbciState } from './case-state.js';
import { akmTrDueAt, akmTrRejectionDueAt, successorDueAt } from './deadlines.js';
import type { WbciRules } from './rules.js';
import type {
  Abbm,
  AbbmTr,
  AkmTr,
  ChangeType,
  Erlm,
  IsoDate,
  IsoDateTime,
  RuemVa,
  Storno,
  TvsVa,
  VaRequest,
  VaType,
  WbciMessage,
  WbciParty,
} from './types.js';
import { isChangeType, isKue, isVaType, ownIdOf } from './types.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type Direction = 'in' | 'out';

export interface MachineContext {
  now: Date;
  calendar: WorkingDayCalendar;
  rules: WbciRules;
  /** `out`: this gateway sends the message; `in`: it received it from the partner */
  direction: Direction;
  /** `deadlines.maxRequestedDateHorizonDays`: how far ahead a requested date may lie (default 730) */
  maxRequestedDateHorizonDays?: number;
}

/** The business answer the gateway itself sends back when it refuses an inbound request. */
export type AutoReply =
  | {
      type: 'ABBM';
      code: string;
      /** `geschaeftsfall`: the VA type, or the change type when refusing a TVS-VA/Storno */
      businessCase: VaType | ChangeType;
      vaIdRef: string;
      changeIdRef?: string;
      stornoIdRef?: string;
      /** answer to a TVS-VA: the original (unchanged) Wechseltermin */
      switchDate?: IsoDate;
      /** `Meldungstext`: the standard text of the code */
      text: string;
      /** `begruendung`: why (only with 8115/8116/8141/8142; always with 8116 SONST) */
      reason?: string;
    }
  | { type: 'ABBM-TR'; code: string; businessCase: VaType; vaIdRef: string; text: string };

export type ChangeOutcome = 'accepted' | 'rejected' | 'superseded';

/** Domain facts of a transition; the service layer turns them into events. */
export type Effect =
  | { kind: 'case-opened'; vaId: string; vaType: VaType; requestedDate: IsoDate; replaces?: string }
  | { kind: 'agreed'; switchDate: IsoDate }
  | { kind: 'rejected'; codes: string[] }
  | { kind: 'tr-notified'; attempt: number }
  | { kind: 'tr-rejected'; codes: string[] }
  | { kind: 'change-opened'; change: OpenChange }
  /** `superseded`: the case ended (ABBM to the VA) while the change was still open */
  | { kind: 'change-closed'; change: OpenChange; result: ChangeOutcome; codes: string[] }
  | { kind: 'switch-date-changed'; from: IsoDate; to: IsoDate }
  | { kind: 'closed'; state: WbciState }
  | { kind: 'successor-expected'; dueAt: IsoDateTime };

export type Decision =
  | { ok: true; state: WbciCaseState; warnings: Issue[]; effects: Effect[] }
  | { ok: false; issues: Issue[]; reply: AutoReply | null };

/** What a message does; ABBM and ERLM are classified by what they answer. */
export const MESSAGE_KINDS = [
  'RUEM-VA',
  'ABBM-VA',
  'AKM-TR',
  'ABBM-TR',
  'TVS-VA',
  'STR-AUF',
  'STR-AEN',
  'ERLM-CHANGE',
  'ABBM-CHANGE',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export function messageKind(msg: WbciMessage): MessageKind | 'VA' {
  switch (msg.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      return 'VA';
    case 'ABBM':
      return msg.changeIdRef !== undefined || msg.stornoIdRef !== undefined || isChangeType(msg.businessCase)
        ? 'ABBM-CHANGE'
        : 'ABBM-VA';
    case 'ERLM':
      return 'ERLM-CHANGE';
    default:
      return msg.type;
  }
}

// ---------------------------------------------------------------------------------------------
// The transition table (coarse: who may send what in which state). Finer guards are in code below.

const LIVE: readonly WbciState[] = ['AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED'];
const ANSWERED: readonly WbciState[] = ['AGREED', 'TR_NOTIFIED'];

export interface TransitionRow {
  /** who may send it; `change-receiver`: the party the open TVS-VA/Storno was sent to */
  sender: WbciParty | 'either' | 'change-receiver';
  /** case states in which it is allowed */
  states: readonly WbciState[];
  /** what it leads to */
  result: string;
  /** extra conditions, for humans */
  requires?: string;
}

export const TRANSITIONS: Readonly<Record<MessageKind, TransitionRow>> = {
  'RUEM-VA': { sender: 'abg', states: ['AWAITING_ANSWER'], result: 'AGREED (Wechseltermin fixed)', requires: 'at most once' },
  'ABBM-VA': { sender: 'abg', states: ['AWAITING_ANSWER'], result: 'REJECTED (terminal)', requires: 'at most once' },
  'AKM-TR': {
    sender: 'auf',
    states: ['AGREED'],
    result: 'TR_NOTIFIED',
    requires: 'KUE only; again only after an ABBM-TR (else ABBM-TR 8148)',
  },
  'ABBM-TR': { sender: 'abg', states: ['TR_NOTIFIED'], result: 'AGREED (a corrected AKM-TR may follow)' },
  'TVS-VA': {
    sender: 'auf',
    states: ANSWERED,
    result: 'change open (TVS-VA)',
    requires: 'no open change; new date not earlier than the agreed one, lead time, cut-off before the Wechseltermin',
  },
  'STR-AUF': {
    sender: 'either',
    states: LIVE,
    result: 'change open (STR-AUF)',
    requires: 'no open change; the EKPabg only after its RUEM-VA; cut-off before the Wechseltermin',
  },
  'STR-AEN': {
    sender: 'either',
    states: ANSWERED,
    result: 'change open (STR-AEN)',
    requires: 'no open change; received by the EKPabg it is also accepted before its RUEM-VA',
  },
  'ERLM-CHANGE': {
    sender: 'change-receiver',
    states: LIVE,
    result: 'TVS-VA: same state, new Wechseltermin; STR-AUF: CANCELLED; STR-AEN: REPLACED',
    requires: 'references the open change; to a TVS-VA carries the requested date; to a STR-AEN only after the RUEM-VA',
  },
  'ABBM-CHANGE': {
    sender: 'change-receiver',
    states: LIVE,
    result: 'same state, change closed',
    requires: 'references the open change; to a TVS-VA carries the original date',
  },
};

// ---------------------------------------------------------------------------------------------
// Issue and reply helpers

/** Standard Meldungstexte (wbci.md §5) of the codes the machine answers with. */
const REPLY_TEXT: Record<string, string> = {
  '8115': 'Vorabstimmungs-, Terminverschiebungs-, Storno-ID wird bereits verwendet',
  '8116': 'Sonstiges',
  '8140': 'Vorabstimmungs-ID nicht bekannt',
  '8141': 'Terminverschiebung abgelehnt',
  '8142': 'Storno abgelehnt',
  '8147': 'Übernahme der technischen Ressource nicht möglich',
  '8148': 'Übernahme der technischen Ressource wurde bereits bestätigt',
};

interface Refusal {
  code: string;
  rule: string;
  path: string;
  message: string;
  /** undefined: the kind's default reply code; null: no business answer; else that code */
  reply?: string | null;
  /** why, for the partner: the reply's `begruendung` where WBCI allows one, e.g. "Frist unterschritten" */
  replyDetail?: string;
}

const err = (r: Refusal): Issue & { refusal: Refusal } => ({
  path: r.path,
  rule: r.rule,
  code: r.code,
  message: r.message,
  severity: 'error',
  refusal: r,
});

const warn = (path: string, rule: string, code: string, message: string): Issue => ({
  path,
  rule,
  code,
  message,
  severity: 'warning',
});

/** An error Issue that also remembers how an inbound refusal is answered. */
type ErrorIssue = Issue & { refusal: Refusal };

const stripRefusal = (i: Issue): Issue => {
  const { path, rule, code, message, severity } = i;
  return { path, rule, code, message, severity };
};

const isError = (i: Issue): i is ErrorIssue => i.severity === 'error';

const ourParty = (role: Role): WbciParty => (role === 'recipient' ? 'auf' : 'abg');
const otherParty = (p: WbciParty): WbciParty => (p === 'auf' ? 'abg' : 'auf');
const partyName = (p: WbciParty): string => (p === 'auf' ? 'EKPauf' : 'EKPabg');
const isClosed = (s: WbciState): boolean => TERMINAL_STATES.includes(s);

/** ABBM codes that may carry a `begruendung` (wbci.md §5 code rules; required with 8116). */
const REASON_ALLOWED = new Set(['8115', '8116', '8141', '8142']);

/** Default business answer per message kind; Meldungen other than AKM-TR are never answered. */
const DEFAULT_REPLY_CODE: Partial<Record<MessageKind | 'VA', string>> = {
  VA: '8116',
  'TVS-VA': '8141',
  'STR-AUF': '8142',
  'STR-AEN': '8142',
  'AKM-TR': '8147',
};

function buildReply(kind: MessageKind | 'VA', msg: WbciMessage, state: WbciCaseState | null, r: Refusal): AutoReply | null {
  if (r.reply === null) return null;
  const code = r.reply ?? DEFAULT_REPLY_CODE[kind];
  if (code === undefined) return null;
  const text = REPLY_TEXT[code] ?? code;
  const vaIdRef = 'vaId' in msg ? msg.vaId : msg.vaIdRef;
  const withReason = (reply: Extract<AutoReply, { type: 'ABBM' }>): AutoReply => {
    const reason = code === '8116' ? (r.replyDetail ?? r.message) : r.replyDetail;
    if (reason !== undefined && REASON_ALLOWED.has(code)) reply.reason = reason;
    return reply;
  };
  switch (msg.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      return withReason({ type: 'ABBM', code, businessCase: msg.type, vaIdRef, text });
    case 'TVS-VA': {
      const reply: Extract<AutoReply, { type: 'ABBM' }> = { type: 'ABBM', code, businessCase: 'TVS-VA', vaIdRef, changeIdRef: msg.changeId, text };
      if (state?.switchDate) reply.switchDate = state.switchDate;
      return withReason(reply);
    }
    case 'STR-AUF':
    case 'STR-AEN':
      return withReason({ type: 'ABBM', code, businessCase: msg.type, vaIdRef, stornoIdRef: msg.stornoId, text });
    case 'AKM-TR': {
      const businessCase = state?.type ?? (isVaType(msg.businessCase) ? msg.businessCase : undefined);
      if (businessCase === undefined) return null;
      return { type: 'ABBM-TR', code, businessCase, vaIdRef, text };
    }
    default:
      return null;
  }
}

function refuse(kind: MessageKind | 'VA', msg: WbciMessage, state: WbciCaseState | null, issues: Issue[], ctx: MachineContext): Decision {
  const first = issues.find(isError);
  const reply = ctx.direction === 'in' && first ? buildReply(kind, msg, state, first.refusal) : null;
  // Warnings found alongside the errors are still worth showing.
  return { ok: false, issues: issues.map(stripRefusal), reply };
}

// ---------------------------------------------------------------------------------------------
// Date checks shared by VA, RUEM-VA and TVS-VA (D1, D2, D4, D8, D17)

interface DateCheck {
  date: IsoDate;
  path: string;
  /** which lead-time rule: the VA's KWT (D1/D2) or a Wechseltermin (D4/D8) */
  of: 'kwt' | 'switchDate';
  vaType: VaType;
  /** lead-time violations are errors (else warnings) */
  leadStrict: boolean;
  /** working-day violations are errors (else warnings) */
  workingDayStrict: boolean;
  /** code for every error found (TVS-VA: 8141); default SG_DATE_LEAD_TIME / SG_DATE_NOT_WORKING_DAY */
  errorCode?: string;
  /** reply detail per rule for inbound refusals */
  replyDetail?: Partial<Record<string, string>>;
  label: string;
}

function dateIssues(c: DateCheck, ctx: MachineContext): Issue[] {
  const { calendar: cal, rules } = ctx;
  const out: Issue[] = [];
  const today = cal.today(ctx.now);
  // the range first: no working-day arithmetic on a date nobody can mean (9999-12-31, 0001-01-01)
  const horizon = horizonIssue(c, today, ctx);
  if (horizon) return [horizon];
  const kue = isKue(c.vaType);
  const min = kue
    ? c.of === 'kwt'
      ? rules.minLeadWorkingDaysKue
      : rules.switchDateMinLeadWorkingDaysKue
    : c.of === 'kwt'
      ? rules.minLeadWorkingDaysRrnp
      : rules.switchDateMinLeadWorkingDaysRrnp;
  const warnUpTo = c.of === 'kwt' ? rules.warnUpToWorkingDaysKue : rules.switchDateWarnUpToWorkingDaysKue;
  const lead = cal.workingDaysBetween(today, c.date);
  const bf = kue ? 'KUE' : 'RRNP';

  const problem = (strict: boolean, rule: string, code: string, message: string): Issue => {
    if (!strict) return warn(c.path, rule, code, message);
    const r: Refusal = { path: c.path, rule, code: c.errorCode ?? code, message };
    const detail = c.replyDetail?.[rule];
    if (detail !== undefined) r.replyDetail = detail;
    return err(r);
  };

  if (lead < min) {
    out.push(
      problem(
        c.leadStrict,
        'minLeadWorkingDays',
        'SG_DATE_LEAD_TIME',
        `${c.label} ${c.date} is ${lead} working day(s) after today (${today}); ${bf} needs at least ${min}`,
      ),
    );
  } else if (kue && lead <= warnUpTo) {
    out.push(
      warn(c.path, 'shortLeadWorkingDays', 'SG_DATE_SHORT_LEAD', `${c.label} ${c.date} is only ${lead} working days ahead (warning up to ${warnUpTo})`),
    );
  }
  if (!cal.isWorkingDay(c.date)) {
    out.push(problem(c.workingDayStrict, 'workingDay', 'SG_DATE_NOT_WORKING_DAY', `${c.label} ${c.date} is not a working day`));
  } else if (kue && !cal.isWorkingDay(addDays(c.date, 1))) {
    out.push(
      problem(
        c.workingDayStrict,
        'nextDayWorkingDay',
        'SG_DATE_NOT_WORKING_DAY',
        `the day after ${c.label} ${c.date} must be a working day for ${bf}`,
      ),
    );
  }
  const ahead = daysBetween(today, c.date);
  if (ahead > rules.maxHorizonDays) {
    out.push(warn(c.path, 'maxHorizonDays', 'SG_DATE_HORIZON', `${c.label} ${c.date} is ${ahead} days ahead; some partners refuse more than ${rules.maxHorizonDays}`));
  }
  return out;
}

/** SG_DATE_HORIZON in both directions; inbound it is answered (VA: ABBM 8116, TVS-VA: 8141) naming the horizon. */
function horizonIssue(c: DateCheck, today: IsoDate, ctx: MachineContext): ErrorIssue | null {
  const maxDays = ctx.maxRequestedDateHorizonDays ?? DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS;
  const v = dateHorizonViolation(c.date, today, maxDays);
  if (!v) return null;
  const message =
    v.side === 'early'
      ? `${c.label} ${c.date} is before ${v.limit}, the earliest date accepted`
      : `${c.label} ${c.date} is more than ${maxDays} days ahead (deadlines.maxRequestedDateHorizonDays; latest ${v.limit})`;
  return err({ path: c.path, rule: 'maxRequestedDateHorizonDays', code: 'SG_DATE_HORIZON', message, replyDetail: v.text });
}

// ---------------------------------------------------------------------------------------------
// openCase

export interface OpenCaseOptions {
  /** the case this VA succeeds after an ERLM to STR-AEN */
  replaces?: WbciCaseState;
}

/**
 * A new VA, sent (role recipient, direction out) or received (role donating, direction in).
 * The VA-ID's uniqueness across cases is the caller's to check (8115): this function sees one case.
 */
export function openCase(va: VaRequest, role: Role, ctx: MachineContext, opts: OpenCaseOptions = {}): Decision {
  const issues: Issue[] = [];
  const expectedDirection: Direction = role === 'recipient' ? 'out' : 'in';
  if (ctx.direction !== expectedDirection) {
    issues.push(
      err({
        path: '',
        rule: 'directionMatchesRole',
        code: 'SG_STATE_WRONG_DIRECTION',
        message: `a VA is ${role === 'recipient' ? 'sent' : 'received'} in role ${role}, not ${ctx.direction === 'out' ? 'sent' : 'received'}`,
        reply: null,
      }),
    );
    return refuse('VA', va, null, issues, ctx);
  }
  if (va.recipient === va.donating) {
    issues.push(
      err({ path: '/donating', rule: 'distinctParties', code: 'SG_STATE_WRONG_PARTY', message: 'EKPauf and EKPabg must differ', reply: null }),
    );
    return refuse('VA', va, null, issues, ctx);
  }
  if (va.sender !== va.recipient) {
    issues.push(
      err({
        path: '/sender',
        rule: 'vaFromAufOnly',
        code: 'SG_STATE_WRONG_PARTY',
        message: `a VA is sent by the EKPauf ${va.recipient}, not by ${va.sender}`,
        reply: null,
      }),
    );
    return refuse('VA', va, null, issues, ctx);
  }

  const pred = opts.replaces;
  if (pred) issues.push(...successorIssues(va, pred, ctx));

  const strict = ctx.direction === 'out';
  issues.push(
    ...dateIssues(
      {
        date: va.requestedDate,
        path: '/requestedDate',
        of: 'kwt',
        vaType: va.type,
        leadStrict: strict,
        workingDayStrict: strict,
        label: 'KWT',
      },
      ctx,
    ),
  );

  if (issues.some(isError)) return refuse('VA', va, null, issues, ctx);

  const at = ctx.now.toISOString();
  const state: WbciCaseState = {
    vaId: va.vaId,
    type: va.type,
    role,
    recipient: va.recipient,
    donating: va.donating,
    state: 'AWAITING_ANSWER',
    requestedDate: va.requestedDate,
    switchDate: null,
    vaAt: at,
    answeredAt: null,
    openChange: null,
    usedChangeIds: [],
    changes: [],
    akmTr: { status: 'none', at: null, count: 0 },
    agreement: null,
    va,
  };
  const opened: Effect = { kind: 'case-opened', vaId: va.vaId, vaType: va.type, requestedDate: va.requestedDate };
  if (pred) {
    state.replaces = pred.vaId;
    opened.replaces = pred.vaId;
  }
  return { ok: true, state, warnings: issues, effects: [opened] };
}

function successorIssues(va: VaRequest, pred: WbciCaseState, ctx: MachineContext): Issue[] {
  const out: Issue[] = [];
  const path = '/vaId';
  if (va.vaId === pred.vaId) {
    out.push(
      err({ path, rule: 'newVaId', code: '8115', message: `a successor VA needs a new VA-ID, ${va.vaId} is the cancelled one`, reply: '8115' }),
    );
    return out;
  }
  if (pred.state === 'REPLACED_EXPIRED') {
    out.push(
      err({
        path,
        rule: 'successorInTime',
        code: 'SG_STATE_SUCCESSOR_LATE',
        message: `the successor deadline of ${pred.vaId} has expired`,
        replyDetail: `Nachfolge-VA zu ${pred.vaId} nach Fristablauf`,
      }),
    );
    return out;
  }
  if (pred.state !== 'REPLACED') {
    out.push(
      err({
        path,
        rule: 'predecessorReplaced',
        code: 'SG_STATE_NOT_REPLACED',
        message: `${pred.vaId} is ${pred.state}; only a VA ended by ERLM to STR-AEN can be succeeded`,
        replyDetail: `${pred.vaId} wurde nicht durch STR-AEN aufgehoben`,
      }),
    );
    return out;
  }
  if (pred.replacedBy !== undefined && pred.replacedBy !== va.vaId) {
    out.push(
      err({
        path,
        rule: 'singleSuccessor',
        code: 'SG_STATE_ALREADY_REPLACED',
        message: `${pred.vaId} already has the successor ${pred.replacedBy}`,
        replyDetail: `${pred.vaId} hat bereits eine Nachfolge-VA`,
      }),
    );
  }
  if (va.recipient !== pred.recipient || va.donating !== pred.donating) {
    out.push(
      err({
        path: '/donating',
        rule: 'successorSameParties',
        code: 'SG_STATE_WRONG_PARTY',
        message: `a successor VA must be between the same EKPauf/EKPabg as ${pred.vaId} (${pred.recipient}/${pred.donating})`,
        replyDetail: `Nachfolge-VA zu ${pred.vaId} mit anderen EKP`,
      }),
    );
  }
  if (pred.type === 'VA-RRNP' && isKue(va.type)) {
    out.push(
      err({
        path: '/type',
        rule: 'rrnpSuccessorNotKue',
        code: 'SG_STATE_SUCCESSOR_TYPE',
        message: `${pred.vaId} was a VA-RRNP: its successor must not be ${va.type}`,
        replyDetail: `Nachfolge-VA zu VA-RRNP ${pred.vaId} darf nicht ${va.type} sein`,
      }),
    );
  }
  const due = successorDueAt(pred, ctx);
  if (due && ctx.now.getTime() > due.getTime()) {
    out.push(
      err({
        path,
        rule: 'successorInTime',
        code: 'SG_STATE_SUCCESSOR_LATE',
        message: `the successor of ${pred.vaId} was due by ${due.toISOString()}`,
        replyDetail: `Nachfolge-VA zu ${pred.vaId} nach Fristablauf`,
      }),
    );
  }
  return out;
}

/** The predecessor after its successor VA was opened (`case-opened` with `replaces`). */
export function linkSuccessor(predecessor: WbciCaseState, successorVaId: string): WbciCaseState {
  return { ...predecessor, replacedBy: successorVaId };
}

// ---------------------------------------------------------------------------------------------
// Coarse guard: sender party and case state (table + the per-kind special cases of §6.3)

function coarseGuard(state: WbciCaseState, kind: MessageKind, party: WbciParty, direction: Direction, ownId?: string): ErrorIssue | null {
  const row = TRANSITIONS[kind];
  const change = state.openChange;

  // A message from the wrong party is wrong whatever the state: say so first.
  if (row.sender !== 'either' && row.sender !== 'change-receiver' && row.sender !== party) {
    if (kind === 'TVS-VA') {
      return err({
        path: '/sender',
        rule: 'tvFromAufOnly',
        code: '8141',
        message: 'a TVS-VA may only be sent by the EKPauf',
        replyDetail: 'vom abgebenden EKP gesendet',
      });
    }
    return err({
      path: '/sender',
      rule: 'senderParty',
      code: 'SG_STATE_WRONG_PARTY',
      message: `${kind} is sent by the ${partyName(row.sender)}, not the ${partyName(party)}`,
      reply: null,
    });
  }
  if (isClosed(state.state)) {
    return err({
      path: '',
      rule: 'caseOpen',
      code: 'SG_STATE_CLOSED',
      message: `the Vorabstimmung ${state.vaId} is closed (${state.state}); no ${kind} is possible`,
      replyDetail: `Vorabstimmung ${state.vaId} ist abgeschlossen`,
    });
  }
  if (row.sender === 'change-receiver') {
    if (!change) {
      return err({ path: '', rule: 'answersOpenChange', code: 'SG_STATE_NO_OPEN_CHANGE', message: `there is no open TVS-VA or Storno to answer` });
    }
    if (party === change.from) {
      return err({
        path: '/sender',
        rule: 'changeAnsweredByReceiver',
        code: 'SG_STATE_WRONG_PARTY',
        message: `${change.kind} ${change.id} was sent by the ${partyName(party)}; only the ${partyName(otherParty(party))} answers it`,
      });
    }
  }

  // In which state
  const inState = row.states.includes(state.state);
  switch (kind) {
    case 'RUEM-VA':
    case 'ABBM-VA':
      if (!inState) {
        return err({
          path: '',
          rule: 'answerOnce',
          code: 'SG_STATE_ALREADY_ANSWERED',
          message: `the VA ${state.vaId} is already answered (${state.state}); a second answer needs manual clarification`,
        });
      }
      return null;
    case 'AKM-TR':
      if (!isKue(state.type)) {
        return err({ path: '/type', rule: 'akmTrKueOnly', code: 'SG_STATE_NOT_ALLOWED', message: `no AKM-TR in a ${state.type}` });
      }
      if (state.state === 'AWAITING_ANSWER') {
        return err({ path: '', rule: 'akmTrAfterAgreement', code: 'SG_STATE_NOT_AGREED', message: 'an AKM-TR needs a RUEM-VA first' });
      }
      if (state.state === 'TR_NOTIFIED') {
        return err({
          path: '',
          rule: 'akmTrOnce',
          code: '8148',
          message: 'an AKM-TR is already sent and not rejected',
          reply: '8148',
        });
      }
      return null;
    case 'ABBM-TR':
      if (!inState || state.akmTr.status !== 'sent') {
        return err({ path: '', rule: 'abbmTrAnswersAkmTr', code: 'SG_STATE_NO_AKM_TR', message: 'there is no pending AKM-TR to reject' });
      }
      return null;
    case 'TVS-VA':
      if (!inState) {
        return err({
          path: '',
          rule: 'tvAfterAgreement',
          code: '8141',
          message: 'a TVS-VA needs a RUEM-VA first',
          replyDetail: 'keine RUEM-VA vorhanden',
        });
      }
      if (ownId !== undefined && state.usedChangeIds.includes(ownId)) return reusedId(ownId);
      if (change) {
        return err({
          path: '',
          rule: 'oneOpenChange',
          code: '8141',
          message: `${change.kind} ${change.id} is still open`,
          replyDetail: 'anderer Änderungsauftrag bereits aktiv',
        });
      }
      return null;
    case 'STR-AUF':
    case 'STR-AEN': {
      if (ownId !== undefined && state.usedChangeIds.includes(ownId)) return reusedId(ownId);
      if (change) {
        return err({
          path: '',
          rule: 'oneOpenChange',
          code: '8142',
          message: `${change.kind} ${change.id} is still open`,
          replyDetail: 'anderer Änderungsauftrag bereits aktiv',
        });
      }
      if (party === 'abg' && state.answeredAt === null) {
        return err({
          path: '',
          rule: 'stornoAbgAfterAnswer',
          code: '8142',
          message: 'the EKPabg may send a Storno only after its RUEM-VA',
          replyDetail: 'keine Antwort auf die Vorabstimmung',
        });
      }
      // §6.3: the EKPauf sends STR-AEN only after the RUEM-VA, but the EKPabg accepts an early one.
      if (kind === 'STR-AEN' && party === 'auf' && !inState && direction === 'out') {
        return err({
          path: '',
          rule: 'strAenAfterAgreement',
          code: '8142',
          message: 'a STR-AEN needs a RUEM-VA first (STR-AUF is possible)',
          replyDetail: 'keine RUEM-VA vorhanden',
        });
      }
      return null;
    }
    case 'ERLM-CHANGE':
      // §6.3: an early STR-AEN is accepted, but ERLM to it needs the RUEM-VA first.
      if (change?.kind === 'STR-AEN' && state.answeredAt === null) {
        return err({
          path: '',
          rule: 'ruemVaBeforeErlm',
          code: 'SG_STATE_ANSWER_VA_FIRST',
          message: 'the EKPabg must send its RUEM-VA before it answers a STR-AEN with ERLM',
        });
      }
      return null;
    case 'ABBM-CHANGE':
      return null;
  }
}

function reusedId(id: string): ErrorIssue {
  return err({ path: '', rule: 'idNotReused', code: '8115', message: `the ID ${id} was already used in this case`, reply: '8115' });
}

/**
 * The message kinds `party` may send now (dates and references not considered). Direction defaults
 * to the perspective of the gateway holding `state`.
 */
export function allowedMessages(state: WbciCaseState, party: WbciParty, direction?: Direction): MessageKind[] {
  const dir = direction ?? (party === ourParty(state.role) ? 'out' : 'in');
  return MESSAGE_KINDS.filter((k) => coarseGuard(state, k, party, dir) === null);
}

/** Why `party` may not send `kind` now, or null if it may (dates and references not considered). */
export function explainRefusal(state: WbciCaseState, kind: MessageKind, party: WbciParty, direction?: Direction): Issue | null {
  const dir = direction ?? (party === ourParty(state.role) ? 'out' : 'in');
  const r = coarseGuard(state, kind, party, dir);
  return r ? stripRefusal(r) : null;
}

// ---------------------------------------------------------------------------------------------
// apply

/** A message sent (direction out) or received (direction in) on an existing case. */
export function apply(state: WbciCaseState, msg: WbciMessage, ctx: MachineContext): Decision {
  const kind = messageKind(msg);

  const party: WbciParty | null = msg.sender === state.recipient ? 'auf' : msg.sender === state.donating ? 'abg' : null;
  if (party === null) {
    return refuse(kind, msg, state, [
      err({
        path: '/sender',
        rule: 'senderIsParty',
        code: 'SG_STATE_UNKNOWN_SENDER',
        message: `${msg.sender} is neither the EKPauf ${state.recipient} nor the EKPabg ${state.donating} of ${state.vaId}`,
        reply: null,
      }),
    ], ctx);
  }
  const expected = ctx.direction === 'out' ? ourParty(state.role) : otherParty(ourParty(state.role));
  if (party !== expected) {
    return refuse(kind, msg, state, [
      err({
        path: '/sender',
        rule: 'directionMatchesSender',
        code: 'SG_STATE_WRONG_DIRECTION',
        message: `as ${state.role} this gateway ${ctx.direction === 'out' ? 'sends' : 'receives'} the ${partyName(expected)}'s messages, but ${msg.sender} is the ${partyName(party)}`,
        reply: null,
      }),
    ], ctx);
  }

  if (kind === 'VA') {
    const va = msg as VaRequest;
    const issue =
      va.vaId === state.vaId
        ? err({ path: '/vaId', rule: 'idNotReused', code: '8115', message: `the VA-ID ${va.vaId} is already in use`, reply: '8115' })
        : err({ path: '/vaId', rule: 'vaOpensCase', code: 'SG_STATE_NOT_ALLOWED', message: 'a VA opens a new case (openCase), it does not apply to one', reply: null });
    return refuse(kind, msg, state, [issue], ctx);
  }

  const vaIdRef = (msg as Exclude<WbciMessage, VaRequest>).vaIdRef;
  if (vaIdRef !== state.vaId) {
    return refuse(kind, msg, state, [
      err({ path: '/vaIdRef', rule: 'vaIdRefMatchesCase', code: '8140', message: `${vaIdRef} is not the VA-ID of this case (${state.vaId})`, reply: '8140' }),
    ], ctx);
  }
  if (msg.recipient !== state.recipient || msg.donating !== state.donating) {
    return refuse(kind, msg, state, [
      err({
        path: msg.recipient !== state.recipient ? '/recipient' : '/donating',
        rule: 'partnersMatchCase',
        code: '8140',
        message: `EKPauf/EKPabg ${msg.recipient}/${msg.donating} differ from the case's ${state.recipient}/${state.donating}`,
        reply: '8140',
      }),
    ], ctx);
  }

  const coarse = coarseGuard(state, kind, party, ctx.direction, ownIdOf(msg));
  if (coarse) return refuse(kind, msg, state, [coarse], ctx);

  const t: Transition = { state, party, ctx, at: ctx.now.toISOString() };
  let result: Outcome;
  switch (kind) {
    case 'RUEM-VA':
      result = applyRuemVa(t, msg as RuemVa);
      break;
    case 'ABBM-VA':
      result = applyAbbmVa(t, msg as Abbm);
      break;
    case 'AKM-TR':
      result = applyAkmTr(t, msg as AkmTr);
      break;
    case 'ABBM-TR':
      result = applyAbbmTr(t, msg as AbbmTr);
      break;
    case 'TVS-VA':
      result = applyTvsVa(t, msg as TvsVa);
      break;
    case 'STR-AUF':
    case 'STR-AEN':
      result = applyStorno(t, msg as Storno);
      break;
    case 'ERLM-CHANGE':
    case 'ABBM-CHANGE':
      result = applyChangeAnswer(t, msg as Erlm | Abbm);
      break;
  }
  if (result.issues.some(isError)) return refuse(kind, msg, state, result.issues, ctx);
  return { ok: true, state: result.state, warnings: result.issues, effects: result.effects };
}

interface Transition {
  state: WbciCaseState;
  party: WbciParty;
  ctx: MachineContext;
  at: IsoDateTime;
}

interface Outcome {
  state: WbciCaseState;
  issues: Issue[];
  effects: Effect[];
}

const codesOf = (m: { positions: { code: string }[] }): string[] => m.positions.map((p) => p.code);

function businessCaseIssue(expected: VaType | ChangeType, got: VaType | ChangeType): ErrorIssue | null {
  if (expected === got) return null;
  return err({
    path: '/businessCase',
    rule: 'businessCaseMatches',
    code: 'SG_STATE_BUSINESS_CASE_MISMATCH',
    message: `geschaeftsfall ${got} does not match ${expected}`,
  });
}

/** §6.4: a case that ends while a change is open closes that change too. */
function supersedeChange(state: WbciCaseState): Effect[] {
  return state.openChange ? [{ kind: 'change-closed', change: state.openChange, result: 'superseded', codes: [] }] : [];
}

function applyRuemVa(t: Transition, m: RuemVa): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const bc = businessCaseIssue(state.type, m.businessCase);
  if (bc) issues.push(bc);

  const strict = ctx.direction === 'out';
  if (m.switchDate < state.requestedDate) {
    const message = `Wechseltermin ${m.switchDate} is before the KWT ${state.requestedDate}`;
    issues.push(
      strict
        ? err({ path: '/switchDate', rule: 'switchDateNotBeforeKwt', code: 'SG_DATE_BEFORE_KWT', message })
        : warn('/switchDate', 'switchDateNotBeforeKwt', 'SG_DATE_BEFORE_KWT', `${message}: needs manual clarification`),
    );
  }
  issues.push(
    ...dateIssues(
      {
        date: m.switchDate,
        path: '/switchDate',
        of: 'switchDate',
        vaType: state.type,
        leadStrict: strict,
        workingDayStrict: strict,
        label: 'Wechseltermin',
      },
      ctx,
    ),
  );
  if (!strict && m.switchDate >= state.requestedDate && !issues.some((i) => i.code === 'SG_DATE_HORIZON')) {
    const offset = ctx.calendar.workingDaysBetween(state.requestedDate, m.switchDate);
    if (offset > ctx.rules.confirmedDateMaxOffsetWorkingDays) {
      issues.push(
        warn(
          '/switchDate',
          'confirmedDateMaxOffset',
          'SG_DATE_CONFIRMED_OFFSET',
          `Wechseltermin ${m.switchDate} is ${offset} working days after the KWT (automatic up to ${ctx.rules.confirmedDateMaxOffsetWorkingDays}): needs manual clarification`,
        ),
      );
    }
  }

  const agreement: NonNullable<WbciCaseState['agreement']> = {};
  if (m.technology !== undefined) agreement.technology = m.technology;
  if (m.resources !== undefined) agreement.resources = m.resources;
  if (m.numbers !== undefined) agreement.numbers = m.numbers;
  return {
    issues,
    state: { ...state, state: 'AGREED', switchDate: m.switchDate, answeredAt: t.at, agreement },
    effects: [{ kind: 'agreed', switchDate: m.switchDate }],
  };
}

function applyAbbmVa(t: Transition, m: Abbm): Outcome {
  const { state } = t;
  const issues: Issue[] = [];
  const bc = businessCaseIssue(state.type, m.businessCase);
  if (bc) issues.push(bc);
  return {
    issues,
    state: { ...state, state: 'REJECTED', openChange: null, closedAt: t.at },
    effects: [...supersedeChange(state), { kind: 'rejected', codes: codesOf(m) }, { kind: 'closed', state: 'REJECTED' }],
  };
}

function applyAkmTr(t: Transition, m: AkmTr): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const bc = businessCaseIssue(state.type, m.businessCase);
  if (bc) issues.push(bc);
  const due = akmTrDueAt(state, ctx);
  if (due && ctx.now.getTime() > due.getTime()) {
    issues.push(warn('', 'akmTrInTime', 'SG_DEADLINE_MISSED', `the AKM-TR was due by ${due.toISOString()}`));
  }
  const count = state.akmTr.count + 1;
  return {
    issues,
    state: {
      ...state,
      state: 'TR_NOTIFIED',
      akmTr: { status: 'sent', at: t.at, count },
      agreement: { ...(state.agreement ?? {}), takeOver: m.takeOver, safeHarbour: m.safeHarbour },
    },
    effects: [{ kind: 'tr-notified', attempt: count }],
  };
}

function applyAbbmTr(t: Transition, m: AbbmTr): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const bc = businessCaseIssue(state.type, m.businessCase);
  if (bc) issues.push(bc);
  const due = akmTrRejectionDueAt(state, ctx);
  if (due && ctx.now.getTime() > due.getTime()) {
    issues.push(warn('', 'abbmTrInTime', 'SG_DEADLINE_MISSED', `the AKM-TR counted as accepted after ${due.toISOString()}; late ABBM-TR`));
  }
  // 8148 "already confirmed" refuses a duplicate AKM-TR: the confirmed one stands, the case stays.
  if (m.positions.length > 0 && m.positions.every((p) => p.code === '8148')) {
    issues.push(warn('', 'duplicateAkmTr', 'SG_TR_ALREADY_CONFIRMED', 'ABBM-TR 8148: the take-over was already confirmed; this refused a duplicate AKM-TR'));
    return { issues, state, effects: [] };
  }
  // The rejected take-over data must not reach phase 3; the corrected AKM-TR sets it again.
  const agreement = state.agreement ? { ...state.agreement } : null;
  if (agreement) {
    delete agreement.takeOver;
    delete agreement.safeHarbour;
  }
  return {
    issues,
    state: { ...state, state: 'AGREED', akmTr: { ...state.akmTr, status: 'rejected' }, agreement },
    effects: [{ kind: 'tr-rejected', codes: codesOf(m) }],
  };
}

/** Guards common to TVS-VA and Storno: nothing after the Wechseltermin (tag I), cut-offs D7/D10. */
function cutoffIssue(t: Transition, kind: ChangeType, cutoffWd: number | null): ErrorIssue | null {
  const { state, ctx } = t;
  if (!state.switchDate) return null;
  const code = kind === 'TVS-VA' ? '8141' : '8142';
  const today = ctx.calendar.today(ctx.now);
  if (today > state.switchDate) {
    return err({
      path: '',
      rule: 'switchDatePassed',
      code,
      message: `the Wechseltermin ${state.switchDate} has passed`,
      replyDetail: 'Wechseltermin bereits überschritten',
    });
  }
  if (cutoffWd === null) return null;
  const left = ctx.calendar.workingDaysBetween(today, state.switchDate);
  if (left < cutoffWd) {
    return err({
      path: '',
      rule: kind === 'TVS-VA' ? 'tvCutoff' : 'stornoCutoff',
      code,
      message: `${kind} must arrive at least ${cutoffWd} working days before the Wechseltermin ${state.switchDate} (${left} left)`,
      replyDetail: 'Frist unterschritten',
    });
  }
  return null;
}

function openChange(t: Transition, change: OpenChange, issues: Issue[]): Outcome {
  return {
    issues,
    state: { ...t.state, openChange: change, usedChangeIds: [...t.state.usedChangeIds, change.id] },
    effects: [{ kind: 'change-opened', change }],
  };
}

function applyTvsVa(t: Transition, m: TvsVa): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const agreed = state.switchDate as IsoDate; // coarse guard: AGREED/TR_NOTIFIED have one
  if (m.requestedDate < agreed) {
    issues.push(
      err({
        path: '/requestedDate',
        rule: 'tvNotEarlier',
        code: '8141',
        message: `the new date ${m.requestedDate} is earlier than the agreed Wechseltermin ${agreed}`,
        replyDetail: 'neuer Termin vor dem vereinbarten Wechseltermin',
      }),
    );
  }
  const dates = dateIssues(
    {
      date: m.requestedDate,
      path: '/requestedDate',
      of: 'switchDate',
      vaType: state.type,
      leadStrict: true,
      workingDayStrict: ctx.direction === 'out',
      errorCode: '8141',
      replyDetail: {
        minLeadWorkingDays: 'Frist unterschritten',
        workingDay: 'neuer Termin ist kein Arbeitstag',
        nextDayWorkingDay: 'Tag nach dem neuen Termin ist kein Arbeitstag',
      },
      label: 'new date',
    },
    ctx,
  );
  issues.push(...dates);
  const cut = cutoffIssue(t, 'TVS-VA', ctx.rules.tvCutoffWorkingDays);
  if (cut) issues.push(cut);
  const change: OpenChange = { kind: 'TVS-VA', id: m.changeId, from: t.party, requestedDate: m.requestedDate, at: t.at };
  return openChange(t, change, issues);
}

function applyStorno(t: Transition, m: Storno): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const cutoffApplies = m.type === 'STR-AUF' || ctx.rules.applyStornoCutoffToStrAen;
  const cut = cutoffIssue(t, m.type, cutoffApplies ? ctx.rules.strAufCutoffWorkingDays : null);
  if (cut) issues.push(cut);
  if (m.type === 'STR-AEN' && state.state === 'AWAITING_ANSWER') {
    issues.push(
      warn('', 'strAenBeforeAnswer', 'SG_STATE_STR_AEN_BEFORE_ANSWER', 'STR-AEN received before the RUEM-VA: the RUEM-VA must be sent before it can be answered with ERLM'),
    );
  }
  const change: OpenChange = { kind: m.type, id: m.stornoId, from: t.party, at: t.at };
  if (m.reason !== undefined) change.reason = m.reason;
  return openChange(t, change, issues);
}

function applyChangeAnswer(t: Transition, m: Erlm | Abbm): Outcome {
  const { state, ctx } = t;
  const change = state.openChange as OpenChange; // coarse guard: there is one
  const issues: Issue[] = [];
  const isTv = change.kind === 'TVS-VA';
  const field = isTv ? 'changeIdRef' : 'stornoIdRef';
  const ref = m[field];
  if (ref === undefined) {
    const wrongField = isTv ? 'stornoIdRef' : 'changeIdRef';
    issues.push(
      err({
        path: `/${field}`,
        rule: 'refMatchesOpenChange',
        code: 'SG_STATE_WRONG_REF',
        message:
          m[wrongField] !== undefined
            ? `an answer to ${change.kind} ${change.id} references it by ${field}, not ${wrongField}`
            : `an answer to ${change.kind} ${change.id} must carry ${field}`,
      }),
    );
  } else if (ref !== change.id) {
    const known = state.usedChangeIds.includes(ref);
    issues.push(
      err({
        path: `/${field}`,
        rule: 'refMatchesOpenChange',
        code: known ? 'SG_STATE_CHANGE_CLOSED' : 'SG_STATE_UNKNOWN_CHANGE',
        message: known ? `${ref} is already answered; the open change is ${change.id}` : `${ref} is not a change of this case; the open change is ${change.id}`,
      }),
    );
  }
  const bc = businessCaseIssue(change.kind, m.businessCase);
  if (bc) issues.push(bc);

  const codes = codesOf(m);
  const record = (result: ChangeRecord['result']): ChangeRecord => {
    const r: ChangeRecord = { kind: change.kind, id: change.id, from: change.from, result, codes, at: t.at };
    if (change.requestedDate !== undefined) r.requestedDate = change.requestedDate;
    return r;
  };
  const closedState = { ...state, openChange: null, changes: [...state.changes, record(m.type === 'ERLM' ? 'accepted' : 'rejected')] };

  if (m.type === 'ABBM') {
    if (isTv && m.switchDate !== state.switchDate) {
      const message = `an ABBM to a TVS-VA carries the original Wechseltermin ${state.switchDate}, not ${m.switchDate ?? 'none'}`;
      issues.push(
        ctx.direction === 'out'
          ? err({ path: '/switchDate', rule: 'abbmTvOriginalDate', code: 'SG_STATE_DATE_MISMATCH', message })
          : warn('/switchDate', 'abbmTvOriginalDate', 'SG_STATE_DATE_MISMATCH', message),
      );
    }
    return { issues, state: closedState, effects: [{ kind: 'change-closed', change, result: 'rejected', codes }] };
  }

  // ERLM
  const closed: Effect = { kind: 'change-closed', change, result: 'accepted', codes };
  if (isTv) {
    if (m.switchDate !== change.requestedDate) {
      issues.push(
        err({
          path: '/switchDate',
          rule: 'erlmTvNewDate',
          code: 'SG_STATE_DATE_MISMATCH',
          message: `an ERLM to ${change.id} carries the requested date ${change.requestedDate}, not ${m.switchDate ?? 'none'}`,
        }),
      );
    }
    const from = state.switchDate as IsoDate;
    const to = change.requestedDate as IsoDate;
    const effects: Effect[] = [closed];
    if (from !== to) effects.push({ kind: 'switch-date-changed', from, to });
    return { issues, state: { ...closedState, switchDate: to }, effects };
  }
  if (change.kind === 'STR-AUF') {
    return {
      issues,
      state: { ...closedState, state: 'CANCELLED', closedAt: t.at },
      effects: [closed, { kind: 'closed', state: 'CANCELLED' }],
    };
  }
  // STR-AEN (the coarse guard made sure the RUEM-VA exists)
  const replaced: WbciCaseState = { ...closedState, state: 'REPLACED', closedAt: t.at };
  const effects: Effect[] = [closed, { kind: 'closed', state: 'REPLACED' }];
  const due = successorDueAt(replaced, ctx);
  if (due) effects.push({ kind: 'successor-expected', dueAt: due.toISOString() });
  return { issues, state: replaced, effects };
}

// ---------------------------------------------------------------------------------------------
// tick

/** Time-driven transitions (§6.4); null when nothing is due. `direction` is not used. */
export function tick(state: WbciCaseState, ctx: Omit<MachineContext, 'direction'> & { direction?: Direction }): Decision | null {
  const at = ctx.now.toISOString();
  if (state.state === 'REPLACED' && state.replacedBy === undefined) {
    const due = successorDueAt(state, ctx);
    if (due && ctx.now.getTime() > due.getTime()) {
      return {
        ok: true,
        state: { ...state, state: 'REPLACED_EXPIRED' },
        warnings: [],
        effects: [{ kind: 'closed', state: 'REPLACED_EXPIRED' }],
      };
    }
    return null;
  }
  if ((state.state === 'AGREED' || state.state === 'TR_NOTIFIED') && state.openChange === null && state.switchDate) {
    const past = daysBetween(state.switchDate, ctx.calendar.today(ctx.now));
    if (past >= ctx.rules.completeDaysAfterSwitchDate) {
      return {
        ok: true,
        state: { ...state, state: 'COMPLETED', closedAt: at },
        warnings: [],
        effects: [{ kind: 'closed', state: 'COMPLETED' }],
      };
    }
  }
  return null;
}

/**
 * The earliest instant at which `tick` would change `state` by itself, or null if only a message
 * can move it now. Lets the service schedule ticks instead of polling every case.
 */
export function nextTimedTransitionAt(state: WbciCaseState, ctx: { calendar: WorkingDayCalendar; rules: WbciRules }): Date | null {
  if (state.state === 'REPLACED') {
    if (state.replacedBy !== undefined) return null;
    const due = successorDueAt(state, ctx);
    return due ? new Date(due.getTime() + 1) : null;
  }
  if ((state.state === 'AGREED' || state.state === 'TR_NOTIFIED') && state.openChange === null && state.switchDate) {
    const lastDayBefore = addDays(state.switchDate, ctx.rules.completeDaysAfterSwitchDate - 1);
    return new Date(ctx.calendar.endOfDay(lastDayBefore).getTime() + 1);
  }
  return null;
}
