/**
 * Valid WBCI messages of every type, for tests. Each passes validateMessage with zero issues in
 * both modes. DEU.EKPA is the recipient (EKPauf), DEU.EKPB the donating party (EKPabg).
 * Overrides are shallow: pass `{ field: undefined }` to drop an optional field.
 */
import type {
  Abbm,
  AbbmTr,
  AkmTr,
  ChangeType,
  Erlm,
  Meldung,
  RuemVa,
  Storno,
  StornoType,
  TvsVa,
  VaKueMrn,
  VaKueOrn,
  VaRrnp,
  VaType,
  WbciParty,
} from '../../../src/protocols/wbci/types.js';

export const AUF = 'DEU.EKPA';
export const ABG = 'DEU.EKPB';
export const VA_ID = 'DEU.EKPA.V000000001';
export const T_ID = 'DEU.EKPA.T000000001';
export const S_ID_AUF = 'DEU.EKPA.S000000001';
export const S_ID_ABG = 'DEU.EKPB.S000000001';
export const LINE_ID = 'DEU.EKPB.1754639821';
export const KWT = '2026-12-15';
export const NEW_KWT = '2026-12-22';

const parties = (from: WbciParty) => ({ recipient: AUF, donating: ABG, sender: from === 'auf' ? AUF : ABG });

export function validVaKueMrn(over: Partial<VaKueMrn> = {}): VaKueMrn {
  return {
    type: 'VA-KUE-MRN',
    ...parties('auf'),
    vaId: VA_ID,
    requestedDate: KWT,
    customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Müller' },
    furtherHolders: [{ kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Müller' }],
    location: { street: 'Hauptstraße', houseNumber: '12', houseNumberSuffix: 'a', postalCode: '80331', city: 'München' },
    numbers: {
      kind: 'single',
      portingWindow: 'ZF2',
      list: [
        { areaCode: '89', number: '1234567' },
        { areaCode: '89', number: '1234568' },
      ],
      allNumbers: true,
    },
    ...over,
  };
}

export function validVaKueOrn(over: Partial<VaKueOrn> = {}): VaKueOrn {
  return {
    type: 'VA-KUE-ORN',
    ...parties('auf'),
    vaId: VA_ID,
    requestedDate: KWT,
    customer: { kind: 'company', salutation: 'Firma', companyName: 'Bäckerei Groß GmbH', companyNameSecondPart: '& Co. KG' },
    project: { id: 'PRJ-2026-FTTB', couplingId: 'K1' },
    location: { street: 'Leopoldstr.', houseNumber: '7', postalCode: '80802', city: 'München' },
    lineIdentification: { areaCode: '89', number: '3307011' },
    ...over,
  };
}

/** Shaped after the public wire sample valid-va-rrnp.xml (PBX line, block 00–49). */
export function validVaRrnp(over: Partial<VaRrnp> = {}): VaRrnp {
  return {
    type: 'VA-RRNP',
    ...parties('auf'),
    vaId: VA_ID,
    requestedDate: KWT,
    customer: { kind: 'company', salutation: 'Firma', companyName: 'Musterverein Oberland', companyNameSecondPart: ' e.V.' },
    numbers: {
      kind: 'block',
      portingWindow: 'ZF1',
      areaCode: '89',
      baseNumber: '547084',
      operatorPosition: '0',
      blocks: [{ from: '00', to: '49' }],
    },
    pkiAuf: 'D052',
    ...over,
  };
}

export function validTvsVa(over: Partial<TvsVa> = {}): TvsVa {
  return {
    type: 'TVS-VA',
    ...parties('auf'),
    changeId: T_ID,
    vaIdRef: VA_ID,
    requestedDate: NEW_KWT,
    ...over,
  };
}

function storno(type: StornoType, from: WbciParty, over: Partial<Storno>): Storno {
  const base: Storno = {
    type,
    ...parties(from),
    stornoId: from === 'auf' ? S_ID_AUF : S_ID_ABG,
    vaIdRef: VA_ID,
  };
  if (from === 'abg') {
    base.reason = type === 'STR-AUF' ? 'Kunde verstorben' : 'Umzug des Kunden;\r\nneue Anschrift folgt';
    base.name = { kind: 'person', salutation: 'Herr', lastName: 'Müller' };
  }
  if (type === 'STR-AEN') {
    base.location = { street: 'Hauptstraße', houseNumber: '14', postalCode: '80331', city: 'München' };
  }
  return { ...base, ...over };
}

export const validStrAuf = (from: WbciParty = 'auf', over: Partial<Storno> = {}): Storno => storno('STR-AUF', from, over);
export const validStrAen = (from: WbciParty = 'auf', over: Partial<Storno> = {}): Storno => storno('STR-AEN', from, over);

export function validRuemVa(type: VaType = 'VA-KUE-MRN', over: Partial<RuemVa> = {}): RuemVa {
  const base: RuemVa = {
    type: 'RUEM-VA',
    ...parties('abg'),
    vaIdRef: VA_ID,
    businessCase: type,
    positions: [{ code: '8001', text: 'Auftragsbestätigung (ZWA)' }],
    switchDate: KWT,
  };
  if (type === 'VA-KUE-MRN') {
    base.technology = '001 TAL ISDN';
    base.resources = [{ contractNumber: '1234567890', identifier: 'ABG-4711' }];
    base.numbers = {
      kind: 'single',
      list: [
        { areaCode: '89', number: '1234567', pkiAbg: 'D001' },
        { areaCode: '89', number: '1234568', pkiAbg: 'D001' },
      ],
    };
  } else if (type === 'VA-KUE-ORN') {
    base.technology = '013 FTTB';
    base.resources = [{ lineId: LINE_ID }];
  } else {
    base.numbers = {
      kind: 'block',
      areaCode: '89',
      baseNumber: '547084',
      operatorPosition: '0',
      blocks: [{ from: '00', to: '49', pkiAbg: 'D00F' }],
    };
  }
  return { ...base, ...over };
}

/** ABBM rejecting a VA-KUE-MRN. */
export function validAbbm(over: Partial<Abbm> = {}): Abbm {
  return {
    type: 'ABBM',
    ...parties('abg'),
    vaIdRef: VA_ID,
    businessCase: 'VA-KUE-MRN',
    positions: [{ code: '8117', text: 'Kunde nicht identifizierbar' }],
    ...over,
  };
}

/** ABBM rejecting a TVS-VA: 8141, the T-ID and the original switch date. */
export function validAbbmTv(over: Partial<Abbm> = {}): Abbm {
  return {
    type: 'ABBM',
    ...parties('abg'),
    vaIdRef: VA_ID,
    businessCase: 'TVS-VA',
    positions: [{ code: '8141' }],
    changeIdRef: T_ID,
    switchDate: KWT,
    reason: 'Frist unterschritten',
    ...over,
  };
}

/** ABBM rejecting a Storno; answers the party that did not send the Storno. */
export function validAbbmStorno(kind: StornoType = 'STR-AUF', from: WbciParty = 'auf', over: Partial<Abbm> = {}): Abbm {
  return {
    type: 'ABBM',
    ...parties(from === 'auf' ? 'abg' : 'auf'),
    vaIdRef: VA_ID,
    businessCase: kind,
    positions: [{ code: '8142' }],
    stornoIdRef: from === 'auf' ? S_ID_AUF : S_ID_ABG,
    ...over,
  };
}

export function validAkmTr(over: Partial<AkmTr> = {}): AkmTr {
  return {
    type: 'AKM-TR',
    ...parties('auf'),
    vaIdRef: VA_ID,
    businessCase: 'VA-KUE-MRN',
    positions: [{ code: '8010', text: 'Antwort des aufnehmenden Anbieters' }],
    takeOver: true,
    lines: [{ contractNumber: '1234567890' }, { lineId: LINE_ID }],
    safeHarbour: false,
    pkiAuf: 'D052',
    ...over,
  };
}

export function validAbbmTr(over: Partial<AbbmTr> = {}): AbbmTr {
  return {
    type: 'ABBM-TR',
    ...parties('abg'),
    vaIdRef: VA_ID,
    businessCase: 'VA-KUE-MRN',
    positions: [{ code: '8147' }],
    ...over,
  };
}

/** ERLM to a TVS-VA (8003, new date) or to a Storno sent by the recipient party (8004). */
export function validErlm(kind: ChangeType = 'TVS-VA', over: Partial<Erlm> = {}): Erlm {
  const base: Erlm =
    kind === 'TVS-VA'
      ? { type: 'ERLM', ...parties('abg'), vaIdRef: VA_ID, businessCase: kind, positions: [{ code: '8003' }], changeIdRef: T_ID, switchDate: NEW_KWT }
      : { type: 'ERLM', ...parties('abg'), vaIdRef: VA_ID, businessCase: kind, positions: [{ code: '8004' }], stornoIdRef: S_ID_AUF };
  return { ...base, ...over };
}

/** Every builder variant, named, for "all valid" sweeps. */
export function allValidMessages(): [string, VaKueMrn | VaKueOrn | VaRrnp | TvsVa | Storno | Meldung][] {
  return [
    ['VA-KUE-MRN', validVaKueMrn()],
    ['VA-KUE-ORN', validVaKueOrn()],
    ['VA-RRNP', validVaRrnp()],
    ['TVS-VA', validTvsVa()],
    ['STR-AUF from auf', validStrAuf('auf')],
    ['STR-AUF from abg', validStrAuf('abg')],
    ['STR-AEN from auf', validStrAen('auf')],
    ['STR-AEN from abg', validStrAen('abg')],
    ['RUEM-VA KUE-MRN', validRuemVa('VA-KUE-MRN')],
    ['RUEM-VA KUE-ORN', validRuemVa('VA-KUE-ORN')],
    ['RUEM-VA RRNP', validRuemVa('VA-RRNP')],
    ['ABBM to VA', validAbbm()],
    ['ABBM to TVS-VA', validAbbmTv()],
    ['ABBM to STR-AUF from auf', validAbbmStorno('STR-AUF', 'auf')],
    ['ABBM to STR-AEN from abg', validAbbmStorno('STR-AEN', 'abg')],
    ['AKM-TR', validAkmTr()],
    ['ABBM-TR', validAbbmTr()],
    ['ERLM to TVS-VA', validErlm('TVS-VA')],
    ['ERLM to STR-AUF', validErlm('STR-AUF')],
    ['ERLM to STR-AEN', validErlm('STR-AEN')],
  ];
}
