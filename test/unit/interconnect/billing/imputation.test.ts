import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocatePayment, effectiveTerm, type Debt } from '../../../../src/protocols/interconnect/billing/imputation.js';
import { calendar } from './fixtures.js';

const debt = (id: string, amount: number, extra: Partial<Debt> = {}): Debt => ({ id, amount, dueDate: '2026-05-04', security: 1, burden: 1, issuedAt: '2026-04-01', ...extra });
const allocate = (amount: number, debts: Debt[], asOf = '2026-06-15') =>
  Object.fromEntries(allocatePayment({ amount, asOf, debts, calendar }).allocations.map((a) => [a.id, a.amount]));

describe('payment imputation (art. 1193 c.c.)', () => {
  it.each<[string, number, Debt[], Record<string, number>]>([
    ['overdue before not yet due, even when the other is older and less secured', 1000, [debt('future', 1000, { dueDate: '2026-07-01', security: 0, issuedAt: '2025-01-01' }), debt('overdue', 1000)], { future: 0, overdue: 1000 }],
    ['among overdue debts, the least secured first', 1000, [debt('secured', 1000, { security: 5 }), debt('unsecured', 1000, { security: 0 })], { secured: 0, unsecured: 1000 }],
    ['equally secured: the most burdensome first', 1000, [debt('light', 1000, { burden: 1 }), debt('heavy', 1000, { burden: 7.5 })], { light: 0, heavy: 1000 }],
    ['equally burdensome: the oldest first', 1000, [debt('new', 1000, { issuedAt: '2026-04-02' }), debt('old', 1000, { issuedAt: '2026-03-31' })], { new: 0, old: 1000 }],
    ['a tie: pro rata to the amounts', 300, [debt('a', 1000), debt('b', 2000)], { a: 100, b: 200 }],
    ['a tie with a remainder: the cent goes to the larger remainder', 100, [debt('a', 1000), debt('b', 2000)], { a: 33, b: 67 }],
    ['a tie with equal remainders: the cent goes to the smaller id', 1, [debt('b', 500), debt('a', 500)], { a: 1, b: 0 }],
    ['the first group is paid in full, the rest goes on down the order', 1500, [debt('second', 1000, { security: 2 }), debt('first', 1000, { security: 1 })], { first: 1000, second: 500 }],
    ['more than the total debt: every debt in full', 5000, [debt('a', 1000), debt('b', 2000, { dueDate: '2026-09-01' })], { a: 1000, b: 2000 }],
  ])('%s', (_title, amount, debts, expected) => {
    expect(allocate(amount, debts)).toEqual(expected);
  });

  it('a due date on a holiday moves to the next working day: not overdue on that day', () => {
    // 2 June 2026 (Tuesday) is Republic Day: the term moves to Wednesday 3 June
    expect(effectiveTerm(calendar, '2026-06-02')).toBe('2026-06-03');
    const debts = [debt('holiday', 1000, { dueDate: '2026-06-02', security: 0 }), debt('plain', 1000, { dueDate: '2026-06-01', security: 9 })];
    expect(allocate(1000, debts, '2026-06-03')).toEqual({ holiday: 0, plain: 1000 });
    expect(allocate(1000, debts, '2026-06-04')).toEqual({ holiday: 1000, plain: 0 });
  });

  it('a due date on a Sunday moves to Monday (and past a Monday holiday)', () => {
    expect(effectiveTerm(calendar, '2026-05-31')).toBe('2026-06-01');
    expect(effectiveTerm(calendar, '2026-04-05')).toBe('2026-04-07'); // Easter Sunday, then Easter Monday
  });

  it('returns what exceeds the total debt as unallocated', () => {
    expect(allocatePayment({ amount: 5000, asOf: '2026-06-15', debts: [debt('a', 1200)], calendar }).unallocated).toBe(3800);
  });
});

describe('payment imputation: properties', () => {
  const debts = fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      amount: fc.integer({ min: 1, max: 10_000_000 }),
      dueDate: fc.constantFrom('2026-05-01', '2026-06-02', '2026-06-14', '2026-06-20'),
      security: fc.constantFrom(0, 1, 2),
      burden: fc.constantFrom(0, 1),
      issuedAt: fc.constantFrom('2026-01-01', '2026-02-01'),
    }),
    { minLength: 1, maxLength: 12, selector: (d) => d.id },
  );

  it('allocations sum to min(payment, total debt) and never exceed a debt', () => {
    fc.assert(
      fc.property(debts, fc.integer({ min: 0, max: 50_000_000 }), (list, amount) => {
        const r = allocatePayment({ amount, asOf: '2026-06-15', debts: list, calendar });
        const total = list.reduce((s, d) => s + d.amount, 0);
        expect(r.allocations.reduce((s, a) => s + a.amount, 0)).toBe(Math.min(amount, total));
        expect(r.unallocated).toBe(Math.max(0, amount - total));
        r.allocations.forEach((a, i) => {
          expect(Number.isInteger(a.amount)).toBe(true);
          expect(a.amount).toBeGreaterThanOrEqual(0);
          expect(a.amount).toBeLessThanOrEqual(list[i]!.amount);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('no debt gets anything while an overdue debt is not paid in full', () => {
    fc.assert(
      fc.property(debts, fc.integer({ min: 0, max: 50_000_000 }), (list, amount) => {
        const r = allocatePayment({ amount, asOf: '2026-06-15', debts: list, calendar });
        const unpaidOverdue = r.allocations.some((a, i) => a.overdue && a.amount < list[i]!.amount);
        if (unpaidOverdue) for (const a of r.allocations) if (!a.overdue) expect(a.amount).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
