import { describe, expect, it } from 'vitest';
import { nettingIssues, nettingStatement, type NettingInvoice } from '../../../../src/protocols/interconnect/billing/netting.js';
import { calendar } from './fixtures.js';

const inv = (number: string, direction: 'receivable' | 'payable', extra: Partial<NettingInvoice> = {}): NettingInvoice => ({
  number,
  direction,
  issueDate: '2026-04-01',
  dueDate: '2026-05-15',
  amount: 100_000,
  residual: 100_000,
  disputed: 0,
  creditNotes: [],
  repaymentPlan: false,
  ...extra,
});

describe('netting statement (spec §7.3)', () => {
  it('nets residual − disputed per line, the balance both ways, value date the last working day', () => {
    const s = nettingStatement({
      month: '2026-05',
      calendar,
      invoices: [
        inv('R1', 'receivable', { residual: 80_000, disputed: 5_000, creditNotes: [{ number: 'NC1', invoiceRef: 'R1' }] }),
        inv('R2', 'receivable', { dueDate: '2026-03-31', residual: 10_000 }), // overdue, still open
        inv('P1', 'payable', { amount: 120_000, residual: 120_000, disputed: 20_000 }),
        inv('P2', 'payable', { dueDate: '2026-06-01' }), // not yet due
        inv('P3', 'payable', { repaymentPlan: true }),
        inv('R3', 'receivable', { residual: 0 }), // settled
      ],
    });
    expect(s.lines.map((l) => [l.invoiceNumber, l.netting, l.overdue])).toEqual([
      ['R1', 75_000, false],
      ['R2', 10_000, true],
      ['P1', 100_000, false],
    ]);
    expect(s.lines[0]).toMatchObject({ creditNoteNumbers: ['NC1'], creditNoteInvoiceRefs: ['R1'] });
    expect(s.excluded).toEqual([
      { invoiceNumber: 'P2', direction: 'payable', reason: 'not-yet-due' },
      { invoiceNumber: 'P3', direction: 'payable', reason: 'repayment-plan' },
      { invoiceNumber: 'R3', direction: 'receivable', reason: 'settled' },
    ]);
    expect([s.receivables, s.payables, s.netBalance]).toEqual([85_000, 100_000, -15_000]);
    // 31 May 2026 is a Sunday: the last working day of May is Friday 29
    expect(s.nettingValueDate).toBe('2026-05-29');
    expect(s.paymentValueDate).toBe('2026-05-29');
  });

  it.each([
    ['2026-01', '2026-01-30'], // 31 Jan is a Saturday
    ['2026-07', '2026-07-31'], // a Friday
    ['2026-10', '2026-10-30'], // 31 Oct is a Saturday
    ['2026-12', '2026-12-31'], // Thursday; 24/31 Dec are not public holidays
    ['2027-02', '2027-02-26'], // 28 Feb is a Sunday
  ])('netting value date of %s is %s', (month, date) => {
    expect(nettingStatement({ month, invoices: [], calendar }).nettingValueDate).toBe(date);
  });

  it('an invoice due on the last day of month X is in; one due the next day is not', () => {
    const s = nettingStatement({ month: '2026-05', calendar, invoices: [inv('in', 'receivable', { dueDate: '2026-05-31' }), inv('out', 'receivable', { dueDate: '2026-06-01' })] });
    expect(s.lines.map((l) => l.invoiceNumber)).toEqual(['in']);
  });

  it('refuses amounts that contradict each other, a due date before the issue date, a repeated number', () => {
    const issues = nettingIssues([
      inv('A', 'receivable', { residual: 100_001 }),
      inv('B', 'receivable', { residual: 10, disputed: 11 }),
      inv('C', 'payable', { issueDate: '2026-05-16' }),
      inv('A', 'receivable'),
      inv('A', 'payable'),
    ]);
    expect(issues.map((i) => `${i.path} ${i.rule} ${i.code}`)).toEqual([
      '/invoices/0/residual notAboveAmount SG_NETTING_RESIDUAL',
      '/invoices/1/disputed notAboveResidual SG_NETTING_DISPUTED',
      '/invoices/2/dueDate notBeforeIssueDate SG_NETTING_DUE_DATE',
      '/invoices/3/number unique SG_NETTING_DUPLICATE',
    ]);
  });
});
