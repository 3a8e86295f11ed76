import { describe, expect, it } from 'vitest';
import type { AgcomCaseState } from '../../../src/protocols/agcom/case-state.js';
import { lineKeyOf, lineKeys } from '../../../src/protocols/agcom/fields.js';
import {
  allowedMessages,
  apply,
  explainRefusal,
  formalAnswer,
  messageKind,
  MESSAGE_KINDS,
  nextTimedTransitionAt,
  openCase,
  refuseDuplicate,
  tick,
  TRANSITIONS,
  unknownCowOwner,
} from '../../../src/protocols/agcom/machine.js';
import { defaultAgcomRules } from '../../../src/protocols/agcom/rules.js';
import {
  attivazione,
  calendar,
  cancellation,
  ctx,
  DAC,
  dec,
  DON,
  expectOk,
  expectRefused,
  firstError,
  formal,
  managerialKo,
  managerialOk,
  NEW_DAC,
  NOW,
  ORDER,
  Pair,
  REC,
  request,
  reschedule,
  SESSION,
  TIM,
} from './fixtures.js';

const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

/** The Recipient's case right after sending, before any answer. */
const sentOnly = (): AgcomCaseState => expectOk(openCase(request(), 'recipient', ctx('out'))).state;

describe('openCase', () => {
  it('Recipient: sending a request opens AWAITING_FORMAL', () => {
    const d = expectOk(openCase(request(), 'recipient', ctx('out')));
    expect(d.reply).toBeNull();
    expect(d.warnings).toEqual([]);
    expect(d.state).toMatchObject({
      orderId: ORDER,
      procedure: 'migrazione',
      role: 'recipient',
      recipient: REC,
      donating: DON,
      state: 'AWAITING_FORMAL',
      requestedAt: NOW.toISOString(),
      formalAt: null,
      managerialAt: null,
      dac: DAC,
      sessionCode: null,
      rejection: null,
      openChange: null,
      changes: [],
      lineKeys: ['OLB/069234552'],
    });
    expect(d.effects).toEqual([{ kind: 'case-opened', orderId: ORDER, procedure: 'migrazione', dac: DAC, lineKeys: ['OLB/069234552'] }]);
  });

  it('Donating: receiving a request decides the formal validation and answers xml2 OK', () => {
    const d = expectOk(openCase(request(), 'donating', ctx('in')));
    expect(d.state).toMatchObject({ role: 'donating', state: 'AWAITING_MANAGERIAL', formalAt: NOW.toISOString() });
    expect(d.effects).toEqual([
      { kind: 'case-opened', orderId: ORDER, procedure: 'migrazione', dac: DAC, lineKeys: ['OLB/069234552'] },
      { kind: 'formal-validated', result: 'OK' },
    ]);
    expect(d.reply).toEqual({
      type: 'VALIDAZIONE_FORMALE',
      answers: 'RICHIESTA',
      result: 'OK',
      recipient: REC,
      donating: DON,
      sender: DON,
      orderId: ORDER,
      procedure: 'migrazione',
      secret: '2ZZ',
      resources: [{ cor: '069234552', cos: '001' }],
    });
  });

  it('attivazione with TIM retail as Donating: the codice segreto and the number, no COS', () => {
    const d = expectOk(openCase(attivazione(), 'donating', ctx('in')));
    expect(d.state).toMatchObject({ procedure: 'attivazione', donating: TIM, state: 'AWAITING_MANAGERIAL', lineKeys: ['TIM/0612345678'] });
    expect(d.reply).toMatchObject({ result: 'OK', answers: 'RICHIESTA', procedure: 'attivazione', secret: 'X7K', resources: [{ cor: '0612345678' }] });
  });

  it('refuses the wrong direction for the role, without a reply', () => {
    const d = expectRefused(openCase(request(), 'recipient', ctx('in')));
    expect(d.reply).toBeNull();
    expect(d.issues).toEqual([
      { path: '', rule: 'directionMatchesRole', code: 'SG_AGCOM_WRONG_DIRECTION', severity: 'error', message: 'a request is sent in role recipient, not received' },
    ]);
    expect(firstError(openCase(request(), 'donating', ctx('out'))).code).toBe('SG_AGCOM_WRONG_DIRECTION');
  });

  it('refuses a request not sent by its Recipient', () => {
    const d = expectRefused(openCase(request({ sender: 'OLC' }), 'donating', ctx('in')));
    expect(d.issues[0]).toMatchObject({ path: '/sender', code: 'SG_AGCOM_WRONG_PARTY' });
    expect(d.reply).toBeNull();
  });

  describe('Donating formal validation: refusals answered with xml2 KO and the category', () => {
    const cases: [string, Parameters<typeof request>[0], string, string, string][] = [
      ['a malformed COW', { secret: '2Z' }, '/secret', 'SG_AGCOM_SECRET_FORMAT', 'FORMATO'],
      ['a COW in no known pool', { secret: 'ZZZ' }, '/secret', 'SG_AGCOM_SECRET_UNKNOWN', 'CODICE_SEGRETO'],
      ['a COW of another operator', { secret: '9QQ', resources: [{ cor: '069234552', cos: '001' }] }, '/secret', 'SG_AGCOM_SECRET_OTHER_OPERATOR', 'CODICE_SEGRETO'],
      ['a wrong check character', { resources: [{ cor: '069234552', cos: '001', checkChar: 'L' }] }, '/resources/0/checkChar', 'SG_AGCOM_CHECK_CHAR', 'FORMATO'],
      ['a COR too short', { resources: [{ cor: '06923', cos: '001' }] }, '/resources/0/cor', 'SG_AGCOM_COR_FORMAT', 'FORMATO'],
      ['a malformed COS', { resources: [{ cor: '069234552', cos: '01' }] }, '/resources/0/cos', 'SG_AGCOM_COS_FORMAT', 'FORMATO'],
      ['no resource', { resources: [] }, '/resources', 'SG_AGCOM_REQUIRED', 'FORMATO'],
      ['three resources', { resources: [{ cor: '069234552' }, { cor: '069234553' }, { cor: '069234554' }] }, '/resources', 'SG_AGCOM_TOO_MANY', 'FORMATO'],
      ['eleven numbers', { numbers: Array.from({ length: 11 }, (_, i) => `0692345${String(i).padStart(2, '0')}`) }, '/numbers', 'SG_AGCOM_TOO_MANY', 'FORMATO'],
      ['a malformed number', { numbers: ['06-923'] }, '/numbers/0', 'SG_AGCOM_NUMBER_FORMAT', 'FORMATO'],
      ['a number twice', { numbers: ['069234552', '069234552'] }, '/numbers/1', 'SG_AGCOM_FORMAT', 'FORMATO'],
      ['no surname', { customer: { lastNameOrCompany: ' ' } }, '/customer/lastNameOrCompany', 'SG_AGCOM_REQUIRED', 'FORMATO'],
      ['a malformed tax code', { customer: { lastNameOrCompany: 'Rossi', taxCode: 'RSSMRA80' } }, '/customer/taxCode', 'SG_AGCOM_FORMAT', 'FORMATO'],
      ['a malformed order id', { orderId: '_bad id' }, '/orderId', 'SG_AGCOM_FORMAT', 'FORMATO'],
      ['an impossible sent date', { sentDate: '2026-02-30' }, '/sentDate', 'SG_AGCOM_FORMAT', 'FORMATO'],
      ['Recipient = Donating', { donating: REC }, '/donating', 'SG_AGCOM_FORMAT', 'FORMATO'],
    ];
    it.each(cases)('%s', (_name, over, path, code, category) => {
      const d = expectRefused(openCase(request(over), 'donating', ctx('in')));
      const e = d.issues.find((i) => i.severity === 'error');
      expect(e).toMatchObject({ path, code });
      expect(d.reply).toMatchObject({ type: 'VALIDAZIONE_FORMALE', answers: 'RICHIESTA', result: 'KO', orderId: d.reply?.orderId, rejection: { category } });
      expect(d.reply?.rejection?.text).toBe(e?.message);
    });

    it('the check character is compared with the expected letter named', () => {
      const d = expectRefused(openCase(request({ resources: [{ cor: '069234552', cos: '001', checkChar: 'L' }] }), 'donating', ctx('in')));
      expect(d.issues[0].message).toBe('check character "L" does not match 2ZZ+069234552: expected K');
    });

    it('a wrong check character is only a warning when configured so', () => {
      const d = expectOk(openCase(request({ resources: [{ cor: '069234552', cos: '001', checkChar: 'L' }] }), 'donating', ctx('in', NOW, { checkCharMismatchIsError: false })));
      expect(codes(d.warnings)).toEqual(['SG_AGCOM_CHECK_CHAR']);
      expect(d.reply?.result).toBe('OK');
    });

    it('an unknown COS is a warning by default and a KO when configured', () => {
      const req = request({ resources: [{ cor: '069234552', cos: 'ZZ9' }] });
      expect(codes(expectOk(openCase(req, 'donating', ctx('in'))).warnings)).toEqual(['SG_AGCOM_COS_UNKNOWN']);
      const d = expectRefused(openCase(req, 'donating', ctx('in', NOW, { unknownCosIsError: true })));
      expect(d.reply?.rejection?.category).toBe('FORMATO');
      expect(d.issues[0].code).toBe('SG_AGCOM_COS_UNKNOWN');
    });

    it('codes without COS are accepted unless configured otherwise', () => {
      const req = request({ resources: [{ cor: '069234552' }] });
      expectOk(openCase(req, 'donating', ctx('in')));
      expect(firstError(openCase(req, 'donating', ctx('in', NOW, { allowCodesWithoutCos: false }))).path).toBe('/resources/0/cos');
    });

    it('attivazione: the number must be digits; a COS is warned about', () => {
      expect(firstError(openCase(attivazione({ resources: [{ cor: '06ABC45678' }] }), 'donating', ctx('in'))).code).toBe('SG_AGCOM_COR_FORMAT');
      const d = expectOk(openCase(attivazione({ resources: [{ cor: '0612345678', cos: '001' }] }), 'donating', ctx('in')));
      expect(codes(d.warnings)).toEqual(['SG_AGCOM_COS_UNEXPECTED']);
    });

    it('a DAC problem received is only a warning: the Donating cannot refuse for it', () => {
      const d = expectOk(openCase(request({ dac: '2026-12-08' }), 'donating', ctx('in')));
      expect(codes(d.warnings)).toEqual(['SG_AGCOM_DAC_LEAD_TIME', 'SG_AGCOM_DAC_NOT_WORKING_DAY']);
    });

    it('a DAC is required when configured', () => {
      const d = expectRefused(openCase(request({ dac: undefined }), 'donating', ctx('in', NOW, { requireDac: true })));
      expect(d.issues[0]).toMatchObject({ path: '/dac', code: 'SG_AGCOM_REQUIRED' });
    });
  });

  describe('Recipient outbound guards', () => {
    it('the DAC needs the minimum lead time', () => {
      const e = firstError(openCase(request({ dac: '2026-12-14' }), 'recipient', ctx('out')));
      expect(e).toEqual({
        path: '/dac',
        rule: 'minLeadWorkingDays',
        code: 'SG_AGCOM_DAC_LEAD_TIME',
        severity: 'error',
        message: 'DAC 2026-12-14 is 8 working day(s) after today (2026-12-01); at least 9 needed',
      });
      expectOk(openCase(request({ dac: '2026-12-15' }), 'recipient', ctx('out')));
    });

    it('the DAC must be an Italian working day', () => {
      const d = expectRefused(openCase(request({ dac: '2026-12-25' }), 'recipient', ctx('out')));
      expect(d.issues).toEqual([
        { path: '/dac', rule: 'workingDay', code: 'SG_AGCOM_DAC_NOT_WORKING_DAY', severity: 'error', message: 'DAC 2026-12-25 is not a working day in Italy' },
      ]);
      expect(d.reply).toBeNull();
      expectOk(openCase(request({ dac: '2026-12-19' }), 'recipient', ctx('out', NOW, { dacMustBeWorkingDay: false })));
    });

    it('a DAC beyond the horizon is warned about', () => {
      const d = expectOk(openCase(request({ dac: '2027-01-15' }), 'recipient', ctx('out')));
      expect(d.warnings).toEqual([
        { path: '/dac', rule: 'maxHorizonDays', code: 'SG_AGCOM_DAC_HORIZON', severity: 'warning', message: 'DAC 2027-01-15 is 45 days ahead; transfers should not take longer than 30 days' },
      ]);
    });

    it('a secret the Recipient cannot place is not its business; one of another operator is', () => {
      const unplaced = request({ secret: 'ZZZ', resources: [{ cor: '069234552', cos: '001' }] });
      expectOk(openCase(unplaced, 'recipient', ctx('out')));
      expectOk(openCase(unplaced, 'recipient', { ...ctx('out'), cowOwner: unknownCowOwner }));
      // the Donating, with the same configuration, refuses it
      expect(expectRefused(openCase(unplaced, 'donating', ctx('in'))).reply?.rejection?.category).toBe('CODICE_SEGRETO');
      expect(firstError(openCase(request({ secret: '9QQ', resources: [{ cor: '069234552' }] }), 'recipient', ctx('out'))).code).toBe('SG_AGCOM_SECRET_OTHER_OPERATOR');
    });
  });

  it('refuseDuplicate: inbound answered KO DUPLICATO, outbound a plain refusal', () => {
    const inbound = refuseDuplicate(request(), { direction: 'in' }, 'OLA_0000000');
    expect(inbound).toEqual({
      ok: false,
      issues: [{ path: '/resources/0/cor', rule: 'oneOpenSwitchPerLine', code: 'SG_AGCOM_DUPLICATE', severity: 'error', message: 'the line already has an open migration (order OLA_0000000)' }],
      reply: formalAnswer(request(), 'KO', { category: 'DUPLICATO', text: 'the line already has an open migration (order OLA_0000000)' }),
    });
    expect(refuseDuplicate(request(), { direction: 'out' }, 'OLA_0000000').reply).toBeNull();
  });
});

describe('lineKeys', () => {
  it('one per resource, normalised, with the Donating', () => {
    expect(lineKeys(request())).toEqual(['OLB/069234552']);
    expect(lineKeys(request({ resources: [{ cor: '06876543', cos: '001' }, { cor: '06876543', cos: '002' }] }))).toEqual(['OLB/06876543']);
    expect(lineKeys(request({ resources: [{ cor: 'ab12cd34' }, { cor: '0612345678' }] }))).toEqual(['OLB/AB12CD34', 'OLB/0612345678']);
    expect(lineKeyOf('tim', '+39 06 1234 5678')).toBe('TIM/0612345678');
  });
});

describe('formal answer (xml2) at the Recipient', () => {
  it('OK → AWAITING_MANAGERIAL', () => {
    const d = expectOk(apply(sentOnly(), formal(), ctx('in')));
    expect(d.state).toMatchObject({ state: 'AWAITING_MANAGERIAL', formalAt: NOW.toISOString() });
    expect(d.effects).toEqual([{ kind: 'formal-validated', result: 'OK' }]);
    expect(d.reply).toBeNull();
  });

  it('KO → REJECTED at the formal stage', () => {
    const d = expectOk(apply(sentOnly(), formal('RICHIESTA', 'KO'), ctx('in')));
    expect(d.state).toMatchObject({ state: 'REJECTED', closedAt: NOW.toISOString(), rejection: { stage: 'formal', category: 'FORMATO', text: 'COW errato' } });
    expect(d.effects).toEqual([
      { kind: 'formal-validated', result: 'KO', rejection: { category: 'FORMATO', text: 'COW errato' } },
      { kind: 'closed', state: 'REJECTED' },
    ]);
  });

  it('a KO without a reason still closes the case, as ALTRO, with a warning', () => {
    const d = expectOk(apply(sentOnly(), formal('RICHIESTA', 'KO', { rejection: undefined }), ctx('in')));
    expect(d.state.rejection).toEqual({ category: 'ALTRO', stage: 'formal' });
    expect(codes(d.warnings)).toEqual(['SG_AGCOM_KO_WITHOUT_REASON']);
  });

  it('is never sent through apply: the Donating gateway sends it itself', () => {
    const don = expectOk(openCase(request(), 'donating', ctx('in'))).state;
    const d = expectRefused(apply(don, formal(), ctx('out')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_FORMAL_AUTOMATIC', rule: 'formalIsAutomatic' });
    expect(d.reply).toBeNull();
  });

  it('a second formal answer is refused', () => {
    const p = Pair.open();
    const d = expectRefused(apply(p.recipient, formal(), ctx('in')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_ALREADY_ANSWERED' });
    expect(d.reply).toBeNull();
  });
});

describe('managerial answer (xml3), decided by the Donating CRM', () => {
  it('OK with CodiceSessione → VALIDATED on both sides', () => {
    const p = Pair.open();
    const { out, in: inn } = p.send(managerialOk());
    expect(expectOk(out).effects).toEqual([{ kind: 'managerial-validated', result: 'OK', sessionCode: SESSION }]);
    expect(expectOk(inn).effects).toEqual([{ kind: 'managerial-validated', result: 'OK', sessionCode: SESSION }]);
    expect(p.recipient).toMatchObject({ state: 'VALIDATED', sessionCode: SESSION, managerialAt: NOW.toISOString() });
    p.expectAgreed();
  });

  it('KO → REJECTED at the managerial stage on both sides', () => {
    const p = Pair.open();
    p.send(managerialKo({ category: 'NUMERAZIONI', text: 'numero non sull’accesso', wrongNumbers: ['069234552'] }));
    expect(p.donating.rejection).toEqual({ stage: 'managerial', category: 'NUMERAZIONI', text: 'numero non sull’accesso', wrongNumbers: ['069234552'] });
    expect(p.recipient.state).toBe('REJECTED');
    p.expectAgreed();
  });

  it('an OK without CodiceSessione is refused both ways', () => {
    const p = Pair.open();
    const out = expectRefused(apply(p.donating, managerialOk({ sessionCode: undefined }), ctx('out')));
    expect(out.issues).toEqual([
      { path: '/sessionCode', rule: 'required', code: 'SG_AGCOM_SESSION_CODE_MISSING', severity: 'error', message: 'a managerial OK must carry the CodiceSessione' },
    ]);
    const inn = expectRefused(apply(p.recipient, managerialOk({ sessionCode: ' ' }), ctx('in')));
    expect(inn.issues[0].code).toBe('SG_AGCOM_SESSION_CODE_MISSING');
    expect(inn.reply).toBeNull();
  });

  it('a session code too long: an error to send, a warning received', () => {
    const p = Pair.open();
    const long = 'S'.repeat(51);
    expect(firstError(apply(p.donating, managerialOk({ sessionCode: long }), ctx('out'))).code).toBe('SG_AGCOM_SESSION_CODE_FORMAT');
    expect(codes(expectOk(apply(p.recipient, managerialOk({ sessionCode: long }), ctx('in'))).warnings)).toEqual(['SG_AGCOM_SESSION_CODE_FORMAT']);
  });

  it('a KO must say why when sent; numbers named must be the request’s', () => {
    const p = Pair.open();
    expect(firstError(apply(p.donating, managerialKo(undefined, { rejection: undefined }), ctx('out'))).code).toBe('SG_AGCOM_REQUIRED');
    const wrong = firstError(apply(p.donating, managerialKo({ category: 'NUMERAZIONI', wrongNumbers: ['0299999999'] }), ctx('out')));
    expect(wrong).toMatchObject({ path: '/rejection/wrongNumbers/0', rule: 'numberOfRequest' });
    expect(firstError(apply(p.donating, managerialKo(undefined, { sessionCode: SESSION }), ctx('out'))).rule).toBe('koWithoutSessionCode');
    expect(firstError(apply(p.donating, managerialKo({ category: 'ALTRO', text: 'x'.repeat(256) }), ctx('out'))).path).toBe('/rejection/text');
    // received, the same problems are warnings and the case still closes
    const d = expectOk(apply(p.recipient, managerialKo(undefined, { rejection: undefined }), ctx('in')));
    expect(d.state.rejection).toEqual({ category: 'ALTRO', stage: 'managerial' });
  });

  it('received before the formal answer it is accepted with a warning', () => {
    const d = expectOk(apply(sentOnly(), managerialOk(), ctx('in')));
    expect(d.state).toMatchObject({ state: 'VALIDATED', formalAt: NOW.toISOString() });
    expect(codes(d.warnings)).toEqual(['SG_AGCOM_FORMAL_ANSWER_MISSING']);
  });

  it('only once', () => {
    const p = Pair.open();
    p.send(managerialOk());
    const d = expectRefused(apply(p.donating, managerialOk(), ctx('out')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_ALREADY_ANSWERED' });
  });

  it('not by the Recipient', () => {
    const p = Pair.open();
    const d = expectRefused(apply(p.recipient, managerialOk({ sender: REC }), ctx('out')));
    expect(d.issues[0]).toMatchObject({ path: '/sender', code: 'SG_AGCOM_WRONG_PARTY', message: 'MANAGERIAL is sent by the donating, not the recipient' });
  });
});

describe('cancellation (annullamento) by the Recipient', () => {
  it('before validation: the Donating cancels and answers OK; both end CANCELLED', () => {
    const p = Pair.open();
    const { out, in: inn } = p.send(cancellation());
    expect(expectOk(out).effects).toEqual([{ kind: 'change-opened', change: { kind: 'ANNULLAMENTO', at: NOW.toISOString() } }]);
    const don = expectOk(inn);
    expect(don.reply).toEqual(formalAnswer(cancellation(), 'OK'));
    expect(don.effects).toEqual([
      { kind: 'change-closed', change: { kind: 'ANNULLAMENTO', at: NOW.toISOString() }, result: 'accepted' },
      { kind: 'closed', state: 'CANCELLED' },
    ]);
    expect(p.recipient).toMatchObject({ state: 'CANCELLED', openChange: null, changes: [{ kind: 'ANNULLAMENTO', result: 'accepted', at: NOW.toISOString() }] });
    p.expectAgreed();
  });

  it('after validation, up to the DAC day included', () => {
    const p = Pair.open();
    p.send(managerialOk());
    p.at(dec(16, 21)).send(cancellation()); // 22:00 Rome on the DAC day
    expect(p.recipient.state).toBe('CANCELLED');
    p.expectAgreed();
  });

  it('from the Recipient before any answer', () => {
    const d = expectOk(apply(sentOnly(), cancellation(), ctx('out')));
    expect(d.state.openChange).toEqual({ kind: 'ANNULLAMENTO', at: NOW.toISOString() });
  });

  it('refused after the DAC: outbound error, inbound answered KO', () => {
    const p = Pair.open();
    p.send(managerialOk());
    const late = dec(16, 23); // 00:00 Rome on 17 Dec
    const out = expectRefused(apply(p.recipient, cancellation(), ctx('out', late)));
    expect(out.issues).toEqual([
      { path: '', rule: 'changeBeforeDac', code: 'SG_AGCOM_AFTER_DAC', severity: 'error', message: 'a cancellation is possible only up to the DAC day 2026-12-16 included' },
    ]);
    expect(out.reply).toBeNull();
    const inn = expectRefused(apply(p.donating, cancellation(), ctx('in', late)));
    expect(inn.reply).toEqual(formalAnswer(cancellation(), 'KO', { category: 'ALTRO', text: 'a cancellation is possible only up to the DAC day 2026-12-16 included' }));
  });

  it('the window ends with the last millisecond of the DAC day in Rome', () => {
    const p = Pair.open();
    expectOk(apply(p.donating, cancellation(), ctx('in', new Date('2026-12-16T22:59:59.999Z'))));
    expect(firstError(apply(p.donating, cancellation(), ctx('in', new Date('2026-12-16T23:00:00.000Z')))).code).toBe('SG_AGCOM_AFTER_DAC');
  });

  it('a configured cut-off before the DAC', () => {
    const p = Pair.open(request(), { cancelCutoffWorkingDaysBeforeDac: 2 });
    const e = firstError(apply(p.recipient, cancellation(), ctx('out', dec(15), { cancelCutoffWorkingDaysBeforeDac: 2 })));
    expect(e.message).toBe('a cancellation is possible only at least 2 working day(s) before the DAC 2026-12-16');
    expectOk(apply(p.recipient, cancellation(), ctx('out', dec(14), { cancelCutoffWorkingDaysBeforeDac: 2 })));
  });

  it('the Donating learns the answer-less case is cancelled; the Recipient sees the KO', () => {
    const p = Pair.open();
    p.send(managerialOk());
    const rec = expectOk(apply(p.recipient, cancellation(), ctx('out'))).state;
    const ko = formal('ANNULLAMENTO', 'KO', { rejection: { category: 'ALTRO', text: 'no' } });
    const d = expectOk(apply(rec, ko, ctx('in')));
    expect(d.state).toMatchObject({ state: 'VALIDATED', openChange: null, changes: [{ kind: 'ANNULLAMENTO', result: 'rejected', rejection: { category: 'ALTRO', text: 'no' } }] });
    expect(d.effects).toEqual([
      { kind: 'change-closed', change: { kind: 'ANNULLAMENTO', at: NOW.toISOString() }, result: 'rejected', rejection: { category: 'ALTRO', text: 'no' } },
    ]);
  });

  it('one change at a time', () => {
    const rec = expectOk(apply(Pair.open().recipient, cancellation(), ctx('out'))).state;
    expect(firstError(apply(rec, reschedule(), ctx('out'))).code).toBe('SG_AGCOM_CHANGE_OPEN');
    expect(firstError(apply(rec, cancellation(), ctx('out'))).code).toBe('SG_AGCOM_CHANGE_OPEN');
  });

  it('refused on a closed case; inbound with a KO answer', () => {
    const p = Pair.open();
    p.send(managerialKo());
    expect(firstError(apply(p.recipient, cancellation(), ctx('out'))).code).toBe('SG_AGCOM_CLOSED');
    const inn = expectRefused(apply(p.donating, cancellation(), ctx('in')));
    expect(inn.reply).toMatchObject({ answers: 'ANNULLAMENTO', result: 'KO', rejection: { category: 'ALTRO' } });
  });

  it('a managerial KO crossing an open cancellation supersedes it', () => {
    const p = Pair.open();
    const rec = expectOk(apply(p.recipient, cancellation(), ctx('out'))).state;
    const d = expectOk(apply(rec, managerialKo(), ctx('in')));
    expect(d.effects[0]).toEqual({ kind: 'change-closed', change: { kind: 'ANNULLAMENTO', at: NOW.toISOString() }, result: 'superseded' });
    expect(d.state.openChange).toBeNull();
  });
});

describe('DAC rescheduling (rimodulazione) by the Recipient', () => {
  it('moves the DAC on both sides', () => {
    const p = Pair.open();
    p.send(managerialOk());
    const { in: inn } = p.send(reschedule());
    const don = expectOk(inn);
    expect(don.effects).toEqual([
      { kind: 'change-closed', change: { kind: 'RIMODULAZIONE', dac: NEW_DAC, at: NOW.toISOString() }, result: 'accepted' },
      { kind: 'dac-changed', from: DAC, to: NEW_DAC },
    ]);
    expect(don.reply).toEqual(formalAnswer(reschedule(), 'OK'));
    expect(p.recipient).toMatchObject({ state: 'VALIDATED', dac: NEW_DAC, openChange: null });
    expect(p.recipient.changes).toEqual([{ kind: 'RIMODULAZIONE', dac: NEW_DAC, result: 'accepted', at: NOW.toISOString() }]);
    p.expectAgreed();
  });

  it('the Recipient applies the new DAC when the OK arrives', () => {
    const rec = expectOk(apply(Pair.open().recipient, reschedule(), ctx('out'))).state;
    expect(rec.dac).toBe(DAC);
    const d = expectOk(apply(rec, formal('RIMODULAZIONE'), ctx('in')));
    expect(d.state.dac).toBe(NEW_DAC);
    expect(d.effects.map((e) => e.kind)).toEqual(['change-closed', 'dac-changed']);
  });

  it('on the DAC day still, not after it', () => {
    const p = Pair.open();
    expectOk(apply(p.recipient, reschedule({ dac: '2026-12-18' }), ctx('out', dec(16))));
    const late = expectRefused(apply(p.donating, reschedule({ dac: '2026-12-22' }), ctx('in', dec(17))));
    expect(late.issues[0].code).toBe('SG_AGCOM_AFTER_DAC');
    expect(late.reply).toMatchObject({ answers: 'RIMODULAZIONE', result: 'KO', rejection: { category: 'ALTRO' } });
  });

  it('the new DAC must be a working day with the minimum lead, both ways', () => {
    const p = Pair.open();
    for (const dir of ['out', 'in'] as const) {
      const state = dir === 'out' ? p.recipient : p.donating;
      expect(firstError(apply(state, reschedule({ dac: '2026-12-08' }), ctx(dir))).code).toBe('SG_AGCOM_DAC_NOT_WORKING_DAY');
      expect(firstError(apply(state, reschedule({ dac: '2026-12-01' }), ctx(dir))).code).toBe('SG_AGCOM_DAC_LEAD_TIME');
    }
    expect(firstError(apply(p.recipient, reschedule({ dac: '2026-13-01' }), ctx('out'))).path).toBe('/dac');
  });

  it('the same DAC again is warned about', () => {
    const d = expectOk(apply(Pair.open().recipient, reschedule({ dac: DAC }), ctx('out')));
    expect(codes(d.warnings)).toEqual(['SG_AGCOM_DAC_UNCHANGED']);
  });

  it('a case without DAC gets one', () => {
    const p = Pair.open(request({ dac: undefined }));
    p.send(reschedule());
    expect(p.donating.dac).toBe(NEW_DAC);
    p.expectAgreed();
  });
});

describe('answers to changes', () => {
  it('none open', () => {
    const d = expectRefused(apply(Pair.open().recipient, formal('ANNULLAMENTO'), ctx('in')));
    expect(d.issues[0]).toMatchObject({ path: '/answers', code: 'SG_AGCOM_NO_OPEN_CHANGE' });
  });

  it('of the other kind', () => {
    const rec = expectOk(apply(Pair.open().recipient, reschedule(), ctx('out'))).state;
    const d = expectRefused(apply(rec, formal('ANNULLAMENTO'), ctx('in')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_WRONG_CHANGE', message: 'the open change is a RIMODULAZIONE, the answer is to a ANNULLAMENTO' });
  });
});

describe('apply: identity guards', () => {
  const don = () => expectOk(openCase(request(), 'donating', ctx('in'))).state;

  it('an unknown sender', () => {
    const d = expectRefused(apply(don(), cancellation({ sender: 'OLC' }), ctx('in')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_UNKNOWN_SENDER' });
    expect(d.reply).toBeNull();
  });

  it('a message of the wrong direction', () => {
    const d = expectRefused(apply(don(), cancellation(), ctx('out')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_WRONG_DIRECTION' });
  });

  it('a second request with the same order id is answered KO DUPLICATO', () => {
    const d = expectRefused(apply(don(), request(), ctx('in')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_ORDER_ID_IN_USE' });
    expect(d.reply?.rejection?.category).toBe('DUPLICATO');
    const other = expectRefused(apply(don(), request({ orderId: 'OLA_0000002' }), ctx('in')));
    expect(other.issues[0].code).toBe('SG_AGCOM_NOT_ALLOWED');
    expect(other.reply).toBeNull();
  });

  it('another order, other parties', () => {
    expect(firstError(apply(don(), cancellation({ orderId: 'OLA_X' }), ctx('in'))).code).toBe('SG_AGCOM_WRONG_ORDER');
    const d = expectRefused(apply(don(), managerialOk({ recipient: 'OLC', sender: DON }), ctx('out')));
    expect(d.issues[0]).toMatchObject({ path: '/recipient', code: 'SG_AGCOM_PARTIES_MISMATCH' });
  });

  it('a procedure that is not the case’s: error out, warning in', () => {
    const p = Pair.open();
    expect(firstError(apply(p.recipient, cancellation({ procedure: 'attivazione' }), ctx('out'))).code).toBe('SG_AGCOM_PROCEDURE_MISMATCH');
    const d = expectOk(apply(p.donating, cancellation({ procedure: 'attivazione' }), ctx('in')));
    expect(codes(d.warnings)).toEqual(['SG_AGCOM_PROCEDURE_MISMATCH']);
  });

  it('does not mutate the state it is given', () => {
    const p = Pair.open();
    const before = JSON.stringify(p.recipient);
    apply(p.recipient, cancellation(), ctx('out'));
    apply(p.recipient, managerialOk(), ctx('in'));
    expect(JSON.stringify(p.recipient)).toBe(before);
  });
});

describe('transition table', () => {
  it('messageKind classifies xml2 by what it answers', () => {
    expect(messageKind(request())).toBe('RICHIESTA');
    expect(messageKind(formal())).toBe('FORMAL');
    expect(messageKind(formal('RIMODULAZIONE'))).toBe('CHANGE-ANSWER');
    expect(messageKind(managerialOk())).toBe('MANAGERIAL');
    expect(messageKind(cancellation())).toBe('ANNULLAMENTO');
    expect(messageKind(reschedule())).toBe('RIMODULAZIONE');
    expect(Object.keys(TRANSITIONS)).toEqual([...MESSAGE_KINDS]);
  });

  it('what each party may send in each state, as each gateway sees it', () => {
    const p = Pair.open();
    const awaitingFormal = sentOnly();
    const validated = expectOk(apply(p.recipient, managerialOk(), ctx('in'))).state;
    const changeOpen = expectOk(apply(p.recipient, cancellation(), ctx('out'))).state;
    const closed = expectOk(apply(p.recipient, managerialKo(), ctx('in'))).state;

    // Recipient's own messages
    expect(allowedMessages(awaitingFormal, 'recipient')).toEqual(['ANNULLAMENTO', 'RIMODULAZIONE']);
    expect(allowedMessages(p.recipient, 'recipient')).toEqual(['ANNULLAMENTO', 'RIMODULAZIONE']);
    expect(allowedMessages(changeOpen, 'recipient')).toEqual([]);
    expect(allowedMessages(closed, 'recipient')).toEqual([]);
    // what the Recipient accepts from the Donating
    expect(allowedMessages(awaitingFormal, 'donating')).toEqual(['FORMAL', 'MANAGERIAL']);
    expect(allowedMessages(p.recipient, 'donating')).toEqual(['MANAGERIAL']);
    expect(allowedMessages(validated, 'donating')).toEqual([]);
    expect(allowedMessages(changeOpen, 'donating')).toEqual(['MANAGERIAL', 'CHANGE-ANSWER']);
    // the Donating's own messages (xml2 is never sent through apply)
    expect(allowedMessages(p.donating, 'donating')).toEqual(['MANAGERIAL']);
    expect(allowedMessages(p.donating, 'recipient')).toEqual(['ANNULLAMENTO', 'RIMODULAZIONE']);

    expect(explainRefusal(validated, 'MANAGERIAL', 'donating')).toEqual({
      path: '',
      rule: 'answerOnce',
      code: 'SG_AGCOM_ALREADY_ANSWERED',
      severity: 'error',
      message: `order ${ORDER} already has its managerial answer (VALIDATED)`,
    });
    expect(explainRefusal(p.donating, 'MANAGERIAL', 'donating')).toBeNull();
    expect(explainRefusal(closed, 'ANNULLAMENTO', 'recipient')?.code).toBe('SG_AGCOM_CLOSED');
  });
});

describe('tick: the end of Fase 2', () => {
  const validated = () => {
    const p = Pair.open();
    p.send(managerialOk());
    return p.recipient;
  };
  const tctx = (now: Date) => ({ now, calendar, rules: defaultAgcomRules });

  it('a validated case completes the day after its DAC', () => {
    const s = validated();
    expect(tick(s, tctx(dec(16, 22)))).toBeNull();
    const d = expectOk(tick(s, tctx(dec(16, 23))) as NonNullable<ReturnType<typeof tick>>);
    expect(d.state).toMatchObject({ state: 'COMPLETED', closedAt: dec(16, 23).toISOString() });
    expect(d.effects).toEqual([{ kind: 'closed', state: 'COMPLETED' }]);
    expect(nextTimedTransitionAt(s, { calendar, rules: defaultAgcomRules })?.toISOString()).toBe('2026-12-16T23:00:00.000Z');
  });

  it('nothing happens without DAC, with an open change, or before validation', () => {
    const s = validated();
    expect(tick({ ...s, dac: null }, tctx(dec(30)))).toBeNull();
    expect(tick({ ...s, openChange: { kind: 'RIMODULAZIONE', dac: NEW_DAC, at: NOW.toISOString() } }, tctx(dec(30)))).toBeNull();
    expect(tick(sentOnly(), tctx(dec(30)))).toBeNull();
    expect(nextTimedTransitionAt(sentOnly(), { calendar, rules: defaultAgcomRules })).toBeNull();
  });

  it('a completed case refuses changes', () => {
    const s = expectOk(tick(validated(), tctx(dec(18))) as NonNullable<ReturnType<typeof tick>>).state;
    expect(firstError(apply(s, cancellation(), ctx('out', dec(18)))).code).toBe('SG_AGCOM_CLOSED');
  });
});

describe('attivazione end to end', () => {
  it('TIM retail validates, the Recipient reschedules, then cancels', () => {
    const p = Pair.open(attivazione());
    const tim = { procedure: 'attivazione' as const, donating: TIM, sender: TIM };
    p.send(managerialOk(tim));
    p.send(reschedule({ procedure: 'attivazione', donating: TIM }));
    p.send(cancellation({ procedure: 'attivazione', donating: TIM }));
    expect(p.recipient).toMatchObject({ state: 'CANCELLED', dac: NEW_DAC, sessionCode: SESSION });
    p.expectAgreed();
  });
});
