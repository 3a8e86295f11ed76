/**
 * Content validation of WBCI messages: the simple types of wbci.md §8/§9.1 and the per-message
 * structure rules of §9.2/§9.3. No state-machine logic (what may follow what) lives here.
 *
 * Severity policy (wbci.md §13 and §5): a rule the receiving side cannot judge, or one that only
 * one operator applies to its *outgoing* messages, is an error when we send and a warning when we
 * receive. Everything normative is an error both ways.
 *
 * This module and codes.ts import each other; neither may use the other's exports at module top
 * level (only inside functions), which keeps the cycle safe under ESM whichever loads first.
 */
import type { Issue } from '../../domain/issues.js';
import { validatePositions } from './codes.js';
import {
  CHANGE_TYPES,
  VA_TYPES,
  type Abbm,
  type AkmTr,
  type AbbmTr,
  type Erlm,
  type Meldung,
  type RuemVa,
  type Storno,
  type TvsVa,
  type VaRequest,
  type WbciMessage,
} from './types.js';

export type ValidationMode = 'send' | 'receive';
export type Severity = 'error' | 'warning';

// ---------------------------------------------------------------------------------------------
// Identifiers (wbci.md §8)

export const carrierCodePattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}$/;
export const vaIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.V[0-9A-Z]{9}$/;
export const stornoIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.S[0-9A-Z]{9}$/;
export const changeIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.T[0-9A-Z]{9}$/;
export const lineIdPattern = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}\.[0-9A-Z]{1,10}$/;

const businessIdCapture = /^([0-9A-Z]{3}\.[0-9A-Z]{1,6})\.([VST])[0-9A-Z]{9}$/;
const lineIdCapture = /^([0-9A-Z]{3}\.[0-9A-Z]{1,6})\.[0-9A-Z]{1,10}$/;

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
const restrictedBadChar = /[^\t\x20-\x5F\x61-\x7B\x7D\xA7\xB0-\xB3\xC0-\xD6\xD8-\xF6\xF8-\xFF]/u;
const freeTextBadChar = /[^\t\n\r\x20-\x5F\x61-\x7B\x7D\xA7\xB0-\xB3\xC0-\xD6\xD8-\xF6\xF8-\xFF]/u;
const blank = /^[ \t\r\n]*$/;

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
const KNOWN_TECHNOLOGY_VALUES: ReadonlySet<string> = new Set(
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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

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

// ---------------------------------------------------------------------------------------------
// Issue-producing primitives, shared with codes.ts and usable by other validators

/** A pattern-checked field: the regex and how to describe the expected value. */
export interface FieldSpec {
  readonly re: RegExp;
  readonly expected: string;
  /** echo the rejected value in the message (never for personal data) */
  readonly echo: boolean;
  readonly maxLength?: number;
}

export const FIELD = {
  carrierCode: {
    re: carrierCodePattern,
    expected: 'a carrier code [0-9A-Z]{3}.[0-9A-Z]{1,6} such as DEU.EKPA',
    echo: true,
  },
  vaId: {
    re: vaIdPattern,
    expected: 'a Vorabstimmungs-ID <carrier code>.V + 9 characters [0-9A-Z] such as DEU.EKPA.V000000001',
    echo: true,
  },
  stornoId: {
    re: stornoIdPattern,
    expected: 'a Storno-ID <carrier code>.S + 9 characters [0-9A-Z] such as DEU.EKPA.S000000001',
    echo: true,
  },
  changeId: {
    re: changeIdPattern,
    expected: 'an Änderungs-ID <carrier code>.T + 9 characters [0-9A-Z] such as DEU.EKPA.T000000001',
    echo: true,
  },
  lineId: {
    re: lineIdPattern,
    expected: 'a Line-ID <carrier code>.<1-10 characters [0-9A-Z]> such as DEU.EKPB.1754639821',
    echo: true,
  },
  areaCode: { re: areaCodePattern, expected: 'an ONKZ of 2-5 digits without the leading 0 ([1-9][0-9]{1,4})', echo: false },
  phoneNumber: { re: phoneNumberPattern, expected: 'a Rufnummer of 1-14 digits', echo: false },
  nationalNumber: { re: nationalNumberPattern, expected: 'a national number: ONKZ without the leading 0 followed by the Rufnummer (3-19 digits, first digit 1-9)', echo: false },
  baseNumber: { re: baseNumberPattern, expected: 'a Durchwahlnummer of 1-8 digits', echo: false },
  operatorPosition: { re: operatorPositionPattern, expected: 'an Abfragestelle of 1-6 digits', echo: false },
  blockEnd: { re: blockEndPattern, expected: 'a block boundary of 1-6 digits', echo: true },
  portingWindow: { re: portingWindowPattern, expected: 'a porting window ZF1, ZF2 or ZF3', echo: true },
  pki: { re: pkiPattern, expected: 'a Portierungskennung D + 3 hex digits [0-9A-F] such as D052', echo: true },
  houseNumber: { re: houseNumberPattern, expected: 'a house number of 1-4 digits', echo: false },
  postalCode: { re: postalCodePattern, expected: 'a postal code of exactly 5 digits', echo: false },
} as const satisfies Record<string, FieldSpec>;

export function issue(path: string, rule: string, code: string, message: string, severity: Severity = 'error'): Issue {
  return { path, rule, code, message, severity };
}

/** `an ABBM`, `an ERLM`, `a RUEM-VA`, `a TVS-VA`. */
export const withArticle = (type: string): string => `${type[0] === 'A' || type[0] === 'E' ? 'an' : 'a'} ${type}`;

export const present = (v: unknown): boolean => v !== undefined && v !== null;
export const isBlank = (s: string): boolean => blank.test(s);

function got(value: string, echo: boolean): string {
  return echo ? `got ${JSON.stringify(value)}` : `got ${value.length} character(s)`;
}

function typeIssue(out: Issue[], path: string, expected: string): void {
  out.push(issue(path, 'type', 'SG_FIELD_FORMAT', `${path} must be ${expected}.`));
}

/**
 * A string field checked by regex. Returns true when the value is present and valid, so callers
 * can run follow-up rules (prefixes, block shape) only on well-formed values.
 */
export function checkPattern(out: Issue[], value: unknown, path: string, spec: FieldSpec, required: boolean): value is string {
  if (!present(value)) {
    if (required) out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} is required: ${spec.expected}.`));
    return false;
  }
  if (typeof value !== 'string') {
    typeIssue(out, path, `a string (${spec.expected})`);
    return false;
  }
  if (value === '' && required) {
    out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} must not be empty: ${spec.expected}.`));
    return false;
  }
  if (!spec.re.test(value)) {
    out.push(issue(path, 'pattern', 'SG_FIELD_FORMAT', `${path} must be ${spec.expected}; ${got(value, spec.echo)}.`));
    return false;
  }
  return true;
}

export interface TextOptions {
  max: number;
  required: boolean;
  /** free text: CR/LF allowed */
  multiline?: boolean;
  severity?: Severity;
}

/** A text field: presence, 1..max characters, WBCI character set. Returns true when valid. */
export function checkText(out: Issue[], value: unknown, path: string, opts: TextOptions): value is string {
  const sev = opts.severity ?? 'error';
  if (!present(value)) {
    if (opts.required) {
      out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} is required (1-${opts.max} characters).`, sev));
    }
    return false;
  }
  if (typeof value !== 'string') {
    out.push(issue(path, 'type', 'SG_FIELD_FORMAT', `${path} must be a string of 1-${opts.max} characters.`, sev));
    return false;
  }
  if (opts.required && isBlank(value)) {
    out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} must not be empty or blank (1-${opts.max} characters).`, sev));
    return false;
  }
  let ok = true;
  if (value.length === 0) {
    out.push(issue(path, 'minLength', 'SG_FIELD_LENGTH', `${path} must be 1-${opts.max} characters when present; got an empty string.`, sev));
    ok = false;
  } else if (value.length > opts.max) {
    out.push(issue(path, 'maxLength', 'SG_FIELD_LENGTH', `${path} must be at most ${opts.max} characters; got ${value.length}.`, sev));
    ok = false;
  }
  if (!checkCharset(out, value, path, opts.multiline === true, sev)) ok = false;
  return ok;
}

/** Reports the first character outside the WBCI character set. Returns true when there is none. */
export function checkCharset(out: Issue[], value: string, path: string, multiline: boolean, severity: Severity = 'error'): boolean {
  const bad = (multiline ? freeTextBadChar : restrictedBadChar).exec(value);
  if (!bad) return true;
  const ch = bad[0];
  const cp = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  out.push(
    issue(
      path,
      'charset',
      'SG_FIELD_FORMAT',
      `${path} must use only the WBCI character set${multiline ? ' (plus CR/LF)' : ''}; ` +
        `${JSON.stringify(ch)} (U+${cp}) at index ${bad.index} is not allowed.`,
      severity,
    ),
  );
  return false;
}

/** YYYY-MM-DD and a real calendar day. */
export function checkDate(out: Issue[], value: unknown, path: string, required: boolean): value is string {
  if (!present(value)) {
    if (required) out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} is required: a date YYYY-MM-DD.`));
    return false;
  }
  if (typeof value !== 'string') {
    typeIssue(out, path, 'a date string YYYY-MM-DD');
    return false;
  }
  if (!isoDatePattern.test(value)) {
    out.push(issue(path, 'pattern', 'SG_FIELD_FORMAT', `${path} must be a date YYYY-MM-DD without time or zone; got ${JSON.stringify(value)}.`));
    return false;
  }
  if (!isCalendarDate(value)) {
    out.push(issue(path, 'calendarDate', 'SG_FIELD_FORMAT', `${path} must be a real calendar date; ${JSON.stringify(value)} does not exist.`));
    return false;
  }
  return true;
}

/** An ONKZ + Rufnummer pair. */
export function checkPhoneNumber(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'an object { areaCode, number }');
    return;
  }
  checkPattern(out, value.areaCode, `${path}/areaCode`, FIELD.areaCode, true);
  checkPattern(out, value.number, `${path}/number`, FIELD.phoneNumber, true);
}

/**
 * Checks a list's presence and size. Returns the array when it can be iterated (even if its size
 * is out of range, so that its items are still checked).
 */
export function checkList(out: Issue[], value: unknown, path: string, min: number, max: number, what: string): readonly unknown[] | undefined {
  if (!present(value)) {
    if (min > 0) out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} is required: ${min}-${max} ${what}.`));
    return undefined;
  }
  if (!Array.isArray(value)) {
    typeIssue(out, path, `a list of ${min}-${max} ${what}`);
    return undefined;
  }
  if (value.length < min) {
    out.push(issue(path, 'minItems', 'SG_FIELD_RANGE', `${path} must hold ${min}-${max} ${what}; got ${value.length}.`));
  } else if (value.length > max) {
    out.push(issue(path, 'maxItems', 'SG_FIELD_RANGE', `${path} must hold at most ${max} ${what}; got ${value.length}.`));
  }
  return value as readonly unknown[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const get = (o: object, key: string): unknown => (o as Record<string, unknown>)[key];

function forbid(out: Issue[], o: object, key: string, where: string, severity: Severity = 'error'): void {
  if (present(get(o, key))) {
    out.push(issue(`/${key}`, 'forbidden', 'SG_FIELD_FORBIDDEN', `/${key} is not allowed in ${where}; leave it out.`, severity));
  }
}

const softSeverity = (mode: ValidationMode): Severity => (mode === 'send' ? 'error' : 'warning');

// ---------------------------------------------------------------------------------------------
// Composite checks

function checkParty(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a person or company object');
    return;
  }
  const name = { max: LIMITS.name, required: true };
  const optName = { max: LIMITS.name, required: false };
  if (value.kind === 'person') {
    if (!present(value.salutation)) {
      out.push(issue(`${path}/salutation`, 'required', 'SG_FIELD_REQUIRED', `${path}/salutation is required: Herr, Frau or keine.`));
    } else if (value.salutation !== 'Herr' && value.salutation !== 'Frau' && value.salutation !== 'keine') {
      out.push(issue(`${path}/salutation`, 'oneOf', 'SG_FIELD_RANGE', `${path}/salutation of a person must be Herr, Frau or keine; got ${JSON.stringify(value.salutation)}.`));
    }
    checkText(out, value.firstName, `${path}/firstName`, optName);
    checkText(out, value.lastName, `${path}/lastName`, name);
  } else if (value.kind === 'company') {
    if (present(value.salutation) && value.salutation !== 'Firma' && value.salutation !== 'keine') {
      out.push(issue(`${path}/salutation`, 'oneOf', 'SG_FIELD_RANGE', `${path}/salutation of a company must be Firma or keine; got ${JSON.stringify(value.salutation)}.`));
    }
    checkText(out, value.companyName, `${path}/companyName`, name);
    checkText(out, value.companyNameSecondPart, `${path}/companyNameSecondPart`, optName);
  } else {
    out.push(issue(`${path}/kind`, 'oneOf', 'SG_FIELD_RANGE', `${path}/kind must be person or company; got ${JSON.stringify(value.kind)}.`));
  }
}

function checkLocation(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a location object { street, houseNumber, postalCode, city }');
    return;
  }
  checkText(out, value.street, `${path}/street`, { max: LIMITS.street, required: true });
  checkPattern(out, value.houseNumber, `${path}/houseNumber`, FIELD.houseNumber, true);
  checkText(out, value.houseNumberSuffix, `${path}/houseNumberSuffix`, { max: LIMITS.houseNumberSuffix, required: false });
  checkPattern(out, value.postalCode, `${path}/postalCode`, FIELD.postalCode, true);
  checkText(out, value.city, `${path}/city`, { max: LIMITS.city, required: true });
}

function checkProject(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a project object { id, couplingId? }');
    return;
  }
  checkText(out, value.id, `${path}/id`, { max: LIMITS.projectId, required: true });
  checkText(out, value.couplingId, `${path}/couplingId`, { max: LIMITS.projectId, required: false });
}

/**
 * The §9.1 block rules: von < bis, same length, von = digit + zeros, bis = digit + nines, no two
 * blocks overlapping. Overlap is only decidable between blocks of equal length: blocks of
 * different lengths address extensions of different lengths.
 */
export function checkBlocks(out: Issue[], blocks: readonly unknown[], path: string, mode: ValidationMode, withPki: boolean): void {
  const sev = softSeverity(mode);
  const ranges: ({ from: string; to: string } | undefined)[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const p = `${path}/${i}`;
    const b = blocks[i];
    ranges.push(undefined);
    if (!isRecord(b)) {
      typeIssue(out, p, 'a block object { from, to }');
      continue;
    }
    const okFrom = checkPattern(out, b.from, `${p}/from`, FIELD.blockEnd, true);
    const okTo = checkPattern(out, b.to, `${p}/to`, FIELD.blockEnd, true);
    if (withPki) checkPattern(out, b.pkiAbg, `${p}/pkiAbg`, FIELD.pki, true);
    if (!okFrom || !okTo) continue;
    const from = b.from as string;
    const to = b.to as string;
    if (!blockFromShapePattern.test(from)) {
      out.push(issue(`${p}/from`, 'blockShape', 'SG_FIELD_FORMAT', `${p}/from must be one digit followed only by zeros (e.g. 00, 20, 300); got ${JSON.stringify(from)}.`, sev));
    }
    if (!blockToShapePattern.test(to)) {
      out.push(issue(`${p}/to`, 'blockShape', 'SG_FIELD_FORMAT', `${p}/to must be one digit followed only by nines (e.g. 49, 29, 499); got ${JSON.stringify(to)}.`, sev));
    }
    if (from.length !== to.length) {
      out.push(issue(`${p}/to`, 'sameLength', 'SG_FIELD_LENGTH', `${p}/to must have the same number of digits as from (${from.length}); got ${to.length}.`, sev));
      continue;
    }
    if (from >= to) {
      out.push(issue(p, 'ascending', 'SG_FIELD_RANGE', `${p}/from must be lower than to; got ${from}-${to}.`, sev));
      continue;
    }
    ranges[i] = { from, to };
  }
  for (let j = 1; j < ranges.length; j++) {
    const b = ranges[j];
    if (!b) continue;
    for (let i = 0; i < j; i++) {
      const a = ranges[i];
      if (!a || a.from.length !== b.from.length) continue;
      // equal-length digit strings compare like numbers
      if (a.from <= b.to && b.from <= a.to) {
        out.push(issue(`${path}/${j}`, 'overlap', 'SG_FIELD_RANGE', `${path}/${j} (${b.from}-${b.to}) overlaps ${path}/${i} (${a.from}-${a.to}); blocks must not overlap.`, sev));
        break;
      }
    }
  }
}

/** `rufnummernPortierung` of a VA-KUE-MRN / VA-RRNP. */
function checkRequestPorting(out: Issue[], value: unknown, path: string, mode: ValidationMode): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a number porting object (kind single or block)');
    return;
  }
  checkPattern(out, value.portingWindow, `${path}/portingWindow`, FIELD.portingWindow, true);
  if (value.kind === 'single') {
    const list = checkList(out, value.list, `${path}/list`, 1, LIMITS.singleNumbers, 'numbers');
    if (list) for (let i = 0; i < list.length; i++) checkPhoneNumber(out, list[i], `${path}/list/${i}`);
    if (present(value.allNumbers) && typeof value.allNumbers !== 'boolean') typeIssue(out, `${path}/allNumbers`, 'a boolean');
  } else if (value.kind === 'block') {
    checkPbxHead(out, value, path);
    const blocks = checkList(out, value.blocks, `${path}/blocks`, 1, LIMITS.blocks, 'number blocks');
    if (blocks) checkBlocks(out, blocks, `${path}/blocks`, mode, false);
  } else {
    out.push(issue(`${path}/kind`, 'oneOf', 'SG_FIELD_RANGE', `${path}/kind must be single or block; got ${JSON.stringify(value.kind)}.`));
  }
}

function checkPbxHead(out: Issue[], value: Record<string, unknown>, path: string): void {
  checkPattern(out, value.areaCode, `${path}/areaCode`, FIELD.areaCode, true);
  checkPattern(out, value.baseNumber, `${path}/baseNumber`, FIELD.baseNumber, true);
  checkPattern(out, value.operatorPosition, `${path}/operatorPosition`, FIELD.operatorPosition, true);
}

/** RUEM-VA `rufnummernPortierung`: the confirmed numbers, each with PKIabg. */
function checkConfirmedPorting(out: Issue[], value: unknown, path: string, mode: ValidationMode): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a confirmed porting object (kind single or block)');
    return;
  }
  if (value.kind === 'single') {
    const list = checkList(out, value.list, `${path}/list`, 1, LIMITS.singleNumbers, 'numbers');
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const p = `${path}/list/${i}`;
        checkPhoneNumber(out, list[i], p);
        if (isRecord(list[i])) checkPattern(out, (list[i] as Record<string, unknown>).pkiAbg, `${p}/pkiAbg`, FIELD.pki, true);
      }
    }
  } else if (value.kind === 'block') {
    checkPbxHead(out, value, path);
    const blocks = checkList(out, value.blocks, `${path}/blocks`, 1, LIMITS.blocks, 'number blocks');
    if (blocks) checkBlocks(out, blocks, `${path}/blocks`, mode, true);
  } else {
    out.push(issue(`${path}/kind`, 'oneOf', 'SG_FIELD_RANGE', `${path}/kind must be single or block; got ${JSON.stringify(value.kind)}.`));
  }
}

function checkTechnology(out: Issue[], value: unknown, path: string): void {
  if (!present(value)) return;
  if (typeof value !== 'string') {
    typeIssue(out, path, 'a technology string such as "001 TAL ISDN"');
    return;
  }
  let ok = true;
  if (value.length > LIMITS.technology) {
    out.push(issue(path, 'maxLength', 'SG_FIELD_LENGTH', `${path} must be at most ${LIMITS.technology} characters; got ${value.length}.`));
    ok = false;
  }
  if (!technologyPattern.test(value)) {
    out.push(issue(path, 'pattern', 'SG_FIELD_FORMAT', `${path} must be three digits, a space and a name ([0-9]{3} .*) such as "001 TAL ISDN"; got ${JSON.stringify(value)}.`));
    ok = false;
  }
  if (!checkCharset(out, value, path, false)) ok = false;
  if (ok && !KNOWN_TECHNOLOGY_VALUES.has(value)) {
    const known = technologyValue(value.slice(0, 3));
    out.push(
      issue(
        path,
        'knownValue',
        'SG_FIELD_RANGE',
        known
          ? `${path} ${JSON.stringify(value)} differs from the agreed value ${JSON.stringify(known)}.`
          : `${path} ${JSON.stringify(value)} is not one of the agreed technologies 001-021; passed through.`,
        'warning',
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Per message type

/** Carrier codes of the parties; the sender must be one of them. */
function checkParties(out: Issue[], msg: WbciMessage): { recipient?: string; donating?: string; sender?: string } {
  const r = checkPattern(out, msg.recipient, '/recipient', FIELD.carrierCode, true);
  const d = checkPattern(out, msg.donating, '/donating', FIELD.carrierCode, true);
  const s = checkPattern(out, msg.sender, '/sender', FIELD.carrierCode, true);
  if (r && d && s && msg.sender !== msg.recipient && msg.sender !== msg.donating) {
    out.push(
      issue(
        '/sender',
        'oneOf',
        'SG_FIELD_RANGE',
        `/sender must be the recipient ${msg.recipient} or the donating ${msg.donating} carrier; got ${JSON.stringify(msg.sender)}.`,
      ),
    );
  }
  return { recipient: r ? msg.recipient : undefined, donating: d ? msg.donating : undefined, sender: s ? msg.sender : undefined };
}

/** An id field: pattern, then its carrier prefix (when the owning party's code is known). */
function checkId(out: Issue[], value: unknown, path: string, spec: FieldSpec, required: boolean, owner: string | undefined, ownerRole: string): void {
  if (!checkPattern(out, value, path, spec, required)) return;
  if (owner === undefined) return;
  const prefix = idPrefix(value);
  if (prefix !== owner) {
    out.push(
      issue(path, 'idPrefix', 'SG_FIELD_FORMAT', `${path} must start with the carrier code of ${ownerRole} (${owner}); got ${JSON.stringify(value)}.`),
    );
  }
}

const LOCATION = 'a location (street, houseNumber, postalCode, city)';
const NUMBERS = 'the numbers to port (kind single or block, with portingWindow)';

function checkVa(out: Issue[], msg: VaRequest, parties: { recipient?: string }, mode: ValidationMode): void {
  checkId(out, msg.vaId, '/vaId', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  checkDate(out, msg.requestedDate, '/requestedDate', true);
  if (!present(msg.customer)) {
    out.push(issue('/customer', 'required', 'SG_FIELD_REQUIRED', '/customer is required: a person or company.'));
  } else {
    checkParty(out, msg.customer, '/customer');
  }
  const holders = checkList(out, msg.furtherHolders, '/furtherHolders', 0, LIMITS.furtherHolders, 'further line holders');
  if (holders) for (let i = 0; i < holders.length; i++) checkParty(out, holders[i], `/furtherHolders/${i}`);
  if (present(msg.project)) checkProject(out, msg.project, '/project');

  const where = `a ${msg.type}`;
  switch (msg.type) {
    case 'VA-KUE-MRN':
      if (requireObject(out, msg.location, '/location', LOCATION)) checkLocation(out, msg.location, '/location');
      if (requireObject(out, msg.numbers, '/numbers', NUMBERS)) checkRequestPorting(out, msg.numbers, '/numbers', mode);
      forbid(out, msg, 'lineIdentification', where);
      forbid(out, msg, 'pkiAuf', where);
      break;
    case 'VA-KUE-ORN':
      if (requireObject(out, msg.location, '/location', LOCATION)) checkLocation(out, msg.location, '/location');
      if (present(msg.lineIdentification)) checkPhoneNumber(out, msg.lineIdentification, '/lineIdentification');
      forbid(out, msg, 'numbers', `${where} (no number porting)`);
      forbid(out, msg, 'pkiAuf', where);
      break;
    case 'VA-RRNP':
      if (requireObject(out, msg.numbers, '/numbers', NUMBERS)) checkRequestPorting(out, msg.numbers, '/numbers', mode);
      checkPattern(out, msg.pkiAuf, '/pkiAuf', FIELD.pki, true);
      forbid(out, msg, 'location', `${where} (the line is not taken over)`);
      forbid(out, msg, 'lineIdentification', where);
      break;
  }
}

function requireObject(out: Issue[], value: unknown, path: string, what: string): boolean {
  if (present(value)) return true;
  out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} is required: ${what}.`));
  return false;
}

function checkTvsVa(out: Issue[], msg: TvsVa, parties: { recipient?: string }): void {
  checkId(out, msg.changeId, '/changeId', FIELD.changeId, true, parties.recipient, 'the recipient (EKPauf)');
  checkId(out, msg.vaIdRef, '/vaIdRef', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  if (present(msg.name)) checkParty(out, msg.name, '/name');
  checkDate(out, msg.requestedDate, '/requestedDate', true);
  forbid(out, msg, 'location', 'a TVS-VA');
  forbid(out, msg, 'reason', 'a TVS-VA');
  forbid(out, msg, 'stornoId', 'a TVS-VA');
}

function checkStorno(out: Issue[], msg: Storno, parties: { recipient?: string; donating?: string; sender?: string }, mode: ValidationMode): void {
  checkId(out, msg.stornoId, '/stornoId', FIELD.stornoId, true, parties.sender, 'the sender');
  checkId(out, msg.vaIdRef, '/vaIdRef', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  if (present(msg.name)) checkParty(out, msg.name, '/name');
  if (present(msg.location)) checkLocation(out, msg.location, '/location');
  forbid(out, msg, 'changeId', `a ${msg.type}`);

  const from = parties.sender === undefined ? undefined : msg.sender === msg.donating ? 'abg' : msg.sender === msg.recipient ? 'auf' : undefined;
  if (from === 'abg') {
    if (!present(msg.reason) || (typeof msg.reason === 'string' && isBlank(msg.reason))) {
      out.push(
        issue('/reason', 'required', 'SG_FIELD_REQUIRED', `/reason (stornogrund, 1-${LIMITS.freeText} characters) is required in a ${msg.type} sent by the donating party.`),
      );
      return;
    }
  } else if (from === 'auf') {
    const where = `a ${msg.type} sent by the recipient party`;
    if (msg.type === 'STR-AUF') {
      forbid(out, msg, 'reason', where);
      // §9.2 lists only stornoId and vaIdRef for STR-AUF by Auf; §4 is less explicit
      forbid(out, msg, 'name', where, softSeverity(mode));
      forbid(out, msg, 'location', where, softSeverity(mode));
      if (present(msg.reason)) return;
    } else {
      // §9.2 has no stornogrund for STR-AEN by Auf, §4 does not forbid it
      forbid(out, msg, 'reason', where, softSeverity(mode));
    }
  }
  checkText(out, msg.reason, '/reason', { max: LIMITS.freeText, required: false, multiline: true });
}

function checkMeldungBase(out: Issue[], msg: Meldung, parties: { recipient?: string }): void {
  checkId(out, msg.vaIdRef, '/vaIdRef', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  if (!present(msg.businessCase)) {
    out.push(issue('/businessCase', 'required', 'SG_FIELD_REQUIRED', '/businessCase is required: one of VA-KUE-MRN, VA-KUE-ORN, VA-RRNP, TVS-VA, STR-AUF, STR-AEN.'));
  } else if (!isVaBc(msg.businessCase) && !isChangeBc(msg.businessCase)) {
    out.push(
      issue('/businessCase', 'oneOf', 'SG_FIELD_RANGE', `/businessCase must be one of VA-KUE-MRN, VA-KUE-ORN, VA-RRNP, TVS-VA, STR-AUF, STR-AEN; got ${JSON.stringify(msg.businessCase)}.`),
    );
  }
}

const isVaBc = (bc: unknown): boolean => (VA_TYPES as readonly unknown[]).includes(bc);
const isChangeBc = (bc: unknown): boolean => (CHANGE_TYPES as readonly unknown[]).includes(bc);

function businessCaseIssue(out: Issue[], msg: Meldung, expected: string, severity: Severity = 'error'): void {
  out.push(issue('/businessCase', 'businessCase', 'SG_FIELD_RANGE', `/businessCase of ${withArticle(msg.type)} must be ${expected}; got ${JSON.stringify(msg.businessCase)}.`, severity));
}

function checkRuemVa(out: Issue[], msg: RuemVa, mode: ValidationMode): void {
  const bc = msg.businessCase;
  if (isChangeBc(bc)) businessCaseIssue(out, msg, 'the VA business case (VA-KUE-MRN, VA-KUE-ORN or VA-RRNP)');
  checkDate(out, msg.switchDate, '/switchDate', true);
  checkTechnology(out, msg.technology, '/technology');
  const resources = checkList(out, msg.resources, '/resources', 0, LIMITS.resources, 'technical resources');
  if (resources) for (let i = 0; i < resources.length; i++) checkResource(out, resources[i], `/resources/${i}`);
  if (present(msg.numbers)) checkConfirmedPorting(out, msg.numbers, '/numbers', mode);

  const where = `a RUEM-VA answering ${bc}`;
  if (bc === 'VA-KUE-MRN' || bc === 'VA-KUE-ORN') {
    if (!present(msg.technology)) {
      out.push(issue('/technology', 'required', 'SG_FIELD_REQUIRED', `/technology is required in ${where}: e.g. "001 TAL ISDN".`));
    }
    if (bc === 'VA-KUE-MRN') requireObject(out, msg.numbers, '/numbers', `the confirmed numbers with PKIabg in ${where}`);
    else forbid(out, msg, 'numbers', `${where} (no number porting)`);
  } else if (bc === 'VA-RRNP') {
    forbid(out, msg, 'technology', where);
    if (resources && resources.length > 0) {
      out.push(issue('/resources', 'forbidden', 'SG_FIELD_FORBIDDEN', `/resources is not allowed in ${where}: the line is not taken over.`));
    }
    requireObject(out, msg.numbers, '/numbers', `the confirmed numbers with PKIabg in ${where}`);
  }
  forbid(out, msg, 'reason', 'a RUEM-VA');
  forbid(out, msg, 'changeIdRef', 'a RUEM-VA');
  forbid(out, msg, 'stornoIdRef', 'a RUEM-VA');
}

function checkResource(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a resource object { contractNumber | lineId | identifier }');
    return;
  }
  checkText(out, value.contractNumber, `${path}/contractNumber`, { max: LIMITS.contractNumber, required: false });
  checkPattern(out, value.lineId, `${path}/lineId`, FIELD.lineId, false);
  checkText(out, value.identifier, `${path}/identifier`, { max: LIMITS.identifier, required: false });
  checkPattern(out, value.tnbId, `${path}/tnbId`, FIELD.pki, false);
  const c = present(value.contractNumber);
  const l = present(value.lineId);
  if (c && l) {
    out.push(issue(path, 'exactlyOne', 'SG_FIELD_FORBIDDEN', `${path} must carry exactly one of contractNumber or lineId, not both.`));
  } else if (!c && !l && !present(value.identifier)) {
    out.push(issue(path, 'exactlyOne', 'SG_FIELD_REQUIRED', `${path} must carry exactly one of contractNumber or lineId, or else an identifier.`));
  }
}

/** The reference fields of an ABBM/ERLM depend on what it answers (wbci.md §4 schema notes). */
function checkAnswerRefs(out: Issue[], msg: Abbm | Erlm, parties: { recipient?: string; donating?: string; sender?: string }): void {
  const bc = msg.businessCase;
  const where = `${withArticle(msg.type)} answering ${bc}`;
  if (bc === 'TVS-VA') {
    checkId(out, msg.changeIdRef, '/changeIdRef', FIELD.changeId, true, parties.recipient, 'the recipient (EKPauf)');
    // An ERLM always carries the new date. An ABBM repeats the original date only when there is
    // one: a TV refused before the RUEM-VA (8141) or for an unknown VA-ID (8140) has none. Whether
    // a date was agreed is state, so the state machine checks the ABBM's date, not this rule.
    checkDate(out, msg.switchDate, '/switchDate', msg.type === 'ERLM');
    forbid(out, msg, 'stornoIdRef', where);
    return;
  }
  if (bc === 'STR-AUF' || bc === 'STR-AEN') {
    // the Storno was sent by the party this Meldung goes to
    const stornoSender =
      parties.sender === undefined ? undefined : msg.sender === msg.recipient ? parties.donating : msg.sender === msg.donating ? parties.recipient : undefined;
    checkId(out, msg.stornoIdRef, '/stornoIdRef', FIELD.stornoId, true, stornoSender, 'the party that sent the Storno');
    forbid(out, msg, 'changeIdRef', where);
  } else if (isVaBc(bc)) {
    forbid(out, msg, 'changeIdRef', where);
    forbid(out, msg, 'stornoIdRef', where);
  }
  checkDate(out, msg.switchDate, '/switchDate', false);
}

function checkAbbm(out: Issue[], msg: Abbm, parties: { recipient?: string; donating?: string; sender?: string }): void {
  checkAnswerRefs(out, msg, parties);
  checkText(out, msg.reason, '/reason', { max: LIMITS.freeText, required: false, multiline: true });
}

function checkErlm(out: Issue[], msg: Erlm, parties: { recipient?: string; donating?: string; sender?: string }): void {
  if (isVaBc(msg.businessCase)) businessCaseIssue(out, msg, 'the answered change request (TVS-VA, STR-AUF or STR-AEN)');
  checkAnswerRefs(out, msg, parties);
  forbid(out, msg, 'reason', 'an ERLM');
}

/** AKM-TR and ABBM-TR exist for KUE business cases only (wbci.md §4; "not used for RRNP" is O). */
function checkTrBusinessCase(out: Issue[], msg: AkmTr | AbbmTr, mode: ValidationMode): void {
  const expected = 'VA-KUE-MRN or VA-KUE-ORN';
  if (isChangeBc(msg.businessCase)) businessCaseIssue(out, msg, expected);
  else if (msg.businessCase === 'VA-RRNP') businessCaseIssue(out, msg, expected, softSeverity(mode));
}

function checkAkmTr(out: Issue[], msg: AkmTr, mode: ValidationMode): void {
  checkTrBusinessCase(out, msg, mode);
  for (const key of ['takeOver', 'safeHarbour'] as const) {
    const v = msg[key];
    if (!present(v)) out.push(issue(`/${key}`, 'required', 'SG_FIELD_REQUIRED', `/${key} is required: true or false.`));
    else if (typeof v !== 'boolean') typeIssue(out, `/${key}`, 'a boolean');
  }
  const lines = checkList(out, msg.lines, '/lines', 0, LIMITS.akmTrLines, 'lines');
  if (lines) {
    for (let i = 0; i < lines.length; i++) {
      const p = `/lines/${i}`;
      const line = lines[i];
      if (!isRecord(line)) {
        typeIssue(out, p, 'a line object { lineId | contractNumber }');
        continue;
      }
      checkPattern(out, line.lineId, `${p}/lineId`, FIELD.lineId, false);
      checkText(out, line.contractNumber, `${p}/contractNumber`, { max: LIMITS.contractNumber, required: false });
      const l = present(line.lineId);
      const c = present(line.contractNumber);
      if (l && c) out.push(issue(p, 'exactlyOne', 'SG_FIELD_FORBIDDEN', `${p} must carry exactly one of lineId or contractNumber, not both.`));
      else if (!l && !c) out.push(issue(p, 'exactlyOne', 'SG_FIELD_REQUIRED', `${p} must carry exactly one of lineId or contractNumber.`));
    }
  }
  checkPattern(out, msg.pkiAuf, '/pkiAuf', FIELD.pki, false);
  forbid(out, msg, 'reason', 'an AKM-TR');
}

/**
 * Every content rule of wbci.md §8, §9 and §5 for one message. Errors block; warnings
 * (severity `warning`) are things to log and pass through.
 */
export function validateMessage(msg: WbciMessage, mode: ValidationMode): Issue[] {
  const out: Issue[] = [];
  if (typeof msg !== 'object' || msg === null) {
    out.push(issue('', 'type', 'SG_FIELD_FORMAT', 'The message must be an object.'));
    return out;
  }
  const parties = checkParties(out, msg);
  switch (msg.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      checkVa(out, msg, parties, mode);
      return out;
    case 'TVS-VA':
      checkTvsVa(out, msg, parties);
      return out;
    case 'STR-AUF':
    case 'STR-AEN':
      checkStorno(out, msg, parties, mode);
      return out;
    case 'RUEM-VA':
      checkMeldungBase(out, msg, parties);
      checkRuemVa(out, msg, mode);
      break;
    case 'ABBM':
      checkMeldungBase(out, msg, parties);
      checkAbbm(out, msg, parties);
      break;
    case 'AKM-TR':
      checkMeldungBase(out, msg, parties);
      checkAkmTr(out, msg, mode);
      break;
    case 'ABBM-TR':
      checkMeldungBase(out, msg, parties);
      checkTrBusinessCase(out, msg, mode);
      forbid(out, msg, 'reason', 'an ABBM-TR');
      break;
    case 'ERLM':
      checkMeldungBase(out, msg, parties);
      checkErlm(out, msg, parties);
      break;
    default: {
      const t: unknown = (msg as { type?: unknown }).type;
      out.push(issue('/type', 'oneOf', 'SG_FIELD_RANGE', `/type must be a WBCI message type (VA-KUE-MRN … ERLM); got ${JSON.stringify(t)}.`));
      return out;
    }
  }
  const positionIssues = validatePositions(msg, mode);
  for (let i = 0; i < positionIssues.length; i++) out.push(positionIssues[i]);
  return out;
}
