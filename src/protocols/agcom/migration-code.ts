/**
 * Codice di migrazione: parsing, check character and validation (italy.md §5, §6).
 *
 * The structure is COW(3) ‖ COR(≤12) ‖ COS(3, optional) ‖ CC(1). The CC is the codice-fiscale
 * check letter over COW ‖ COR only (§6.1, tag I but reproduced on both real-looking examples).
 * Codes without a COS exist (TIM's CS + number + CC), so a string can have two readings; §6.5
 * says how to choose, and every choice the public material leaves open is an option here.
 *
 * The answer has the shape of `POST /v1/tools/migration-code/validate` (architecture.md) so the
 * route can return it as it is; each issue is also a domain `Issue` (path, rule, code, severity).
 */
import type { Issue } from '../../domain/issues.js';
import { DEFAULT_COS_TABLE, type CosEntry, type CosTable } from './cos.js';

// ---------------------------------------------------------------------------------------------
// Check character (§6.2)

/** Table D (odd positions, counted from 1): the codice-fiscale "dispari" values. */
const ODD: Readonly<Record<string, number>> = Object.freeze({
  '0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
  A: 1, B: 0, C: 5, D: 7, E: 9, F: 13, G: 15, H: 17, I: 19, J: 21, K: 2, L: 4, M: 18,
  N: 20, O: 11, P: 3, Q: 6, R: 8, S: 12, T: 14, U: 16, V: 10, W: 22, X: 25, Y: 24, Z: 23,
});

/** Table P (even positions): digits are their value, letters their alphabet index from 0. */
function evenValue(ch: string): number {
  const c = ch.charCodeAt(0);
  return c <= 57 ? c - 48 : c - 65;
}

const ALNUM = /^[A-Z0-9]+$/;

/**
 * The check letter of an already normalised body (uppercase A–Z 0–9). Throws a RangeError naming the
 * first character outside that set: callers validate before they compute.
 */
export function checkCharOf(body: string): string {
  if (!ALNUM.test(body)) {
    const bad = [...body].findIndex((c) => !/[A-Z0-9]/.test(c));
    throw new RangeError(
      body === '' ? 'check character of an empty string' : `character ${JSON.stringify(body[bad])} at position ${bad + 1} is not A–Z or 0–9`,
    );
  }
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // positions count from 1, so index 0 is odd
    sum += i % 2 === 0 ? ODD[body[i]] : evenValue(body[i]);
  }
  return String.fromCharCode(65 + (sum % 26));
}

/** The CC of a migration code: over COW ‖ COR only (case and separators normalised). */
export function computeCheckChar(cow: string, cor: string): string {
  return checkCharOf(normalizeCode(cow) + normalizeCode(cor));
}

// ---------------------------------------------------------------------------------------------
// Normalisation, building, display

/** Consumer pages print `2ZZ 069234552 001 K`; forms add dashes and dots. */
const SEPARATORS = /[\s.-]+/g;

export const normalizeCode = (input: string): string => input.replace(SEPARATORS, '').toUpperCase();

/** COW ‖ COR ‖ COS? ‖ CC for the given parts (CC computed). Throws on characters outside A–Z 0–9. */
export function buildMigrationCode(parts: { cow: string; cor: string; cos?: string | null }): string {
  const cow = normalizeCode(parts.cow);
  const cor = normalizeCode(parts.cor);
  const cos = parts.cos ? normalizeCode(parts.cos) : '';
  if (!ALNUM.test(cow + cor + cos)) throw new RangeError('migration code parts must be A–Z 0–9');
  return cow + cor + cos + checkCharOf(cow + cor);
}

/** The spaced form consumers know, e.g. `2ZZ 069234552 001 K`. */
export function formatMigrationCode(parts: MigrationCodeParts): string {
  return [parts.cow, parts.cor, parts.cos, parts.checkChar].filter((p): p is string => p !== null && p !== '').join(' ');
}

// ---------------------------------------------------------------------------------------------
// Validation (§6.5)

export type CodePart = 'code' | 'cow' | 'cor' | 'cos' | 'checkChar';

export interface CodeIssue extends Issue {
  /** which part of the code is wrong; `code` for the string as a whole */
  part: CodePart;
  severity: 'error' | 'warning';
  /** check character: the letter the algorithm gives */
  expected?: string;
  /** the character found where `expected` was due */
  found?: string;
}

export interface MigrationCodeParts {
  cow: string | null;
  cor: string | null;
  cos: string | null;
  checkChar: string | null;
}

export type CodeLayout = 'with-cos' | 'without-cos';

export interface MigrationCodeResult {
  valid: boolean;
  /** uppercase, separators removed */
  normalized?: string;
  /** how the string was read; null when no reading fits */
  layout: CodeLayout | null;
  parts: MigrationCodeParts;
  /** the COS table's entry when the COS is known */
  service?: Pick<CosEntry, 'network' | 'service' | 'family'>;
  errors: CodeIssue[];
  warnings: CodeIssue[];
}

export interface MigrationCodeOptions {
  /** known COS values; default: italy.md §8 */
  cosTable?: CosTable;
  /** an unknown COS: accepted with a warning (default) or refused (§8, §13.5) */
  unknownCos?: 'warning' | 'error';
  /** a wrong CC: refused (default, §6.5.5) or only warned about until Allegato 12 is confirmed */
  checkCharMismatch?: 'error' | 'warning';
  /** §6.5.2: "the minimum COR length of 6 is a guess" */
  minCorLength?: number;
  /** §5: COR ≤ 12 */
  maxCorLength?: number;
  /** codes without a COS (TIM style, §5) are accepted as a reading (default true) */
  allowWithoutCos?: boolean;
  /** path of the code in the enclosing document, for the issues; default `/code` */
  path?: string;
}

export const DEFAULT_MIN_COR_LENGTH = 6;
export const DEFAULT_MAX_COR_LENGTH = 12;
/** no plausible code is near this long; refuse before building messages over huge input */
const MAX_INPUT_LENGTH = 200;

interface Resolved {
  cosTable: CosTable;
  unknownCos: 'warning' | 'error';
  checkCharMismatch: 'error' | 'warning';
  minCor: number;
  maxCor: number;
  allowWithoutCos: boolean;
  path: string;
}

function resolve(opts: MigrationCodeOptions): Resolved {
  const minCor = opts.minCorLength ?? DEFAULT_MIN_COR_LENGTH;
  const maxCor = opts.maxCorLength ?? DEFAULT_MAX_COR_LENGTH;
  if (!Number.isInteger(minCor) || minCor < 1) throw new RangeError(`minCorLength must be a whole number ≥ 1, got ${minCor}`);
  if (!Number.isInteger(maxCor) || maxCor < minCor) throw new RangeError(`maxCorLength must be a whole number ≥ minCorLength (${minCor}), got ${maxCor}`);
  return {
    cosTable: opts.cosTable ?? DEFAULT_COS_TABLE,
    unknownCos: opts.unknownCos ?? 'warning',
    checkCharMismatch: opts.checkCharMismatch ?? 'error',
    minCor,
    maxCor,
    allowWithoutCos: opts.allowWithoutCos ?? true,
    path: opts.path ?? '/code',
  };
}

const PART_NAME: Record<CodePart, string> = { code: 'code', cow: 'COW', cor: 'COR', cos: 'COS', checkChar: 'check character' };

const EMPTY_PARTS = (): MigrationCodeParts => ({ cow: null, cor: null, cos: null, checkChar: null });

/**
 * Parse and validate a codice di migrazione. Never throws on input; throws a RangeError on
 * inconsistent options (a configuration error).
 */
export function validateMigrationCode(input: string, opts: MigrationCodeOptions = {}): MigrationCodeResult {
  const o = resolve(opts);
  const errors: CodeIssue[] = [];
  const warnings: CodeIssue[] = [];
  const issue = (part: CodePart, rule: string, code: string, message: string, extra: Partial<CodeIssue> = {}, severity: 'error' | 'warning' = 'error') => {
    const i: CodeIssue = { path: o.path, rule, code, message, severity, part, ...extra };
    (severity === 'error' ? errors : warnings).push(i);
  };
  const fail = (parts: MigrationCodeParts, normalized?: string): MigrationCodeResult => {
    const r: MigrationCodeResult = { valid: false, layout: null, parts, errors, warnings };
    if (normalized) r.normalized = normalized;
    return r;
  };

  const raw = typeof input === 'string' ? input : '';
  if (raw.length > MAX_INPUT_LENGTH) {
    issue('code', 'length', 'SG_MC_LENGTH', `the code is ${raw.length} characters long; a migration code has at most ${3 + o.maxCor + 3 + 1}`);
    return fail(EMPTY_PARTS());
  }
  const s = normalizeCode(raw);
  const L = s.length;
  if (L === 0) {
    issue('code', 'required', 'SG_MC_EMPTY', 'the migration code is empty');
    return fail(EMPTY_PARTS());
  }

  const withCosMinLength = 3 + o.minCor + 3 + 1;
  const minLength = o.allowWithoutCos ? 3 + o.minCor + 1 : withCosMinLength;
  const maxLength = 3 + o.maxCor + 3 + 1;
  // best-effort parts for answers that stop early: the ends of the string are unambiguous
  const positional = (): MigrationCodeParts => ({
    cow: L >= 3 ? s.slice(0, 3) : null,
    cor: null,
    cos: null,
    checkChar: L >= 4 ? s[L - 1] : null,
  });

  // Characters
  const badAt: number[] = [];
  for (let i = 0; i < L && badAt.length < 5; i++) if (!/[A-Z0-9]/.test(s[i])) badAt.push(i);
  if (badAt.length > 0) {
    for (const i of badAt) {
      const part: CodePart = i < 3 ? 'cow' : i === L - 1 ? 'checkChar' : i >= L - 4 && L >= withCosMinLength ? 'cos' : 'cor';
      issue(part, 'charset', 'SG_MC_CHARSET', `character ${JSON.stringify(s[i])} at position ${i + 1} (${PART_NAME[part]}) is not allowed: only A–Z and 0–9 (spaces, dashes and dots are ignored)`, {
        found: s[i],
      });
    }
    return fail(positional(), s);
  }

  // Length and the readings it allows
  const corWith = L - 7;
  const corWithout = L - 4;
  const withPossible = corWith >= o.minCor && corWith <= o.maxCor;
  const withoutPossible = o.allowWithoutCos && corWithout >= o.minCor && corWithout <= o.maxCor;
  if (!withPossible && !withoutPossible) {
    const structure = `COW 3 + COR ${o.minCor}–${o.maxCor} + ${o.allowWithoutCos ? 'COS 3 (optional)' : 'COS 3'} + check character 1`;
    if (L < minLength || L > maxLength) {
      issue('code', 'length', 'SG_MC_LENGTH', `the code has ${L} characters without separators; expected ${minLength}–${maxLength} (${structure})`, {
        found: String(L),
      });
    } else {
      // only reachable with a narrow COR range: a length between the two readings
      issue('cor', 'length', 'SG_MC_COR_LENGTH', `no reading of the ${L} characters gives a COR of ${o.minCor}–${o.maxCor} characters (${structure})`);
    }
    return fail(positional(), s);
  }

  const cow = s.slice(0, 3);
  const cc = s[L - 1];
  const cosCandidate = withPossible ? s.slice(L - 4, L - 1) : null;
  const cosEntry = cosCandidate !== null ? o.cosTable.get(cosCandidate) : undefined;
  const ccWith = withPossible ? checkCharOf(cow + s.slice(3, L - 4)) : null;
  const ccWithout = withoutPossible ? checkCharOf(cow + s.slice(3, L - 1)) : null;

  // §6.5.3: prefer "with COS" when it is a known COS; an unknown one lets either reading win.
  let layout: CodeLayout;
  let matched: boolean;
  if (cosEntry) {
    layout = 'with-cos';
    matched = ccWith === cc;
  } else if (ccWith !== null && ccWith === cc) {
    layout = 'with-cos';
    matched = true;
  } else if (ccWithout !== null && ccWithout === cc) {
    layout = 'without-cos';
    matched = true;
  } else {
    layout = withPossible ? 'with-cos' : 'without-cos';
    matched = false;
  }

  const parts: MigrationCodeParts =
    layout === 'with-cos'
      ? { cow, cor: s.slice(3, L - 4), cos: cosCandidate, checkChar: cc }
      : { cow, cor: s.slice(3, L - 1), cos: null, checkChar: cc };
  const expected = (layout === 'with-cos' ? ccWith : ccWithout) as string;

  if (!/[A-Z]/.test(cc)) {
    issue('checkChar', 'checkCharLetter', 'SG_MC_CHECK_CHAR_NOT_LETTER', `the last character is the check letter A–Z, found ${JSON.stringify(cc)} (is the check character missing?)`, {
      expected,
      found: cc,
    });
  } else if (!matched) {
    let message = `check character ${cc} does not match: computed over COW+COR (${parts.cow}+${parts.cor}) it is ${expected}`;
    if (layout === 'with-cos' && ccWithout !== null && ccWithout !== expected) {
      const hint = ccWithout === cc ? '; the code would match read without a COS: if it is a TIM codice segreto, validate it as one' : '';
      message += cosEntry ? hint : `, or ${ccWithout} if the code has no COS`;
    }
    issue('checkChar', 'checkChar', 'SG_MC_CHECK_CHAR', message, { expected, found: cc }, o.checkCharMismatch);
  }

  // without a check letter the reading is a guess: its COS is not worth a second complaint
  if (layout === 'with-cos' && !cosEntry && /[A-Z]/.test(cc)) {
    issue(
      'cos',
      'knownCos',
      'SG_MC_COS_UNKNOWN',
      `COS ${parts.cos} is not in the table of known service codes (italy.md §8)`,
      { found: parts.cos as string },
      o.unknownCos,
    );
  }

  const result: MigrationCodeResult = { valid: errors.length === 0, normalized: s, layout, parts, errors, warnings };
  if (layout === 'with-cos' && cosEntry) result.service = { network: cosEntry.network, service: cosEntry.service, family: cosEntry.family };
  return result;
}
