import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { annulmentReimbursement, cessationFees, DEFAULT_ANNULMENT_RULES, reconfigurationFee } from '../../../src/protocols/interconnect/fees.js';
import { parseCents } from '../../../src/protocols/interconnect/money.js';
import type { AccessRequest } from '../../../src/protocols/interconnect/types.js';
import { activation, request, TARIFFS } from './fixtures.js';

const ORDER = '2026-12-01';
const day = (n: number) => `2026-12-${String(1 + n).padStart(2, '0')}`;

describe('annulment reimbursement (spec §3)', () => {
  // [solar days after the order, day 13 included?, total of a port with no extra modules]
  it.each([
    [0, true, '1200.00'],
    [12, true, '1200.00'],
    [13, true, '1200.00'],
    [14, true, '3060.00'],
    [12, false, '1200.00'],
    [13, false, '3060.00'],
    [14, false, '3060.00'],
  ])('a port annulled %i solar days after its order (day 13 within: %s) costs %s', (days, lastDayIncluded, total) => {
    const r = annulmentReimbursement(activation('port-activation', { cacModulesBeyondDimensioning: 0 } as never), ORDER, day(days), TARIFFS, { ...DEFAULT_ANNULMENT_RULES, lastDayIncluded });
    expect(r.solarDays).toBe(days);
    expect(r.reimbursement.total).toBe(total);
  });

  it('itemises activation fee, 6 monthly fees, the link item and 3 monthly fees per module beyond the dimensioning', () => {
    const r = annulmentReimbursement(activation('joint-activation', { cacModulesBeyondDimensioning: 2 } as never), ORDER, day(14), TARIFFS);
    expect(r.reimbursement.items.map((i) => [i.item, i.quantity ?? null, i.amount])).toEqual([
      ['portActivationFee', null, '1200.00'],
      ['portMonthlyFees', 6, '1860.00'],
      ['linkAnnulmentCharge', null, '850.00'],
      ['cacModulesBeyondDimensioning', 2, '273.00'],
    ]);
    expect(r.reimbursement.total).toBe('4183.00');
  });

  it('charges 3 monthly fees per module of an order of further modules on an active access (c′), whenever annulled', () => {
    for (const d of [1, 30]) {
      const r = annulmentReimbursement({ type: 'cac-expansion', accessId: 'A', cacModules: 3 }, ORDER, `2026-12-${String(d).padStart(2, '0')}`, TARIFFS);
      expect(r.reimbursement).toEqual({ items: [{ item: 'cacModulesBeyondDimensioning', quantity: 3, amount: '409.50', note: '3 monthly fees per module' }], total: '409.50' });
    }
  });

  it('the total is the exact sum of its items and never negative (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 50 }), fc.boolean(), (days, extra, joint) => {
        const data = activation(joint ? 'joint-activation' : 'port-activation', { cacModules: 50, cacModulesBeyondDimensioning: extra } as never);
        const r = annulmentReimbursement(data, '2026-01-01', new Date(Date.UTC(2026, 0, 1 + days)).toISOString().slice(0, 10), TARIFFS).reimbursement;
        const sum = r.items.reduce((s, i) => s + parseCents(i.amount), 0);
        return sum === parseCents(r.total) && sum >= 0;
      }),
    );
  });
});

const completed = (type: 'port-activation' | 'joint-activation', completionDate: string, extra: Partial<AccessRequest> = {}): AccessRequest =>
  request(activation(type, { cacModulesBeyondDimensioning: 2 } as never), 'COMPLETED', 'operator', { completion: { completionDate, tds: { port: 'TD-P', ...(type === 'joint-activation' ? { link: 'TD-L' } : {}) } }, ...extra });

describe('cessation fees (spec §4)', () => {
  it('charges port and link up to the cessation date and the additional CAC modules up to the end of that month', () => {
    // 15 November: 15 of 30 days for port and link, 30 of 30 for the modules
    const f = cessationFees('2026-11-15', [completed('joint-activation', '2026-01-10')], TARIFFS);
    expect(f.items.map((i) => [i.item, i.days, i.amount])).toEqual([
      ['port TD-P', 15, '155.00'],
      ['link TD-L', 15, '310.00'],
      ['cacModules TD-P', 30, '91.00'],
    ]);
    expect(f.total).toBe('556.00');
  });

  it('counts from the completion date when the access was delivered in the month of its cessation', () => {
    // delivered 10 Feb 2027, ceased 20 Feb: 11 of 28 days, modules 19 of 28
    const f = cessationFees('2027-02-20', [completed('port-activation', '2027-02-10')], TARIFFS);
    expect(f.items.map((i) => [i.item, i.days, i.amount])).toEqual([
      ['port TD-P', 11, '121.79'],
      ['cacModules TD-P', 19, '61.75'],
    ]);
  });

  it('a cessation on the last day of the month charges the whole month; on the first, one day', () => {
    expect(cessationFees('2026-12-31', [completed('port-activation', '2026-01-01')], TARIFFS).items[0]!.amount).toBe('310.00');
    expect(cessationFees('2026-12-01', [completed('port-activation', '2026-01-01')], TARIFFS).items[0]).toMatchObject({ days: 1, amount: '10.00' });
  });

  it('ceasing only CAC modules charges those modules to the end of the month, nothing else', () => {
    const f = cessationFees('2026-12-16', [completed('joint-activation', '2026-01-01')], TARIFFS, 1);
    expect(f).toEqual({ items: [{ item: 'cacModules TD-P', quantity: 1, days: 31, amount: '45.50', note: 'pro rata up to the end of the month of the cessation date' }], total: '45.50' });
  });

  it('a reconfiguration costs the set-up cost, once', () => {
    expect(reconfigurationFee(TARIFFS).total).toBe('275.00');
  });
});
