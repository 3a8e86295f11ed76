import { describe, expect, it } from 'vitest';
import { accessServicesInvoice, accessServicesIssues, addMonths, type AccessRecord } from '../../../../src/protocols/interconnect/billing/invoice.js';
import { accessServicesInvoiceAnswer } from '../../../../src/app/interconnect-billing/access-invoice.js';

const tariffs = { portActivationFee: 100_000, portMonthlyFee: 30_000, cacModuleMonthlyFee: 3_100, linkMonthlyFee: 6_200 };
const port = { kind: 'port' as const, count: 1 };
const cac = (count: number) => ({ kind: 'cacModule' as const, count });

/** Invoice of May 2026 (April: 30 days, May: 31, June: 30) as compact rows: component item from–to amount. */
function may(access: Omit<AccessRecord, 'id'>): string[] {
  return accessServicesInvoice({ month: '2026-05', accesses: [{ id: 'A', ...access }], tariffs }).lines.map(
    (l) => `${l.component} ${l.item} ${l.from}–${l.to} ${l.amount}${l.days ? ` (${l.days}/${l.daysInMonth})` : ''}`,
  );
}

describe('access-services invoice (spec §7.1, §8.1)', () => {
  it.each<[string, Omit<AccessRecord, 'id'>, string[]]>([
    [
      'completed in the previous month: activation, pro rata to its month end, the current month, the next month in advance',
      { completedAt: '2026-04-21', components: [port, cac(2)] },
      [
        'port activation 2026-04-21–2026-04-21 100000',
        'port pro-rata 2026-04-21–2026-04-30 10000 (10/30)',
        'port monthly 2026-05-01–2026-05-31 30000',
        'port advance 2026-06-01–2026-06-30 30000',
        'cacModule pro-rata 2026-04-21–2026-04-30 2067 (10/30)',
        'cacModule monthly 2026-05-01–2026-05-31 6200',
        'cacModule advance 2026-06-01–2026-06-30 6200',
      ],
    ],
    ['completed on the last day of the previous month: one day pro rata', { completedAt: '2026-04-30', components: [port] }, [
      'port activation 2026-04-30–2026-04-30 100000',
      'port pro-rata 2026-04-30–2026-04-30 1000 (1/30)',
      'port monthly 2026-05-01–2026-05-31 30000',
      'port advance 2026-06-01–2026-06-30 30000',
    ]],
    ['completed on the first day of the previous month: a whole month, not pro rata', { completedAt: '2026-04-01', components: [port] }, [
      'port activation 2026-04-01–2026-04-01 100000',
      'port monthly 2026-04-01–2026-04-30 30000',
      'port monthly 2026-05-01–2026-05-31 30000',
      'port advance 2026-06-01–2026-06-30 30000',
    ]],
    ['invoiced before: only the next month in advance', { completedAt: '2026-02-10', components: [port, cac(1)] }, ['port advance 2026-06-01–2026-06-30 30000', 'cacModule advance 2026-06-01–2026-06-30 3100']],
    ['completed in the invoice month itself: nothing yet', { completedAt: '2026-05-03', components: [port] }, []],
    [
      'cessation in the next month: port pro rata up to the cessation date, CAC modules to that month end',
      { completedAt: '2026-01-05', ceasedAt: '2026-06-10', components: [port, cac(1)] },
      ['port advance 2026-06-01–2026-06-10 10000 (10/30)', 'cacModule advance 2026-06-01–2026-06-30 3100'],
    ],
    ['ceased mid-month before the invoiced period: nothing', { completedAt: '2026-01-05', ceasedAt: '2026-05-20', components: [port, cac(1)] }, []],
    [
      'completed in the previous month and ceased mid-month in the current one',
      { completedAt: '2026-04-21', ceasedAt: '2026-05-15', components: [port, cac(1)] },
      [
        'port activation 2026-04-21–2026-04-21 100000',
        'port pro-rata 2026-04-21–2026-04-30 10000 (10/30)',
        'port pro-rata 2026-05-01–2026-05-15 14516 (15/31)',
        'cacModule pro-rata 2026-04-21–2026-04-30 1033 (10/30)',
        'cacModule monthly 2026-05-01–2026-05-31 3100',
      ],
    ],
    ['ceased on its completion day: one day', { completedAt: '2026-04-30', ceasedAt: '2026-04-30', components: [port] }, ['port activation 2026-04-30–2026-04-30 100000', 'port pro-rata 2026-04-30–2026-04-30 1000 (1/30)']],
    [
      'a late delivery not invoiced yet is added the same way',
      { completedAt: '2026-02-15', invoiced: false, components: [port] },
      [
        'port activation 2026-02-15–2026-02-15 100000',
        'port pro-rata 2026-02-15–2026-02-28 15000 (14/28)',
        'port monthly 2026-03-01–2026-03-31 30000',
        'port monthly 2026-04-01–2026-04-30 30000',
        'port monthly 2026-05-01–2026-05-31 30000',
        'port advance 2026-06-01–2026-06-30 30000',
      ],
    ],
    [
      'a link priced by its own offer (component fees override the tariffs)',
      { completedAt: '2026-02-10', components: [{ kind: 'link', count: 2, monthlyFee: 4_999 }] },
      ['link advance 2026-06-01–2026-06-30 9998'],
    ],
    [
      'a link with the tariff fee has no activation fee of its own',
      { completedAt: '2026-04-16', components: [{ kind: 'link', count: 1 }] },
      ['link pro-rata 2026-04-16–2026-04-30 3100 (15/30)', 'link monthly 2026-05-01–2026-05-31 6200', 'link advance 2026-06-01–2026-06-30 6200'],
    ],
  ])('%s', (_title, access, expected) => {
    expect(may(access)).toEqual(expected);
  });

  it('sums the lines of all accesses into the total', () => {
    const invoice = accessServicesInvoice({
      month: '2026-05',
      accesses: [
        { id: 'A', completedAt: '2026-02-10', components: [port] },
        { id: 'B', completedAt: '2026-02-10', components: [cac(3)] },
      ],
      tariffs,
    });
    expect(invoice.total).toBe(30_000 + 9_300);
    expect(invoice.lines.map((l) => l.accessId)).toEqual(['A', 'B']);
  });

  it('crosses the year: the invoice of January 2027 bills December 2026 deliveries and February 2027 in advance', () => {
    const invoice = accessServicesInvoice({ month: '2027-01', accesses: [{ id: 'A', completedAt: '2026-12-31', components: [port] }], tariffs });
    expect(invoice.lines.map((l) => `${l.item} ${l.from} ${l.amount}`)).toEqual(['activation 2026-12-31 100000', 'pro-rata 2026-12-31 968', 'monthly 2027-01-01 30000', 'advance 2027-02-01 30000']);
    expect(addMonths('2026-12', 1)).toBe('2027-01');
  });

  it('refuses inconsistent input with paths', () => {
    const issues = accessServicesIssues({
      month: '2026-13',
      accesses: [
        { id: 'A', completedAt: '2026-04-31', components: [{ kind: 'port', count: 0 }] },
        { id: 'A', completedAt: '2026-04-10', ceasedAt: '2026-04-01', components: [{ kind: 'port', count: 1, monthlyFee: -1 }] },
      ],
    });
    expect(issues.map((i) => `${i.path} ${i.rule}`)).toEqual([
      '/month format',
      '/accesses/0/completedAt date',
      '/accesses/0/components/0/count minimum',
      '/accesses/1/id unique',
      '/accesses/1/ceasedAt notBeforeCompletion',
      '/accesses/1/components/0/monthlyFee minimum',
    ]);
  });
});

describe('access-services invoice at the REST edge', () => {
  const tariffStrings = { portActivationFee: '1000.00', portMonthlyFee: '300', cacModuleMonthlyFee: '31.00', linkMonthlyFee: '62.00' };

  it('reads the tariffs as decimal strings and answers amounts as decimal strings', () => {
    const answer = accessServicesInvoiceAnswer({ month: '2026-05', accesses: [{ id: 'A', completedAt: '2026-04-21', components: [cac(2)] }], tariffs: tariffStrings });
    expect(answer.lines.map((l) => [l.item, l.unitFee, l.amount])).toEqual([
      ['pro-rata', '31.00', '20.67'],
      ['monthly', '31.00', '62.00'],
      ['advance', '31.00', '62.00'],
    ]);
    expect(answer.total).toBe('144.67');
  });

  it('refuses bad input with a 422 naming the field', () => {
    expect(() => accessServicesInvoiceAnswer({ month: '2026-05', accesses: [{ id: 'A', completedAt: '2026-02-30', components: [port] }], tariffs: tariffStrings })).toThrow(
      expect.objectContaining({ status: 422, code: 'SG_BAD_DATE', issues: [expect.objectContaining({ path: '/accesses/0/completedAt' })] }),
    );
  });
});
