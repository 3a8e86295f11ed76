import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCharOf } from '../../../src/protocols/agcom/migration-code.js';
import { buildSecretCode, normalizeItalianNumber, validateSecretCode } from '../../../src/protocols/agcom/secret-code.js';

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const secret = fc.array(fc.constantFrom(...ALNUM), { minLength: 3, maxLength: 3 }).map((a) => a.join(''));
// Italian fixed numbers: 0 then a non-zero digit ("00…" is the international prefix, normalised away)
const phone = fc
  .tuple(fc.constantFrom(...'123456789'), fc.array(fc.constantFrom(...'0123456789'), { minLength: 4, maxLength: 10 }))
  .map(([first, rest]) => '0' + first + rest.join(''));

describe('codice segreto (TIM, attivazione): CS ‖ number ‖ CC', () => {
  it('builds and validates a code, case and separators normalised', () => {
    const code = buildSecretCode('x7k', '+39 06 1234 5678');
    expect(code).toBe('X7K0612345678' + checkCharOf('X7K0612345678'));
    const spaced = `x7k 06 1234 5678 ${code.at(-1)?.toLowerCase()}`;
    expect(validateSecretCode(spaced)).toEqual({
      valid: true,
      normalized: code,
      parts: { secret: 'X7K', phoneNumber: '0612345678', checkChar: code.at(-1) },
      errors: [],
      warnings: [],
    });
  });

  it('passes for every generated code and fails for any other letter, naming the expected one', () => {
    fc.assert(
      fc.property(secret, phone, fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), (s, p, letter) => {
        const code = buildSecretCode(s, p);
        expect(validateSecretCode(code).valid).toBe(true);
        const cc = code.at(-1) as string;
        fc.pre(letter !== cc);
        const r = validateSecretCode(s + p + letter);
        expect(r.valid).toBe(false);
        expect(r.errors).toEqual([
          {
            path: '/code',
            rule: 'checkChar',
            code: 'SG_SC_CHECK_CHAR',
            severity: 'error',
            part: 'checkChar',
            expected: cc,
            found: letter,
            message: `check character ${letter} does not match: computed over secret+number (${s}+${p}) it is ${cc}`,
          },
        ]);
      }),
    );
  });

  it('the phone number is digits only', () => {
    const body = 'X7K06123A5678';
    const r = validateSecretCode(body + checkCharOf(body));
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => [e.code, e.part, e.found])).toEqual([['SG_SC_PHONE_CHARSET', 'phoneNumber', 'A']]);
    expect(r.errors[0].message).toBe('the phone number 06123A5678 must be digits only; found "A" at position 9');
  });

  it('length, emptiness, characters', () => {
    expect(validateSecretCode('').errors.map((e) => e.code)).toEqual(['SG_SC_EMPTY']);
    const short = validateSecretCode('X7K0612A');
    expect(short.errors.map((e) => [e.code, e.found])).toEqual([['SG_SC_LENGTH', '8']]);
    expect(short.errors[0].message).toContain('expected 10–16');
    expect(validateSecretCode('X7K061234567890123Q').errors[0].code).toBe('SG_SC_LENGTH');
    expect(validateSecretCode('X7K06123#5678Q').errors.map((e) => [e.code, e.part])).toEqual([['SG_SC_CHARSET', 'phoneNumber']]);
  });

  it('a check character that is not a letter', () => {
    const r = validateSecretCode('X7K06123456789');
    expect(r.errors.map((e) => [e.code, e.expected, e.found])).toEqual([['SG_SC_CHECK_CHAR_NOT_LETTER', checkCharOf('X7K0612345678'), '9']]);
  });

  it('the code must be for the line being switched, when that is given', () => {
    const code = buildSecretCode('X7K', '0612345678');
    expect(validateSecretCode(code, { expectedPhoneNumber: '+39 06 12345678' }).valid).toBe(true);
    const r = validateSecretCode(code, { expectedPhoneNumber: '0298765432' });
    expect(r.errors).toEqual([
      {
        path: '/code',
        rule: 'matchesLine',
        code: 'SG_SC_PHONE_MISMATCH',
        severity: 'error',
        part: 'phoneNumber',
        expected: '0298765432',
        found: '0612345678',
        message: 'the code is for 0612345678, not for the line 0298765432',
      },
    ]);
  });

  it('a wrong letter can be configured down to a warning', () => {
    const r = validateSecretCode('X7K0612345678A', { checkCharMismatch: 'warning' });
    const cc = checkCharOf('X7K0612345678');
    expect(cc).not.toBe('A');
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => [w.code, w.expected, w.found])).toEqual([['SG_SC_CHECK_CHAR', cc, 'A']]);
  });

  it('normalizeItalianNumber keeps the leading 0 and drops the country prefix', () => {
    expect(normalizeItalianNumber('+39 06 1234-5678')).toBe('0612345678');
    expect(normalizeItalianNumber('0039 (02) 123.456')).toBe('02123456');
    expect(normalizeItalianNumber('0612345678')).toBe('0612345678');
  });

  it('throws on inconsistent options', () => {
    expect(() => validateSecretCode('X', { minPhoneLength: 5, maxPhoneLength: 4 })).toThrow(RangeError);
  });
});
