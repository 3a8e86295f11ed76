import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { donorOf, npNotices } from '../../../src/protocols/agcom/number-portability.js';
import { Pair, request, ORDER } from './fixtures.js';

const RULES = { defaultDonor: 'TIM', ranges: [{ prefix: '06', donor: 'OLB' }, { prefix: '0692', donor: 'OLC' }] };
const AT = '2026-12-01T09:00:00.000Z';
const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(new URL('../../../schemas/agcom/np-notice.json', import.meta.url), 'utf8')) as object);

describe('number portability (N11)', () => {
  it('donorOf: the longest matching prefix, else the default, else unknown', () => {
    expect(donorOf('069234552', RULES)).toBe('OLC');
    expect(donorOf('061234567', RULES)).toBe('OLB');
    expect(donorOf('021234567', RULES)).toBe('TIM');
    expect(donorOf('021234567', { ranges: RULES.ranges })).toBeUndefined();
  });

  it('one notice per Donor, the Recipient\'s own numbers and unknown ones left out; schema-valid', () => {
    const p = Pair.open(request({ numbers: ['069234552', '061234567', '061234568', '0211111111', '0311111111'] }));
    const rules = { ranges: [...RULES.ranges, { prefix: '02', donor: 'OLA' }] };
    const { notices, unknown } = npNotices(p.recipient, '01', { rules, at: AT });
    expect(unknown).toEqual(['0311111111']);
    expect(notices).toEqual([
      { codiceOperatoreRec: 'OLA', codiceOperatoreDonor: 'OLC', codiceOrdineWHS: ORDER, idNotifica: `${ORDER}:01:OLC`, dataNotifica: AT, tipoNotifica: '01', numerazioni: ['069234552'] },
      { codiceOperatoreRec: 'OLA', codiceOperatoreDonor: 'OLB', codiceOrdineWHS: ORDER, idNotifica: `${ORDER}:01:OLB`, dataNotifica: AT, tipoNotifica: '01', numerazioni: ['061234567', '061234568'] },
    ]);
    for (const n of notices) expect(validate(n), JSON.stringify(validate.errors)).toBe(true);
  });

  it('execution / KO quote the provider\'s order id when it fits the field, and a note', () => {
    const p = Pair.open();
    const done = npNotices(p.recipient, '02', { rules: RULES, at: AT, wholesaleOrderId: 'WHS-42' }).notices[0]!;
    expect(done).toMatchObject({ tipoNotifica: '02', codiceOrdineWHS: 'WHS-42', idNotifica: `${ORDER}:02:OLC` });
    const ko = npNotices(p.recipient, '03', { rules: RULES, at: AT, wholesaleOrderId: 'x'.repeat(19), note: 'wholesale order failed' }).notices[0]!;
    expect(ko).toMatchObject({ tipoNotifica: '03', codiceOrdineWHS: ORDER, note: 'wholesale order failed' });
    expect(validate(ko)).toBe(true);
  });
});
