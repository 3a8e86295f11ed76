/**
 * WBCI message catalogue as TypeScript types (wbci.md §3, §4, §9).
 *
 * These are the *domain* shapes: English names, no wire concerns. The SOAP and JSON codecs
 * translate them to and from the German WBCI v2 wire names; the REST layer maps its binding
 * request bodies onto them. Every string stays a string (numbers with leading zeros, codes).
 */

/** ITU M.1400 carrier code, e.g. `DEU.EKPA` (wbci.md §8). */
export type CarrierCode = string;
/** Calendar date `YYYY-MM-DD`, no time zone. */
export type IsoDate = string;
/** Instant, ISO 8601 with offset. */
export type IsoDateTime = string;

/** The two parties of a Vorabstimmung. */
export type WbciParty = 'auf' | 'abg';

export const VA_TYPES = ['VA-KUE-MRN', 'VA-KUE-ORN', 'VA-RRNP'] as const;
export type VaType = (typeof VA_TYPES)[number];

export const CHANGE_TYPES = ['TVS-VA', 'STR-AUF', 'STR-AEN'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];
export type StornoType = Exclude<ChangeType, 'TVS-VA'>;

export const MELDUNG_TYPES = ['RUEM-VA', 'ABBM', 'AKM-TR', 'ABBM-TR', 'ERLM'] as const;
export type MeldungType = (typeof MELDUNG_TYPES)[number];

export type WbciMessageType = VaType | ChangeType | MeldungType;

export const isVaType = (t: string): t is VaType => (VA_TYPES as readonly string[]).includes(t);
export const isChangeType = (t: string): t is ChangeType => (CHANGE_TYPES as readonly string[]).includes(t);
export const isKue = (t: VaType): boolean => t === 'VA-KUE-MRN' || t === 'VA-KUE-ORN';

// ---------------------------------------------------------------------------------------------
// Parties, location, numbers (wbci.md §9.1, §9.2)

export type Salutation = 'Herr' | 'Frau' | 'keine';

export interface PersonParty {
  kind: 'person';
  /** wire `anrede`: 1 = Herr, 2 = Frau, 9 = keine */
  salutation: Salutation;
  firstName?: string;
  lastName: string;
}

export interface CompanyParty {
  kind: 'company';
  /** wire `anrede`: 4 = Firma, 9 = keine */
  salutation?: 'Firma' | 'keine';
  companyName: string;
  companyNameSecondPart?: string;
}

export type Party = PersonParty | CompanyParty;

export interface Location {
  street: string;
  houseNumber: string;
  houseNumberSuffix?: string;
  postalCode: string;
  city: string;
}

export type PortingWindow = 'ZF1' | 'ZF2' | 'ZF3';

export interface PhoneNumber {
  /** ONKZ without the leading 0 */
  areaCode: string;
  number: string;
}

export interface NumberBlock {
  from: string;
  to: string;
}

/** `einzelanschluss`: up to 10 single numbers. */
export interface SingleLinePorting {
  kind: 'single';
  portingWindow: PortingWindow;
  list: PhoneNumber[];
  /** `alleRufnummern`: port every number of the line, evaluated for lines with several numbers */
  allNumbers?: boolean;
}

/** `anlagenanschluss`: a PBX line with a base number and 1..5 blocks. */
export interface PbxPorting {
  kind: 'block';
  portingWindow: PortingWindow;
  areaCode: string;
  /** `durchwahlnummer` */
  baseNumber: string;
  /** `abfragestelle` */
  operatorPosition: string;
  blocks: NumberBlock[];
}

export type NumberPorting = SingleLinePorting | PbxPorting;

export interface Project {
  /** `projektkenner` */
  id: string;
  /** `kopplungskenner` */
  couplingId?: string;
}

// ---------------------------------------------------------------------------------------------
// Requests (Anfragen)

interface RequestBase {
  /** carrier codes of both contract partners (`Endkundenvertragspartner`) */
  recipient: CarrierCode; // EKPauf
  donating: CarrierCode; // EKPabg
  /** `Absender`: the carrier that sent this message */
  sender: CarrierCode;
}

export interface VaRequestBase extends RequestBase {
  vaId: string;
  /** `Kundenwunschtermin` (KWT) */
  requestedDate: IsoDate;
  customer: Party;
  furtherHolders?: Party[];
  project?: Project;
  /**
   * switchgate extension, not a WBCI element: the cancelled VA (after STR-AEN) this successor replaces.
   * Kept with the outbound message and sent in switchgate's delivery header, never in the WBCI body.
   */
  replaces?: string;
}

export interface VaKueMrn extends VaRequestBase {
  type: 'VA-KUE-MRN';
  location: Location;
  numbers: NumberPorting;
}

export interface VaKueOrn extends VaRequestBase {
  type: 'VA-KUE-ORN';
  location: Location;
  /** `anschlussidentifikation` */
  lineIdentification?: PhoneNumber;
}

export interface VaRrnp extends VaRequestBase {
  type: 'VA-RRNP';
  numbers: NumberPorting;
  /** `PortierungskennungPKIauf`, `D[0-9A-F]{3}` */
  pkiAuf: string;
}

export type VaRequest = VaKueMrn | VaKueOrn | VaRrnp;

export interface TvsVa extends RequestBase {
  type: 'TVS-VA';
  /** T-ID (`aenderungsId`) */
  changeId: string;
  vaIdRef: string;
  name?: Party;
  /** `neuerKundenwunschtermin` */
  requestedDate: IsoDate;
}

export interface Storno extends RequestBase {
  type: StornoType;
  /** S-ID */
  stornoId: string;
  vaIdRef: string;
  name?: Party;
  location?: Location;
  /** `stornogrund`: mandatory when sent by the donating party */
  reason?: string;
}

export type ChangeRequest = TvsVa | Storno;
export type WbciRequest = VaRequest | ChangeRequest;

// ---------------------------------------------------------------------------------------------
// Meldungen

export type CorrectedAddressField = 'postalCode' | 'city' | 'street' | 'houseNumber';

export interface Position {
  /** `Meldungscode`, e.g. `8001`; unknown codes are passed through (wbci.md §5) */
  code: string;
  /** `Meldungstext`; defaults to the standard text of the code */
  text?: string;
  /**
   * RNG (8103): up to 10 numbers as the wire carries them — one digit string each, ONKZ without
   * the leading 0 followed by the subscriber number (`891234567`); the split point is not on the wire.
   */
  numbers?: string[];
  /** ADA (8104–8107): the one corrected address value */
  corrected?: { field: CorrectedAddressField; value: string };
}

interface MeldungBase {
  recipient: CarrierCode;
  donating: CarrierCode;
  sender: CarrierCode;
  vaIdRef: string;
  /** `geschaeftsfall`: the VA's type, or the change request's type when answering one */
  businessCase: VaType | ChangeType;
  positions: Position[];
}

export interface Resource {
  /** WITA `vertragsnummer` ≤10 */
  contractNumber?: string;
  lineId?: string;
  /** `identifizierer` ≤20 */
  identifier?: string;
  /** `kennungTNBabg` */
  tnbId?: string;
}

export interface ConfirmedNumber extends PhoneNumber {
  /** `portierungskennungPKIabg` */
  pkiAbg: string;
}

export type ConfirmedPorting =
  | { kind: 'single'; list: ConfirmedNumber[] }
  | {
      kind: 'block';
      areaCode: string;
      baseNumber: string;
      operatorPosition: string;
      blocks: (NumberBlock & { pkiAbg: string })[];
    };

export interface RuemVa extends MeldungBase {
  type: 'RUEM-VA';
  /** `wechseltermin` (mandatory) */
  switchDate: IsoDate;
  /** `technologie`, e.g. `001 TAL ISDN` (KUE) */
  technology?: string;
  resources?: Resource[];
  numbers?: ConfirmedPorting;
}

export interface Abbm extends MeldungBase {
  type: 'ABBM';
  switchDate?: IsoDate;
  stornoIdRef?: string;
  changeIdRef?: string;
  /** `begruendung` ≤255 */
  reason?: string;
}

export interface AkmTrLine {
  lineId?: string;
  contractNumber?: string;
}

export interface AkmTr extends MeldungBase {
  type: 'AKM-TR';
  /** `ressourcenuebernahme` */
  takeOver: boolean;
  /** `uebernahmeLeitung` 0..99 */
  lines: AkmTrLine[];
  /** `sichererHafen` */
  safeHarbour: boolean;
  pkiAuf?: string;
}

export interface AbbmTr extends MeldungBase {
  type: 'ABBM-TR';
}

export interface Erlm extends MeldungBase {
  type: 'ERLM';
  switchDate?: IsoDate;
  stornoIdRef?: string;
  changeIdRef?: string;
}

export type Meldung = RuemVa | Abbm | AkmTr | AbbmTr | Erlm;

export type WbciMessage = WbciRequest | Meldung;

/** The business id a message carries as its own (V-, T- or S-ID), if it has one. */
export function ownIdOf(m: WbciMessage): string | undefined {
  switch (m.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      return m.vaId;
    case 'TVS-VA':
      return m.changeId;
    case 'STR-AUF':
    case 'STR-AEN':
      return m.stornoId;
    default:
      return undefined;
  }
}

/** The VA-ID a message belongs to. */
export function vaIdOf(m: WbciMessage): string {
  return 'vaId' in m ? m.vaId : m.vaIdRef;
}
