/** AKM-TR and ABBM-TR (KUE only). */
import type { Issue } from '../../../domain/issues.js';
import { akmTrDueAt, akmTrRejectionDueAt } from '../deadlines.js';
import type { WbciCaseState } from '../case-state.js';
import type { AbbmTr, AkmTr } from '../types.js';
import { err, warn } from './refusals.js';
import { businessCaseIssue, codesOf, type Outcome, type Transition } from './apply.js';
import type { Effect, MachineContext } from './types.js';

export interface AkmTrFinding {
  /** the ABBM-TR code that answers it: 8146/8145 not of this VA, 8144/8143 unknown */
  code: '8143' | '8144' | '8145' | '8146';
  path: string;
  message: string;
}

/**
 * Lines of a received AKM-TR that the RUEM-VA of this case did not name (wbci.md §5, ABBM-TR codes).
 * A line named in the RUEM-VA of another of this gateway's cases "does not belong to this VA"
 * (8146 / 8145); one this gateway never named anywhere is "unknown" (8144 / 8143). Without the
 * other cases' lines (`linesOfOtherCases` not given) every stray line counts as not of this VA.
 */
export function akmTrFindings(state: WbciCaseState, m: AkmTr, ctx: Pick<MachineContext, 'linesOfOtherCases'>): AkmTrFinding[] {
  const resources = state.agreement?.resources ?? [];
  const ownLineIds = new Set(resources.flatMap((r) => (r.lineId ? [r.lineId] : [])));
  const ownContracts = new Set(resources.flatMap((r) => (r.contractNumber ? [r.contractNumber] : [])));
  const elsewhere = ctx.linesOfOtherCases;
  const out: AkmTrFinding[] = [];
  m.lines.forEach((line, i) => {
    if (line.lineId !== undefined && !ownLineIds.has(line.lineId)) {
      const known = !elsewhere || elsewhere.lineIds.includes(line.lineId);
      out.push({
        code: known ? '8146' : '8144',
        path: `/lines/${i}/lineId`,
        message: known ? `Line-ID ${line.lineId} is not a line of the RUEM-VA to ${state.vaId}` : `Line-ID ${line.lineId} is unknown`,
      });
    }
    if (line.contractNumber !== undefined && !ownContracts.has(line.contractNumber)) {
      const known = !elsewhere || elsewhere.contractNumbers.includes(line.contractNumber);
      out.push({
        code: known ? '8145' : '8143',
        path: `/lines/${i}/contractNumber`,
        message: known
          ? `WITA contract number ${line.contractNumber} is not a line of the RUEM-VA to ${state.vaId}`
          : `WITA contract number ${line.contractNumber} is unknown`,
      });
    }
  });
  return out;
}

export function applyAkmTr(t: Transition, m: AkmTr): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const bc = businessCaseIssue(state.type, m.businessCase);
  if (bc) issues.push(bc);
  const due = akmTrDueAt(state, ctx);
  if (due && ctx.now.getTime() > due.getTime()) {
    issues.push(warn('', 'akmTrInTime', 'SG_DEADLINE_MISSED', `the AKM-TR was due by ${due.toISOString()}`));
  }
  const effects: Effect[] = [];
  // Only the EKPabg can know its lines: the checks apply to what it receives.
  if (ctx.direction === 'in') {
    for (const f of akmTrFindings(state, m, ctx)) {
      if ((ctx.akmTrChecks ?? 'auto') === 'auto') {
        issues.push(err({ path: f.path, rule: 'akmTrLinesOfVa', code: f.code, message: f.message, reply: f.code }));
      } else {
        issues.push(warn(f.path, 'akmTrLinesOfVa', f.code, `${f.message}: the CRM decides (wbci.akmTrChecks "event")`));
        effects.push({ kind: 'akm-tr-finding', code: f.code, path: f.path, message: f.message });
      }
    }
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
    effects: [{ kind: 'tr-notified', attempt: count }, ...effects],
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
