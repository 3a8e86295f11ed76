/** RUEM-VA and ABBM to the VA. */
import type { Issue } from '../../../domain/issues.js';
import type { WbciCaseState } from '../case-state.js';
import type { Abbm, RuemVa } from '../types.js';
import { dateIssues, outsideHorizon } from './dates.js';
import { err, warn } from './refusals.js';
import { businessCaseIssue, codesOf, supersedeChange, type Outcome, type Transition } from './apply.js';
import { ADA_FIELDS } from '../codes.js';
import type { Effect, MachineContext } from './types.js';

export function applyRuemVa(t: Transition, m: RuemVa): Outcome {
  const { state, ctx } = t;
  const issues: Issue[] = [];
  const bc = businessCaseIssue(state.type, m.businessCase);
  if (bc) issues.push(bc);

  const strict = ctx.direction === 'out';
  // Received content a person must look at (§6.3 "RUEM-VA content"): the state follows the partner,
  // and each finding goes to the CRM as a `wbci.clarification` with a machine code.
  const clarify: Issue[] = [];
  if (m.switchDate < state.requestedDate) {
    const message = `Wechseltermin ${m.switchDate} is before the KWT ${state.requestedDate}`;
    if (strict) issues.push(err({ path: '/switchDate', rule: 'switchDateNotBeforeKwt', code: 'SG_DATE_BEFORE_KWT', message }));
    else clarify.push(warn('/switchDate', 'switchDateNotBeforeKwt', 'SG_DATE_BEFORE_KWT', `${message}: needs manual clarification`));
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
  if (!strict) clarify.push(...receivedContentFindings(state, m, ctx));
  issues.push(...clarify);

  const agreement: NonNullable<WbciCaseState['agreement']> = {};
  if (m.technology !== undefined) agreement.technology = m.technology;
  if (m.resources !== undefined) agreement.resources = m.resources;
  if (m.numbers !== undefined) agreement.numbers = m.numbers;
  return {
    issues,
    state: { ...state, state: 'AGREED', switchDate: m.switchDate, answeredAt: t.at, agreement },
    effects: [
      { kind: 'agreed', switchDate: m.switchDate },
      ...clarify.map((c): Effect => ({ kind: 'clarification', finding: c.code, path: c.path, message: c.message })),
    ],
  };
}

const numberKey = (n: { areaCode: string; number: string }): string => `${n.areaCode}/${n.number}`;

/** D13, D13b, confirmed numbers and ADA positions of a received RUEM-VA (warnings, never refusals). */
function receivedContentFindings(state: WbciCaseState, m: RuemVa, ctx: MachineContext): Issue[] {
  const out: Issue[] = [];
  const { calendar, rules } = ctx;
  if (m.switchDate >= state.requestedDate && !outsideHorizon(m.switchDate, ctx)) {
    const offset = calendar.workingDaysBetween(state.requestedDate, m.switchDate);
    if (offset > rules.confirmedDateMaxOffsetWorkingDays) {
      out.push(
        warn(
          '/switchDate',
          'confirmedDateMaxOffset',
          'SG_DATE_CONFIRMED_OFFSET',
          `Wechseltermin ${m.switchDate} is ${offset} working days after the KWT (automatic up to ${rules.confirmedDateMaxOffsetWorkingDays}): needs manual clarification`,
        ),
      );
    }
  }
  // D13b: a successor's date may lie at most N WD after the cancelled VA's Wechseltermin
  const before = state.predecessorSwitchDate;
  if (before !== undefined && m.switchDate > before) {
    const offset = calendar.workingDaysBetween(before, m.switchDate);
    if (offset > rules.successorDateMaxOffsetWorkingDays) {
      out.push(
        warn(
          '/switchDate',
          'successorDateMaxOffset',
          'SG_SUCCESSOR_DATE_OFFSET',
          `Wechseltermin ${m.switchDate} is ${offset} working days after ${before}, the date of the cancelled VA ${state.replaces ?? ''} (automatic up to ${rules.successorDateMaxOffsetWorkingDays})`,
        ),
      );
    }
  }
  // confirmed numbers: the requested ones, or ≥1 of them with alleRufnummern (extra numbers allowed)
  const requested = 'numbers' in state.va && state.va.numbers.kind === 'single' ? state.va.numbers : undefined;
  if (requested && m.numbers?.kind === 'single') {
    const asked = new Set(requested.list.map(numberKey));
    const confirmed = new Set(m.numbers.list.map(numberKey));
    const extra = [...confirmed].filter((n) => !asked.has(n));
    const missing = [...asked].filter((n) => !confirmed.has(n));
    if (requested.allNumbers) {
      if (missing.length === asked.size) {
        out.push(warn('/numbers/list', 'confirmedNumbersMatch', 'SG_NUMBERS_NOT_CONFIRMED', 'none of the requested numbers is confirmed'));
      }
    } else {
      if (extra.length > 0) out.push(warn('/numbers/list', 'confirmedNumbersMatch', 'SG_NUMBERS_NOT_REQUESTED', `${extra.length} confirmed number(s) were not requested`));
      if (missing.length > 0) out.push(warn('/numbers/list', 'confirmedNumbersMatch', 'SG_NUMBERS_NOT_CONFIRMED', `${missing.length} requested number(s) are not confirmed`));
    }
  }
  // an ADA position corrects exactly the attribute its code names (§5 code rules)
  m.positions.forEach((p, i) => {
    const expected = ADA_FIELDS[p.code];
    if (expected !== undefined && p.corrected !== undefined && p.corrected.field !== expected) {
      out.push(warn(`/positions/${i}/corrected/field`, 'adaField', 'SG_ADA_MISMATCH', `ADA code ${p.code} corrects ${expected}, not ${p.corrected.field}`));
    }
  });
  return out;
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
