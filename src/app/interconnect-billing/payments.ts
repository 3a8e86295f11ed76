/**
 * Netting and payment imputation from their REST bodies: decimal strings and calendar dates are
 * parsed strictly here (the JSON Schema only checks their shape), the domain decides, and amounts
 * go back out as two-place decimal strings.
 */
import { toEpochDay, type WorkingDayCalendar } from '../../domain/calendar.js';
import type { Issue } from '../../domain/issues.js';
import { AppError } from '../errors.js';
import { formatCents, parseCents } from '../../protocols/interconnect/money.js';
import { allocatePayment } from '../../protocols/interconnect/billing/imputation.js';
import { nettingIssues, nettingStatement, type NettingInvoice } from '../../protocols/interconnect/billing/netting.js';

export interface NettingBody {
  month: string;
  invoices: {
    number: string;
    direction: 'receivable' | 'payable';
    description?: string;
    issueDate: string;
    dueDate: string;
    amount: string;
    residual: string;
    disputed?: string;
    creditNotes?: { number: string; invoiceRef: string; description?: string }[];
    repaymentPlan?: boolean;
  }[];
}

export interface AllocateBody {
  amount: string;
  asOf: string;
  debts: { id: string; amount: string; dueDate: string; security: number; burden: number; issuedAt: string }[];
}

/** Collects the strict-parsing issues of one body while reading its fields. */
class FieldReader {
  readonly issues: Issue[] = [];

  date(path: string, value: string): string {
    try {
      toEpochDay(value);
    } catch {
      this.issues.push({ path, rule: 'date', code: 'SG_BAD_DATE', message: `"${value}" is not a calendar date` });
    }
    return value;
  }

  cents(path: string, value: string): number {
    try {
      return parseCents(value);
    } catch {
      this.issues.push({ path, rule: 'amount', code: 'SG_BAD_AMOUNT', message: `"${value}" is not an amount in EUR with at most two decimal places` });
      return 0;
    }
  }

  check(extra: Issue[] = []): void {
    const all = [...this.issues, ...extra];
    const first = all[0];
    if (first) throw new AppError(422, first.code, `${first.path}: ${first.message}`, all);
  }
}

export function computeNetting(body: NettingBody, calendar: WorkingDayCalendar) {
  const read = new FieldReader();
  const invoices: NettingInvoice[] = body.invoices.map((inv, i) => {
    const at = `/invoices/${i}`;
    const out: NettingInvoice = {
      number: inv.number,
      direction: inv.direction,
      issueDate: read.date(`${at}/issueDate`, inv.issueDate),
      dueDate: read.date(`${at}/dueDate`, inv.dueDate),
      amount: read.cents(`${at}/amount`, inv.amount),
      residual: read.cents(`${at}/residual`, inv.residual),
      disputed: read.cents(`${at}/disputed`, inv.disputed ?? '0'),
      creditNotes: inv.creditNotes ?? [],
      repaymentPlan: inv.repaymentPlan ?? false,
    };
    if (inv.description !== undefined) out.description = inv.description;
    return out;
  });
  read.check();
  read.check(nettingIssues(invoices));
  const s = nettingStatement({ month: body.month, invoices, calendar });
  return {
    month: s.month,
    lines: s.lines.map((l) => ({
      ...l,
      amount: formatCents(l.amount),
      residual: formatCents(l.residual),
      disputed: formatCents(l.disputed),
      netting: formatCents(l.netting),
    })),
    excluded: s.excluded,
    receivables: formatCents(s.receivables),
    payables: formatCents(s.payables),
    netBalance: formatCents(s.netBalance),
    nettingValueDate: s.nettingValueDate,
    paymentValueDate: s.paymentValueDate,
  };
}

export function computeAllocation(body: AllocateBody, calendar: WorkingDayCalendar) {
  const read = new FieldReader();
  const amount = read.cents('/amount', body.amount);
  const asOf = read.date('/asOf', body.asOf);
  const seen = new Map<string, number>();
  const dupes: Issue[] = [];
  const debts = body.debts.map((d, i) => {
    const at = `/debts/${i}`;
    const prev = seen.get(d.id);
    if (prev !== undefined) dupes.push({ path: `${at}/id`, rule: 'unique', code: 'SG_DUPLICATE_DEBT', message: `repeats /debts/${prev}` });
    seen.set(d.id, i);
    return {
      id: d.id,
      amount: read.cents(`${at}/amount`, d.amount),
      dueDate: read.date(`${at}/dueDate`, d.dueDate),
      issuedAt: read.date(`${at}/issuedAt`, d.issuedAt),
      security: d.security,
      burden: d.burden,
    };
  });
  read.check(dupes);
  const r = allocatePayment({ amount, asOf, debts, calendar });
  return {
    allocations: r.allocations.map((a) => ({ ...a, amount: formatCents(a.amount) })),
    allocated: formatCents(amount - r.unallocated),
    unallocated: formatCents(r.unallocated),
  };
}
