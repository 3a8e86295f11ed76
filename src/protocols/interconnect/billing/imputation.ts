/**
 * Imputation of a partial payment (spec §7.4; art. 1193 c.c.): the payment goes to overdue debts
 * first; among them (and then among the debts not yet due) to the least secured (lowest
 * `security`), then the most burdensome (highest `burden`), then the oldest (earliest `issuedAt`);
 * debts equal on every criterion share what is left for them pro rata to their amounts.
 *
 * - Overdue: the debt's term has passed before `asOf`. A term (due date) that falls on a day that
 *   is not a working day (Saturday, Sunday, an Italian public holiday) moves to the next working
 *   day (§7.1), so a debt due on Sunday 1 November is overdue from Tuesday 3 November.
 * - Cents: a pro-rata share is the floor of `left × amount / groupTotal`; the cents the floors leave
 *   over go one each to the debts with the largest remainders, ties broken by the smaller `id`
 *   (code-unit order). No debt ever gets more than its amount, and the allocations add up to
 *   min(payment, total debt); what exceeds the total debt is returned as `unallocated`.
 * - Allocations are listed in the order the debts were given, one per debt (0 when nothing went to it).
 */
import type { IsoDate, WorkingDayCalendar } from '../../../domain/calendar.js';
import type { Cents } from '../money.js';

export interface Debt {
  id: string;
  amount: Cents;
  dueDate: IsoDate;
  security: number;
  burden: number;
  issuedAt: IsoDate;
}

export interface Allocation {
  id: string;
  amount: Cents;
  overdue: boolean;
  /** the due date after moving a non-working day to the next working day */
  effectiveDueDate: IsoDate;
}

export interface ImputationResult {
  allocations: Allocation[];
  unallocated: Cents;
}

export type TermCalendar = Pick<WorkingDayCalendar, 'isWorkingDay' | 'addWorkingDays'>;

/** A term that falls on a non-working day moves to the next working day (spec §7.1). */
export function effectiveTerm(calendar: TermCalendar, date: IsoDate): IsoDate {
  return calendar.isWorkingDay(date) ? date : calendar.addWorkingDays(date, 1);
}

interface Ranked {
  index: number;
  debt: Debt;
  overdue: boolean;
  effectiveDueDate: IsoDate;
}

function compare(a: Ranked, b: Ranked): number {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  if (a.debt.security !== b.debt.security) return a.debt.security - b.debt.security;
  if (a.debt.burden !== b.debt.burden) return b.debt.burden - a.debt.burden;
  if (a.debt.issuedAt !== b.debt.issuedAt) return a.debt.issuedAt < b.debt.issuedAt ? -1 : 1;
  return 0;
}

/** Splits `left` (< total of the group) pro rata among the group, to the cent. */
function proRata(group: Ranked[], left: Cents, out: Cents[]): void {
  const total = group.reduce((sum, r) => sum + BigInt(r.debt.amount), 0n);
  const L = BigInt(left);
  let given = 0n;
  const remainders = group.map((r) => {
    const exact = L * BigInt(r.debt.amount);
    const share = exact / total;
    given += share;
    out[r.index] = Number(share);
    return { r, remainder: exact % total };
  });
  remainders.sort((x, y) => (x.remainder !== y.remainder ? (y.remainder > x.remainder ? 1 : -1) : x.r.debt.id < y.r.debt.id ? -1 : x.r.debt.id > y.r.debt.id ? 1 : 0));
  for (let k = 0, extra = Number(L - given); k < extra; k++) out[remainders[k]!.r.index]! += 1;
}

export function allocatePayment(input: { amount: Cents; asOf: IsoDate; debts: readonly Debt[]; calendar: TermCalendar }): ImputationResult {
  const ranked: Ranked[] = input.debts.map((debt, index) => {
    const effectiveDueDate = effectiveTerm(input.calendar, debt.dueDate);
    return { index, debt, effectiveDueDate, overdue: effectiveDueDate < input.asOf };
  });
  const order = [...ranked].sort((a, b) => compare(a, b) || a.index - b.index);
  const out: Cents[] = ranked.map(() => 0);
  let left = input.amount;
  for (let i = 0; i < order.length && left > 0; ) {
    let j = i + 1;
    while (j < order.length && compare(order[i]!, order[j]!) === 0) j++;
    const group = order.slice(i, j);
    const due = group.reduce((sum, r) => sum + r.debt.amount, 0);
    if (left >= due) {
      for (const r of group) out[r.index] = r.debt.amount;
      left -= due;
    } else {
      proRata(group, left, out);
      left = 0;
    }
    i = j;
  }
  return {
    allocations: ranked.map((r) => ({ id: r.debt.id, amount: out[r.index]!, overdue: r.overdue, effectiveDueDate: r.effectiveDueDate })),
    unallocated: left,
  };
}
