/**
 * Issue-producing primitives: each checks one value against one rule and appends a located issue
 * (path, rule, machine code). Shared by the message checks and by codes.ts.
 */
import { type Issue } from '../../../domain/issues.js';
import { type Severity, type ValidationMode, areaCodePattern, baseNumberPattern, blank, blockEndPattern, carrierCodePattern, changeIdPattern, freeTextBadChar, houseNumberPattern, isCalendarDate, isoDatePattern, lineIdPattern, nationalNumberPattern, operatorPositionPattern, phoneNumberPattern, pkiPattern, portingWindowPattern, postalCodePattern, restrictedBadChar, stornoIdPattern, vaIdPattern } from './formats.js';

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

export function got(value: string, echo: boolean): string {
  return echo ? `got ${JSON.stringify(value)}` : `got ${value.length} character(s)`;
}

export function typeIssue(out: Issue[], path: string, expected: string): void {
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

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const get = (o: object, key: string): unknown => (o as Record<string, unknown>)[key];

export function forbid(out: Issue[], o: object, key: string, where: string, severity: Severity = 'error'): void {
  if (present(get(o, key))) {
    out.push(issue(`/${key}`, 'forbidden', 'SG_FIELD_FORBIDDEN', `/${key} is not allowed in ${where}; leave it out.`, severity));
  }
}

export const softSeverity = (mode: ValidationMode): Severity => (mode === 'send' ? 'error' : 'warning');
