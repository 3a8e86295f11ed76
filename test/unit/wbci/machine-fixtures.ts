/**
 * Minimal, well-formed WBCI messages and a two-gateway harness for the state-machine tests.
 * Only what the machine looks at is meaningful (types, parties, ids, refs, dates); the rest is
 * just enough to satisfy the types. DEU.EKPA is the recipient (EKPauf), DEU.EKPB the donating.
 */
import { expect } from 'vitest';
import { createCalendar, type WorkingDayCalendar } from '../../../src/domain/calendar.js';
import type { Role, WbciCaseState } from '../../../src/protocols/wbci/case-state.js';
import { apply, openCase, type Decision, type MachineContext } from '../../../src/protocols/wbci/machine.js';
import { defaultWbciRules, type WbciRules } from '../../../src/protocols/wbci/rules.js';
import type {
  Abbm,
  AbbmTr,
  AkmTr,
  ChangeType,
  Erlm,
  IsoDate,
  RuemVa,
  Storno,
  StornoType,
  TvsVa,
  VaKueMrn,
  VaKueOrn,
  VaRequest,
  VaRrnp,
  VaType,
  WbciMessage,
  WbciParty,
} from '../../../src/protocols/wbci/types.js';

// the carriers and ids are the field-rule builders' own, so both suites speak of the same case
import { ABG, AUF, S_ID_ABG, S_ID_AUF, T_ID, VA_ID } from './builders.js';
export { ABG, AUF, S_ID_ABG, S_ID_AUF, T_ID, VA_ID };
export const VA_ID_2 = 'DEU.EKPA.V000000002';
export const T_ID_2 = 'DEU.EKPA.T000000002';

/** Tuesday 1 Dec 2026, 09:00 in Munich. */
export const NOW = new Date('2026-12-01T08:00:00Z');
/** 11 working days after NOW: outside the 7–10 WD warning band; Thursday 17 Dec is a working day. */
export const KWT: IsoDate = '2026-12-16';
/** A valid reschedule target: 15 WD ahead, not earlier than KWT, Wednesday after is a working day. */
export const NEW_DATE: IsoDate = '2026-12-22';

export const calendar: WorkingDayCalendar = createCalendar({ country: 'DE', region: 'BY' });

export function ctx(direction: 'in' | 'out', now: Date = NOW, rules: Partial<WbciRules> = {}): MachineContext {
  return { now, calendar, rules: { ...defaultWbciRules, ...rules }, direction };
}

const from = (p: WbciParty) => ({ recipient: AUF, donating: ABG, sender: p === 'auf' ? AUF : ABG });
const party = { kind: 'person', salutation: 'Herr', lastName: 'Muster' } as const;
const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };

export function va(type: VaType = 'VA-KUE-MRN', over: Partial<VaRequest> = {}): VaRequest {
  const base = { ...from('auf'), vaId: VA_ID, requestedDate: KWT, customer: party };
  const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] } as const;
  if (type === 'VA-KUE-MRN') return { ...base, type, location, numbers, ...over } as VaKueMrn;
  if (type === 'VA-KUE-ORN') return { ...base, type, location, ...over } as VaKueOrn;
  return { ...base, type, numbers, pkiAuf: 'D052', ...over } as VaRrnp;
}

export function ruemVa(businessCase: VaType = 'VA-KUE-MRN', over: Partial<RuemVa> = {}): RuemVa {
  // a KUE RUEM-VA names the line the AKM-TR quotes (the EKPabg checks AKM-TR lines against it)
  const resources = businessCase === 'VA-RRNP' ? {} : { resources: [{ contractNumber: '1234567890' }] };
  return { type: 'RUEM-VA', ...from('abg'), vaIdRef: VA_ID, businessCase, positions: [{ code: '8001' }], switchDate: KWT, technology: '001 TAL ISDN', ...resources, ...over };
}

export function abbmVa(businessCase: VaType = 'VA-KUE-MRN', over: Partial<Abbm> = {}): Abbm {
  return { type: 'ABBM', ...from('abg'), vaIdRef: VA_ID, businessCase, positions: [{ code: '8117' }], ...over };
}

export function akmTr(over: Partial<AkmTr> = {}): AkmTr {
  return {
    type: 'AKM-TR',
    ...from('auf'),
    vaIdRef: VA_ID,
    businessCase: 'VA-KUE-MRN',
    positions: [{ code: '8010' }],
    takeOver: true,
    lines: [{ contractNumber: '1234567890' }],
    safeHarbour: false,
    ...over,
  };
}

export function abbmTr(over: Partial<AbbmTr> = {}): AbbmTr {
  return { type: 'ABBM-TR', ...from('abg'), vaIdRef: VA_ID, businessCase: 'VA-KUE-MRN', positions: [{ code: '8144' }], ...over };
}

export function tvsVa(over: Partial<TvsVa> = {}): TvsVa {
  return { type: 'TVS-VA', ...from('auf'), changeId: T_ID, vaIdRef: VA_ID, requestedDate: NEW_DATE, ...over };
}

export function storno(type: StornoType, p: WbciParty, over: Partial<Storno> = {}): Storno {
  const s: Storno = { type, ...from(p), stornoId: p === 'auf' ? S_ID_AUF : S_ID_ABG, vaIdRef: VA_ID };
  if (p === 'abg') s.reason = 'Umzug des Kunden';
  return { ...s, ...over };
}

/** ERLM to the change `kind` sent by `changeFrom` (so it comes from the other party). */
export function erlm(kind: ChangeType, changeFrom: WbciParty = 'auf', over: Partial<Erlm> = {}): Erlm {
  const base: Erlm = { type: 'ERLM', ...from(changeFrom === 'auf' ? 'abg' : 'auf'), vaIdRef: VA_ID, businessCase: kind, positions: [] };
  if (kind === 'TVS-VA') return { ...base, positions: [{ code: '8003' }], changeIdRef: T_ID, switchDate: NEW_DATE, ...over };
  return { ...base, positions: [{ code: '8004' }], stornoIdRef: changeFrom === 'auf' ? S_ID_AUF : S_ID_ABG, ...over };
}

/** ABBM to the change `kind` sent by `changeFrom`. */
export function abbmChange(kind: ChangeType, changeFrom: WbciParty = 'auf', over: Partial<Abbm> = {}): Abbm {
  const base: Abbm = { type: 'ABBM', ...from(changeFrom === 'auf' ? 'abg' : 'auf'), vaIdRef: VA_ID, businessCase: kind, positions: [] };
  if (kind === 'TVS-VA') return { ...base, positions: [{ code: '8141' }], changeIdRef: T_ID, switchDate: KWT, ...over };
  return { ...base, positions: [{ code: '8142' }], stornoIdRef: changeFrom === 'auf' ? S_ID_AUF : S_ID_ABG, ...over };
}

export const partyOf = (m: WbciMessage): WbciParty => (m.sender === AUF ? 'auf' : 'abg');
export const roleOf = (p: WbciParty): Role => (p === 'auf' ? 'recipient' : 'donating');

export function expectOk(d: Decision): Extract<Decision, { ok: true }> {
  if (!d.ok) throw new Error(`expected ok, got ${JSON.stringify(d.issues)}`);
  return d;
}

export function expectRefused(d: Decision): Extract<Decision, { ok: false }> {
  if (d.ok) throw new Error(`expected a refusal, got state ${d.state.state}`);
  return d;
}

/** Everything both gateways must agree on (the role differs by construction). */
export const shared = (s: WbciCaseState): Omit<WbciCaseState, 'role'> => {
  const { role: _role, ...rest } = s;
  return rest;
};

/**
 * The recipient's and the donating gateway side by side: every message is applied `out` at its
 * sender and `in` at its receiver, and both must accept it and end in the same state.
 */
export class Pair {
  recipient!: WbciCaseState;
  donating!: WbciCaseState;

  static open(v: VaRequest = va(), now: Date = NOW, replaces?: Pair): Pair {
    const p = new Pair();
    const out = expectOk(openCase(v, 'recipient', ctx('out', now), replaces ? { replaces: replaces.recipient } : {}));
    const inn = expectOk(openCase(v, 'donating', ctx('in', now), replaces ? { replaces: replaces.donating } : {}));
    p.recipient = out.state;
    p.donating = inn.state;
    expect(shared(p.recipient)).toEqual(shared(p.donating));
    return p;
  }

  /** Applies `m` on both sides; returns the sender's decision. */
  send(m: WbciMessage, now: Date = NOW): Extract<Decision, { ok: true }> {
    const senderRole = roleOf(partyOf(m));
    const sent = expectOk(apply(this.side(senderRole), m, ctx('out', now)));
    const received = expectOk(apply(this.side(senderRole === 'recipient' ? 'donating' : 'recipient'), m, ctx('in', now)));
    this.set(senderRole, sent.state);
    this.set(senderRole === 'recipient' ? 'donating' : 'recipient', received.state);
    expect(shared(this.recipient)).toEqual(shared(this.donating));
    expect(received.effects).toEqual(sent.effects);
    return sent;
  }

  side(role: Role): WbciCaseState {
    return role === 'recipient' ? this.recipient : this.donating;
  }

  set(role: Role, s: WbciCaseState): void {
    if (role === 'recipient') this.recipient = s;
    else this.donating = s;
  }

  get state(): WbciCaseState['state'] {
    expect(this.recipient.state).toBe(this.donating.state);
    return this.recipient.state;
  }
}

/** Recursively freezes a state so a test fails if the machine mutates its input. */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
