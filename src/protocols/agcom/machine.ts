/**
 * The AGCOM Fase 2 state machine (italy.md §4, §9): the single source of truth for what may follow
 * what between Recipient and Donating. The same code guards what we send (`direction: 'out'`) and
 * checks what we receive (`direction: 'in'`), in both roles: it reasons about the *party* that
 * sends a message, so both gateways reach the same state for the same sequence.
 *
 * Who decides what:
 * - the formal validation (xml2) is decided by the Donating's gateway itself on receipt: syntax,
 *   check character, the secret in the Donating's pool (`cowOwner`, configuration). `openCase`
 *   returns the xml2 answer as `reply`, OK or KO, and the service sends it as it is;
 * - the managerial validation (xml3) is decided by the Donating's CRM and sent through `apply`;
 * - cancellations and reschedules are answered by the Donating's gateway too (xml2 to them): they
 *   are allowed up to the DAC day included (cut-off configurable, §13.11), refused after it;
 * - "a second request for a line with an open switch" needs the database: the service checks
 *   `lineKeys` and answers with `refuseDuplicate`.
 *
 * Strictness differs by direction on purpose, as in WBCI: what we send must be right (errors);
 * an answer we receive cannot be answered, so its content problems become warnings for a person
 * while the state follows the partner; a received request/change that breaks a rule is refused
 * with the xml2 KO the Donating owes.
 */
import { DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS, dateHorizonViolation } from '../../domain/date-horizon.js';
import type { WorkingDayCalendar } from '../../domain/calendar.js';
import { addDays, daysBetween } from '../../domain/calendar.js';
import type { Issue } from '../../domain/issues.js';
import { isTerminal, type AgcomCaseState, type AgcomState, type ChangeKind, type ChangeRecord, type OpenChange, type Role } from './case-state.js';
import type { CosTable } from './cos.js';
import { changeWindowEndsAt } from './deadlines.js';
import { checkChange, checkRequest, isIsoDate, lineKeys, type CowOwner, type FormalIssue } from './fields.js';
import type { AgcomRules } from './rules.js';
import type {
  AgcomMessage,
  AgcomParty,
  Cancellation,
  FormalValidation,
  IsoDate,
  IsoDateTime,
  KoCategory,
  ManagerialValidation,
  MigrationRequest,
  Procedure,
  RecipientMessage,
  Rejection,
  Reschedule,
  ResourceCode,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type Direction = 'in' | 'out';

export interface MachineContext {
  now: Date;
  /** the Italian working-day calendar */
  calendar: WorkingDayCalendar;
  rules: AgcomRules;
  /** `out`: this gateway sends the message; `in`: it received it from the partner */
  direction: Direction;
  /** COW / codice segreto → operator whose pool holds it (configuration); `unknownCowOwner` if none */
  cowOwner: CowOwner;
  /** known COS values; default italy.md §8 */
  cosTable?: CosTable;
  /** `deadlines.maxRequestedDateHorizonDays`: how far ahead a DAC may lie (default 730) */
  maxRequestedDateHorizonDays?: number;
}

export const unknownCowOwner: CowOwner = () => undefined;

/** What the Donating's gateway answers by itself: always an xml2 record. */
export type AutoReply = FormalValidation;

export type ChangeOutcome = 'accepted' | 'rejected' | 'superseded';

/** Domain facts of a transition; the service layer turns them into events. */
export type Effect =
  | { kind: 'case-opened'; orderId: string; procedure: Procedure; dac: IsoDate | null; lineKeys: string[] }
  | { kind: 'formal-validated'; result: 'OK' | 'KO'; rejection?: Rejection }
  | { kind: 'managerial-validated'; result: 'OK' | 'KO'; sessionCode?: string; rejection?: Rejection }
  | { kind: 'change-opened'; change: OpenChange }
  /** `superseded`: the case ended while the change was still open */
  | { kind: 'change-closed'; change: OpenChange; result: ChangeOutcome; rejection?: Rejection }
  | { kind: 'dac-changed'; from: IsoDate | null; to: IsoDate }
  | { kind: 'closed'; state: AgcomState };

export type Decision =
  | { ok: true; state: AgcomCaseState; warnings: Issue[]; effects: Effect[]; reply: AutoReply | null }
  | { ok: false; issues: Issue[]; reply: AutoReply | null };

/** What a message does; xml2 is classified by what it answers. */
export const MESSAGE_KINDS = ['FORMAL', 'MANAGERIAL', 'ANNULLAMENTO', 'RIMODULAZIONE', 'CHANGE-ANSWER'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export function messageKind(msg: AgcomMessage): MessageKind | 'RICHIESTA' {
  switch (msg.type) {
    case 'RICHIESTA':
    case 'ANNULLAMENTO':
    case 'RIMODULAZIONE':
      return msg.type;
    case 'VALIDAZIONE_FORMALE':
      return msg.answers === 'RICHIESTA' ? 'FORMAL' : 'CHANGE-ANSWER';
    case 'VALIDAZIONE_GESTIONALE':
      return 'MANAGERIAL';
  }
}

// ---------------------------------------------------------------------------------------------
// The transition table (coarse: who may send what in which state). Finer guards are in code below.

const LIVE: readonly AgcomState[] = ['AWAITING_FORMAL', 'AWAITING_MANAGERIAL', 'VALIDATED'];

export interface TransitionRow {
  sender: AgcomParty;
  /** case states in which it is allowed */
  states: readonly AgcomState[];
  result: string;
  requires?: string;
  /** only ever the Donating gateway's own reply (never sent through `apply`) */
  automatic?: true;
}

export const TRANSITIONS: Readonly<Record<MessageKind, TransitionRow>> = {
  FORMAL: {
    sender: 'donating',
    states: ['AWAITING_FORMAL'],
    result: 'OK: AWAITING_MANAGERIAL; KO: REJECTED (terminal)',
    requires: 'the reply of openCase on the Donating side; received once by the Recipient',
    automatic: true,
  },
  MANAGERIAL: {
    sender: 'donating',
    states: ['AWAITING_MANAGERIAL'],
    result: 'OK with CodiceSessione: VALIDATED; KO: REJECTED (terminal)',
    requires: 'once; received in AWAITING_FORMAL it is accepted with a warning (the formal answer is missing)',
  },
  ANNULLAMENTO: {
    sender: 'recipient',
    states: LIVE,
    result: 'Recipient: change open; Donating: CANCELLED (terminal), answered OK by its gateway',
    requires: 'no open change; up to the DAC day included (cut-off configurable)',
  },
  RIMODULAZIONE: {
    sender: 'recipient',
    states: LIVE,
    result: 'Recipient: change open; Donating: DAC := new date, answered OK by its gateway',
    requires: 'no open change; up to the DAC day included; new DAC a working day with the minimum lead',
  },
  'CHANGE-ANSWER': {
    sender: 'donating',
    states: LIVE,
    result: 'OK: ANNULLAMENTO → CANCELLED, RIMODULAZIONE → DAC := new date; KO: same state, change closed',
    requires: 'an open change of the kind it answers',
    automatic: true,
  },
};

// ---------------------------------------------------------------------------------------------
// Issue and reply helpers

interface Refusal {
  path: string;
  rule: string;
  code: string;
  message: string;
  /** KO category of the xml2 answer to an inbound request/change; default ALTRO */
  category?: KoCategory;
  /** false: no business answer even inbound (e.g. not our case, wrong direction) */
  reply?: boolean;
}

type ErrorIssue = Issue & { refusal: Refusal };

const err = (r: Refusal): ErrorIssue => ({ path: r.path, rule: r.rule, code: r.code, message: r.message, severity: 'error', refusal: r });

const warn = (path: string, rule: string, code: string, message: string): Issue => ({ path, rule, code, message, severity: 'warning' });

const isError = (i: Issue): boolean => (i.severity ?? 'error') === 'error';

const stripIssue = (i: Issue): Issue => {
  const { path, rule, code, message, severity } = i;
  return { path, rule, code, message, severity: severity ?? 'error' };
};

/** Field issues of fields.ts carry their category; as machine issues they keep it for the reply. */
const fromFormal = (i: FormalIssue): Issue =>
  i.severity === 'warning'
    ? warn(i.path, i.rule, i.code, i.message)
    : err({ path: i.path, rule: i.rule, code: i.code, message: i.message, category: i.category });

const ourParty = (role: Role): AgcomParty => role;
const otherParty = (p: AgcomParty): AgcomParty => (p === 'recipient' ? 'donating' : 'recipient');

const MOTIVO_MAX = 255;

function rejectionOf(r: Refusal, msg: RecipientMessage): Rejection {
  const category = r.category ?? 'ALTRO';
  const text = r.message.length > MOTIVO_MAX ? `${r.message.slice(0, MOTIVO_MAX - 1)}…` : r.message;
  const rejection: Rejection = { category, text };
  if (category === 'NUMERAZIONI' && msg.type === 'RICHIESTA') {
    const m = /^\/numbers\/(\d+)$/.exec(r.path);
    if (m) rejection.wrongNumbers = [msg.numbers[Number(m[1])]];
  }
  return rejection;
}

const ECHO_SECRET = /^[A-Z0-9]{3}$/;
const ECHO_COR = /^[A-Z0-9]{1,12}$/;
const ECHO_COS = /^[A-Z0-9]{3}$/;

/** The xml2 record answering `msg`, sent by the Donating. */
export function formalAnswer(msg: RecipientMessage, result: 'OK' | 'KO', rejection?: Rejection): FormalValidation {
  const answer: FormalValidation = {
    type: 'VALIDAZIONE_FORMALE',
    answers: msg.type,
    result,
    recipient: msg.recipient,
    donating: msg.donating,
    sender: msg.donating,
    orderId: msg.orderId,
    procedure: msg.procedure,
  };
  if (msg.type === 'RICHIESTA') {
    // only well-formed parts are echoed: a KO to a malformed request must itself be sendable
    if (ECHO_SECRET.test(msg.secret)) answer.secret = msg.secret;
    const resources = msg.resources.slice(0, 2).map((r): ResourceCode => {
      const cor = ECHO_COR.test(r.cor) ? r.cor : '';
      return r.cos !== undefined && ECHO_COS.test(r.cos) ? { cor, cos: r.cos } : { cor };
    });
    if (resources.some((r) => r.cor !== '')) answer.resources = resources;
  }
  if (rejection) answer.rejection = rejection;
  return answer;
}

function refuse(msg: AgcomMessage, issues: Issue[], ctx: Pick<MachineContext, 'direction'>): Decision {
  const first = issues.find((i): i is ErrorIssue => isError(i) && 'refusal' in i);
  let reply: AutoReply | null = null;
  if (ctx.direction === 'in' && first && first.refusal.reply !== false && (msg.type === 'RICHIESTA' || msg.type === 'ANNULLAMENTO' || msg.type === 'RIMODULAZIONE')) {
    reply = formalAnswer(msg, 'KO', rejectionOf(first.refusal, msg));
  }
  return { ok: false, issues: issues.map(stripIssue), reply };
}

// ---------------------------------------------------------------------------------------------
// Dates

interface DacCheck {
  dac: IsoDate;
  path: string;
  minLead: number;
  /** lead-time and working-day violations are errors (else warnings) */
  strict: boolean;
  label: string;
}

function dacIssues(c: DacCheck, ctx: MachineContext): Issue[] {
  if (!isIsoDate(c.dac)) return []; // the field checks report it
  const out: Issue[] = [];
  const { calendar, rules } = ctx;
  const today = calendar.today(ctx.now);
  // the range first, in both directions: no working-day arithmetic on a date nobody can mean
  const maxDays = ctx.maxRequestedDateHorizonDays ?? DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS;
  const horizon = dateHorizonViolation(c.dac, today, maxDays);
  if (horizon) {
    const message =
      horizon.side === 'early'
        ? `${c.label} ${c.dac} is before ${horizon.limit}, the earliest date accepted`
        : `${c.label} ${c.dac} is more than ${maxDays} days ahead (deadlines.maxRequestedDateHorizonDays; latest ${horizon.limit})`;
    return [err({ path: c.path, rule: 'maxRequestedDateHorizonDays', code: 'SG_DATE_HORIZON', message, category: 'ALTRO' })];
  }
  const problem = (rule: string, code: string, message: string): Issue =>
    c.strict ? err({ path: c.path, rule, code, message, category: 'ALTRO' }) : warn(c.path, rule, code, message);

  const lead = calendar.workingDaysBetween(today, c.dac);
  if (lead < c.minLead) {
    out.push(problem('minLeadWorkingDays', 'SG_AGCOM_DAC_LEAD_TIME', `${c.label} ${c.dac} is ${lead} working day(s) after today (${today}); at least ${c.minLead} needed`));
  }
  if (rules.dacMustBeWorkingDay && !calendar.isWorkingDay(c.dac)) {
    out.push(problem('workingDay', 'SG_AGCOM_DAC_NOT_WORKING_DAY', `${c.label} ${c.dac} is not a working day in Italy`));
  }
  const ahead = daysBetween(today, c.dac);
  if (ahead > rules.maxDacHorizonDays) {
    out.push(warn(c.path, 'maxHorizonDays', 'SG_AGCOM_DAC_HORIZON', `${c.label} ${c.dac} is ${ahead} days ahead; transfers should not take longer than ${rules.maxDacHorizonDays} days`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// openCase

/**
 * A new request, sent (role recipient, direction out) or received (role donating, direction in).
 * On the Donating side the formal validation happens here and its xml2 answer is the `reply` of
 * the decision, OK or KO. The order id's and the line's uniqueness across cases are the caller's.
 */
export function openCase(req: MigrationRequest, role: Role, ctx: MachineContext): Decision {
  const expectedDirection: Direction = role === 'recipient' ? 'out' : 'in';
  if (ctx.direction !== expectedDirection) {
    return refuse(req, [
      err({
        path: '',
        rule: 'directionMatchesRole',
        code: 'SG_AGCOM_WRONG_DIRECTION',
        message: `a request is ${role === 'recipient' ? 'sent' : 'received'} in role ${role}, not ${ctx.direction === 'out' ? 'sent' : 'received'}`,
        reply: false,
      }),
    ], ctx);
  }
  if (req.sender !== req.recipient) {
    return refuse(req, [
      err({ path: '/sender', rule: 'requestFromRecipient', code: 'SG_AGCOM_WRONG_PARTY', message: `a request is sent by the Recipient ${req.recipient}, not by ${req.sender}`, reply: false }),
    ], ctx);
  }

  const issues: Issue[] = checkRequest(req, {
    rules: ctx.rules,
    cosTable: ctx.cosTable,
    cowOwner: ctx.cowOwner,
    unknownSecret: role === 'donating' ? 'error' : 'ignore',
  }).map(fromFormal);
  if (req.dac !== undefined) {
    issues.push(...dacIssues({ dac: req.dac, path: '/dac', minLead: ctx.rules.minDacLeadWorkingDays, strict: ctx.direction === 'out', label: 'DAC' }, ctx));
  }
  if (issues.some(isError)) return refuse(req, issues, ctx);

  const at = ctx.now.toISOString();
  const donating = role === 'donating';
  const state: AgcomCaseState = {
    orderId: req.orderId,
    procedure: req.procedure,
    role,
    recipient: req.recipient,
    donating: req.donating,
    state: donating ? 'AWAITING_MANAGERIAL' : 'AWAITING_FORMAL',
    requestedAt: at,
    formalAt: donating ? at : null,
    managerialAt: null,
    dac: req.dac ?? null,
    sessionCode: null,
    rejection: null,
    openChange: null,
    changes: [],
    lineKeys: lineKeys(req),
    request: req,
  };
  const effects: Effect[] = [{ kind: 'case-opened', orderId: req.orderId, procedure: req.procedure, dac: state.dac, lineKeys: state.lineKeys }];
  if (donating) effects.push({ kind: 'formal-validated', result: 'OK' });
  return { ok: true, state, warnings: issues.map(stripIssue), effects, reply: donating ? formalAnswer(req, 'OK') : null };
}

/**
 * The Donating's refusal of a request for a line that already has an open switch (italy.md §9.1,
 * KO DUPLICATO), once the service has found the other case by `lineKeys`. Outbound (the Recipient
 * about to send a second request) it is a plain refusal without reply.
 */
export function refuseDuplicate(req: MigrationRequest, ctx: Pick<MachineContext, 'direction'>, openOrderId: string): Decision {
  return refuse(
    req,
    [
      err({
        path: '/resources/0/cor',
        rule: 'oneOpenSwitchPerLine',
        code: 'SG_AGCOM_DUPLICATE',
        message: `the line already has an open migration (order ${openOrderId})`,
        category: 'DUPLICATO',
      }),
    ],
    ctx,
  );
}

// ---------------------------------------------------------------------------------------------
// Coarse guard: sender party and case state

function coarseGuard(state: AgcomCaseState, kind: MessageKind, party: AgcomParty, direction: Direction, answers?: ChangeKind): ErrorIssue | null {
  const row = TRANSITIONS[kind];
  if (row.sender !== party) {
    return err({ path: '/sender', rule: 'senderParty', code: 'SG_AGCOM_WRONG_PARTY', message: `${kind} is sent by the ${row.sender}, not the ${party}`, reply: false });
  }
  if (row.automatic && direction === 'out') {
    return err({
      path: '',
      rule: 'formalIsAutomatic',
      code: 'SG_AGCOM_FORMAL_AUTOMATIC',
      message: 'the formal validation (xml2) is decided and sent by the gateway itself, not through apply',
      reply: false,
    });
  }
  if (isTerminal(state.state)) {
    return err({ path: '', rule: 'caseOpen', code: 'SG_AGCOM_CLOSED', message: `order ${state.orderId} is closed (${state.state}); no ${kind} is possible` });
  }
  const change = state.openChange;
  switch (kind) {
    case 'FORMAL':
      if (state.state !== 'AWAITING_FORMAL') {
        return err({ path: '', rule: 'answerOnce', code: 'SG_AGCOM_ALREADY_ANSWERED', message: `order ${state.orderId} already has its formal answer (${state.state})` });
      }
      return null;
    case 'MANAGERIAL':
      if (state.state === 'AWAITING_MANAGERIAL' || (state.state === 'AWAITING_FORMAL' && direction === 'in')) return null;
      if (state.state === 'AWAITING_FORMAL') {
        return err({ path: '', rule: 'formalFirst', code: 'SG_AGCOM_NOT_FORMALLY_VALIDATED', message: `order ${state.orderId} has no formal answer yet` });
      }
      return err({ path: '', rule: 'answerOnce', code: 'SG_AGCOM_ALREADY_ANSWERED', message: `order ${state.orderId} already has its managerial answer (${state.state})` });
    case 'ANNULLAMENTO':
    case 'RIMODULAZIONE':
      if (change) {
        return err({ path: '', rule: 'oneOpenChange', code: 'SG_AGCOM_CHANGE_OPEN', message: `the ${change.kind} of ${change.at} is not answered yet` });
      }
      return null;
    case 'CHANGE-ANSWER':
      if (!change) {
        return err({ path: '/answers', rule: 'answersOpenChange', code: 'SG_AGCOM_NO_OPEN_CHANGE', message: `there is no open cancellation or reschedule to answer` });
      }
      if (answers !== undefined && answers !== change.kind) {
        return err({ path: '/answers', rule: 'answersOpenChange', code: 'SG_AGCOM_WRONG_CHANGE', message: `the open change is a ${change.kind}, the answer is to a ${answers}` });
      }
      return null;
  }
}

/** The message kinds `party` may send now (dates and contents not considered). */
export function allowedMessages(state: AgcomCaseState, party: AgcomParty, direction?: Direction): MessageKind[] {
  const dir = direction ?? (party === ourParty(state.role) ? 'out' : 'in');
  return MESSAGE_KINDS.filter((k) => coarseGuard(state, k, party, dir) === null);
}

/** Why `party` may not send `kind` now, or null if it may (dates and contents not considered). */
export function explainRefusal(state: AgcomCaseState, kind: MessageKind, party: AgcomParty, direction?: Direction): Issue | null {
  const dir = direction ?? (party === ourParty(state.role) ? 'out' : 'in');
  const r = coarseGuard(state, kind, party, dir);
  return r ? stripIssue(r) : null;
}

// ---------------------------------------------------------------------------------------------
// apply

interface Transition {
  state: AgcomCaseState;
  ctx: MachineContext;
  at: IsoDateTime;
}

interface Outcome {
  state: AgcomCaseState;
  issues: Issue[];
  effects: Effect[];
  reply?: AutoReply;
}

/** A message sent (direction out) or received (direction in) on an existing case. */
export function apply(state: AgcomCaseState, msg: AgcomMessage, ctx: MachineContext): Decision {
  const party: AgcomParty | null = msg.sender === state.recipient ? 'recipient' : msg.sender === state.donating ? 'donating' : null;
  if (party === null) {
    return refuse(msg, [
      err({
        path: '/sender',
        rule: 'senderIsParty',
        code: 'SG_AGCOM_UNKNOWN_SENDER',
        message: `${msg.sender} is neither the Recipient ${state.recipient} nor the Donating ${state.donating} of order ${state.orderId}`,
        reply: false,
      }),
    ], ctx);
  }
  const expected = ctx.direction === 'out' ? ourParty(state.role) : otherParty(ourParty(state.role));
  if (party !== expected) {
    return refuse(msg, [
      err({
        path: '/sender',
        rule: 'directionMatchesSender',
        code: 'SG_AGCOM_WRONG_DIRECTION',
        message: `as ${state.role} this gateway ${ctx.direction === 'out' ? 'sends' : 'receives'} the ${expected}'s messages, but ${msg.sender} is the ${party}`,
        reply: false,
      }),
    ], ctx);
  }
  if (msg.type === 'RICHIESTA') {
    const issue =
      msg.orderId === state.orderId
        ? err({ path: '/orderId', rule: 'orderIdNotReused', code: 'SG_AGCOM_ORDER_ID_IN_USE', message: `order ${msg.orderId} already exists`, category: 'DUPLICATO' })
        : err({ path: '/orderId', rule: 'requestOpensCase', code: 'SG_AGCOM_NOT_ALLOWED', message: 'a request opens a new case (openCase), it does not apply to one', reply: false });
    return refuse(msg, [issue], ctx);
  }
  if (msg.orderId !== state.orderId) {
    return refuse(msg, [
      err({ path: '/orderId', rule: 'orderIdMatchesCase', code: 'SG_AGCOM_WRONG_ORDER', message: `${msg.orderId} is not the order of this case (${state.orderId})`, reply: false }),
    ], ctx);
  }
  if (msg.recipient !== state.recipient || msg.donating !== state.donating) {
    return refuse(msg, [
      err({
        path: msg.recipient !== state.recipient ? '/recipient' : '/donating',
        rule: 'partiesMatchCase',
        code: 'SG_AGCOM_PARTIES_MISMATCH',
        message: `Recipient/Donating ${msg.recipient}/${msg.donating} differ from the case's ${state.recipient}/${state.donating}`,
        reply: false,
      }),
    ], ctx);
  }

  const kind = messageKind(msg) as MessageKind;
  const answers = msg.type === 'VALIDAZIONE_FORMALE' && msg.answers !== 'RICHIESTA' ? msg.answers : undefined;
  const coarse = coarseGuard(state, kind, party, ctx.direction, answers);
  if (coarse) return refuse(msg, [coarse], ctx);

  const pre: Issue[] = [];
  if (msg.procedure !== state.procedure) {
    const message = `the message is for a ${msg.procedure}, the case is a ${state.procedure}`;
    pre.push(ctx.direction === 'out' ? err({ path: '/procedure', rule: 'procedureMatchesCase', code: 'SG_AGCOM_PROCEDURE_MISMATCH', message, category: 'FORMATO' }) : warn('/procedure', 'procedureMatchesCase', 'SG_AGCOM_PROCEDURE_MISMATCH', message));
  }

  const t: Transition = { state, ctx, at: ctx.now.toISOString() };
  let result: Outcome;
  switch (kind) {
    case 'FORMAL':
      result = applyFormal(t, msg as FormalValidation);
      break;
    case 'MANAGERIAL':
      result = applyManagerial(t, msg as ManagerialValidation);
      break;
    case 'ANNULLAMENTO':
      result = applyCancellation(t, msg as Cancellation);
      break;
    case 'RIMODULAZIONE':
      result = applyReschedule(t, msg as Reschedule);
      break;
    case 'CHANGE-ANSWER':
      result = applyChangeAnswer(t, msg as FormalValidation);
      break;
  }
  const issues = [...pre, ...result.issues];
  if (issues.some(isError)) return refuse(msg, issues, ctx);
  return { ok: true, state: result.state, warnings: issues.map(stripIssue), effects: result.effects, reply: result.reply ?? null };
}

/** A KO answer we receive must say why; without a reason it still closes the case, as ALTRO. */
function receivedRejection(m: FormalValidation | ManagerialValidation, issues: Issue[]): Rejection {
  if (m.rejection) return m.rejection;
  issues.push(warn('/rejection', 'koHasReason', 'SG_AGCOM_KO_WITHOUT_REASON', 'a KO without a reason: recorded as ALTRO'));
  return { category: 'ALTRO' };
}

/** §6.4 of WBCI, same here: a case that ends while a change is open closes that change too. */
function supersedeChange(state: AgcomCaseState): Effect[] {
  return state.openChange ? [{ kind: 'change-closed', change: state.openChange, result: 'superseded' }] : [];
}

function reject(t: Transition, stage: 'formal' | 'managerial', rejection: Rejection): AgcomCaseState {
  const stamp = stage === 'formal' ? { formalAt: t.at } : { managerialAt: t.at };
  return { ...t.state, ...stamp, state: 'REJECTED', rejection: { ...rejection, stage }, openChange: null, closedAt: t.at };
}

function resultIssue(m: FormalValidation | ManagerialValidation): Issue | null {
  if (m.result === 'OK' || m.result === 'KO') return null;
  return err({ path: '/result', rule: 'enum', code: 'SG_AGCOM_FORMAT', message: `result must be OK or KO, got ${JSON.stringify(m.result)}` });
}

function applyFormal(t: Transition, m: FormalValidation): Outcome {
  const issues: Issue[] = [];
  const bad = resultIssue(m);
  if (bad) return { state: t.state, issues: [bad], effects: [] };
  if (m.result === 'OK') {
    if (m.rejection) issues.push(warn('/rejection', 'okWithoutReason', 'SG_AGCOM_OK_WITH_REASON', 'an OK carries a rejection reason: ignored'));
    return {
      issues,
      state: { ...t.state, state: 'AWAITING_MANAGERIAL', formalAt: t.at },
      effects: [{ kind: 'formal-validated', result: 'OK' }],
    };
  }
  const rejection = receivedRejection(m, issues);
  const effect: Effect = { kind: 'formal-validated', result: 'KO', rejection };
  return {
    issues,
    state: reject(t, 'formal', rejection),
    effects: [...supersedeChange(t.state), effect, { kind: 'closed', state: 'REJECTED' }],
  };
}

function applyManagerial(t: Transition, m: ManagerialValidation): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const strict = ctx.direction === 'out';
  const bad = resultIssue(m);
  if (bad) return { state, issues: [bad], effects: [] };
  if (state.state === 'AWAITING_FORMAL') {
    issues.push(warn('', 'formalFirst', 'SG_AGCOM_FORMAL_ANSWER_MISSING', 'managerial answer received before the formal one: the formal validation is taken as passed'));
  }
  const formalAt = state.formalAt ?? t.at;

  if (m.result === 'OK') {
    const code = m.sessionCode?.trim() ?? '';
    if (code === '') {
      // without it Fase 3 cannot start, whichever side we are
      issues.push(err({ path: '/sessionCode', rule: 'required', code: 'SG_AGCOM_SESSION_CODE_MISSING', message: 'a managerial OK must carry the CodiceSessione' }));
    } else if (code.length > ctx.rules.sessionCodeMaxLength || !/^[\x21-\x7E]+$/.test(code)) {
      const message = `CodiceSessione must be 1–${ctx.rules.sessionCodeMaxLength} printable ASCII characters without spaces`;
      issues.push(strict ? err({ path: '/sessionCode', rule: 'pattern', code: 'SG_AGCOM_SESSION_CODE_FORMAT', message }) : warn('/sessionCode', 'pattern', 'SG_AGCOM_SESSION_CODE_FORMAT', message));
    }
    if (m.rejection) {
      const message = 'an OK must not carry a rejection reason';
      issues.push(strict ? err({ path: '/rejection', rule: 'okWithoutReason', code: 'SG_AGCOM_OK_WITH_REASON', message }) : warn('/rejection', 'okWithoutReason', 'SG_AGCOM_OK_WITH_REASON', `${message}: ignored`));
    }
    return {
      issues,
      state: { ...state, state: 'VALIDATED', formalAt, managerialAt: t.at, sessionCode: code },
      effects: [{ kind: 'managerial-validated', result: 'OK', sessionCode: code }],
    };
  }

  let rejection: Rejection;
  if (strict) {
    if (!m.rejection) {
      issues.push(err({ path: '/rejection', rule: 'required', code: 'SG_AGCOM_REQUIRED', message: 'a managerial KO must say why (category)' }));
      rejection = { category: 'ALTRO' };
    } else {
      rejection = m.rejection;
      if (m.sessionCode !== undefined) {
        issues.push(err({ path: '/sessionCode', rule: 'koWithoutSessionCode', code: 'SG_AGCOM_FORMAT', message: 'a KO carries no CodiceSessione' }));
      }
      if (rejection.text !== undefined && rejection.text.length > MOTIVO_MAX) {
        issues.push(err({ path: '/rejection/text', rule: 'maxLength', code: 'SG_AGCOM_FORMAT', message: `MotivoRifiuto has ${rejection.text.length} characters; at most ${MOTIVO_MAX}` }));
      }
    }
  } else {
    rejection = receivedRejection(m, issues);
  }
  // NumerazioneErrata names numbers of the request; others point at a mix-up
  for (const [i, n] of (rejection.wrongNumbers ?? []).entries()) {
    if (!state.request.numbers.includes(n)) {
      const message = `${n} is not one of the request's numbers`;
      issues.push(strict ? err({ path: `/rejection/wrongNumbers/${i}`, rule: 'numberOfRequest', code: 'SG_AGCOM_FORMAT', message }) : warn(`/rejection/wrongNumbers/${i}`, 'numberOfRequest', 'SG_AGCOM_FORMAT', message));
    }
  }
  const effect: Effect = { kind: 'managerial-validated', result: 'KO', rejection };
  return {
    issues,
    state: { ...reject(t, 'managerial', rejection), formalAt },
    effects: [...supersedeChange(state), effect, { kind: 'closed', state: 'REJECTED' }],
  };
}

/** Nothing after the DAC (day included unless a cut-off is configured). */
function windowIssue(t: Transition, kind: ChangeKind): ErrorIssue | null {
  const { state, ctx } = t;
  const end = changeWindowEndsAt(state.dac, kind, ctx);
  if (!end || ctx.now.getTime() <= end.getTime()) return null;
  const what = kind === 'ANNULLAMENTO' ? 'cancellation' : 'reschedule';
  const cutoff = kind === 'ANNULLAMENTO' ? ctx.rules.cancelCutoffWorkingDaysBeforeDac : ctx.rules.rescheduleCutoffWorkingDaysBeforeDac;
  const limit = cutoff === 0 ? `up to the DAC day ${state.dac} included` : `at least ${cutoff} working day(s) before the DAC ${state.dac}`;
  return err({ path: '', rule: 'changeBeforeDac', code: 'SG_AGCOM_AFTER_DAC', message: `a ${what} is possible only ${limit}`, category: 'ALTRO' });
}

function applyCancellation(t: Transition, m: Cancellation): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = checkChange(m).map(fromFormal);
  const w = windowIssue(t, 'ANNULLAMENTO');
  if (w) issues.push(w);
  const change: OpenChange = { kind: 'ANNULLAMENTO', at: t.at };
  if (ctx.direction === 'out') {
    return { issues, state: { ...state, openChange: change }, effects: [{ kind: 'change-opened', change }] };
  }
  // The Donating's gateway accepts it on receipt and says so.
  const record: ChangeRecord = { kind: 'ANNULLAMENTO', result: 'accepted', at: t.at };
  return {
    issues,
    state: { ...state, state: 'CANCELLED', changes: [...state.changes, record], closedAt: t.at },
    effects: [{ kind: 'change-closed', change, result: 'accepted' }, { kind: 'closed', state: 'CANCELLED' }],
    reply: formalAnswer(m, 'OK'),
  };
}

function applyReschedule(t: Transition, m: Reschedule): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = checkChange(m).map(fromFormal);
  const w = windowIssue(t, 'RIMODULAZIONE');
  if (w) issues.push(w);
  issues.push(...dacIssues({ dac: m.dac, path: '/dac', minLead: ctx.rules.rescheduleMinLeadWorkingDays, strict: true, label: 'new DAC' }, ctx));
  if (m.dac === state.dac) issues.push(warn('/dac', 'dacChanges', 'SG_AGCOM_DAC_UNCHANGED', `the new DAC is the current one (${m.dac})`));
  const change: OpenChange = { kind: 'RIMODULAZIONE', dac: m.dac, at: t.at };
  if (ctx.direction === 'out') {
    return { issues, state: { ...state, openChange: change }, effects: [{ kind: 'change-opened', change }] };
  }
  const record: ChangeRecord = { kind: 'RIMODULAZIONE', dac: m.dac, result: 'accepted', at: t.at };
  const effects: Effect[] = [{ kind: 'change-closed', change, result: 'accepted' }];
  if (m.dac !== state.dac) effects.push({ kind: 'dac-changed', from: state.dac, to: m.dac });
  return { issues, state: { ...state, dac: m.dac, changes: [...state.changes, record] }, effects, reply: formalAnswer(m, 'OK') };
}

function applyChangeAnswer(t: Transition, m: FormalValidation): Outcome {
  const { state } = t;
  const change = state.openChange as OpenChange; // coarse guard: there is one, of this kind
  const issues: Issue[] = [];
  const bad = resultIssue(m);
  if (bad) return { state, issues: [bad], effects: [] };
  const record: ChangeRecord = { kind: change.kind, result: m.result === 'OK' ? 'accepted' : 'rejected', at: t.at };
  if (change.dac !== undefined) record.dac = change.dac;

  if (m.result === 'KO') {
    const rejection = receivedRejection(m, issues);
    record.rejection = rejection;
    return {
      issues,
      state: { ...state, openChange: null, changes: [...state.changes, record] },
      effects: [{ kind: 'change-closed', change, result: 'rejected', rejection }],
    };
  }
  const closed: Effect = { kind: 'change-closed', change, result: 'accepted' };
  const base = { ...state, openChange: null, changes: [...state.changes, record] };
  if (change.kind === 'ANNULLAMENTO') {
    return { issues, state: { ...base, state: 'CANCELLED', closedAt: t.at }, effects: [closed, { kind: 'closed', state: 'CANCELLED' }] };
  }
  const to = change.dac as IsoDate;
  const effects: Effect[] = [closed];
  if (to !== state.dac) effects.push({ kind: 'dac-changed', from: state.dac, to });
  return { issues, state: { ...base, dac: to }, effects };
}

// ---------------------------------------------------------------------------------------------
// tick

/**
 * Time-driven transitions: a validated case completes once its DAC is `completeDaysAfterDac` past
 * (Fase 2 can no longer change anything). The Fase 2 answer deadlines only raise alerts.
 */
export function tick(state: AgcomCaseState, ctx: { now: Date; calendar: WorkingDayCalendar; rules: AgcomRules }): Decision | null {
  if (state.state !== 'VALIDATED' || state.openChange !== null || state.dac === null) return null;
  const past = daysBetween(state.dac, ctx.calendar.today(ctx.now));
  if (past < ctx.rules.completeDaysAfterDac) return null;
  return {
    ok: true,
    state: { ...state, state: 'COMPLETED', closedAt: ctx.now.toISOString() },
    warnings: [],
    effects: [{ kind: 'closed', state: 'COMPLETED' }],
    reply: null,
  };
}

/**
 * The network operator reported the migration done (FTTH N7 OK, italy.md §10.4): a validated
 * case completes now instead of waiting for its DAC to pass. Null when the case is not VALIDATED
 * (already closed, or Fase 2 never succeeded: nothing for the completion to close).
 */
export function completeByNetwork(state: AgcomCaseState, at: Date): Decision | null {
  if (state.state !== 'VALIDATED') return null;
  return {
    ok: true,
    state: { ...state, state: 'COMPLETED', closedAt: at.toISOString() },
    warnings: [],
    effects: [{ kind: 'closed', state: 'COMPLETED' }],
    reply: null,
  };
}

/** The earliest instant at which `tick` would change `state`, or null if only a message can. */
export function nextTimedTransitionAt(state: AgcomCaseState, ctx: { calendar: WorkingDayCalendar; rules: AgcomRules }): Date | null {
  if (state.state !== 'VALIDATED' || state.openChange !== null || state.dac === null) return null;
  const lastDayBefore = addDays(state.dac, ctx.rules.completeDaysAfterDac - 1);
  return new Date(ctx.calendar.endOfDay(lastDayBefore).getTime() + 1);
}
