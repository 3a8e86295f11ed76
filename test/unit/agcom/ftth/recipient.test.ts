import { describe, expect, it } from 'vitest';
import { applyOrderEvent, newOrder, type FtthOrder } from '../../../../src/protocols/agcom/ftth/machine.js';
import { buildN1, buildN2, buildN3, ftthIntakeIssues, genericState, type RecipientSettings } from '../../../../src/protocols/agcom/ftth/recipient.js';
import { checkMessage } from '../../../../src/protocols/agcom/ftth/codec.js';
import { apply, completeByNetwork, openCase } from '../../../../src/protocols/agcom/machine.js';
import type { AgcomCaseState } from '../../../../src/protocols/agcom/case-state.js';
import { attivazione, ctx, expectOk, formal, managerialOk, NOW, request, SESSION } from '../fixtures.js';

const SETTINGS: RecipientSettings = {
  operatorCode: 'OLA',
  networkOperatorCode: 'WHS',
  technicalContact: { surname: 'Bianchi', phone: '0612345678', email: 'noc@ola.example' },
  rimodulazione: { reasonCode: 'CLI', appointmentTime: '09:00:00' },
};
const N = { id: 'OLA-N1-1', at: '2026-12-01T08:00:00.000Z' };
const CONTACT = { phone: '+39 333 123.4567', altPhone: '06/9234552' };

/** A Recipient's case after the managerial OK. */
function validated(req = request()): AgcomCaseState {
  let s = expectOk(openCase(req, 'recipient', ctx('out'))).state;
  s = expectOk(apply(s, formal(), ctx('in'))).state;
  return expectOk(apply(s, managerialOk(), ctx('in'))).state;
}

describe('FTTH Recipient messages (§10.3 N1–N3)', () => {
  it('N1 carries the case: customer phone without separators, technical referent, DATI_MIGRAZIONE, NUMERAZIONI; valid against its table', () => {
    const b = buildN1({ ...validated(), contact: CONTACT }, SETTINGS, N);
    if (!b.ok) throw new Error(JSON.stringify(b.issues));
    expect(b.msg).toMatchObject({
      CODICE_OPERATORE_REC: 'OLA',
      CODICE_OPERATORE_WHS: 'WHS',
      RECAPITO_TELEFONICO_CLIENTE_1: '+393331234567',
      RECAPITO_TELEFONICO_CLIENTE_2: '069234552',
      COGNOME_REFERENTE_TECNICO_OLO: 'Bianchi',
      DATI_MIGRAZIONE: { CODICE_SESSIONE: SESSION, COR: '069234552', COW: '2ZZ', COS: '001' },
      NUMERAZIONI: ['069234552'],
    });
    expect(b.msg).not.toHaveProperty('NOME_REFERENTE_TECNICO_OLO');
    expect(checkMessage('N1', b.msg)).toBeUndefined();
  });

  it('N1 is refused, naming what is missing: configuration, phone, COS (attivazione), an order id too long for 18 characters', () => {
    const s = { ...validated(), contact: CONTACT };
    const none = buildN1({ ...s, contact: undefined }, { ...SETTINGS, networkOperatorCode: undefined, technicalContact: undefined }, N);
    expect(none.ok ? [] : none.issues.map((i) => i.path)).toEqual(['agcom.wholesale.operatorCode', 'agcom.ftth.technicalContact', '/contact/phone']);
    const att = buildN1({ ...s, request: { ...s.request, resources: attivazione().resources } }, SETTINGS, N);
    expect(att.ok ? [] : att.issues.map((i) => i.path)).toEqual(['/request/resources/0/cos']);
    const long = buildN1({ ...s, orderId: 'OLA_0000000000000001' }, SETTINGS, N);
    expect(long.ok ? [] : long.issues).toEqual([expect.objectContaining({ path: 'N1/CODICE_ORDINE_REC', rule: 'length' })]);
  });

  it('N2 and N3 from the order: AZIONE, the appointment in force or the configured one, the reason code', () => {
    const o: FtthOrder = { ...newOrder('OLA_1'), state: 'accettato', codiceOrdineWhs: 'WHS_1', dac: '2026-12-16', appointment: null };
    const n2 = buildN2(o, SETTINGS, N, '1', 'x'.repeat(300));
    expect(n2).toMatchObject({ CODICE_ORDINE_REC: 'OLA_1', AZIONE: '1' });
    expect((n2.MOTIVAZIONE as string).length).toBe(255);
    expect(checkMessage('N2', n2)).toBeUndefined();
    const n3 = buildN3(o, SETTINGS, N, '2026-12-18', 'rimodulazione');
    expect(n3).toMatchObject({ DATA_PREVISTA_ATTIVAZIONE: '2026-12-18', ORARIO_APPUNTAMENTO: '09:00:00', CODICE_MOTIVAZIONE: 'CLI' });
    expect(checkMessage('N3', n3)).toBeUndefined();
    expect(buildN3({ ...o, appointment: '10:30:00' }, SETTINGS, N, '2026-12-18', 'r').ORARIO_APPUNTAMENTO).toBe('10:30:00');
  });

  it('intake: phone required and ≤20 without separators, NOME_CLIENTE ≤20, COGNOME_CLIENTE ≤70 (company name too)', () => {
    expect(ftthIntakeIssues({ customer: { lastName: 'Rossi' }, contact: { phone: '+39 333 1234567' } })).toEqual([]);
    expect(ftthIntakeIssues({ customer: { lastName: 'Rossi' } }).map((i) => [i.path, i.code])).toEqual([['/contact/phone', 'SG_AGCOM_FTTH_CONTACT_REQUIRED']]);
    expect(ftthIntakeIssues({ customer: { lastName: 'Rossi' }, contact: { phone: ' - ' } }).map((i) => i.code)).toEqual(['SG_AGCOM_FTTH_CONTACT_REQUIRED']);
    const issues = ftthIntakeIssues({
      customer: { firstName: 'A'.repeat(21), companyName: 'B'.repeat(71) },
      contact: { phone: '0'.repeat(21), altPhone: '1 '.repeat(21) },
    });
    // a company has no first name on the wire: only its name is checked
    expect(issues.map((i) => i.path)).toEqual(['/contact/phone', '/contact/altPhone', '/customer/companyName']);
    expect(ftthIntakeIssues({ customer: { firstName: 'A'.repeat(21), lastName: 'Rossi' }, contact: { phone: '06 1' } }).map((i) => i.path)).toEqual(['/customer/firstName']);
  });

  it('the generic state shown for each FTTH state; a pending annullamento keeps the one it interrupted', () => {
    expect(genericState('acquisito', 'submitted')).toBe('acknowledged');
    expect(genericState('sospeso', 'accepted')).toBe('suspended');
    expect(genericState('cancelPending', 'accepted')).toBe('accepted');
    expect(['rejectedSync', 'acquisitoKo', 'accettatoKo'].map((s) => genericState(s as never, 'x'))).toEqual(['rejected', 'rejected', 'rejected']);
    expect(genericState('espletatoKo', 'accepted')).toBe('failed');
  });
});

describe('FTTH order machine: the Donor already had its 01 at the managerial OK', () => {
  it('the first Accettato owes no second 01, and a KO on intake owes a 03', () => {
    const acq = { ...newOrder('OLA_1', { npAnnounced: true }), state: 'acquisito' as const, codiceOrdineWhs: 'W' };
    const t = applyOrderEvent(acq, { kind: 'N4', whs: 'W', state: 'accettato', dac: '2026-12-16' });
    expect(t.ok && t.effects).toEqual([{ kind: 'dac', dac: '2026-12-16', by: 'network' }]);
    const ko = applyOrderEvent(newOrder('OLA_1', { npAnnounced: true }), { kind: 'N4', whs: 'W', state: 'acquisitoKo' });
    expect(ko.ok && ko.effects).toEqual([{ kind: 'np', tipoNotifica: '03' }, { kind: 'final', state: 'acquisitoKo' }]);
  });
});

describe('FTTH order machine: the operator confirms our desospensione', () => {
  it('after N2 AZIONE=0 one N4 Accettato with FLAG_DESOSPENSIONE is accepted (the DAC may move); without our N2, or a second time, it is not', () => {
    const sospeso: FtthOrder = { ...newOrder('OLA_1'), state: 'sospeso', codiceOrdineWhs: 'W', dac: '2026-12-16' };
    const resumed = applyOrderEvent(sospeso, { kind: 'N2', azione: '0' });
    if (!resumed.ok) throw new Error(resumed.message);
    expect(resumed.order).toMatchObject({ state: 'accettato', resumeRequested: true });
    const confirm = { kind: 'N4' as const, whs: 'W', state: 'accettato' as const, desospensione: true, dac: '2026-12-18' };
    const confirmed = applyOrderEvent(resumed.order, confirm);
    if (!confirmed.ok) throw new Error(confirmed.message);
    expect(confirmed.order).toEqual({ ...sospeso, state: 'accettato', dac: '2026-12-18' });
    expect(applyOrderEvent(confirmed.order, confirm)).toMatchObject({ ok: false, reason: 'wrongState' });
    const accettato: FtthOrder = { ...sospeso, state: 'accettato' };
    expect(applyOrderEvent(accettato, confirm)).toMatchObject({ ok: false, reason: 'wrongState' });
  });
});

describe('AGCOM case completed by the network operator (N7 OK)', () => {
  it('VALIDATED → COMPLETED now; any other state is left alone', () => {
    const d = completeByNetwork(validated(), NOW);
    expect(d).toMatchObject({ ok: true, state: { state: 'COMPLETED', closedAt: NOW.toISOString() }, effects: [{ kind: 'closed', state: 'COMPLETED' }] });
    expect(completeByNetwork(expectOk(openCase(request(), 'recipient', ctx('out'))).state, NOW)).toBeNull();
  });
});
