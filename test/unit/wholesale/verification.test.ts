import { describe, expect, it } from 'vitest';
import { tick } from '../../../src/protocols/wbci/machine.js';
import { decideVerification, nationalSignificantNumber, VERIFICATION_CODES, wbciVerificationSubject, type VerificationSubject } from '../../../src/wholesale/verification.js';
import { checkWholesale } from '../../../src/wholesale/schemas.js';
import { abbmTr, abbmVa, akmTr, BLOCK, Case, erlmStorno, mctx, ruemVa, strAen, strAuf, VA_ID } from './fixtures.js';

const verify = (c: Case, numbers: string[] = []) => decideVerification(wbciVerificationSubject(c.state), { id: VA_ID, numbers });

describe('nationalSignificantNumber', () => {
  it.each([
    ['0891234567', '891234567'],
    ['089 1234567', '891234567'],
    ['089/123-4567', '891234567'],
    ['+49 89 1234567', '891234567'],
    ['0049891234567', '891234567'],
    ['891234567', '891234567'],
    ['(089) 1234567', '891234567'],
  ])('%s → %s', (raw, nsn) => expect(nationalSignificantNumber(raw)).toBe(nsn));

  it.each(['+43 1 234567', '00431234567', '00', '0', '+49', 'abc'])('%s is not a German number', (raw) => expect(nationalSignificantNumber(raw)).toBeUndefined());
});

describe('decideVerification on the donating side (WBCI)', () => {
  it('OK for an agreed RRNP with matching numbers, in any notation, and with none', () => {
    const c = new Case('VA-RRNP', 'donating').step(ruemVa('VA-RRNP'));
    expect(verify(c, ['0891234567', '+49 89 1234568'])).toEqual({ result: 'OK' });
    expect(verify(c, [])).toEqual({ result: 'OK' });
  });

  it('NUMBERS_MISMATCH when one number is not agreed', () => {
    const c = new Case('VA-RRNP', 'donating').step(ruemVa('VA-RRNP'));
    expect(verify(c, ['0891234567', '0891234569'])).toEqual({ result: 'KO', code: 'NUMBERS_MISMATCH', message: `0891234569 is not among the numbers agreed for ${VA_ID}` });
    expect(verify(c, ['+43 1 234567'])).toEqual({ result: 'KO', code: 'NUMBERS_MISMATCH', message: '"+43 1 234567" is not a national number' });
  });

  it('number blocks: the base number, the operator position and extensions inside a block', () => {
    const c = new Case('VA-RRNP', 'donating', BLOCK).step(ruemVa('VA-RRNP', {}, BLOCK));
    expect(verify(c, ['089547084', '0895470840', '08954708400', '08954708449'])).toEqual({ result: 'OK' });
    expect(verify(c, ['08954708450'])).toMatchObject({ result: 'KO', code: 'NUMBERS_MISMATCH' });
    expect(verify(c, ['0895470844'])).toMatchObject({ result: 'KO', code: 'NUMBERS_MISMATCH' });
  });

  it('KUE: agreed only with the AKM-TR received and not rejected', () => {
    const c = new Case('VA-KUE-MRN', 'donating').step(ruemVa('VA-KUE-MRN'));
    expect(verify(c)).toEqual({ result: 'KO', code: 'NOT_AGREED', message: `${VA_ID} is not agreed: no AKM-TR was received` });
    c.step(akmTr());
    expect(verify(c, ['0891234567'])).toEqual({ result: 'OK' });
    c.step(abbmTr());
    expect(verify(c)).toEqual({ result: 'KO', code: 'NOT_AGREED', message: `${VA_ID} is not agreed: the AKM-TR was rejected (ABBM-TR)` });
  });

  it('KUE-ORN: no numbers agreed, so any number asked about is a mismatch', () => {
    const c = new Case('VA-KUE-ORN', 'donating').step(ruemVa('VA-KUE-ORN')).step(akmTr(true, 'VA-KUE-ORN'));
    expect(verify(c)).toEqual({ result: 'OK' });
    expect(verify(c, ['0891234567'])).toMatchObject({ result: 'KO', code: 'NUMBERS_MISMATCH' });
  });

  it('NOT_AGREED before the answer and after a rejection', () => {
    expect(verify(new Case('VA-RRNP', 'donating'))).toEqual({ result: 'KO', code: 'NOT_AGREED', message: `${VA_ID} is not agreed: the VA has not been answered` });
    expect(verify(new Case('VA-RRNP', 'donating').step(abbmVa('VA-RRNP')))).toEqual({ result: 'KO', code: 'NOT_AGREED', message: `${VA_ID} is not agreed: the VA was rejected (ABBM)` });
  });

  it('CANCELLED after an agreed STR-AUF or STR-AEN; an open Storno still verifies', () => {
    const c = new Case('VA-RRNP', 'donating').step(ruemVa('VA-RRNP')).step(strAuf());
    expect(verify(c)).toEqual({ result: 'OK' });
    c.step(erlmStorno('STR-AUF'));
    expect(verify(c)).toEqual({ result: 'KO', code: 'CANCELLED', message: `${VA_ID} was cancelled: STR-AUF agreed (ERLM)` });
    const r = new Case('VA-RRNP', 'donating').step(ruemVa('VA-RRNP')).step(strAen()).step(erlmStorno('STR-AEN'));
    expect(verify(r)).toMatchObject({ result: 'KO', code: 'CANCELLED' });
  });

  it('EXPIRED once the case completed after its Wechseltermin', () => {
    const c = new Case('VA-RRNP', 'donating').step(ruemVa('VA-RRNP'));
    const d = tick(c.state, mctx('in', new Date('2026-12-19T08:00:00Z')));
    if (!d?.ok) throw new Error('no completion');
    c.state = d.state;
    expect(verify(c)).toEqual({ result: 'KO', code: 'EXPIRED', message: `${VA_ID} is no longer valid: the Wechseltermin 2026-12-15 has passed and the case is closed` });
  });

  it('UNKNOWN_ID for no case and for a case where this gateway is the recipient', () => {
    expect(decideVerification(undefined, { id: 'DEU.X.V1', numbers: [] })).toEqual({ result: 'KO', code: 'UNKNOWN_ID', message: 'no phase 2 with id DEU.X.V1 is known on the donating side' });
    const ours = new Case('VA-RRNP', 'recipient').step(ruemVa('VA-RRNP'));
    expect(verify(ours)).toMatchObject({ result: 'KO', code: 'UNKNOWN_ID' });
  });

  it('is procedure-neutral: a subject from another procedure decides the same way', () => {
    const subject: VerificationSubject = { id: 'OLO_123', role: 'donating', status: 'agreed', detail: 'Fase 2 OK', numbers: { kind: 'single', list: ['301234567'] } };
    expect(decideVerification(subject, { id: 'OLO_123', numbers: ['030 1234567'] })).toEqual({ result: 'OK' });
    expect(decideVerification({ ...subject, status: 'expired', detail: 'session code expired' }, { id: 'OLO_123', numbers: [] })).toEqual({
      result: 'KO',
      code: 'EXPIRED',
      message: 'OLO_123 is no longer valid: session code expired',
    });
  });

  it('every answer matches schemas/wholesale/verification-response.json, and the schema lists exactly the codes', () => {
    const subject: VerificationSubject = { id: 'X', role: 'donating', status: 'agreed', detail: '', numbers: null };
    expect(checkWholesale('verificationResponse', decideVerification(subject, { id: 'X', numbers: [] }))).toEqual([]);
    for (const code of VERIFICATION_CODES) expect(checkWholesale('verificationResponse', { result: 'KO', code, message: 'm' })).toEqual([]);
    expect(checkWholesale('verificationResponse', { result: 'KO', code: 'OTHER' })).not.toEqual([]);
  });
});
