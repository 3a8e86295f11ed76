/**
 * Minimal, well-formed AGCOM Fase 2 messages and a two-gateway harness for the machine tests.
 * OLA is the Recipient, OLB the Donating; COW 2ZZ is in OLB's pool, X7K in TIM retail's.
 */
import { expect } from 'vitest';
import { createCalendar, type WorkingDayCalendar } from '../../../src/domain/calendar.js';
import type { AgcomCaseState, Role } from '../../../src/protocols/agcom/case-state.js';
import { apply, openCase, type Decision, type MachineContext } from '../../../src/protocols/agcom/machine.js';
import { defaultAgcomRules, type AgcomRules } from '../../../src/protocols/agcom/rules.js';
import type {
  AgcomMessage,
  Cancellation,
  CommunicationType,
  FormalValidation,
  IsoDate,
  ManagerialValidation,
  MigrationRequest,
  Rejection,
  Reschedule,
} from '../../../src/protocols/agcom/types.js';

export const REC = 'OLA';
export const DON = 'OLB';
export const TIM = 'TIM';
export const ORDER = 'OLA_0000001';
export const SESSION = 'SESS-OLB-000123';

/** Tuesday 1 Dec 2026, 09:00 in Rome. 8 Dec (Immacolata) is a holiday. */
export const NOW = new Date('2026-12-01T08:00:00Z');
/** 10 working days after NOW (9 are needed). */
export const DAC: IsoDate = '2026-12-16';
/** a valid reschedule target (Friday) */
export const NEW_DAC: IsoDate = '2026-12-18';
/** 09:00 Rome on a December 2026 day */
export const dec = (day: number, hourUtc = 8): Date => new Date(`2026-12-${String(day).padStart(2, '0')}T${String(hourUtc).padStart(2, '0')}:00:00Z`);

export const calendar: WorkingDayCalendar = createCalendar({ country: 'IT' });

const POOLS: Record<string, string> = { '2ZZ': DON, KQG: DON, X7K: TIM, '9QQ': 'OLC' };
export const cowOwner = (cow: string): string | undefined => POOLS[cow];

export function ctx(direction: 'in' | 'out', now: Date = NOW, rules: Partial<AgcomRules> = {}): MachineContext {
  return { now, calendar, rules: { ...defaultAgcomRules, ...rules }, direction, cowOwner };
}

export function request(over: Partial<MigrationRequest> = {}): MigrationRequest {
  return {
    type: 'RICHIESTA',
    procedure: 'migrazione',
    recipient: REC,
    donating: DON,
    sender: REC,
    orderId: ORDER,
    sentDate: '2026-12-01',
    secret: '2ZZ',
    resources: [{ cor: '069234552', cos: '001', checkChar: 'K' }],
    customer: { firstName: 'Mario', lastNameOrCompany: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
    numbers: ['069234552'],
    dac: DAC,
    ...over,
  };
}

/** An attivazione towards TIM retail: the codice segreto and the phone number, no COS. */
export function attivazione(over: Partial<MigrationRequest> = {}): MigrationRequest {
  return request({
    procedure: 'attivazione',
    donating: TIM,
    secret: 'X7K',
    resources: [{ cor: '0612345678' }],
    numbers: ['0612345678'],
    ...over,
  });
}

export function cancellation(over: Partial<Cancellation> = {}): Cancellation {
  return { type: 'ANNULLAMENTO', procedure: 'migrazione', recipient: REC, donating: DON, sender: REC, orderId: ORDER, sentDate: '2026-12-01', ...over };
}

export function reschedule(over: Partial<Reschedule> = {}): Reschedule {
  return { type: 'RIMODULAZIONE', procedure: 'migrazione', recipient: REC, donating: DON, sender: REC, orderId: ORDER, sentDate: '2026-12-01', dac: NEW_DAC, ...over };
}

export function formal(answers: CommunicationType = 'RICHIESTA', result: 'OK' | 'KO' = 'OK', over: Partial<FormalValidation> = {}): FormalValidation {
  const m: FormalValidation = { type: 'VALIDAZIONE_FORMALE', answers, result, procedure: 'migrazione', recipient: REC, donating: DON, sender: DON, orderId: ORDER };
  if (result === 'KO') m.rejection = { category: 'FORMATO', text: 'COW errato' };
  return { ...m, ...over };
}

export function managerialOk(over: Partial<ManagerialValidation> = {}): ManagerialValidation {
  return { type: 'VALIDAZIONE_GESTIONALE', answers: 'RICHIESTA', result: 'OK', sessionCode: SESSION, procedure: 'migrazione', recipient: REC, donating: DON, sender: DON, orderId: ORDER, ...over };
}

export function managerialKo(rejection: Rejection = { category: 'RISORSA', text: 'risorsa cessata' }, over: Partial<ManagerialValidation> = {}): ManagerialValidation {
  return { type: 'VALIDAZIONE_GESTIONALE', answers: 'RICHIESTA', result: 'KO', rejection, procedure: 'migrazione', recipient: REC, donating: DON, sender: DON, orderId: ORDER, ...over };
}

export function expectOk(d: Decision): Extract<Decision, { ok: true }> {
  if (!d.ok) throw new Error(`expected ok, got ${JSON.stringify(d.issues)}`);
  return d;
}

export function expectRefused(d: Decision): Extract<Decision, { ok: false }> {
  if (d.ok) throw new Error(`expected a refusal, got state ${d.state.state}`);
  return d;
}

export const firstError = (d: Decision) => {
  const r = expectRefused(d);
  const e = r.issues.find((i) => i.severity === 'error');
  if (!e) throw new Error('refusal without an error');
  return e;
};

/** What both gateways must agree on: everything but the role and the Donating's own formal stamp. */
export const shared = (s: AgcomCaseState) => ({
  state: s.state,
  dac: s.dac,
  sessionCode: s.sessionCode,
  rejection: s.rejection,
  openChange: s.openChange,
  orderId: s.orderId,
  procedure: s.procedure,
  lineKeys: s.lineKeys,
});

/**
 * Both gateways side by side. Every message is applied `out` at its sender and `in` at its
 * receiver; the Donating gateway's automatic xml2 replies are then delivered to the Recipient.
 */
export class Pair {
  recipient!: AgcomCaseState;
  donating!: AgcomCaseState;
  now: Date = NOW;
  rules: Partial<AgcomRules> = {};

  static open(req: MigrationRequest = request(), rules: Partial<AgcomRules> = {}): Pair {
    const p = new Pair();
    p.rules = rules;
    p.recipient = expectOk(openCase(req, 'recipient', ctx('out', p.now, rules))).state;
    const don = expectOk(openCase(req, 'donating', ctx('in', p.now, rules)));
    p.donating = don.state;
    if (don.reply) p.deliver(don.reply);
    p.expectAgreed();
    return p;
  }

  at(now: Date): this {
    this.now = now;
    return this;
  }

  /** A message from its sender to its receiver; returns both decisions. */
  send(msg: AgcomMessage): { out: Decision; in: Decision } {
    const fromRecipient = msg.sender === REC;
    const out = apply(fromRecipient ? this.recipient : this.donating, msg, ctx('out', this.now, this.rules));
    const ok = expectOk(out);
    if (fromRecipient) this.recipient = ok.state;
    else this.donating = ok.state;
    const inn = apply(fromRecipient ? this.donating : this.recipient, msg, ctx('in', this.now, this.rules));
    const okIn = expectOk(inn);
    if (fromRecipient) this.donating = okIn.state;
    else this.recipient = okIn.state;
    if (okIn.reply) this.deliver(okIn.reply);
    return { out, in: inn };
  }

  /** The Donating gateway's automatic reply reaches the Recipient. */
  deliver(reply: FormalValidation): Decision {
    const d = apply(this.recipient, reply, ctx('in', this.now, this.rules));
    this.recipient = expectOk(d).state;
    return d;
  }

  expectAgreed(): void {
    expect(shared(this.recipient)).toEqual(shared(this.donating));
  }
}

export const roleOf = (sender: string): Role => (sender === REC ? 'recipient' : 'donating');
