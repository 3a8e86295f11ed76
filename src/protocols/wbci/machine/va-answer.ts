/** RUEM-VA and ABBM to the VA. */
import type { Issue } from '../../../domain/issues.js';
import type { WbciCaseState } from '../case-state.js';
import type { Abbm, RuemVa } from '../types.js';
import { dateIssues } from './dates.js';
import { err, warn } from './refusals.js';
import { businessCaseIssue, codesOf, supersedeChange, type Outcome, type Transition } from './apply.js';

export function applyRuemVa(t: Transition, m: RuemVa): Outcome {
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
  if (!strict && m.switchDate >= state.requestedDate) {
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

export function applyAbbmVa(t: Transition, m: Abbm): Outcome {
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
