import { describe, expect, it } from 'vitest';
import { tick } from '../../../src/protocols/wbci/machine.js';
import { buildWbciOrder, DEFAULT_ORDER_TYPE_RULES, orderNumbersAsNational, wbciOrderReadiness, wbciOrderType } from '../../../src/wholesale/order.js';
import { checkWholesale } from '../../../src/wholesale/schemas.js';
import {
  abbmStorno,
  abbmTr,
  abbmVa,
  akmTr,
  BLOCK,
  calendar,
  Case,
  erlmStorno,
  KWT,
  mctx,
  NEW_DATE,
  NOW,
  ruemVa,
  rulesWith,
  strAen,
  strAuf,
  T_ID,
  tvsVa,
  VA_ID,
} from './fixtures.js';

const ready = (c: Case, now: Date = NOW, window = 3) => wbciOrderReadiness(c.state, { now, calendar, rules: rulesWith({ akmTrRejectionTimeoutWorkingDays: window }) });

describe('wbciOrderReadiness: when phase 2 has succeeded', () => {
  it('VA-RRNP: due as soon as the RUEM-VA is received', () => {
    const c = new Case('VA-RRNP');
    expect(ready(c)).toEqual({ due: false, code: 'SG_WHOLESALE_PHASE2_PENDING', message: `the VA ${VA_ID} has no RUEM-VA yet` });
    c.step(ruemVa('VA-RRNP'));
    expect(ready(c)).toEqual({ due: true });
  });

  it('a rejected VA never becomes due', () => {
    const c = new Case('VA-RRNP').step(abbmVa('VA-RRNP'));
    expect(ready(c)).toMatchObject({ due: false, code: 'SG_WHOLESALE_PHASE2_REJECTED' });
  });

  it('VA-KUE: RUEM-VA alone is not enough (AKM-TR missing)', () => {
    const c = new Case('VA-KUE-MRN').step(ruemVa('VA-KUE-MRN'));
    expect(ready(c)).toMatchObject({ due: false, code: 'SG_WHOLESALE_AKM_TR_MISSING' });
  });

  it('VA-KUE: due exactly after the AKM-TR rejection window (3 working days, end of day in Berlin)', () => {
    const c = new Case('VA-KUE-MRN').step(ruemVa('VA-KUE-MRN')).step(akmTr());
    // AKM-TR on Monday 23 Nov; the window ends at the end of Thursday 26 Nov (Europe/Berlin).
    const open = ready(c);
    expect(open).toMatchObject({ due: false, code: 'SG_WHOLESALE_AKM_TR_WINDOW_OPEN', dueAfter: '2026-11-26T23:00:00.000Z' });
    expect(ready(c, new Date('2026-11-26T22:59:59.999Z'))).toMatchObject({ due: false, code: 'SG_WHOLESALE_AKM_TR_WINDOW_OPEN' });
    expect(ready(c, new Date('2026-11-26T23:00:00.000Z'))).toEqual({ due: true });
  });

  it('VA-KUE with the window set to 0: the AKM-TR counts as accepted at once', () => {
    const c = new Case('VA-KUE-ORN').step(ruemVa('VA-KUE-ORN')).step(akmTr(true, 'VA-KUE-ORN'));
    expect(ready(c, NOW, 0)).toEqual({ due: true });
  });

  it('an ABBM-TR within the window stops the order; a corrected AKM-TR starts a new window', () => {
    const c = new Case('VA-KUE-MRN').step(ruemVa('VA-KUE-MRN')).step(akmTr()).step(abbmTr());
    const later = new Date('2026-12-01T08:00:00Z');
    expect(ready(c, later)).toMatchObject({ due: false, code: 'SG_WHOLESALE_AKM_TR_REJECTED' });
    c.step(akmTr(), later);
    expect(ready(c, later)).toMatchObject({ due: false, code: 'SG_WHOLESALE_AKM_TR_WINDOW_OPEN', dueAfter: '2026-12-04T23:00:00.000Z' });
    expect(ready(c, new Date('2026-12-04T23:00:00.000Z'))).toEqual({ due: true });
  });

  it('an open Storno holds the order back; once refused, the order is due again', () => {
    const c = new Case('VA-RRNP').step(ruemVa('VA-RRNP')).step(strAuf());
    expect(ready(c)).toMatchObject({ due: false, code: 'SG_WHOLESALE_STORNO_OPEN' });
    c.step(abbmStorno('STR-AUF'));
    expect(ready(c)).toEqual({ due: true });
  });

  it('an open TVS-VA does not hold the order back (a reschedule follows if it is agreed)', () => {
    const c = new Case('VA-RRNP').step(ruemVa('VA-RRNP')).step(tvsVa());
    expect(c.state.openChange?.id).toBe(T_ID);
    expect(ready(c)).toEqual({ due: true });
  });

  it('a cancelled (STR-AUF) or replaced (STR-AEN) VA is never due', () => {
    expect(ready(new Case('VA-RRNP').step(ruemVa('VA-RRNP')).step(strAuf()).step(erlmStorno('STR-AUF')))).toMatchObject({
      due: false,
      code: 'SG_WHOLESALE_PHASE2_CANCELLED',
    });
    expect(ready(new Case('VA-RRNP').step(ruemVa('VA-RRNP')).step(strAen()).step(erlmStorno('STR-AEN')))).toMatchObject({
      due: false,
      code: 'SG_WHOLESALE_PHASE2_CANCELLED',
    });
  });

  it('the donating side never orders', () => {
    const c = new Case('VA-RRNP', 'donating').step(ruemVa('VA-RRNP'));
    expect(ready(c)).toMatchObject({ due: false, code: 'SG_WHOLESALE_NOT_RECIPIENT' });
  });

  it('not after the Wechseltermin, nor once the case completed', () => {
    const c = new Case('VA-RRNP').step(ruemVa('VA-RRNP'));
    expect(ready(c, new Date('2026-12-15T22:00:00Z'))).toEqual({ due: true });
    expect(ready(c, new Date('2026-12-16T08:00:00Z'))).toMatchObject({ due: false, code: 'SG_WHOLESALE_SWITCH_DATE_PASSED' });
    const done = tick(c.state, mctx('in', new Date('2026-12-19T08:00:00Z')));
    expect(done?.ok && done.state.state).toBe('COMPLETED');
    if (done?.ok) c.state = done.state;
    expect(ready(c, new Date('2026-12-19T08:00:00Z'))).toMatchObject({ due: false, code: 'SG_WHOLESALE_CASE_COMPLETED' });
  });
});

describe('wbciOrderType: the wbci.md §12 mapping', () => {
  const kue = (tech: string | undefined, takeOver: boolean) =>
    new Case('VA-KUE-MRN').step(ruemVa('VA-KUE-MRN', tech === undefined ? { technology: undefined } : { technology: tech })).step(akmTr(takeOver)).state;

  it.each([
    ['001 TAL ISDN', true, 'PROVIDERWECHSEL'],
    ['002 TAL DSL', true, 'PROVIDERWECHSEL'],
    ['003 TAL VDSL', true, 'PROVIDERWECHSEL'],
    ['007 ADSL SH', true, 'VERBUNDLEISTUNG'],
    ['009 VDSL SA', true, 'BEREITSTELLUNG'],
    ['014 FTTH', true, 'BEREITSTELLUNG'],
    ['001 TAL ISDN', false, 'BEREITSTELLUNG'],
  ] as const)('KUE, technology %s, take-over %s → %s', (tech, takeOver, type) => {
    expect(wbciOrderType(kue(tech, takeOver)).type).toBe(type);
  });

  it('KUE without a technology in the RUEM-VA → Bereitstellung, and says why', () => {
    expect(wbciOrderType(kue(undefined, true))).toEqual({ type: 'BEREITSTELLUNG', basis: 'take-over without a technology in the RUEM-VA: a new line is provided' });
  });

  it('the incumbent as donating carrier → Verbundleistung whatever the technology', () => {
    const s = kue('009 VDSL SA', false);
    expect(wbciOrderType(s, { ...DEFAULT_ORDER_TYPE_RULES, incumbents: ['DEU.EKPB'] }).type).toBe('VERBUNDLEISTUNG');
    expect(DEFAULT_ORDER_TYPE_RULES.incumbents).toEqual(['DEU.DTAG']);
  });

  it('VA-RRNP → number export', () => {
    expect(wbciOrderType(new Case('VA-RRNP').step(ruemVa('VA-RRNP')).state)).toEqual({ type: 'NUMBER_EXPORT', basis: 'VA-RRNP: numbers only, the line is not taken over' });
  });
});

describe('buildWbciOrder', () => {
  it('VA-KUE-MRN: ids, date, site, line identifiers and confirmed numbers from the RUEM-VA', () => {
    const c = new Case('VA-KUE-MRN').step(ruemVa('VA-KUE-MRN')).step(akmTr(true));
    const b = buildWbciOrder(c.state);
    expect(b).toEqual({
      ok: true,
      basis: 'take-over of a TAL (technology 001)',
      order: {
        externalId: VA_ID,
        orderType: 'PROVIDERWECHSEL',
        requestedCompletionDate: KWT,
        buyer: 'DEU.EKPA',
        donatingProvider: 'DEU.EKPB',
        preCoordination: { procedure: 'wbci', id: VA_ID, businessCase: 'VA-KUE-MRN' },
        customer: { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Mustermann' },
        site: { street: 'Hauptstr.', houseNumber: '1', houseNumberSuffix: 'a', postalCode: '80331', city: 'München' },
        line: { technology: '001 TAL ISDN', takeOver: true, safeHarbour: false, resources: [{ contractNumber: '1234567890' }] },
        numbers: {
          kind: 'single',
          portingWindow: 'ZF2',
          list: [
            { areaCode: '89', number: '1234567', pkiAbg: 'D123' },
            { areaCode: '89', number: '1234568', pkiAbg: 'D123' },
          ],
        },
      },
    });
    if (b.ok) expect(checkWholesale('order', b.order)).toEqual([]);
  });

  it('VA-RRNP with a number block: numbers and PKIauf only, no site, no line', () => {
    const c = new Case('VA-RRNP', 'recipient', BLOCK).step(ruemVa('VA-RRNP', {}, BLOCK));
    const b = buildWbciOrder(c.state);
    if (!b.ok) throw new Error('not built');
    expect(b.order.site).toBeUndefined();
    expect(b.order.line).toBeUndefined();
    expect(b.order.numbers).toEqual({
      kind: 'block',
      portingWindow: 'ZF1',
      pkiAuf: 'D052',
      areaCode: '89',
      baseNumber: '547084',
      operatorPosition: '0',
      ranges: [{ from: '00', to: '49', pkiAbg: 'D123' }],
    });
    expect(checkWholesale('order', b.order)).toEqual([]);
    expect(orderNumbersAsNational(b.order.numbers)).toEqual(['0895470840']);
  });

  it('VA-KUE-ORN: no numbers; the agreed date after an agreed TVS-VA is the new one', () => {
    const c = new Case('VA-KUE-ORN').step(ruemVa('VA-KUE-ORN')).step(akmTr(false, 'VA-KUE-ORN')).step(tvsVa());
    c.step({ type: 'ERLM', recipient: 'DEU.EKPA', donating: 'DEU.EKPB', sender: 'DEU.EKPB', vaIdRef: VA_ID, businessCase: 'TVS-VA', positions: [{ code: '8003' }], changeIdRef: T_ID, switchDate: NEW_DATE });
    const b = buildWbciOrder(c.state);
    if (!b.ok) throw new Error('not built');
    expect(b.order.numbers).toBeUndefined();
    expect(b.order.requestedCompletionDate).toBe(NEW_DATE);
    expect(b.order.orderType).toBe('BEREITSTELLUNG');
    expect(b.order.line).toEqual({ technology: '001 TAL ISDN', takeOver: false, safeHarbour: true, resources: [{ contractNumber: '1234567890' }] });
  });

  it('refuses a case without an agreed date, naming the field', () => {
    const c = new Case('VA-RRNP');
    expect(buildWbciOrder(c.state)).toEqual({
      ok: false,
      issues: [{ path: '/switchDate', rule: 'required', code: 'SG_WHOLESALE_ORDER_INCOMPLETE', message: 'the case has no agreed Wechseltermin' }],
    });
  });

  it('orderNumbersAsNational: single numbers with trunk prefix', () => {
    expect(orderNumbersAsNational({ kind: 'single', list: [{ areaCode: '30', number: '123456' }] })).toEqual(['030123456']);
    expect(orderNumbersAsNational(undefined)).toEqual([]);
  });
});
