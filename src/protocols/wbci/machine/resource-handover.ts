/** AKM-TR and ABBM-TR (KUE only). */
import type { Issue } from '../../../domain/issues.js';
import { akmTrDueAt, akmTrRejectionDueAt } from '../deadlines.js';
import type { AbbmTr, AkmTr } from '../types.js';
import { warn } from './refusals.js';
import { businessCaseIssue, codesOf, type Outcome, type Transition } from './apply.js';

export function applyAkmTr(t: Transition, m: AkmTr): Outcome {
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

export function applyAbbmTr(t: Transition, m: AbbmTr): Outcome {
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
