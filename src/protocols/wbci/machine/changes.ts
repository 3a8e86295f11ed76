/** Change requests (TVS-VA, STR-AUF, STR-AEN) and their answers (ERLM, ABBM). */
import type { Issue } from '../../../domain/issues.js';
import type { ChangeRecord, OpenChange, WbciCaseState } from '../case-state.js';
import { successorDueAt } from '../deadlines.js';
import type { Abbm, ChangeType, Erlm, IsoDate, Storno, TvsVa } from '../types.js';
import { dateIssues } from './dates.js';
import { err, warn, type ErrorIssue } from './refusals.js';
import { businessCaseIssue, codesOf, type Outcome, type Transition } from './apply.js';
import type { Effect } from './types.js';

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

export function applyTvsVa(t: Transition, m: TvsVa): Outcome {
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

export function applyStorno(t: Transition, m: Storno): Outcome {
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

export function applyChangeAnswer(t: Transition, m: Erlm | Abbm): Outcome {
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
