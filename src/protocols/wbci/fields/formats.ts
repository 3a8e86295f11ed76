/** The simple types of WBCI fields (wbci.md §8, §9.1): identifiers, numbers, text, dates. */
export type ValidationMode = 'send' | 'receive';
export type Severity = 'error' | 'warning';

// ---------------------------------------------------------------------------------------------
// Identifiers (wbci.md §8)

export const carrierCodePattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}$/;
export const vaIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.V[0-9A-Z]{9}$/;
export const stornoIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.S[0-9A-Z]{9}$/;
export const changeIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.T[0-9A-Z]{9}$/;
export const lineIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.[0-9A-Z]{1,10}$/;

export const businessIdCapture = /^([0-9A-Z]{3}\.[0-9A-Z]{1,6})\.([VST])[0-9A-Z]{9}$/;
export const lineIdCapture = /^([0-9A-Z]{3}\.[0-9A-Z]{1,6})\.[0-9A-Z]{1,10}$/;

/** Which business id a string is: V (Vorabstimmung), S (Storno), T (Terminverschiebung). */
export function idKind(id: string): 'V' | 'S' | 'T' | undefined {
  const m = businessIdCapture.exec(id);
  return m ? (m[2] as 'V' | 'S' | 'T') : undefined;
}

/** The carrier-code part of a V/S/T id or a Line-ID (`DEU.EKPA.V000000001` → `DEU.EKPA`). */
export function idPrefix(id: string): string | undefined {
  const m = businessIdCapture.exec(id) ?? lineIdCapture.exec(id);
  return m ? m[1] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Numbers, porting, codes (wbci.md §9.1)

/** ONKZ without the leading 0. */
export const areaCodePattern = /^[1-9]\d{1,4}$/;
export const phoneNumberPattern = /^\d{1,14}$/;
/** RNG numbers in an ABBM position: ONKZ (2-5 digits, no leading 0) + Rufnummer (1-14 digits) as one string */
export const nationalNumberPattern = /^[1-9]\d{2,18}$/;
/** `durchwahlnummer` of a PBX line */
export const baseNumberPattern = /^\d{1,8}$/;
/** `abfragestelle` */
export const operatorPositionPattern = /^\d{1,6}$/;
/** `rnrBlockVon` / `rnrBlockBis` */
export const blockEndPattern = /^\d{1,6}$/;
/** `rnrBlockVon`: first digit followed by zeros */
export const blockFromShapePattern = /^\d0*$/;
/** `rnrBlockBis`: first digit followed by nines */
export const blockToShapePattern = /^\d9*$/;
export const portingWindowPattern = /^ZF[123]$/;
/** Portierungskennung (PKIauf, PKIabg, kennungTNBabg) */
export const pkiPattern = /^D[0-9A-F]{3}$/;
/** `technologie`; the 25-character limit is checked separately */
export const technologyPattern = /^[0-9]{3} .*$/;
export const houseNumberPattern = /^\d{1,4}$/;
export const postalCodePattern = /^\d{5}$/;
export const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;
/** wire `Control/majorRelease` and `minorRelease` */
export const releasePattern = /^[0-9]{2}$/;

/**
 * The WBCI character set of names, street, town and Meldungstext: TAB, space, 0-9 a-z A-Z, ASCII
 * punctuation except backtick, `|` and `~`, then `§ ° ± ² ³` and Latin-1 `À`–`ÿ` without `×`/`÷`.
 */
export const restrictedTextPattern = /^[\t\x20-\x5F\x61-\x7B\x7D\xA7\xB0-\xB3\xC0-\xD6\xD8-\xF6\xF8-\xFF]*$/;
/** Free text (`begruendung`, `stornogrund`): the same set plus CR and LF. */
export const freeTextPattern = /^[\t\n\r\x20-\x5F\x61-\x7B\x7D\xA7\xB0-\xB3\xC0-\xD6\xD8-\xF6\xF8-\xFF]*$/;
// `u`: report a character outside the BMP whole, not its first surrogate
export const restrictedBadChar = /[^\t\x20-\x5F\x61-\x7B\x7D\xA7\xB0-\xB3\xC0-\xD6\xD8-\xF6\xF8-\xFF]/u;
export const freeTextBadChar = /[^\t\n\r\x20-\x5F\x61-\x7B\x7D\xA7\xB0-\xB3\xC0-\xD6\xD8-\xF6\xF8-\xFF]/u;
export const blank = /^[ \t\r\n]*$/;

export const LIMITS = {
  name: 30,
  street: 40,
  houseNumberSuffix: 6,
  city: 40,
  projectId: 30,
  technology: 25,
  contractNumber: 10,
  identifier: 20,
  meldungscode: 10,
  meldungstext: 255,
  freeText: 255,
  positions: 99,
  furtherHolders: 99,
  singleNumbers: 10,
  blocks: 5,
  resources: 99,
  akmTrLines: 99,
  rngNumbers: 10,
} as const;

/** The technology values agreed in the WBCI workstream (M-net's list, wbci.md §9.1). */
export const TECHNOLOGIES: Readonly<Record<string, string>> = Object.freeze({
  '001': 'TAL ISDN',
  '002': 'TAL DSL',
  '003': 'TAL VDSL',
  '004': 'ADSL SA Annex J',
  '005': 'ADSL SA Annex B',
  '006': 'ADSL SA',
  '007': 'ADSL SH',
  '008': 'SDSL SA',
  '009': 'VDSL SA',
  '010': 'UMTS',
  '011': 'LTE',
  '012': 'FTTC',
  '013': 'FTTB',
  '014': 'FTTH',
  '015': 'HFC',
  '016': 'Koax',
  '017': 'Kupfer',
  '018': 'Kupfer MX',
  '019': 'GF',
  '020': 'Kupfer GF',
  '021': 'Sonstiges',
});
export const KNOWN_TECHNOLOGY_VALUES: ReadonlySet<string> = new Set(
  Object.entries(TECHNOLOGIES).map(([k, v]) => `${k} ${v}`),
);

/** The full wire value of a technology number: `technologyValue('001')` → `001 TAL ISDN`. */
export function technologyValue(code: string): string | undefined {
  const label = TECHNOLOGIES[code];
  return label === undefined ? undefined : `${code} ${label}`;
}

// ---------------------------------------------------------------------------------------------
// Boolean checkers

export const isCarrierCode = (s: string): boolean => carrierCodePattern.test(s);
export const isVaId = (s: string): boolean => vaIdPattern.test(s);
export const isStornoId = (s: string): boolean => stornoIdPattern.test(s);
export const isChangeId = (s: string): boolean => changeIdPattern.test(s);
export const isLineId = (s: string): boolean => lineIdPattern.test(s);
export const isAreaCode = (s: string): boolean => areaCodePattern.test(s);
export const isPhoneNumber = (s: string): boolean => phoneNumberPattern.test(s);
export const isBaseNumber = (s: string): boolean => baseNumberPattern.test(s);
export const isOperatorPosition = (s: string): boolean => operatorPositionPattern.test(s);
export const isPortingWindow = (s: string): boolean => portingWindowPattern.test(s);
export const isPki = (s: string): boolean => pkiPattern.test(s);
export const isHouseNumber = (s: string): boolean => houseNumberPattern.test(s);
export const isPostalCode = (s: string): boolean => postalCodePattern.test(s);
export const isRestrictedText = (s: string): boolean => restrictedTextPattern.test(s);
export const isKnownTechnology = (s: string): boolean => KNOWN_TECHNOLOGY_VALUES.has(s);

/** `[0-9]{3} .*`, at most 25 characters, in the WBCI character set. */
export const isTechnology = (s: string): boolean =>
  s.length <= LIMITS.technology && technologyPattern.test(s) && restrictedTextPattern.test(s);

/** 1–255 characters of the character set plus CR/LF. */
export const isFreeText = (s: string): boolean =>
  s.length >= 1 && s.length <= LIMITS.freeText && freeTextPattern.test(s);

/** 1–`max` characters of the restricted character set. */
export const isText = (s: string, max: number): boolean =>
  s.length >= 1 && s.length <= max && restrictedTextPattern.test(s);

export const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD` naming a day that exists in the Gregorian calendar (year 0001–9999). */
export function isCalendarDate(s: string): boolean {
  if (!isoDatePattern.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]);
}
