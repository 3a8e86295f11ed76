/**
 * Codice segreto (italy.md §7).
 *
 * For OLO customers the secret is the 3-character COW inside the migration code; for TIM retail
 * customers (attivazione) it comes as `CS(3) ‖ phone number ‖ CC`, without a COS, with the CC
 * computed over "codice segreto + phone number" by the same algorithm as the migration code's.
 * Only the syntax and the CC can be checked here: whether the secret belongs to the line is the
 * Donating's Fase 2 decision.
 */
import { checkCharOf, normalizeCode, type CodeIssue } from './migration-code.js';

/** The secret itself: 3 characters A–Z 0–9 (one of the ~200 of the operator's pool). */
export const SECRET_PATTERN = /^[A-Z0-9]{3}$/;

export type SecretCodePart = 'code' | 'secret' | 'phoneNumber' | 'checkChar';

export interface SecretCodeIssue extends Omit<CodeIssue, 'part'> {
  part: SecretCodePart;
}

export interface SecretCodeParts {
  secret: string | null;
  phoneNumber: string | null;
  checkChar: string | null;
}

export interface SecretCodeResult {
  valid: boolean;
  normalized?: string;
  parts: SecretCodeParts;
  errors: SecretCodeIssue[];
  warnings: SecretCodeIssue[];
}

export interface SecretCodeOptions {
  /** digits of the phone number; the COR bounds of the migration code by default */
  minPhoneLength?: number;
  maxPhoneLength?: number;
  checkCharMismatch?: 'error' | 'warning';
  /** the number of the line being switched: the code must carry it */
  expectedPhoneNumber?: string;
  path?: string;
}

/** `+39 06 1234567`, `0039061234567` → `061234567`: Italian fixed numbers keep their leading 0. */
export function normalizeItalianNumber(n: string): string {
  const digits = n.replace(/[\s.\-/()]+/g, '');
  if (digits.startsWith('+39')) return digits.slice(3);
  if (digits.startsWith('0039')) return digits.slice(4);
  return digits;
}

/** `CS ‖ number ‖ CC` with the CC computed; throws on characters outside A–Z 0–9. */
export function buildSecretCode(secret: string, phoneNumber: string): string {
  const body = normalizeCode(secret) + normalizeItalianNumber(phoneNumber);
  return body + checkCharOf(body);
}

export function validateSecretCode(input: string, opts: SecretCodeOptions = {}): SecretCodeResult {
  const minPhone = opts.minPhoneLength ?? 6;
  const maxPhone = opts.maxPhoneLength ?? 12;
  if (!Number.isInteger(minPhone) || minPhone < 1 || !Number.isInteger(maxPhone) || maxPhone < minPhone) {
    throw new RangeError(`phone length bounds must be whole numbers with 1 ≤ min ≤ max, got ${minPhone}–${maxPhone}`);
  }
  const path = opts.path ?? '/code';
  const errors: SecretCodeIssue[] = [];
  const warnings: SecretCodeIssue[] = [];
  const issue = (part: SecretCodePart, rule: string, code: string, message: string, extra: Partial<SecretCodeIssue> = {}, severity: 'error' | 'warning' = 'error') => {
    (severity === 'error' ? errors : warnings).push({ path, rule, code, message, severity, part, ...extra });
  };
  const empty: SecretCodeParts = { secret: null, phoneNumber: null, checkChar: null };

  const raw = typeof input === 'string' ? input : '';
  if (raw.length > 200) {
    issue('code', 'length', 'SG_SC_LENGTH', `the code is ${raw.length} characters long; a codice segreto has at most ${3 + maxPhone + 1}`);
    return { valid: false, parts: empty, errors, warnings };
  }
  const s = normalizeCode(raw);
  const L = s.length;
  if (L === 0) {
    issue('code', 'required', 'SG_SC_EMPTY', 'the codice segreto is empty');
    return { valid: false, parts: empty, errors, warnings };
  }
  const parts: SecretCodeParts = {
    secret: L >= 3 ? s.slice(0, 3) : null,
    phoneNumber: L >= 5 ? s.slice(3, L - 1) : null,
    checkChar: L >= 4 ? s[L - 1] : null,
  };

  for (let i = 0; i < L; i++) {
    if (/[A-Z0-9]/.test(s[i])) continue;
    const part: SecretCodePart = i < 3 ? 'secret' : i === L - 1 ? 'checkChar' : 'phoneNumber';
    issue(part, 'charset', 'SG_SC_CHARSET', `character ${JSON.stringify(s[i])} at position ${i + 1} is not allowed: only A–Z and 0–9 (spaces, dashes and dots are ignored)`, {
      found: s[i],
    });
    return { valid: false, normalized: s, parts, errors, warnings };
  }
  const minLength = 3 + minPhone + 1;
  const maxLength = 3 + maxPhone + 1;
  if (L < minLength || L > maxLength) {
    issue('code', 'length', 'SG_SC_LENGTH', `the code has ${L} characters without separators; expected ${minLength}–${maxLength} (codice segreto 3 + phone number ${minPhone}–${maxPhone} digits + check character 1)`, {
      found: String(L),
    });
    return { valid: false, normalized: s, parts, errors, warnings };
  }

  const phone = s.slice(3, L - 1);
  const nonDigit = [...phone].findIndex((c) => c < '0' || c > '9');
  if (nonDigit !== -1) {
    issue('phoneNumber', 'digits', 'SG_SC_PHONE_CHARSET', `the phone number ${phone} must be digits only; found ${JSON.stringify(phone[nonDigit])} at position ${nonDigit + 4}`, {
      found: phone[nonDigit],
    });
  }
  const cc = s[L - 1];
  const expected = checkCharOf(s.slice(0, L - 1));
  if (!/[A-Z]/.test(cc)) {
    issue('checkChar', 'checkCharLetter', 'SG_SC_CHECK_CHAR_NOT_LETTER', `the check character must be a letter A–Z, found ${JSON.stringify(cc)}; over secret+number it is ${expected}`, {
      expected,
      found: cc,
    });
  } else if (cc !== expected) {
    issue(
      'checkChar',
      'checkChar',
      'SG_SC_CHECK_CHAR',
      `check character ${cc} does not match: computed over secret+number (${parts.secret}+${phone}) it is ${expected}`,
      { expected, found: cc },
      opts.checkCharMismatch ?? 'error',
    );
  }
  if (opts.expectedPhoneNumber !== undefined) {
    const want = normalizeItalianNumber(opts.expectedPhoneNumber);
    if (want !== phone) {
      issue('phoneNumber', 'matchesLine', 'SG_SC_PHONE_MISMATCH', `the code is for ${phone}, not for the line ${want}`, { expected: want, found: phone });
    }
  }
  return { valid: errors.length === 0, normalized: s, parts, errors, warnings };
}
