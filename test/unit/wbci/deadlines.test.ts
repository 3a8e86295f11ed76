import { describe, expect, it } from 'vitest';
import type { WbciCaseState } from '../../../src/protocols/wbci/case-state.js';
import { computeDeadlines, type Deadline } from '../../../src/protocols/wbci/deadlines.js';
import { isOverdue } from '../../../src/domain/deadline.js';
import { linkSuccessor, tick, type Decision } from '../../../src/protocols/wbci/machine.js';
import { defaultWbciRules, type WbciRules } from '../../../src/protocols/wbci/rules.js';
import { resolveWbciRules, validateWbciRulesInput } from '../../../src/config/wbci-rules.js';
import {
  NOW,
  Pair,
  S_ID_ABG,
  T_ID,
  VA_ID,
  VA_ID_2,
  abbmChange,
  abbmTr,
  abbmVa,
  akmTr,
  calendar,
  ctx,
  erlm,
  expectOk,
  ruemVa,
  storno,
  tvsVa,
  va,
} from './machine-fixtures.js';

const dl = (s: WbciCaseState, rules: Partial<WbciRules> = {}) => computeDeadlines(s, { calendar, rules: { ...defaultWbciRules, ...rules } });
/** End of a Berlin day in winter (CET = UTC+1). */
const endOf = (d: string) => `${d}T22:59:59.999Z`;

// NOW = Tue 1 Dec 2026, KWT = switch date = Wed 16 Dec 2026, calendar DE-BY.

describe('computeDeadlines', () => {
  it('AWAITING_ANSWER: the EKPabg answers by the end of the 3rd working day after the VA', () => {
    const p = Pair.open();
    const expected: Deadline[] = [{ name: 'answer', dueAt: endOf('2026-12-04'), party: 'abg', ref: VA_ID }];
    expect(dl(p.recipient)).toEqual(expected);
    expect(dl(p.donating)).toEqual(expected);
    expect(dl(p.recipient, { answerWorkingDays: 5 })[0].dueAt).toBe(endOf('2026-12-08'));
  });

  it('counts the answer deadline over Christmas on working days only', () => {
    // VA on Wed 23 Dec: 24 Dec (1), 25/26/27 Dec are not working days, 28 Dec (2), 29 Dec (3)
    const p = Pair.open(va('VA-KUE-MRN', { requestedDate: '2027-01-12' }), new Date('2026-12-23T10:00:00Z'));
    expect(dl(p.donating)).toEqual([{ name: 'answer', dueAt: endOf('2026-12-29'), party: 'abg', ref: VA_ID }]);
  });

  it('takes the day of receipt in Berlin time: a VA at 23:30 UTC on 1 Dec counts from 2 Dec', () => {
    const p = Pair.open(va(), new Date('2026-12-01T23:30:00Z'));
    expect(dl(p.donating)[0].dueAt).toBe(endOf('2026-12-07'));
  });

  it('AGREED (KUE): the AKM-TR is due 8 WD before the Wechseltermin', () => {
    const p = Pair.open();
    p.send(ruemVa());
    // 16 Dec − 8 WD: 15, 14, 11, 10, 9, 8, 7, 4 → Fri 4 Dec
    expect(dl(p.recipient)).toEqual([{ name: 'akmTr', dueAt: endOf('2026-12-04'), party: 'auf', ref: VA_ID }]);
    expect(dl(p.recipient, { akmTrBeforeSwitchDateWorkingDays: 2 })[0].dueAt).toBe(endOf('2026-12-14'));
  });

  it('AGREED (RRNP): nothing is due', () => {
    const p = Pair.open(va('VA-RRNP'));
    p.send(ruemVa('VA-RRNP'));
    expect(dl(p.donating)).toEqual([]);
  });

  it('TR_NOTIFIED: the ABBM-TR window; after an ABBM-TR the AKM-TR is due again', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(akmTr(), new Date('2026-12-02T08:00:00Z'));
    expect(dl(p.donating)).toEqual([{ name: 'akmTrRejection', dueAt: endOf('2026-12-07'), party: 'abg', ref: VA_ID }]);
    expect(dl(p.donating, { akmTrRejectionTimeoutWorkingDays: 0 })).toEqual([]);
    p.send(abbmTr(), new Date('2026-12-03T08:00:00Z'));
    expect(dl(p.recipient)).toEqual([{ name: 'akmTr', dueAt: endOf('2026-12-04'), party: 'auf', ref: VA_ID }]);
  });

  it('an open TVS-VA is answered by the EKPabg within 3 WD', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(tvsVa(), new Date('2026-12-03T08:00:00Z'));
    expect(dl(p.donating)).toEqual([
      { name: 'akmTr', dueAt: endOf('2026-12-04'), party: 'auf', ref: VA_ID },
      { name: 'changeAnswer', dueAt: endOf('2026-12-08'), party: 'abg', ref: T_ID },
    ]);
    expect(dl(p.donating, { tvAnswerWorkingDays: 1 })[1].dueAt).toBe(endOf('2026-12-04'));
    p.send(abbmChange('TVS-VA'));
    expect(dl(p.donating).map((d) => d.name)).toEqual(['akmTr']);
  });

  it('a Storno from the EKPabg is answered by the EKPauf; the answer deadline runs beside the VA answer', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(akmTr());
    p.send(storno('STR-AUF', 'abg'));
    expect(dl(p.recipient)).toEqual([
      { name: 'akmTrRejection', dueAt: endOf('2026-12-04'), party: 'abg', ref: VA_ID },
      { name: 'changeAnswer', dueAt: endOf('2026-12-04'), party: 'auf', ref: S_ID_ABG },
    ]);
    expect(dl(p.recipient, { stornoAnswerWorkingDays: 4 })[1].dueAt).toBe(endOf('2026-12-07'));

    const early = Pair.open();
    early.send(storno('STR-AUF', 'auf'), new Date('2026-12-02T08:00:00Z'));
    expect(dl(early.donating).map((d) => [d.name, d.party, d.dueAt])).toEqual([
      ['answer', 'abg', endOf('2026-12-04')],
      ['changeAnswer', 'abg', endOf('2026-12-07')],
    ]);
  });

  it('REPLACED: the successor VA is due 7 WD before the Wechseltermin, until one is linked', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(storno('STR-AEN', 'auf'));
    p.send(erlm('STR-AEN', 'auf'));
    // 16 Dec − 7 WD: 15, 14, 11, 10, 9, 8, 7 → Mon 7 Dec
    expect(dl(p.recipient)).toEqual([{ name: 'successorVa', dueAt: endOf('2026-12-07'), party: 'auf', ref: VA_ID }]);
    expect(dl(p.recipient, { newVaBeforeSwitchDateWorkingDays: 1 })[0].dueAt).toBe(endOf('2026-12-15'));
    expect(dl(linkSuccessor(p.recipient, VA_ID_2))).toEqual([]);
    const expired = expectOk(tick(p.recipient, ctx('in', new Date('2026-12-08T08:00:00Z'))) as Decision).state;
    expect(dl(expired)).toEqual([]);
  });

  it('a closed case has no deadlines, except the follow-up of a cancelled one (D12)', () => {
    const rejected = Pair.open();
    rejected.send(abbmVa());
    expect(dl(rejected.recipient)).toEqual([]);

    const cancelled = Pair.open();
    cancelled.send(storno('STR-AUF', 'auf'));
    cancelled.send(erlm('STR-AUF', 'auf'));
    expect(dl(cancelled.donating).map((d) => d.name)).toEqual(['strAufFollowUp']);
    expect(dl(cancelled.donating, { strAufFollowUpWorkingDays: 0 })).toEqual([]);

    const completed = Pair.open();
    completed.send(ruemVa());
    const done = expectOk(tick(completed.recipient, ctx('in', new Date('2026-12-20T08:00:00Z'))) as Decision).state;
    expect(dl(done)).toEqual([]);
  });

  it('due instants move with summer time: end of a July day is 21:59:59.999Z', () => {
    const p = Pair.open(va('VA-RRNP', { requestedDate: '2026-07-15' }), new Date('2026-07-01T08:00:00Z'));
    // Wed 1 Jul + 3 WD = Mon 6 Jul
    expect(dl(p.donating)[0].dueAt).toBe('2026-07-06T21:59:59.999Z');
  });
});

describe('overdue', () => {
  const d: Deadline[] = [
    { name: 'answer', dueAt: endOf('2026-12-04'), party: 'abg', ref: VA_ID },
    { name: 'akmTr', dueAt: endOf('2026-12-07'), party: 'auf', ref: VA_ID },
  ];

  it('a deadline is overdue only after its last instant', () => {
    expect(isOverdue(d[0], new Date('2026-12-04T22:59:59.999Z'))).toBe(false);
    expect(isOverdue(d[0], new Date('2026-12-04T23:00:00.000Z'))).toBe(true);
  });

  it('only the lapsed deadlines are overdue', () => {
    const now = new Date('2026-12-05T10:00:00Z');
    expect(d.filter((x) => isOverdue(x, now))).toEqual([d[0]]);
    expect(d.filter((x) => isOverdue(x, NOW))).toEqual([]);
  });
});

describe('WBCI rules (§10 counts)', () => {
  it('defaults to the §10 values', () => {
    expect(defaultWbciRules).toEqual({
      minLeadWorkingDaysKue: 7,
      warnUpToWorkingDaysKue: 10,
      minLeadWorkingDaysRrnp: 1,
      answerWorkingDays: 3,
      switchDateMinLeadWorkingDaysKue: 5,
      switchDateWarnUpToWorkingDaysKue: 7,
      switchDateMinLeadWorkingDaysRrnp: 1,
      akmTrBeforeSwitchDateWorkingDays: 8,
      tvAnswerWorkingDays: 3,
      tvCutoffWorkingDays: 3,
      stornoAnswerWorkingDays: 3,
      strAufCutoffWorkingDays: 3,
      applyStornoCutoffToStrAen: false,
      newVaBeforeSwitchDateWorkingDays: 7,
      strAufFollowUpWorkingDays: 1,
      confirmedDateMaxOffsetWorkingDays: 10,
      successorDateMaxOffsetWorkingDays: 5,
      witaTerminationOffsetWorkingDays: 3,
      missingWitaOrderAlertDays: 12,
      rrnpMaxDaysAfterContractEnd: 90,
      maxHorizonDays: 180,
      completeDaysAfterSwitchDate: 3,
      akmTrRejectionTimeoutWorkingDays: 3,
    });
    expect(Object.isFrozen(defaultWbciRules)).toBe(true);
  });

  it('merges a partial over the defaults without touching them', () => {
    expect(resolveWbciRules()).toEqual(defaultWbciRules);
    const r = resolveWbciRules({ answerWorkingDays: 5, minLeadWorkingDaysKue: 9, applyStornoCutoffToStrAen: true, maxHorizonDays: undefined });
    expect(r).toEqual({ ...defaultWbciRules, answerWorkingDays: 5, minLeadWorkingDaysKue: 9, applyStornoCutoffToStrAen: true });
    expect(defaultWbciRules.answerWorkingDays).toBe(3);
  });

  it('names every bad key', () => {
    expect(validateWbciRulesInput({ answerWorkingDays: 3 })).toEqual([]);
    expect(validateWbciRulesInput({ answerWorkingDayz: 3, minLeadWorkingDaysKue: -1, tvCutoffWorkingDays: 2.5, applyStornoCutoffToStrAen: 1, maxHorizonDays: true })).toEqual([
      expect.stringMatching(/^deadlines\.wbci\.answerWorkingDayz: unknown key \(known: minLeadWorkingDaysKue, /),
      'deadlines.wbci.minLeadWorkingDaysKue: must be a whole number ≥ 0, got -1',
      'deadlines.wbci.tvCutoffWorkingDays: must be a whole number ≥ 0, got 2.5',
      'deadlines.wbci.applyStornoCutoffToStrAen: must be true or false, got 1',
      'deadlines.wbci.maxHorizonDays: must be a whole number ≥ 0, got true',
    ]);
    expect(() => resolveWbciRules({ answerWorkingDays: 99999 })).toThrow(/^invalid WBCI rules: deadlines\.wbci\.answerWorkingDays: 99999 is implausibly large/);
  });
});
