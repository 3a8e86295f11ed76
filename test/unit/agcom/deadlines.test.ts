import { describe, expect, it } from 'vitest';
import { changeWindowEndsAt, computeDeadlines, sessionCodeValidUntil } from '../../../src/protocols/agcom/deadlines.js';
import { isOverdue } from '../../../src/domain/deadline.js';
import { apply, openCase } from '../../../src/protocols/agcom/machine.js';
import { defaultAgcomRules, migrationCodeOptions, resolveAgcomRules, validateAgcomRulesInput, type AgcomRules } from '../../../src/protocols/agcom/rules.js';
import { calendar, cancellation, ctx, DAC, expectOk, managerialKo, managerialOk, NOW, ORDER, Pair, request } from './fixtures.js';

const dctx = (rules: Partial<AgcomRules> = {}) => ({ calendar, rules: { ...defaultAgcomRules, ...rules } });

describe('computeDeadlines (Italian working days, Europe/Rome)', () => {
  it('after sending: formal and managerial answers due the next working day', () => {
    const s = expectOk(openCase(request(), 'recipient', ctx('out'))).state;
    expect(computeDeadlines(s, dctx())).toEqual([
      { name: 'formalAnswer', dueAt: '2026-12-02T22:59:59.999Z', party: 'donating', ref: ORDER },
      { name: 'managerialAnswer', dueAt: '2026-12-02T22:59:59.999Z', party: 'donating', ref: ORDER },
    ]);
  });

  it('counts skip weekends and holidays, and are configurable', () => {
    // Friday 4 Dec: next working day is Monday 7, then Wednesday 9 (8 Dec is Immacolata)
    const s = expectOk(openCase(request({ dac: undefined }), 'recipient', ctx('out', new Date('2026-12-04T10:00:00Z')))).state;
    const d = computeDeadlines(s, dctx({ formalAnswerWorkingDays: 1, managerialAnswerWorkingDays: 2 }));
    expect(d.map((x) => [x.name, x.dueAt])).toEqual([
      ['formalAnswer', '2026-12-07T22:59:59.999Z'],
      ['managerialAnswer', '2026-12-09T22:59:59.999Z'],
    ]);
  });

  it('the Donating waits only for its own managerial answer; an open change adds its answer', () => {
    const p = Pair.open();
    expect(computeDeadlines(p.donating, dctx()).map((d) => d.name)).toEqual(['managerialAnswer']);
    const rec = expectOk(apply(p.recipient, cancellation(), ctx('out'))).state;
    expect(computeDeadlines(rec, dctx())).toEqual([
      { name: 'managerialAnswer', dueAt: '2026-12-02T22:59:59.999Z', party: 'donating', ref: ORDER },
      { name: 'changeAnswer', dueAt: '2026-12-02T22:59:59.999Z', party: 'donating', ref: 'ANNULLAMENTO' },
    ]);
  });

  it('a validated case has a session-code expiry, 30 calendar days by default, none with validity 0', () => {
    const p = Pair.open();
    p.send(managerialOk());
    expect(computeDeadlines(p.recipient, dctx({ sessionCodeValidityDays: 0 }))).toEqual([]);
    expect(sessionCodeValidUntil(p.recipient, dctx({ sessionCodeValidityDays: 0 }))).toBeNull();
    expect(computeDeadlines(p.recipient, dctx())).toEqual([{ name: 'sessionCodeExpiry', dueAt: '2026-12-31T22:59:59.999Z', party: 'recipient', ref: ORDER }]);
    expect(computeDeadlines(p.recipient, dctx({ sessionCodeValidityDays: 5 }))).toEqual([
      { name: 'sessionCodeExpiry', dueAt: '2026-12-06T22:59:59.999Z', party: 'recipient', ref: ORDER },
    ]);
  });

  it('a closed case has none', () => {
    const p = Pair.open();
    p.send(managerialKo());
    expect(computeDeadlines(p.recipient, dctx())).toEqual([]);
  });

  it('overdue flags', () => {
    const s = expectOk(openCase(request(), 'recipient', ctx('out'))).state;
    const d = computeDeadlines(s, dctx());
    expect(d.filter((x) => isOverdue(x, new Date('2026-12-02T22:59:59.999Z')))).toEqual([]);
    expect(d.filter((x) => isOverdue(x, new Date('2026-12-02T23:00:00.000Z'))).map((x) => x.name)).toEqual(['formalAnswer', 'managerialAnswer']);
    expect(d.map((x) => isOverdue(x, NOW))).toEqual([false, false]);
  });
});

describe('changeWindowEndsAt', () => {
  it('the end of the DAC day, or a cut-off in working days before it', () => {
    expect(changeWindowEndsAt(DAC, 'ANNULLAMENTO', dctx())?.toISOString()).toBe('2026-12-16T22:59:59.999Z');
    expect(changeWindowEndsAt(DAC, 'ANNULLAMENTO', dctx({ cancelCutoffWorkingDaysBeforeDac: 1 }))?.toISOString()).toBe('2026-12-15T22:59:59.999Z');
    // 9 Dec minus one working day skips the 8 Dec holiday
    expect(changeWindowEndsAt('2026-12-09', 'RIMODULAZIONE', dctx({ rescheduleCutoffWorkingDaysBeforeDac: 1 }))?.toISOString()).toBe('2026-12-07T22:59:59.999Z');
    expect(changeWindowEndsAt(null, 'ANNULLAMENTO', dctx())).toBeNull();
  });
});

describe('rules', () => {
  it('defaults from italy.md §12/§13', () => {
    expect(defaultAgcomRules).toMatchObject({
      formalAnswerWorkingDays: 1,
      minDacLeadWorkingDays: 9,
      maxDacHorizonDays: 30,
      cancelCutoffWorkingDaysBeforeDac: 0,
      rescheduleCutoffWorkingDaysBeforeDac: 0,
      maxNumbersPerRequest: 10,
      maxResourcesPerRequest: 2,
      sessionCodeMaxLength: 50,
      minCorLength: 6,
      maxCorLength: 12,
      unknownCosIsError: false,
      checkCharMismatchIsError: true,
    });
  });

  it('names every bad key', () => {
    expect(validateAgcomRulesInput({ formalAnswerWorkingDays: -1, unknownCosIsError: 'yes', nope: 1, maxCorLength: 0 })).toEqual([
      'deadlines.agcom.formalAnswerWorkingDays: must be a whole number ≥ 0, got -1',
      'deadlines.agcom.unknownCosIsError: must be true or false, got "yes"',
      `deadlines.agcom.nope: unknown key (known: ${Object.keys(defaultAgcomRules).join(', ')})`,
      'deadlines.agcom.maxCorLength: must be a whole number ≥ 1, got 0',
    ]);
    expect(validateAgcomRulesInput([])).toEqual(['deadlines.agcom: must be an object']);
    expect(validateAgcomRulesInput({ maxNumbersPerRequest: 11 })).toEqual(['deadlines.agcom.maxNumbersPerRequest: the xml1 record has ten number slots, got 11']);
    expect(validateAgcomRulesInput({ formalAnswerWorkingDays: 4000 })).toEqual(['deadlines.agcom.formalAnswerWorkingDays: 4000 is implausibly large (max 3660)']);
  });

  it('layers: global, then per partner; inconsistent together is an error', () => {
    const r = resolveAgcomRules({ formalAnswerWorkingDays: 2 }, { formalAnswerWorkingDays: 3, requireDac: true });
    expect(r).toEqual({ ...defaultAgcomRules, formalAnswerWorkingDays: 3, requireDac: true });
    expect(() => resolveAgcomRules({ minCorLength: 10 }, { maxCorLength: 8 })).toThrow('invalid AGCOM rules: deadlines.agcom.maxCorLength: 8 is below minCorLength 10');
    expect(() => resolveAgcomRules({ dacMustBeWorkingDay: 1 })).toThrow(/dacMustBeWorkingDay: must be true or false/);
  });
});

describe('migrationCodeOptions', () => {
  it('gives the code validator the Fase 2 configuration', () => {
    expect(migrationCodeOptions(defaultAgcomRules)).toEqual({ unknownCos: 'warning', checkCharMismatch: 'error', minCorLength: 6, maxCorLength: 12, allowWithoutCos: true });
    const strict = migrationCodeOptions({ ...defaultAgcomRules, unknownCosIsError: true, checkCharMismatchIsError: false, allowCodesWithoutCos: false, minCorLength: 8 });
    expect(strict).toEqual({ unknownCos: 'error', checkCharMismatch: 'warning', minCorLength: 8, maxCorLength: 12, allowWithoutCos: false });
  });
});
