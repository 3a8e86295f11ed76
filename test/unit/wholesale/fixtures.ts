/**
 * WBCI case states for the phase-3 tests, produced by the real state machine (openCase/apply) so
 * they are states a gateway can actually hold. DEU.EKPA is the recipient, DEU.EKPB the donating.
 */
import { createCalendar, type WorkingDayCalendar } from '../../../src/domain/calendar.js';
import type { Role, WbciCaseState } from '../../../src/protocols/wbci/case-state.js';
import { apply, openCase, type MachineContext } from '../../../src/protocols/wbci/machine.js';
import { defaultWbciRules, type WbciRules } from '../../../src/protocols/wbci/rules.js';
import type { ConfirmedPorting, IsoDate, NumberPorting, RuemVa, VaRequest, VaType, WbciMessage, WbciParty } from '../../../src/protocols/wbci/types.js';

export const AUF = 'DEU.EKPA';
export const ABG = 'DEU.EKPB';
export const VA_ID = 'DEU.EKPA.V000000001';
export const T_ID = 'DEU.EKPA.T000000001';
export const S_ID = 'DEU.EKPA.S000000001';

/** Monday 23 Nov 2026, 09:00 in Munich. */
export const NOW = new Date('2026-11-23T08:00:00Z');
export const KWT: IsoDate = '2026-12-15';
export const NEW_DATE: IsoDate = '2026-12-22';

export const calendar: WorkingDayCalendar = createCalendar({ country: 'DE', region: 'BY' });

export const rulesWith = (over: Partial<WbciRules> = {}): WbciRules => ({ ...defaultWbciRules, ...over });

export function mctx(direction: 'in' | 'out', now: Date = NOW, rules: WbciRules = defaultWbciRules): MachineContext {
  return { now, calendar, rules, direction };
}

const parties = (p: WbciParty) => ({ recipient: AUF, donating: ABG, sender: p === 'auf' ? AUF : ABG });
const customer = { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Mustermann' } as const;
const location = { street: 'Hauptstr.', houseNumber: '1', houseNumberSuffix: 'a', postalCode: '80331', city: 'München' };
export const SINGLE: NumberPorting = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }, { areaCode: '89', number: '1234568' }] };
export const BLOCK: NumberPorting = { kind: 'block', portingWindow: 'ZF1', areaCode: '89', baseNumber: '547084', operatorPosition: '0', blocks: [{ from: '00', to: '49' }] };

export function va(type: VaType, numbers: NumberPorting = SINGLE): VaRequest {
  const base = { ...parties('auf'), vaId: VA_ID, requestedDate: KWT, customer };
  if (type === 'VA-KUE-MRN') return { ...base, type, location, numbers };
  if (type === 'VA-KUE-ORN') return { ...base, type, location };
  return { ...base, type, numbers, pkiAuf: 'D052' };
}

export function confirmed(n: NumberPorting, pkiAbg = 'D123'): ConfirmedPorting {
  if (n.kind === 'single') return { kind: 'single', list: n.list.map((x) => ({ ...x, pkiAbg })) };
  return { kind: 'block', areaCode: n.areaCode, baseNumber: n.baseNumber, operatorPosition: n.operatorPosition, blocks: n.blocks.map((b) => ({ ...b, pkiAbg })) };
}

export function ruemVa(type: VaType, over: Partial<RuemVa> = {}, numbers: NumberPorting = SINGLE): RuemVa {
  const kue = type !== 'VA-RRNP';
  return {
    type: 'RUEM-VA',
    ...parties('abg'),
    vaIdRef: VA_ID,
    businessCase: type,
    positions: [{ code: '8001' }],
    switchDate: KWT,
    ...(kue ? { technology: '001 TAL ISDN', resources: [{ contractNumber: '1234567890' }] } : {}),
    ...(type !== 'VA-KUE-ORN' ? { numbers: confirmed(numbers) } : {}),
    ...over,
  };
}

export const akmTr = (takeOver = true, type: VaType = 'VA-KUE-MRN'): WbciMessage => ({
  type: 'AKM-TR',
  ...parties('auf'),
  vaIdRef: VA_ID,
  businessCase: type,
  positions: [{ code: '8010' }],
  takeOver,
  lines: [{ contractNumber: '1234567890' }],
  safeHarbour: !takeOver,
});

export const abbmTr = (type: VaType = 'VA-KUE-MRN'): WbciMessage => ({ type: 'ABBM-TR', ...parties('abg'), vaIdRef: VA_ID, businessCase: type, positions: [{ code: '8144' }] });
export const abbmVa = (type: VaType): WbciMessage => ({ type: 'ABBM', ...parties('abg'), vaIdRef: VA_ID, businessCase: type, positions: [{ code: '8117' }] });
export const strAuf = (): WbciMessage => ({ type: 'STR-AUF', ...parties('auf'), stornoId: S_ID, vaIdRef: VA_ID });
export const strAen = (): WbciMessage => ({ type: 'STR-AEN', ...parties('auf'), stornoId: S_ID, vaIdRef: VA_ID });
export const erlmStorno = (kind: 'STR-AUF' | 'STR-AEN'): WbciMessage => ({ type: 'ERLM', ...parties('abg'), vaIdRef: VA_ID, businessCase: kind, positions: [{ code: '8004' }], stornoIdRef: S_ID });
export const abbmStorno = (kind: 'STR-AUF' | 'STR-AEN'): WbciMessage => ({ type: 'ABBM', ...parties('abg'), vaIdRef: VA_ID, businessCase: kind, positions: [{ code: '8142' }], stornoIdRef: S_ID });
export const tvsVa = (): WbciMessage => ({ type: 'TVS-VA', ...parties('auf'), changeId: T_ID, vaIdRef: VA_ID, requestedDate: NEW_DATE });

/**
 * One case as seen by one side: `open` then `step` messages; each is applied `out` when this side
 * sends it and `in` when it receives it.
 */
export class Case {
  state: WbciCaseState;
  readonly role: Role;

  constructor(type: VaType, role: Role = 'recipient', numbers: NumberPorting = SINGLE, now: Date = NOW) {
    this.role = role;
    const d = openCase(va(type, numbers), role, mctx(role === 'recipient' ? 'out' : 'in', now));
    if (!d.ok) throw new Error(JSON.stringify(d.issues));
    this.state = d.state;
  }

  step(m: WbciMessage, now: Date = NOW, rules: WbciRules = defaultWbciRules): this {
    const ours = (m.sender === AUF) === (this.role === 'recipient');
    const d = apply(this.state, m, mctx(ours ? 'out' : 'in', now, rules));
    if (!d.ok) throw new Error(`${m.type}: ${JSON.stringify(d.issues)}`);
    this.state = d.state;
    return this;
  }
}
