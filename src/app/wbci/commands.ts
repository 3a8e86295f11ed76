/**
 * Northbound commands → WBCI domain messages. Pure translation: the REST bodies (architecture.md
 * "Minimal bodies", names binding) become the messages this gateway will send. Whether a message
 * may be sent is decided afterwards by the field rules and the state machine, not here.
 */
import type { WbciCaseState } from '../../protocols/wbci/case-state.js';
import type {
  Abbm,
  AbbmTr,
  AkmTr,
  AkmTrLine,
  CarrierCode,
  ConfirmedPorting,
  CorrectedAddressField,
  Erlm,
  IsoDate,
  Location,
  NumberPorting,
  Party,
  PhoneNumber,
  Position,
  Project,
  Resource,
  RuemVa,
  Storno,
  StornoType,
  TvsVa,
  VaRequest,
  VaType,
} from '../../protocols/wbci/types.js';
import { technologyValue } from '../../protocols/wbci/fields.js';
import { codeForShort } from '../../protocols/wbci/codes.js';

export interface StartWbciSwitch {
  procedure: 'wbci';
  type: VaType;
  donating: CarrierCode;
  requestedDate: IsoDate;
  customer: Party;
  furtherHolders?: Party[];
  project?: Project;
  location?: Location;
  numbers?: NumberPorting;
  lineIdentification?: PhoneNumber;
  pkiAuf?: string;
  /** successor VA after an agreed STR-AEN: the VA-ID it replaces */
  replaces?: string;
}

export interface CodeInput {
  code: string;
  text?: string;
  /** RNG (8103): national numbers, `891234567` */
  numbers?: string[];
}

export type AnswerInput =
  | {
      result: 'accept';
      code: 'ZWA' | 'NAT' | '8001' | '8002';
      switchDate: IsoDate;
      technology?: string;
      resources?: Resource[];
      /** confirmed numbers; defaults to the requested ones with `pkiAbg` */
      numbers?: ConfirmedPorting;
      pkiAbg?: string;
      corrections?: { field: CorrectedAddressField; value: string }[];
      /** VA-RRNP: end of the customer's contract, checked against D16 */
      contractEnd?: IsoDate;
    }
  | { result: 'reject'; codes: CodeInput[]; reason?: string };

export interface ResourceHandoverInput {
  takeOver: boolean;
  lines?: AkmTrLine[];
  /** defaults to `!takeOver` (M-net practice, wbci.md §12) */
  safeHarbour?: boolean;
  pkiAuf?: string;
}

export interface ResourceHandoverAnswerInput {
  result?: 'reject';
  codes: CodeInput[];
}

export interface RescheduleInput {
  requestedDate: IsoDate;
  name?: Party;
}

export interface CancelInput {
  kind: StornoType;
  reason?: string;
  name?: Party;
  location?: Location;
}

export type ChangeAnswerInput = { result: 'accept' } | { result: 'reject'; codes: CodeInput[]; reason?: string };

const ADA_CODE: Record<CorrectedAddressField, string> = {
  postalCode: '8104',
  city: '8105',
  street: '8106',
  houseNumber: '8107',
};

const parties = (s: WbciCaseState, sender: CarrierCode) => ({ recipient: s.recipient, donating: s.donating, sender });

/** Codes may be given as numbers (`8117`) or short names (`KNI`). */
const positions = (codes: CodeInput[]): Position[] =>
  codes.map((c) => ({ code: codeForShort(c.code) ?? c.code, ...(c.text ? { text: c.text } : {}), ...(c.numbers ? { numbers: c.numbers } : {}) }));

export function buildVa(input: StartWbciSwitch, vaId: string, self: CarrierCode): VaRequest {
  const base = {
    vaId,
    recipient: self,
    donating: input.donating,
    sender: self,
    requestedDate: input.requestedDate,
    customer: input.customer,
    ...(input.furtherHolders ? { furtherHolders: input.furtherHolders } : {}),
    ...(input.project ? { project: input.project } : {}),
  };
  // Missing mandatory parts are left out on purpose: the field rules name them precisely.
  switch (input.type) {
    case 'VA-KUE-MRN':
      return { ...base, type: input.type, location: input.location!, numbers: input.numbers! };
    case 'VA-KUE-ORN':
      return {
        ...base,
        type: input.type,
        location: input.location!,
        ...(input.lineIdentification ? { lineIdentification: input.lineIdentification } : {}),
      };
    case 'VA-RRNP':
      return { ...base, type: input.type, numbers: input.numbers!, pkiAuf: input.pkiAuf! };
  }
}

/** The requested numbers confirmed as they were asked for, each with the donating side's PKI. */
export function confirmRequestedNumbers(va: VaRequest, pkiAbg: string): ConfirmedPorting | undefined {
  if (va.type === 'VA-KUE-ORN') return undefined;
  const n = va.numbers;
  if (!n) return undefined;
  if (n.kind === 'single') return { kind: 'single', list: n.list.map((x) => ({ ...x, pkiAbg })) };
  return {
    kind: 'block',
    areaCode: n.areaCode,
    baseNumber: n.baseNumber,
    operatorPosition: n.operatorPosition,
    blocks: n.blocks.map((b) => ({ ...b, pkiAbg })),
  };
}

export function buildAnswer(s: WbciCaseState, input: AnswerInput, self: CarrierCode): RuemVa | Abbm {
  if (input.result === 'reject') {
    return {
      type: 'ABBM',
      ...parties(s, self),
      vaIdRef: s.vaId,
      businessCase: s.type,
      positions: positions(input.codes),
      ...(input.reason ? { reason: input.reason } : {}),
    };
  }
  const main = input.code === 'ZWA' || input.code === '8001' ? '8001' : '8002';
  const ada: Position[] = (input.corrections ?? []).map((c) => ({ code: ADA_CODE[c.field], corrected: c }));
  const numbers = input.numbers ?? (input.pkiAbg ? confirmRequestedNumbers(s.va, input.pkiAbg) : undefined);
  return {
    type: 'RUEM-VA',
    ...parties(s, self),
    vaIdRef: s.vaId,
    businessCase: s.type,
    positions: [{ code: main }, ...ada],
    switchDate: input.switchDate,
    ...(input.technology ? { technology: technologyValue(input.technology) ?? input.technology } : {}),
    ...(input.resources ? { resources: input.resources } : {}),
    ...(numbers ? { numbers } : {}),
  };
}

export function buildAkmTr(s: WbciCaseState, input: ResourceHandoverInput, self: CarrierCode): AkmTr {
  return {
    type: 'AKM-TR',
    ...parties(s, self),
    vaIdRef: s.vaId,
    businessCase: s.type,
    positions: [{ code: '8010' }],
    takeOver: input.takeOver,
    lines: input.lines ?? [],
    safeHarbour: input.safeHarbour ?? !input.takeOver,
    ...(input.pkiAuf ? { pkiAuf: input.pkiAuf } : {}),
  };
}

export function buildAbbmTr(s: WbciCaseState, input: ResourceHandoverAnswerInput, self: CarrierCode): AbbmTr {
  return { type: 'ABBM-TR', ...parties(s, self), vaIdRef: s.vaId, businessCase: s.type, positions: positions(input.codes) };
}

export function buildTvsVa(s: WbciCaseState, input: RescheduleInput, changeId: string, self: CarrierCode): TvsVa {
  return {
    type: 'TVS-VA',
    ...parties(s, self),
    changeId,
    vaIdRef: s.vaId,
    requestedDate: input.requestedDate,
    ...(input.name ? { name: input.name } : {}),
  };
}

export function buildStorno(s: WbciCaseState, input: CancelInput, stornoId: string, self: CarrierCode): Storno {
  return {
    type: input.kind,
    ...parties(s, self),
    stornoId,
    vaIdRef: s.vaId,
    ...(input.name ? { name: input.name } : {}),
    ...(input.location ? { location: input.location } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
  };
}

/** ERLM or ABBM to the open change request `changeId`; undefined when no such change is open. */
export function buildChangeAnswer(
  s: WbciCaseState,
  changeId: string,
  input: ChangeAnswerInput,
  self: CarrierCode,
): Erlm | Abbm | undefined {
  const open = s.openChange;
  if (!open || open.id !== changeId) return undefined;
  const refs =
    open.kind === 'TVS-VA' ? { changeIdRef: open.id } : { stornoIdRef: open.id };
  const common = { ...parties(s, self), vaIdRef: s.vaId, businessCase: open.kind, ...refs };
  if (input.result === 'accept') {
    return {
      type: 'ERLM',
      ...common,
      positions: [{ code: open.kind === 'TVS-VA' ? '8003' : '8004' }],
      ...(open.kind === 'TVS-VA' && open.requestedDate ? { switchDate: open.requestedDate } : {}),
    };
  }
  return {
    type: 'ABBM',
    ...common,
    positions: positions(input.codes),
    ...(open.kind === 'TVS-VA' && s.switchDate ? { switchDate: s.switchDate } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
  };
}
