/** A message sent or received on an existing case: parties, references, the coarse guard, then the kind's transition. */
import type { Issue } from '../../../domain/issues.js';
import type { WbciCaseState } from '../case-state.js';
import type {
  Abbm,
  AbbmTr,
  AkmTr,
  ChangeType,
  Erlm,
  IsoDateTime,
  RuemVa,
  Storno,
  TvsVa,
  VaRequest,
  VaType,
  WbciMessage,
  WbciParty,
} from '../types.js';
import { ownIdOf } from '../types.js';
import { applyChangeAnswer, applyStorno, applyTvsVa } from './changes.js';
import { coarseGuard } from './guards.js';
import { err, isError, otherParty, ourParty, partyName, refuse, type ErrorIssue } from './refusals.js';
import { applyAbbmTr, applyAkmTr } from './resource-handover.js';
import { messageKind, type Decision, type Effect, type MachineContext } from './types.js';
import { applyAbbmVa, applyRuemVa } from './va-answer.js';

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

export interface Transition {
  state: WbciCaseState;
  party: WbciParty;
  ctx: MachineContext;
  at: IsoDateTime;
}

export interface Outcome {
  state: WbciCaseState;
  issues: Issue[];
  effects: Effect[];
}

export const codesOf = (m: { positions: { code: string }[] }): string[] => m.positions.map((p) => p.code);

export function businessCaseIssue(expected: VaType | ChangeType, got: VaType | ChangeType): ErrorIssue | null {
  if (expected === got) return null;
  return err({
    path: '/businessCase',
    rule: 'businessCaseMatches',
    code: 'SG_STATE_BUSINESS_CASE_MISMATCH',
    message: `geschaeftsfall ${got} does not match ${expected}`,
  });
}

/** §6.4: a case that ends while a change is open closes that change too. */
export function supersedeChange(state: WbciCaseState): Effect[] {
  return state.openChange ? [{ kind: 'change-closed', change: state.openChange, result: 'superseded', codes: [] }] : [];
}
