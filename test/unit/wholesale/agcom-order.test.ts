/**
 * Phase 3 for AGCOM (italy.md §10): when the order is due, what it carries, and how the
 * Donating answers the provider's verification by codice sessione.
 */
import { describe, expect, it } from 'vitest';
import { agcomOrderReadiness, buildAgcomOrder, verificationQueryOf } from '../../../src/wholesale/order.js';
import { checkWholesale } from '../../../src/wholesale/schemas.js';
import { decodeWholesaleSoap, encodeWholesaleSoap } from '../../../src/wholesale/soap.js';
import { agcomVerificationSubject, decideVerification, italianNumber } from '../../../src/wholesale/verification.js';
import type { AgcomCaseState } from '../../../src/protocols/agcom/case-state.js';
import { attivazione, calendar, cancellation, DAC, dec, managerialKo, managerialOk, NEW_DAC, NOW, ORDER, Pair, reschedule, SESSION } from '../agcom/fixtures.js';

const CARRIERS: Record<string, string> = { OLA: 'ITA.OLA', OLB: 'ITA.OLB', TIM: 'ITA.TIM' };
const carrierOf = (op: string) => CARRIERS[op];
const ready = (s: AgcomCaseState, now: Date = NOW) => agcomOrderReadiness(s, { now, calendar });

function validated(p: Pair = Pair.open(), over: Parameters<typeof managerialOk>[0] = {}): Pair {
  p.send(managerialOk(over));
  return p;
}

describe('agcomOrderReadiness', () => {
  it('due once the managerial OK with its CodiceSessione arrived, not before', () => {
    const p = Pair.open();
    expect(ready(p.recipient)).toMatchObject({ due: false, code: 'SG_WHOLESALE_PHASE2_PENDING' });
    validated(p);
    expect(ready(p.recipient)).toEqual({ due: true });
  });

  it('only the Recipient orders', () => {
    expect(ready(validated().donating)).toMatchObject({ due: false, code: 'SG_WHOLESALE_NOT_RECIPIENT' });
  });

  it('never after a managerial KO, an accepted annullamento, or once the DAC has passed', () => {
    const ko = Pair.open();
    ko.send(managerialKo());
    expect(ready(ko.recipient)).toMatchObject({ due: false, code: 'SG_WHOLESALE_PHASE2_REJECTED' });

    const cancelled = validated();
    cancelled.send(cancellation());
    expect(cancelled.recipient.state).toBe('CANCELLED');
    expect(ready(cancelled.recipient)).toMatchObject({ due: false, code: 'SG_WHOLESALE_PHASE2_CANCELLED' });

    const v = validated();
    expect(ready(v.recipient, dec(16, 20))).toEqual({ due: true });
    expect(ready(v.recipient, dec(17, 9))).toMatchObject({ due: false, code: 'SG_WHOLESALE_SWITCH_DATE_PASSED', message: `the DAC ${DAC} has passed` });
  });

  it('an open annullamento holds the order back; an open rimodulazione does not', () => {
    const v = validated();
    const open = { ...v.recipient, openChange: { kind: 'ANNULLAMENTO' as const, at: NOW.toISOString() } };
    expect(ready(open)).toMatchObject({ due: false, code: 'SG_WHOLESALE_STORNO_OPEN' });
    const resched = { ...v.recipient, openChange: { kind: 'RIMODULAZIONE' as const, dac: NEW_DAC, at: NOW.toISOString() } };
    expect(ready(resched)).toEqual({ due: true });
  });
});

describe('buildAgcomOrder', () => {
  it('a migrazione: session code, COW, COR/COS, numbers and the DAC; schema-valid REST and SOAP', () => {
    const built = buildAgcomOrder(validated().recipient, { carrierOf });
    expect(built).toEqual({
      ok: true,
      basis: 'migrazione: the access (COR 069234552) moves to the recipient',
      order: {
        externalId: ORDER,
        orderType: 'PROVIDERWECHSEL',
        requestedCompletionDate: DAC,
        buyer: 'ITA.OLA',
        donatingProvider: 'ITA.OLB',
        preCoordination: {
          procedure: 'agcom',
          id: ORDER,
          businessCase: 'migrazione',
          sessionCode: SESSION,
          cow: '2ZZ',
          resources: [{ cor: '069234552', cos: '001' }],
          directoryNumbers: ['069234552'],
        },
        customer: { kind: 'person', firstName: 'Mario', lastName: 'Rossi' },
      },
    });
    if (!built.ok) throw new Error('unreachable');
    expect(checkWholesale('order', built.order)).toEqual([]);
    const decoded = decodeWholesaleSoap(encodeWholesaleSoap('placeOrder', built.order));
    expect(decoded).toEqual({ ok: true, op: 'placeOrder', body: built.order });
    expect(verificationQueryOf(built.order)).toEqual({ id: SESSION, numbers: ['069234552'] });
  });

  it('an attivazione towards TIM: the codice segreto, no COS; a company without first name', () => {
    const p = validated(Pair.open(attivazione({ customer: { lastNameOrCompany: 'Rossi SRL' } })), { procedure: 'attivazione', donating: 'TIM', sender: 'TIM' });
    const built = buildAgcomOrder(p.recipient, { carrierOf });
    if (!built.ok) throw new Error(JSON.stringify(built.issues));
    expect(built.order).toMatchObject({
      donatingProvider: 'ITA.TIM',
      preCoordination: { businessCase: 'attivazione', cow: 'X7K', resources: [{ cor: '0612345678' }], directoryNumbers: ['0612345678'] },
      customer: { kind: 'company', companyName: 'Rossi SRL' },
    });
    expect(checkWholesale('order', built.order)).toEqual([]);
  });

  it('follows an accepted rimodulazione', () => {
    const p = validated();
    p.send(reschedule());
    const built = buildAgcomOrder(p.recipient, { carrierOf });
    expect(built.ok && built.order.requestedCompletionDate).toBe(NEW_DAC);
  });

  it('refuses without a carrier code for an operator, naming the field', () => {
    const built = buildAgcomOrder(validated().recipient, { carrierOf: (op) => (op === 'OLA' ? 'ITA.OLA' : undefined) });
    expect(built).toEqual({
      ok: false,
      issues: [{ path: '/donating', rule: 'required', code: 'SG_WHOLESALE_ORDER_INCOMPLETE', message: 'no carrier code is known for the operator OLB' }],
    });
  });
});

describe('verification of an AGCOM case (by codice sessione)', () => {
  const ask = (s: AgcomCaseState | undefined, numbers: string[] = ['069234552']) =>
    decideVerification(s ? agcomVerificationSubject(s) : undefined, { id: SESSION, numbers }, italianNumber);

  it('OK for the Donating of a validated case, numbers in any common form', () => {
    const d = validated().donating;
    expect(ask(d)).toEqual({ result: 'OK' });
    expect(ask(d, ['+39 06 9234552', '0039069234552', '06-9234552'])).toEqual({ result: 'OK' });
    expect(ask(d, [])).toEqual({ result: 'OK' });
  });

  it('KO with the precise code otherwise', () => {
    expect(ask(undefined)).toEqual({ result: 'KO', code: 'UNKNOWN_ID', message: `no phase 2 with id ${SESSION} is known on the donating side` });
    expect(ask(validated().recipient)).toMatchObject({ result: 'KO', code: 'UNKNOWN_ID' });
    expect(ask(Pair.open().donating)).toMatchObject({ result: 'KO', code: 'NOT_AGREED' });
    const c = validated();
    c.send(cancellation());
    expect(ask(c.donating)).toEqual({ result: 'KO', code: 'CANCELLED', message: `${SESSION} was cancelled: annullamento accepted` });
    const done = { ...validated().donating, state: 'COMPLETED' as const };
    expect(ask(done)).toMatchObject({ result: 'KO', code: 'EXPIRED' });
    expect(ask(validated().donating, ['069234553'])).toEqual({ result: 'KO', code: 'NUMBERS_MISMATCH', message: `069234553 is not among the numbers agreed for ${SESSION}` });
    expect(ask(validated().donating, ['+49 89 1234567'])).toMatchObject({ result: 'KO', code: 'NUMBERS_MISMATCH' });
  });

  it('EXPIRED once the codice sessione is past its validity, with the date in the reason', () => {
    const until = new Date('2026-12-31T22:59:59.999Z');
    const at = (now: string) => decideVerification(agcomVerificationSubject(validated().donating, until, new Date(now)), { id: SESSION, numbers: [] }, italianNumber);
    expect(at('2026-12-31T22:59:59.999Z')).toEqual({ result: 'OK' });
    expect(at('2026-12-31T23:00:00.000Z')).toEqual({
      result: 'KO',
      code: 'EXPIRED',
      message: `${SESSION} is no longer valid: the codice sessione expired on 2026-12-31T22:59:59.999Z (deadlines.agcom.sessionCodeValidityDays)`,
    });
  });

  it('italianNumber keeps the leading 0 and drops the international prefix', () => {
    expect(italianNumber('+39 06 1234567')).toBe('061234567');
    expect(italianNumber('0039 333 1234567')).toBe('3331234567');
    expect(italianNumber('(06) 123.4567')).toBe('061234567');
    expect(italianNumber('+49 89 1234567')).toBeUndefined();
    expect(italianNumber('06')).toBeUndefined();
  });
});
