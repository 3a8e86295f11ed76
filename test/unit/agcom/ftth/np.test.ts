/** The pure number-portability decisions of the FTTH model (italy.md §10.3 N11/N13). */
import { describe, expect, it } from 'vitest';
import { checkMessage } from '../../../../src/protocols/agcom/ftth/codec.js';
import { comparableNumber, n11Of, releaseRefusals } from '../../../../src/protocols/agcom/ftth/np.js';
import type { NpNotice } from '../../../../src/protocols/agcom/number-portability.js';

const notice = (numbers: string[], extra: Partial<NpNotice> = {}): NpNotice => ({
  codiceOperatoreRec: 'OLA',
  codiceOperatoreDonor: 'OLB',
  codiceOrdineWHS: 'OLA_V000000001',
  idNotifica: 'OLA_V000000001:01:OLB',
  dataNotifica: '2026-12-01T08:00:00.000Z',
  tipoNotifica: '01',
  numerazioni: numbers,
  ...extra,
});

describe('n11Of', () => {
  it('one valid N11 per 10 numbers, later ones with a numbered idNotifica', () => {
    const numbers = Array.from({ length: 23 }, (_, i) => `0692345${String(i).padStart(2, '0')}`);
    const out = n11Of(notice(numbers, { note: 'wholesale order failed' }));
    expect(out.map((m) => [m.idNotifica, (m.numerazioni as string[]).length])).toEqual([
      ['OLA_V000000001:01:OLB', 10],
      ['OLA_V000000001:01:OLB:2', 10],
      ['OLA_V000000001:01:OLB:3', 3],
    ]);
    for (const m of out) expect(checkMessage('N11', m)).toBeUndefined();
    expect(out[2]).toMatchObject({ codiceOperatoreRec: 'OLA', codiceOrdineWHS: 'OLA_V000000001', tipoNotifica: '01', note: 'wholesale order failed' });
  });

  it('a notice without numbers is one N11 without numerazioni', () => {
    const [only, ...rest] = n11Of(notice([]));
    expect(rest).toEqual([]);
    expect(only).not.toHaveProperty('numerazioni');
    expect(checkMessage('N11', only!)).toBeUndefined();
  });
});

describe('comparableNumber', () => {
  it.each([
    ['069234552', '069234552'],
    ['+39 06 9234552', '069234552'],
    ['0039069234552', '069234552'],
    ['+39 333 1234567', '3331234567'],
    ['3331234567', '3331234567'],
  ])('%s → %s', (input, out) => expect(comparableNumber(input)).toBe(out));
});

describe('releaseRefusals', () => {
  const rules = { defaultDonor: 'TIM', ranges: [{ prefix: '0692', donor: 'OLB' }, { prefix: '06929', donor: 'OLC' }] };
  const ctx = { self: 'OLB', rules };

  it('nothing for a 03 or without numbers', () => {
    expect(releaseRefusals('03', ['069299999'], ctx)).toEqual([]);
    expect(releaseRefusals('01', [], { ...ctx, case: { id: 'X', numbers: [], closed: 'cancelled' } })).toEqual([]);
  });

  it('a cancelled or refused migration: every number, one reason', () => {
    expect(releaseRefusals('02', ['069234552', '069234553'], { ...ctx, case: { id: 'OLA_1', numbers: ['069234552'], closed: 'cancelled' } })).toEqual([
      { code: '202', reason: 'the migration OLA_1 was cancelled', numbers: ['069234552', '069234553'] },
    ]);
  });

  it('another operator\'s range (longest prefix; defaultDonor does not count), then numbers not on the migration', () => {
    const out = releaseRefusals('01', ['069299999', '+39 06 9234552', '069111111', '021234567'], { ...ctx, case: { id: 'OLA_1', numbers: ['069234552', '021234567'] } });
    expect(out).toEqual([
      { code: '203', reason: "not a number of OLB: its range is OLC's", numbers: ['069299999'] },
      { code: '201', reason: 'not among the numbers of the migration OLA_1', numbers: ['069111111'] },
    ]);
  });

  it('without a matching migration only the ranges decide', () => {
    expect(releaseRefusals('01', ['069111111', '021234567', '069299999'], ctx)).toEqual([{ code: '203', reason: "not a number of OLB: its range is OLC's", numbers: ['069299999'] }]);
  });
});
