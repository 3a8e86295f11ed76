/** A new VA opens a case; a successor VA after STR-AEN is checked against its predecessor. */
import type { Issue } from '../../../domain/issues.js';
import type { Role, WbciCaseState } from '../case-state.js';
import { successorDueAt } from '../deadlines.js';
import type { VaRequest } from '../types.js';
import { isKue } from '../types.js';
import { dateIssues } from './dates.js';
import { err, isError, refuse } from './refusals.js';
import type { Decision, Direction, Effect, MachineContext } from './types.js';

// ---------------------------------------------------------------------------------------------
// openCase

export interface OpenCaseOptions {
  /** the case this VA succeeds after an ERLM to STR-AEN */
  replaces?: WbciCaseState;
  /** cancelled VAs this one might succeed; announced for the CRM to decide (successor.ts) */
  maybeReplaces?: { candidates: string[]; reason: string };
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
    if (pred.switchDate) state.predecessorSwitchDate = pred.switchDate;
    opened.replaces = pred.vaId;
  }
  const effects: Effect[] = [opened];
  if (!pred && opts.maybeReplaces) effects.push({ kind: 'successor-ambiguous', candidates: opts.maybeReplaces.candidates, reason: opts.maybeReplaces.reason });
  return { ok: true, state, warnings: issues, effects };
}

/** Why `va` cannot succeed `pred` (errors), or nothing. Also used when the CRM links two cases. */
export function successorIssues(va: VaRequest, pred: WbciCaseState, ctx: MachineContext): Issue[] {
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

/** The successor after the CRM linked it to `predecessor` (the link command). */
export function linkPredecessor(successor: WbciCaseState, predecessor: WbciCaseState): WbciCaseState {
  const linked: WbciCaseState = { ...successor, replaces: predecessor.vaId };
  if (predecessor.switchDate) linked.predecessorSwitchDate = predecessor.switchDate;
  return linked;
}
