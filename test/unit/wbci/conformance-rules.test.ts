/** The machine's side of issue #10: AKM-TR line checks, RUEM-VA clarifications, successor matching. */
import { describe, expect, it } from 'vitest';
import { apply } from '../../../src/protocols/wbci/machine.js';
import { matchSuccessor } from '../../../src/protocols/wbci/successor.js';
import { defaultWbciRules } from '../../../src/protocols/wbci/rules.js';
import type { WbciCaseState } from '../../../src/protocols/wbci/case-state.js';
import { NOW, Pair, VA_ID_2, akmTr, calendar, ctx, erlm, expectOk, expectRefused, ruemVa, storno, va } from './machine-fixtures.js';

const LINE = 'DEU.EKPB.LINE000001';

function agreedWithLine(): Pair {
  const p = Pair.open();
  p.send(ruemVa('VA-KUE-MRN', { resources: [{ lineId: LINE }, { contractNumber: '1234567890' }] }));
  return p;
}

describe('AKM-TR lines against the RUEM-VA (received by the EKPabg)', () => {
  it('a line the RUEM-VA named is taken over', () => {
    const p = agreedWithLine();
    expectOk(apply(p.donating, akmTr({ lines: [{ lineId: LINE }, { contractNumber: '1234567890' }] }), ctx('in')));
  });

  it('another line is refused with ABBM-TR: 8146 / 8145 when named elsewhere (or nothing is known), 8144 / 8143 when unknown', () => {
    const p = agreedWithLine();
    const stray = akmTr({ lines: [{ lineId: 'DEU.EKPB.OTHER0001' }] });
    expect(expectRefused(apply(p.donating, stray, ctx('in'))).reply).toMatchObject({ type: 'ABBM-TR', code: '8146' });
    const none = { lineIds: [], contractNumbers: [] };
    expect(expectRefused(apply(p.donating, stray, { ...ctx('in'), linesOfOtherCases: none })).reply).toMatchObject({ code: '8144' });
    const contract = akmTr({ lines: [{ contractNumber: '9999999999' }] });
    expect(expectRefused(apply(p.donating, contract, { ...ctx('in'), linesOfOtherCases: { lineIds: [], contractNumbers: ['9999999999'] } })).reply).toMatchObject({ code: '8145' });
    expect(expectRefused(apply(p.donating, contract, { ...ctx('in'), linesOfOtherCases: none })).reply).toMatchObject({ code: '8143' });
  });

  it('with akmTrChecks "event" the AKM-TR is accepted and the finding is an effect for the CRM', () => {
    const p = agreedWithLine();
    const d = expectOk(apply(p.donating, akmTr({ lines: [{ lineId: 'DEU.EKPB.OTHER0001' }] }), { ...ctx('in'), akmTrChecks: 'event' }));
    expect(d.state.state).toBe('TR_NOTIFIED');
    expect(d.effects).toContainEqual(expect.objectContaining({ kind: 'akm-tr-finding', code: '8146', path: '/lines/0/lineId' }));
  });

  it('the EKPauf is not held to it when sending (only the EKPabg knows its lines)', () => {
    const p = agreedWithLine();
    expectOk(apply(p.recipient, akmTr({ lines: [{ lineId: 'DEU.EKPB.OTHER0001' }] }), ctx('out')));
  });
});

describe('received RUEM-VA content → clarification effects', () => {
  it('before the KWT, numbers not requested, an ADA code correcting another attribute', () => {
    const p = Pair.open();
    const m = ruemVa('VA-KUE-MRN', {
      switchDate: '2026-12-15',
      positions: [{ code: '8001' }, { code: '8104', corrected: { field: 'city', value: 'Muenchen' } }],
      numbers: { kind: 'single', list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }, { areaCode: '89', number: '7777777', pkiAbg: 'D123' }] },
    });
    const d = expectOk(apply(p.recipient, m, ctx('in')));
    expect(d.state.state).toBe('AGREED');
    const findings = d.effects.flatMap((e) => (e.kind === 'clarification' ? [e.finding] : []));
    expect(findings.sort()).toEqual(['SG_ADA_MISMATCH', 'SG_DATE_BEFORE_KWT', 'SG_NUMBERS_NOT_REQUESTED']);
  });

  it('a clean RUEM-VA raises none', () => {
    const p = Pair.open();
    const d = expectOk(apply(p.recipient, ruemVa(), ctx('in')));
    expect(d.effects.filter((e) => e.kind === 'clarification')).toEqual([]);
  });
});

describe('successor matching (successor.ts)', () => {
  function replacedCase(): WbciCaseState {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(storno('STR-AEN', 'auf'));
    p.send(erlm('STR-AEN', 'auf'));
    return p.donating;
  }
  const dctx = { calendar, rules: defaultWbciRules };

  it('full identifying data and one waiting case: linked', () => {
    const pred = replacedCase();
    const m = matchSuccessor(va('VA-KUE-MRN', { vaId: VA_ID_2 }), [pred], NOW, dctx);
    expect(m).toEqual({ kind: 'linked', predecessor: pred });
  });

  it('same customer, another line: ambiguous, for the CRM', () => {
    const pred = replacedCase();
    const second = va('VA-KUE-MRN', { vaId: VA_ID_2, numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '2222222' }] } } as never);
    expect(matchSuccessor(second, [pred], NOW, dctx)).toMatchObject({ kind: 'ambiguous', candidates: [pred.vaId] });
  });

  it('two identical waiting cases: ambiguous; another customer: none; after the window: none', () => {
    const pred = replacedCase();
    const twin = { ...pred, vaId: 'DEU.EKPA.V000000009' };
    const next = va('VA-KUE-MRN', { vaId: VA_ID_2 });
    expect(matchSuccessor(next, [pred, twin], NOW, dctx)).toMatchObject({ kind: 'ambiguous', candidates: [pred.vaId, twin.vaId] });
    const stranger = va('VA-KUE-MRN', { vaId: VA_ID_2, customer: { kind: 'person', salutation: 'Frau', lastName: 'Andere' } } as never);
    expect(matchSuccessor(stranger, [pred], NOW, dctx)).toEqual({ kind: 'none' });
    expect(matchSuccessor(next, [pred], new Date('2026-12-31T08:00:00Z'), dctx)).toEqual({ kind: 'none' });
  });
});
