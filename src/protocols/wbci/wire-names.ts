/**
 * The one place where German WBCI v2 wire names meet the English domain fields of types.ts.
 *
 * Every wire structure is a declarative list of fields in XSD sequence order (schemas/wbci/*.xsd). The SOAP codec
 * walks these lists to encode and decode; the JSON variant is meant to walk the same lists, so a name fixed here is
 * fixed for both. Only the Control block, the xsi:type selection and the envelopes are handled in code.
 */
import { standardText } from './codes.js';
import type { WbciMessage } from './types.js';
import type { SimpleTypeName } from './wire-simple-types.js';

// ---------------------------------------------------------------------------------------------
// Namespaces

export const NS = {
  envelope: 'http://www.vatm.de/wbci/v2/envelope',
  request: 'http://www.vatm.de/wbci/v2/request',
  message: 'http://www.vatm.de/wbci/v2/message',
  complex: 'http://www.vatm.de/wbci/v2/type/complex',
  simple: 'http://www.vatm.de/wbci/v2/type/simple',
  enum: 'http://www.vatm.de/wbci/v2/type/enum',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

/** Any WBCI envelope namespace; the captured number is the major version it belongs to. */
export const WBCI_ENVELOPE_NS_PATTERN = /^http:\/\/www\.vatm\.de\/wbci\/v(\d+)\/envelope$/;

/** Body payload elements (namespace NS.envelope) and their unqualified children. */
export const ENVELOPE = {
  anfrageRequest: 'annehmenAnfrageRequest',
  anfrageResponse: 'annehmenAnfrageResponse',
  meldungRequest: 'annehmenMeldungRequest',
  meldungResponse: 'annehmenMeldungResponse',
  control: 'Control',
  anfrage: 'Anfrage',
  meldung: 'Meldung',
  quittung: 'Quittung',
} as const;

// ---------------------------------------------------------------------------------------------
// Field model

/** Converts a checked wire string to a domain value and back; `undefined` from toWire omits an optional element. */
export interface ValueMap {
  toWire(value: unknown): string | undefined;
  fromWire(wire: string): unknown;
}

type Defaulter = string | ((owner: Record<string, unknown>) => string);

/** A simple element; `to` is a domain key, dotted to reach into a sibling object (`numbers.portingWindow`). */
export interface LeafField {
  k: 'leaf';
  wire: string;
  to: string;
  type: SimpleTypeName;
  opt?: boolean;
  map?: ValueMap;
  /** value sent when the domain leaves this mandatory element out */
  dflt?: Defaulter;
}
/** A wire-only wrapper element: its children map onto the same domain object (`Absender/CarrierCode` → `sender`). */
export interface WrapField {
  k: 'wrap';
  wire: string;
  fields: readonly Field[];
  opt?: boolean;
}
/** A complex element that becomes a nested domain object. `oneOf`: exactly one of its leaves (an xs:choice). */
export interface ObjField {
  k: 'obj';
  wire: string;
  to: string;
  fields: readonly Field[];
  opt?: boolean;
  oneOf?: boolean;
}
/** A repeated complex element → array of objects. `xsiType`: the items carry xsi:type of that message type. */
export interface ListField {
  k: 'list';
  wire: string;
  to: string;
  fields: readonly Field[];
  min: number;
  max: number;
  /** domain leaves the key out instead of holding `[]` */
  omitEmpty?: boolean;
  oneOf?: boolean;
  xsiType?: string;
}
/** A repeated simple element → array of values. */
export interface LeafListField {
  k: 'leafList';
  wire: string;
  to: string;
  type: SimpleTypeName;
  min: number;
  max: number;
  omitEmpty?: boolean;
  map?: ValueMap;
}
/** An xs:choice of elements, told apart in the domain by a discriminator key (`kind`). */
export interface UnionField {
  k: 'union';
  /** domain object receiving the chosen option's fields; the current object when absent */
  to?: string;
  tag: string;
  opt?: boolean;
  options: readonly { wire: string; tag: string; fields: readonly Field[] }[];
}
/** An xs:choice of simple elements → `{ field, value }` (ADA `adresseAbweichend`). */
export interface KeyedField {
  k: 'keyed';
  wire: string;
  to: string;
  opt?: boolean;
  options: readonly { wire: string; key: string; type: SimpleTypeName }[];
}

export type Field = LeafField | WrapField | ObjField | ListField | LeafListField | UnionField | KeyedField;

const leaf = (wire: string, to: string, type: SimpleTypeName, more: Partial<LeafField> = {}): LeafField => ({
  k: 'leaf',
  wire,
  to,
  type,
  ...more,
});
const opt = (wire: string, to: string, type: SimpleTypeName, more: Partial<LeafField> = {}): LeafField =>
  leaf(wire, to, type, { ...more, opt: true });
const wrap = (wire: string, fields: readonly Field[], isOpt = false): WrapField => ({ k: 'wrap', wire, fields, opt: isOpt });
const obj = (wire: string, to: string, fields: readonly Field[], isOpt = false): ObjField => ({
  k: 'obj',
  wire,
  to,
  fields,
  opt: isOpt,
});
const list = (wire: string, to: string, fields: readonly Field[], min: number, max: number, more: Partial<ListField> = {}): ListField => ({
  k: 'list',
  wire,
  to,
  fields,
  min,
  max,
  ...more,
});

// ---------------------------------------------------------------------------------------------
// Value maps

const table = (pairs: readonly (readonly [string, string])[]): ValueMap => {
  const toDomain = new Map(pairs);
  const toWire = new Map(pairs.map(([w, d]) => [d, w]));
  return {
    toWire: (v) => (typeof v === 'string' ? toWire.get(v) : undefined),
    fromWire: (w) => toDomain.get(w),
  };
};

/** `anrede` of a person: 1 Herr, 2 Frau, 9 keine (wbci.md §9.1). */
export const ANREDE_PERSON: ValueMap = table([
  ['1', 'Herr'],
  ['2', 'Frau'],
  ['9', 'keine'],
]);
/** `anrede` of a company: 4 Firma, 9 keine. */
export const ANREDE_FIRMA: ValueMap = table([
  ['4', 'Firma'],
  ['9', 'keine'],
]);

export const BOOLEAN: ValueMap = {
  toWire: (v) => (v === true ? 'true' : v === false ? 'false' : undefined),
  fromWire: (w) => w === 'true' || w === '1',
};
/** `alleRufnummern` admits only `true`; a domain `false` is simply not sent. */
export const TRUE_ONLY: ValueMap = {
  toWire: (v) => (v === true ? 'true' : undefined),
  fromWire: () => true,
};
/**
 * RNG numbers of an ABBM position: the wire has one digit string per number (ONKZ and subscriber number
 * together, no leading 0). The split point is not on the wire, so a decoded number has an empty area code.
 */
export const NATIONAL_NUMBER: ValueMap = {
  toWire: (v) => (typeof v === 'string' ? v : undefined),
  fromWire: (w): string => w,
};

/** `Meldungstext` is mandatory on the wire, optional in the domain: send the standard text of the code (wbci.md §5). */
export const defaultText = (position: Record<string, unknown>): string => {
  const code = String(position.code ?? '');
  return standardText(code) ?? code;
};

// ---------------------------------------------------------------------------------------------
// Shared structures (wbci-complex.xsd)

const SENDER = wrap('Absender', [leaf('CarrierCode', 'sender', 'CarrierCode')]);
const PARTNERS = wrap('Endkundenvertragspartner', [
  wrap('EKPauf', [leaf('CarrierCode', 'recipient', 'CarrierCode')]),
  wrap('EKPabg', [leaf('CarrierCode', 'donating', 'CarrierCode')]),
]);

/** PersonOderFirmaType → domain `Party` (`kind` person | company). */
export const PARTY: readonly Field[] = [
  {
    k: 'union',
    tag: 'kind',
    options: [
      {
        wire: 'person',
        tag: 'person',
        fields: [
          leaf('anrede', 'salutation', 'AnredePerson', { map: ANREDE_PERSON }),
          opt('vorname', 'firstName', 'Vorname'),
          leaf('nachname', 'lastName', 'Nachname'),
        ],
      },
      {
        wire: 'firma',
        tag: 'company',
        fields: [
          // the domain may leave a company's salutation out, the wire may not
          leaf('anrede', 'salutation', 'AnredeFirma', { map: ANREDE_FIRMA, dflt: '4' }),
          leaf('firmenname', 'companyName', 'Firmenname'),
          opt('firmennameZweiterTeil', 'companyNameSecondPart', 'Firmenname'),
        ],
      },
    ],
  },
];

/** StandortType → domain `Location`. */
export const LOCATION: readonly Field[] = [
  wrap('strasse', [
    leaf('strassenname', 'street', 'Strassenname'),
    leaf('hausnummer', 'houseNumber', 'Hausnummer'),
    opt('hausnummernZusatz', 'houseNumberSuffix', 'HausnummernZusatz'),
  ]),
  leaf('postleitzahl', 'postalCode', 'Postleitzahl'),
  leaf('ort', 'city', 'Ortsname'),
];

const PHONE: readonly Field[] = [leaf('ONKZ', 'areaCode', 'Ortsnetzkennzahl'), leaf('rufnummer', 'number', 'Rufnummer')];
const PBX_BASE = wrap('onkzDurchwahlAbfragestelle', [
  leaf('ONKZ', 'areaCode', 'Ortsnetzkennzahl'),
  leaf('durchwahlnummer', 'baseNumber', 'Durchwahlnummer'),
  leaf('abfragestelle', 'operatorPosition', 'Abfragestelle'),
]);
const BLOCK: readonly Field[] = [leaf('rnrBlockVon', 'from', 'RufnummernBlock'), leaf('rnrBlockBis', 'to', 'RufnummernBlock')];
const PKI_ABG = leaf('portierungskennungPKIabg', 'pkiAbg', 'Portierungskennung');

/**
 * Content of `RufnummernPortierung` in a VA (RufnummernportierungType) → domain `numbers: NumberPorting`.
 * Flattened into the request so that VA-RRNP can add `PortierungskennungPKIauf` (domain `pkiAuf`, a sibling of
 * `numbers`) inside the same wire element.
 */
const VA_PORTING: readonly Field[] = [
  {
    k: 'union',
    to: 'numbers',
    tag: 'kind',
    options: [
      {
        wire: 'anlagenanschluss',
        tag: 'block',
        fields: [PBX_BASE, list('zuPortierenderRufnummernblock', 'blocks', BLOCK, 1, 5)],
      },
      {
        wire: 'einzelanschluss',
        tag: 'single',
        fields: [
          wrap('rufnummernliste', [list('zuPortierendeOnkzRnr', 'list', PHONE, 1, 10)]),
          opt('alleRufnummern', 'allNumbers', 'AlleRufnummern', { map: TRUE_ONLY }),
        ],
      },
    ],
  },
  leaf('Portierungszeitfenster', 'numbers.portingWindow', 'Portierungszeitfenster'),
];

/** RufnummernportierungMeldungType (RUEM-VA) → domain `ConfirmedPorting`. */
const CONFIRMED_PORTING: readonly Field[] = [
  {
    k: 'union',
    tag: 'kind',
    options: [
      { wire: 'portierungRufnummern', tag: 'single', fields: [list('zuPortierendeOnkzRnr', 'list', [...PHONE, PKI_ABG], 1, 10)] },
      {
        wire: 'portierungRufnummernbloecke',
        tag: 'block',
        fields: [PBX_BASE, list('zuPortierenderRufnummernblock', 'blocks', [...BLOCK, PKI_ABG], 1, 5)],
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Requests (wbci-request.xsd)

const VA_BASE: readonly Field[] = [
  SENDER,
  PARTNERS,
  leaf('VorabstimmungsId', 'vaId', 'VorabstimmungsId'),
  leaf('Kundenwunschtermin', 'requestedDate', 'Termin'),
  obj('Endkunde', 'customer', PARTY),
  list('WeitereAnschlussinhaber', 'furtherHolders', PARTY, 0, 99, { omitEmpty: true }),
  obj('ProjektId', 'project', [leaf('projektkenner', 'id', 'Projektkenner'), opt('kopplungskenner', 'couplingId', 'Kopplungskenner')], true),
];
const STANDORT = obj('Standort', 'location', LOCATION);
const NAME_OPT = obj('Name', 'name', PARTY, true);
const STANDORT_OPT = obj('Standort', 'location', LOCATION, true);
const STORNOGRUND = leaf('Stornogrund', 'reason', 'Freitext255');
const STORNO_BASE: readonly Field[] = [
  SENDER,
  PARTNERS,
  leaf('StornoId', 'stornoId', 'StornoId'),
  leaf('VorabstimmungsIdRef', 'vaIdRef', 'VorabstimmungsId'),
];

export type RequestMessageType = 'VA-KUE-MRN' | 'VA-KUE-ORN' | 'VA-RRNP' | 'TVS-VA' | 'STR-AUF' | 'STR-AEN';

export interface RequestWire {
  type: RequestMessageType;
  /** Storno only: the party whose variant this is (the wire has separate EKPauf/EKPabg types) */
  role?: 'auf' | 'abg';
  /** xsi:type local name in NS.request */
  xsiType: string;
  fields: readonly Field[];
}

export const REQUESTS: readonly RequestWire[] = [
  {
    type: 'VA-KUE-MRN',
    xsiType: 'KuendigungMitRNPGeschaeftsfallType',
    fields: [...VA_BASE, STANDORT, wrap('RufnummernPortierung', VA_PORTING)],
  },
  {
    type: 'VA-KUE-ORN',
    xsiType: 'KuendigungOhneRNPGeschaeftsfallType',
    fields: [...VA_BASE, STANDORT, obj('Anschlussidentifikation', 'lineIdentification', PHONE, true)],
  },
  {
    type: 'VA-RRNP',
    xsiType: 'ReineRufnummernportierungGeschaeftsfallType',
    fields: [
      ...VA_BASE,
      wrap('RufnummernPortierung', [...VA_PORTING, leaf('PortierungskennungPKIauf', 'pkiAuf', 'Portierungskennung')]),
    ],
  },
  {
    type: 'TVS-VA',
    xsiType: 'TerminverschiebungType',
    fields: [
      SENDER,
      PARTNERS,
      leaf('AenderungsId', 'changeId', 'AenderungsId'),
      leaf('VorabstimmungsIdRef', 'vaIdRef', 'VorabstimmungsId'),
      NAME_OPT,
      leaf('NeuerKundenwunschtermin', 'requestedDate', 'Termin'),
    ],
  },
  { type: 'STR-AUF', role: 'auf', xsiType: 'StornoAufhebungEKPaufType', fields: STORNO_BASE },
  { type: 'STR-AUF', role: 'abg', xsiType: 'StornoAufhebungEKPabgType', fields: [...STORNO_BASE, NAME_OPT, STANDORT_OPT, STORNOGRUND] },
  { type: 'STR-AEN', role: 'auf', xsiType: 'StornoAenderungEKPaufType', fields: [...STORNO_BASE, NAME_OPT, STANDORT_OPT] },
  {
    type: 'STR-AEN',
    role: 'abg',
    xsiType: 'StornoAenderungEKPabgType',
    fields: [...STORNO_BASE, NAME_OPT, STANDORT_OPT, STORNOGRUND],
  },
];

// ---------------------------------------------------------------------------------------------
// Meldungen (wbci-message.xsd)

const POSITION: readonly Field[] = [
  leaf('Meldungscode', 'code', 'Meldungscode'),
  leaf('Meldungstext', 'text', 'Meldungstext', { dflt: defaultText }),
];

const meldungBase = (positionXsiType: string, positionFields: readonly Field[]): readonly Field[] => [
  SENDER,
  leaf('VorabstimmungsIdRef', 'vaIdRef', 'VorabstimmungsId'),
  PARTNERS,
  leaf('Geschaeftsfall', 'businessCase', 'Geschaeftsfall'),
  list('Position', 'positions', positionFields, 1, 99, { xsiType: positionXsiType }),
];

const ANSWER_REFS: readonly Field[] = [
  opt('Wechseltermin', 'switchDate', 'Termin'),
  opt('StornoIdRef', 'stornoIdRef', 'StornoId'),
  opt('AenderungsIdRef', 'changeIdRef', 'AenderungsId'),
];

export type MeldungMessageType = 'RUEM-VA' | 'ABBM' | 'AKM-TR' | 'ABBM-TR' | 'ERLM';

export interface MeldungWire {
  type: MeldungMessageType;
  /** xsi:type local name in NS.message */
  xsiType: string;
  fields: readonly Field[];
}

export const MELDUNGEN: readonly MeldungWire[] = [
  {
    type: 'RUEM-VA',
    xsiType: 'MeldungRUEM_VAType',
    fields: [
      ...meldungBase('MeldungsPositionRUEM_VAType', [
        ...POSITION,
        {
          k: 'keyed',
          wire: 'adresseAbweichend',
          to: 'corrected',
          opt: true,
          options: [
            { wire: 'hausnummer', key: 'houseNumber', type: 'Hausnummer' },
            { wire: 'ort', key: 'city', type: 'Ortsname' },
            { wire: 'postleitzahl', key: 'postalCode', type: 'Postleitzahl' },
            { wire: 'strassenname', key: 'street', type: 'Strassenname' },
          ],
        },
      ]),
      list(
        'Ressource',
        'resources',
        [
          opt('vertragsnummer', 'contractNumber', 'Vertragsnummer'),
          opt('lineID', 'lineId', 'LineID'),
          opt('identifizierer', 'identifier', 'Identifizierer'),
          opt('kennungTNBabg', 'tnbId', 'Portierungskennung'),
        ],
        0,
        99,
        { omitEmpty: true },
      ),
      opt('Technologie', 'technology', 'Technologie'),
      leaf('Wechseltermin', 'switchDate', 'Termin'),
      obj('RufnummernPortierung', 'numbers', CONFIRMED_PORTING, true),
    ],
  },
  {
    type: 'ABBM',
    xsiType: 'MeldungABBMType',
    fields: [
      ...meldungBase('MeldungsPositionABBMType', [
        ...POSITION,
        { k: 'leafList', wire: 'Rufnummer', to: 'numbers', type: 'Rufnummer', min: 0, max: 10, omitEmpty: true, map: NATIONAL_NUMBER },
      ]),
      ...ANSWER_REFS,
      opt('Begruendung', 'reason', 'Freitext255'),
    ],
  },
  {
    type: 'AKM-TR',
    xsiType: 'MeldungAKM_TRType',
    fields: [
      ...meldungBase('MeldungsPositionAKM_TRType', POSITION),
      leaf('Ressourcenuebernahme', 'takeOver', 'Boolean', { map: BOOLEAN }),
      list('UebernahmeLeitung', 'lines', [opt('lineID', 'lineId', 'LineID'), opt('vertragsnummer', 'contractNumber', 'Vertragsnummer')], 0, 99, {
        oneOf: true,
      }),
      leaf('SichererHafen', 'safeHarbour', 'Boolean', { map: BOOLEAN }),
      opt('PortierungskennungPKIauf', 'pkiAuf', 'Portierungskennung'),
    ],
  },
  { type: 'ABBM-TR', xsiType: 'MeldungABBM_TRType', fields: meldungBase('MeldungsPositionABBM_TRType', POSITION) },
  { type: 'ERLM', xsiType: 'MeldungERLMType', fields: [...meldungBase('MeldungsPositionERLMType', POSITION), ...ANSWER_REFS] },
];

// ---------------------------------------------------------------------------------------------
// Control block and Quittung (wbci-envelope.xsd, MeldungTEQType)

export const CONTROL: readonly Field[] = [
  leaf('zeitstempel', 'timestamp', 'Zeitstempel'),
  leaf('majorRelease', 'major', 'MajorVersion'),
  leaf('minorRelease', 'minor', 'MinorVersion'),
  obj('signaturId', 'signature', [leaf('issuer', 'issuer', 'SignatureIssuer'), leaf('serial', 'serial', 'SignatureSerial')], true),
];

export const TEQ_POSITION_XSI_TYPE = 'MeldungsPositionTEQType';

export const QUITTUNG: readonly Field[] = [
  SENDER,
  leaf('VorabstimmungsIdRef', 'vaIdRef', 'VorabstimmungsId'),
  list('Position', 'positions', POSITION, 1, 99, { xsiType: TEQ_POSITION_XSI_TYPE }),
];

// ---------------------------------------------------------------------------------------------
// Lookups

const requestByXsi = new Map(REQUESTS.map((r) => [r.xsiType, r]));
const meldungByXsi = new Map(MELDUNGEN.map((m) => [m.xsiType, m]));
const meldungByType = new Map(MELDUNGEN.map((m) => [m.type, m]));

export const requestWireByXsiType = (local: string): RequestWire | undefined => requestByXsi.get(local);
export const meldungWireByXsiType = (local: string): MeldungWire | undefined => meldungByXsi.get(local);

/** The wire form of a message; Stornos pick the EKPauf or EKPabg variant from the party that sends them. */
export function wireOf(m: WbciMessage): { kind: 'request'; wire: RequestWire } | { kind: 'meldung'; wire: MeldungWire } {
  const meldung = meldungByType.get(m.type as MeldungMessageType);
  if (meldung) return { kind: 'meldung', wire: meldung };
  const role = m.type === 'STR-AUF' || m.type === 'STR-AEN' ? stornoRole(m) : undefined;
  const request = REQUESTS.find((r) => r.type === m.type && r.role === role);
  if (!request) throw new Error(`no wire form for message type '${String(m.type)}'`);
  return { kind: 'request', wire: request };
}

/** A Storno sent by the donating party (EKPabg) uses the EKPabg variant; every other sender the EKPauf one. */
export const stornoRole = (m: { sender: string; donating: string }): 'auf' | 'abg' => (m.sender === m.donating ? 'abg' : 'auf');
