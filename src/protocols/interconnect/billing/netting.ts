/**
 * Netting statement (prospetto di compensazione) for month X (spec §7.3): from the open invoices
 * both ways, each line's netting amount = residual − disputed; the net balance is what is netted
 * in our favour minus what is netted in the counterpart's; the netting value date is the last
 * working day of month X (Italian calendar), and the net balance is paid with value date by the
 * end of month X — the same last working day, since a value date must be a working day.
 *
 * In scope: invoices due in month X, and invoices due earlier that still have an open residual
 * (overdue). Out of scope, listed with the reason: invoices in a repayment plan (piano di rientro),
 * invoices not yet due (after month X), settled invoices (no residual).
 * `direction` is from the point of view of whoever prepares the statement: `receivable` is owed to
 * us, `payable` is owed by us.
 */
import type { IsoDate, WorkingDayCalendar } from '../../../domain/calendar.js';
import type { Issue } from '../../../domain/issues.js';
import type { Cents } from '../money.js';

export interface NettingInvoice {
  number: string;
  direction: 'receivable' | 'payable';
  description?: string;
  issueDate: IsoDate;
  dueDate: IsoDate;
  amount: Cents;
  /** amount − earlier netting or payments, credit notes and reuses */
  residual: Cents;
  /** the part of the residual under an accepted claim */
  disputed: Cents;
  creditNotes: { number: string; invoiceRef: string; description?: string }[];
  repaymentPlan: boolean;
}

export interface NettingLine {
  invoiceNumber: string;
  direction: 'receivable' | 'payable';
  creditNoteNumbers: string[];
  creditNoteInvoiceRefs: string[];
  description?: string;
  issueDate: IsoDate;
  dueDate: IsoDate;
  amount: Cents;
  residual: Cents;
  disputed: Cents;
  netting: Cents;
  overdue: boolean;
}

export type ExclusionReason = 'repayment-plan' | 'not-yet-due' | 'settled';

export interface NettingStatement {
  month: string;
  lines: NettingLine[];
  excluded: { invoiceNumber: string; direction: 'receivable' | 'payable'; reason: ExclusionReason }[];
  receivables: Cents;
  payables: Cents;
  /** receivables − payables: positive, the counterpart pays us; negative, we pay */
  netBalance: Cents;
  nettingValueDate: IsoDate;
  paymentValueDate: IsoDate;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function monthBounds(month: string): { first: IsoDate; last: IsoDate; nextFirst: IsoDate } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${pad(m + 1)}-01`;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { first: `${month}-01`, last: `${month}-${pad(last)}`, nextFirst: next };
}

/** The rules the schema cannot state: amounts that contradict each other, duplicate numbers, dates out of order. */
export function nettingIssues(invoices: readonly NettingInvoice[]): Issue[] {
  const out: Issue[] = [];
  const seen = new Map<string, number>();
  invoices.forEach((inv, i) => {
    const at = `/invoices/${i}`;
    if (inv.residual > inv.amount) out.push({ path: `${at}/residual`, rule: 'notAboveAmount', code: 'SG_NETTING_RESIDUAL', message: 'must not exceed the invoice amount' });
    if (inv.disputed > inv.residual) out.push({ path: `${at}/disputed`, rule: 'notAboveResidual', code: 'SG_NETTING_DISPUTED', message: 'must not exceed the residual amount' });
    if (inv.dueDate < inv.issueDate) out.push({ path: `${at}/dueDate`, rule: 'notBeforeIssueDate', code: 'SG_NETTING_DUE_DATE', message: 'must not be before the issue date' });
    const key = `${inv.direction}|${inv.number}`;
    const prev = seen.get(key);
    if (prev !== undefined) out.push({ path: `${at}/number`, rule: 'unique', code: 'SG_NETTING_DUPLICATE', message: `repeats the ${inv.direction} invoice of /invoices/${prev}` });
    else seen.set(key, i);
  });
  return out;
}

/** Callers validate with nettingIssues first. */
export function nettingStatement(input: { month: string; invoices: readonly NettingInvoice[]; calendar: Pick<WorkingDayCalendar, 'addWorkingDays'> }): NettingStatement {
  const { first, last, nextFirst } = monthBounds(input.month);
  const lines: NettingLine[] = [];
  const excluded: NettingStatement['excluded'] = [];
  let receivables = 0;
  let payables = 0;
  for (const inv of input.invoices) {
    const exclude = (reason: ExclusionReason) => excluded.push({ invoiceNumber: inv.number, direction: inv.direction, reason });
    if (inv.repaymentPlan) {
      exclude('repayment-plan');
      continue;
    }
    if (inv.dueDate > last) {
      exclude('not-yet-due');
      continue;
    }
    if (inv.residual === 0) {
      exclude('settled');
      continue;
    }
    const netting = inv.residual - inv.disputed;
    if (inv.direction === 'receivable') receivables += netting;
    else payables += netting;
    const line: NettingLine = {
      invoiceNumber: inv.number,
      direction: inv.direction,
      creditNoteNumbers: inv.creditNotes.map((c) => c.number),
      creditNoteInvoiceRefs: inv.creditNotes.map((c) => c.invoiceRef),
      issueDate: inv.issueDate,
      dueDate: inv.dueDate,
      amount: inv.amount,
      residual: inv.residual,
      disputed: inv.disputed,
      netting,
      overdue: inv.dueDate < first,
    };
    if (inv.description !== undefined) line.description = inv.description;
    lines.push(line);
  }
  const lastWorkingDay = input.calendar.addWorkingDays(nextFirst, -1);
  return {
    month: input.month,
    lines,
    excluded,
    receivables,
    payables,
    netBalance: receivables - payables,
    nettingValueDate: lastWorkingDay,
    paymentValueDate: lastWorkingDay,
  };
}
