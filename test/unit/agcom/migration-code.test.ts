import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCosTable, DEFAULT_COS_ENTRIES, DEFAULT_COS_TABLE, isKnownCos, lookupCos } from '../../../src/protocols/agcom/cos.js';
import {
  buildMigrationCode,
  checkCharOf,
  computeCheckChar,
  formatMigrationCode,
  normalizeCode,
  validateMigrationCode,
  type MigrationCodeResult,
} from '../../../src/protocols/agcom/migration-code.js';

// ---------------------------------------------------------------------------------------------
// An independent reference of italy.md §6.2/§6.4, written from the tables, not from the module.

const D_DIGITS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
const D_LETTERS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
const refValue = (ch: string, pos1: number): number => {
  const isDigit = ch >= '0' && ch <= '9';
  const idx = isDigit ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 65;
  if (pos1 % 2 === 1) return isDigit ? D_DIGITS[idx] : D_LETTERS[idx];
  return idx; // table P: digits their value, letters their index from 0
};
const refCheckChar = (s: string): string => String.fromCharCode(65 + ([...s].reduce((sum, ch, i) => sum + refValue(ch, i + 1), 0) % 26));

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const alnum = (min: number, max: number) => fc.array(fc.constantFrom(...ALNUM), { minLength: min, maxLength: max }).map((a) => a.join(''));
const knownCos = fc.constantFrom(...DEFAULT_COS_TABLE.keys());
const unknownCos = alnum(3, 3).filter((c) => !DEFAULT_COS_TABLE.has(c));

const errorCodes = (r: MigrationCodeResult) => r.errors.map((e) => e.code);
const warningCodes = (r: MigrationCodeResult) => r.warnings.map((e) => e.code);

// ---------------------------------------------------------------------------------------------

describe('check character (italy.md §6.2–§6.4)', () => {
  it('reproduces the worked examples of §6.3 over COW ‖ COR', () => {
    expect(computeCheckChar('2ZZ', '069234552')).toBe('K');
    expect(computeCheckChar('KQG', '029989270')).toBe('M');
    // normalisation: case and separators do not change the letter
    expect(computeCheckChar('2zz', '069 234 552')).toBe('K');
  });

  it('would give L and O over COW ‖ COR ‖ COS, which is why the COS is excluded', () => {
    expect(checkCharOf('2ZZ069234552001')).toBe('L');
    expect(checkCharOf('KQG029989270011')).toBe('O');
  });

  it('gives the letters of the negative vectors table', () => {
    expect(computeCheckChar('WIN', '0612345678')).toBe('Z');
    expect(computeCheckChar('M2V', '029997637')).toBe('H');
    expect(computeCheckChar('WIZ', '0826666777')).toBe('B');
    expect(computeCheckChar('2ZZ', '069279152')).toBe('W');
  });

  it('agrees with an independent implementation of the tables on any A–Z 0–9 string', () => {
    fc.assert(fc.property(alnum(1, 30), (s) => checkCharOf(s) === refCheckChar(s)));
  });

  it('refuses characters outside A–Z 0–9, naming the first', () => {
    expect(() => checkCharOf('AB#C')).toThrow(/character "#" at position 3/);
    expect(() => checkCharOf('')).toThrow(/empty/);
    expect(() => computeCheckChar('2Z_', '069234552')).toThrow(RangeError);
  });
});

describe('validateMigrationCode: the worked examples', () => {
  it.each([
    ['2ZZ 069234552 001 K', { cow: '2ZZ', cor: '069234552', cos: '001', checkChar: 'K' }, '2ZZ069234552001K'],
    ['KQG 029989270 011 M', { cow: 'KQG', cor: '029989270', cos: '011', checkChar: 'M' }, 'KQG029989270011M'],
  ])('%s is valid', (input, parts, normalized) => {
    const r = validateMigrationCode(input);
    expect(r).toMatchObject({ valid: true, normalized, layout: 'with-cos', parts, errors: [], warnings: [] });
  });

  it('names the service of a known COS', () => {
    expect(validateMigrationCode('KQG 029989270 011 M').service).toEqual({ network: 'TIM', service: 'VULA FTTCab naked', family: 'nga' });
  });

  it.each([
    ['WIN0612345678001H', 'Z', 'H', 'WIN', '0612345678'],
    ['M2V029997637001W', 'H', 'W', 'M2V', '029997637'],
    ['WIZ0826666777001F', 'B', 'F', 'WIZ', '0826666777'],
    ['2ZZ069279152001K', 'W', 'K', '2ZZ', '069279152'],
  ])('rejects the published invented example %s, naming %s as expected and %s as found', (input, expected, found, cow, cor) => {
    const r = validateMigrationCode(input);
    expect(r.valid).toBe(false);
    expect(r.layout).toBe('with-cos');
    expect(r.parts).toEqual({ cow, cor, cos: '001', checkChar: found });
    expect(r.errors).toEqual([
      {
        path: '/code',
        rule: 'checkChar',
        code: 'SG_MC_CHECK_CHAR',
        severity: 'error',
        part: 'checkChar',
        expected,
        found,
        message: `check character ${found} does not match: computed over COW+COR (${cow}+${cor}) it is ${expected}`,
      },
    ]);
  });
});

describe('validateMigrationCode: normalisation', () => {
  it.each(['2zz 069234552 001 k', '2ZZ-069234552-001-K', '2ZZ.069.234.552.001.K', ' 2ZZ\t069234552\n001K ', '2Zz069234552001K'])('accepts %j', (input) => {
    const r = validateMigrationCode(input);
    expect(r.valid).toBe(true);
    expect(r.normalized).toBe('2ZZ069234552001K');
  });

  it('normalizeCode removes whitespace, dashes and dots only', () => {
    expect(normalizeCode(' a-b.c d\te ')).toBe('ABCDE');
    expect(normalizeCode('a_b/c')).toBe('A_B/C');
  });
});

describe('validateMigrationCode: each failure names its part and why', () => {
  it('empty input', () => {
    for (const input of ['', '   ', ' - . ']) {
      const r = validateMigrationCode(input);
      expect(r).toEqual({
        valid: false,
        layout: null,
        parts: { cow: null, cor: null, cos: null, checkChar: null },
        errors: [{ path: '/code', rule: 'required', code: 'SG_MC_EMPTY', severity: 'error', part: 'code', message: 'the migration code is empty' }],
        warnings: [],
      });
    }
  });

  it('characters outside A–Z 0–9, with position and part', () => {
    const r = validateMigrationCode('2ZZ06923#552001K');
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([
      {
        path: '/code',
        rule: 'charset',
        code: 'SG_MC_CHARSET',
        severity: 'error',
        part: 'cor',
        found: '#',
        message: 'character "#" at position 9 (COR) is not allowed: only A–Z and 0–9 (spaces, dashes and dots are ignored)',
      },
    ]);
    expect(r.parts).toEqual({ cow: '2ZZ', cor: null, cos: null, checkChar: 'K' });
    expect(validateMigrationCode('2Z_069234552001K').errors[0]).toMatchObject({ part: 'cow', found: '_' });
    expect(validateMigrationCode('2ZZ069234552001*').errors[0]).toMatchObject({ part: 'checkChar', found: '*' });
    expect(validateMigrationCode('2ZZ0692345520/1K').errors[0]).toMatchObject({ part: 'cos', found: '/' });
    expect(validateMigrationCode('2ZZ069234552001É').errors[0]).toMatchObject({ code: 'SG_MC_CHARSET', found: 'É' });
  });

  it('too short and too long, with the expected structure', () => {
    const short = validateMigrationCode('2ZZ06923K');
    expect(short.errors).toEqual([
      {
        path: '/code',
        rule: 'length',
        code: 'SG_MC_LENGTH',
        severity: 'error',
        part: 'code',
        found: '9',
        message: 'the code has 9 characters without separators; expected 10–19 (COW 3 + COR 6–12 + COS 3 (optional) + check character 1)',
      },
    ]);
    const long = validateMigrationCode('2ZZ0692345520692345001K');
    expect(long.errors.map((e) => [e.code, e.found])).toEqual([['SG_MC_LENGTH', '23']]);
    expect(long.errors[0].message).toContain('expected 10–19');
    expect(validateMigrationCode('X'.repeat(201)).errors[0]).toMatchObject({ code: 'SG_MC_LENGTH', part: 'code' });
  });

  it('a check character that is not a letter (often: it is missing)', () => {
    const r = validateMigrationCode('2ZZ0692345520017');
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([
      {
        path: '/code',
        rule: 'checkCharLetter',
        code: 'SG_MC_CHECK_CHAR_NOT_LETTER',
        severity: 'error',
        part: 'checkChar',
        expected: 'K',
        found: '7',
        message: 'the last character is the check letter A–Z, found "7" (is the check character missing?)',
      },
    ]);
    // the check letter left out: the reading is a guess (COS "200"), not worth a COS warning
    const missing = validateMigrationCode('2ZZ069234552001');
    expect(missing.errors.map((e) => [e.code, e.expected, e.found])).toEqual([['SG_MC_CHECK_CHAR_NOT_LETTER', 'I', '1']]);
    expect(missing.warnings).toEqual([]);
  });

  it('a wrong check character can be configured down to a warning', () => {
    const r = validateMigrationCode('2ZZ069279152001K', { checkCharMismatch: 'warning' });
    expect(r.valid).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.code, w.expected, w.found, w.severity])).toEqual([['SG_MC_CHECK_CHAR', 'W', 'K', 'warning']]);
  });

  it('a known COS fixes the reading; a letter that fits only the no-COS reading is named in the message', () => {
    // COR 0612345001 read without COS: the last three digits look like COS 001
    const body = '3AB0612345001';
    const cc = checkCharOf(body);
    expect(checkCharOf('3AB0612345')).not.toBe(cc); // the with-COS reading does not match
    const r = validateMigrationCode(body + cc);
    expect(r.valid).toBe(false);
    expect(r.layout).toBe('with-cos');
    expect(r.errors[0].code).toBe('SG_MC_CHECK_CHAR');
    expect(r.errors[0].message).toContain('the code would match read without a COS: if it is a TIM codice segreto, validate it as one');
  });

  it('throws on inconsistent options', () => {
    expect(() => validateMigrationCode('2ZZ069234552001K', { minCorLength: 0 })).toThrow(RangeError);
    expect(() => validateMigrationCode('2ZZ069234552001K', { minCorLength: 8, maxCorLength: 7 })).toThrow(/maxCorLength/);
  });

  it('a COR range so narrow that a length fits neither reading', () => {
    const r = validateMigrationCode('2ZZ0692345520K', { minCorLength: 9, maxCorLength: 9 });
    expect(r.errors.map((e) => [e.code, e.part])).toEqual([['SG_MC_COR_LENGTH', 'cor']]);
  });

  it('uses the given path', () => {
    expect(validateMigrationCode('', { path: '/resources/0/code' }).errors[0].path).toBe('/resources/0/code');
  });
});

describe('validateMigrationCode: COS', () => {
  const withCos = (cos: string) => buildMigrationCode({ cow: '2ZZ', cor: '069234552', cos });

  it.each(['OFA', 'FWB', 'NID', 'LFE', '009', '017', '222', '999'])('known COS %s', (cos) => {
    const r = validateMigrationCode(withCos(cos));
    expect(r).toMatchObject({ valid: true, layout: 'with-cos', parts: { cos }, warnings: [] });
    expect(r.service?.network).toBe(lookupCos(cos)?.network);
  });

  it('an unknown COS is accepted with a warning by default', () => {
    const r = validateMigrationCode(withCos('XQ7'));
    expect(r.valid).toBe(true);
    expect(r.parts.cos).toBe('XQ7');
    expect(r.service).toBeUndefined();
    expect(r.warnings).toEqual([
      {
        path: '/code',
        rule: 'knownCos',
        code: 'SG_MC_COS_UNKNOWN',
        severity: 'warning',
        part: 'cos',
        found: 'XQ7',
        message: 'COS XQ7 is not in the table of known service codes (italy.md §8)',
      },
    ]);
  });

  it('an unknown COS is an error when configured so', () => {
    const r = validateMigrationCode(withCos('XQ7'), { unknownCos: 'error' });
    expect(r.valid).toBe(false);
    expect(errorCodes(r)).toEqual(['SG_MC_COS_UNKNOWN']);
    expect(r.errors[0].part).toBe('cos');
  });

  it('a configured table knows new codes', () => {
    const cosTable = createCosTable([...DEFAULT_COS_ENTRIES, { code: 'ABA', network: 'A-Net', service: 'GPON attivo', family: 'ftth', tag: 'I' }]);
    const r = validateMigrationCode(withCos('ABA'), { cosTable });
    expect(r).toMatchObject({ valid: true, warnings: [], service: { network: 'A-Net' } });
  });
});

describe('validateMigrationCode: codes without COS', () => {
  it('TIM style CS + number + CC is read without COS', () => {
    const code = buildMigrationCode({ cow: '3AB', cor: '0612345678' });
    const r = validateMigrationCode(code);
    expect(r).toMatchObject({ valid: true, layout: 'without-cos', parts: { cow: '3AB', cor: '0612345678', cos: null } });
    expect(r.warnings).toEqual([]);
  });

  it('is refused when codes without COS are not allowed', () => {
    const code = buildMigrationCode({ cow: '3AB', cor: '0612345678' });
    const r = validateMigrationCode(code, { allowWithoutCos: false });
    expect(r.valid).toBe(false);
    expect(r.layout).toBe('with-cos');
    expect(errorCodes(r)).toContain('SG_MC_CHECK_CHAR');
  });

  it('formatMigrationCode prints the spaced form', () => {
    expect(formatMigrationCode({ cow: '2ZZ', cor: '069234552', cos: '001', checkChar: 'K' })).toBe('2ZZ 069234552 001 K');
    expect(formatMigrationCode({ cow: '3AB', cor: '0612345678', cos: null, checkChar: 'X' })).toBe('3AB 0612345678 X');
  });
});

describe('validateMigrationCode: generated codes (property-based)', () => {
  const cow = alnum(3, 3);
  const cor = alnum(6, 12);

  it('every code with a known COS and its computed check character passes, however it is written', () => {
    fc.assert(
      fc.property(cow, cor, knownCos, fc.boolean(), fc.constantFrom('', ' ', '-', '.'), (w, r, s, lower, sep) => {
        const code = buildMigrationCode({ cow: w, cor: r, cos: s });
        const cc = refCheckChar(w + r);
        expect(code).toBe(w + r + s + cc);
        const written = [w, r, s, cc].join(sep);
        const res = validateMigrationCode(lower ? written.toLowerCase() : written);
        expect(res.errors).toEqual([]);
        expect(res).toMatchObject({ valid: true, layout: 'with-cos', normalized: code, parts: { cow: w, cor: r, cos: s, checkChar: cc } });
      }),
    );
  });

  it('the same code with any other check letter fails, naming the expected letter', () => {
    fc.assert(
      fc.property(cow, cor, knownCos, fc.constantFrom(...LETTERS), (w, r, s, letter) => {
        const cc = refCheckChar(w + r);
        fc.pre(letter !== cc);
        const res = validateMigrationCode(w + r + s + letter);
        expect(res.valid).toBe(false);
        expect(res.errors).toHaveLength(1);
        expect(res.errors[0]).toMatchObject({ code: 'SG_MC_CHECK_CHAR', part: 'checkChar', expected: cc, found: letter });
        expect(res.errors[0].message).toContain(`it is ${cc}`);
      }),
    );
  });

  it('with an unknown COS the code passes with a warning, and another letter fails unless it fits the no-COS reading', () => {
    fc.assert(
      fc.property(cow, cor, unknownCos, fc.constantFrom(...LETTERS), (w, r, s, letter) => {
        const cc = refCheckChar(w + r);
        const ok = validateMigrationCode(w + r + s + cc);
        expect(ok).toMatchObject({ valid: true, layout: 'with-cos', parts: { cos: s } });
        expect(warningCodes(ok)).toEqual(['SG_MC_COS_UNKNOWN']);

        fc.pre(letter !== cc);
        const ccWithout = refCheckChar(w + r + s);
        const res = validateMigrationCode(w + r + s + letter);
        if (letter === ccWithout && (r + s).length <= 12) {
          expect(res).toMatchObject({ valid: true, layout: 'without-cos', parts: { cor: r + s, cos: null } });
        } else {
          expect(res.valid).toBe(false);
          expect(res.errors[0]).toMatchObject({ code: 'SG_MC_CHECK_CHAR', expected: cc, found: letter });
        }
      }),
    );
  });

  it('a code without COS passes, unless its COR ends in a known COS that decides the other reading (§6.5.3)', () => {
    fc.assert(
      fc.property(cow, cor, (w, r) => {
        const code = buildMigrationCode({ cow: w, cor: r });
        const cc = code.at(-1);
        const res = validateMigrationCode(code);
        const withPossible = r.length - 3 >= 6;
        const withLetter = withPossible ? refCheckChar(w + r.slice(0, -3)) : null;
        if (withPossible && DEFAULT_COS_TABLE.has(r.slice(-3))) {
          expect(res.layout).toBe('with-cos');
          expect(res.valid).toBe(withLetter === cc);
        } else if (withLetter === cc) {
          expect(res).toMatchObject({ valid: true, layout: 'with-cos' });
        } else {
          expect(res).toMatchObject({ valid: true, layout: 'without-cos', parts: { cow: w, cor: r, cos: null, checkChar: cc } });
        }
      }),
    );
  });
});

describe('COS table', () => {
  it('holds the values of italy.md §8', () => {
    expect([...DEFAULT_COS_TABLE.keys()]).toEqual([
      '001', '002', '003', '004', '005', '006', '007', '008', '009', '010', '011', '012', '013', '014', '015', '016', '017',
      'OFA', 'OFB', 'FWA', 'FWB', 'NIC', 'NID', 'LFE', 'LFF', '222', '999',
    ]);
    expect(lookupCos('012')).toMatchObject({ network: 'TIM', service: 'VULA FTTH', family: 'nga', tag: 'N (copy)' });
    expect(lookupCos('ofb')).toMatchObject({ network: 'Open Fiber', service: 'GPON passivo', family: 'ftth' });
    expect(lookupCos('003')).toMatchObject({ family: 'copper', tag: 'O' });
    expect(isKnownCos('999')).toBe(true);
    expect(isKnownCos('018')).toBe(false);
  });

  it('later entries replace earlier ones; malformed codes are refused', () => {
    const t = createCosTable([...DEFAULT_COS_ENTRIES, { code: '001', network: 'TIM', service: 'ULL', family: 'copper', tag: 'I' }]);
    expect(t.get('001')?.service).toBe('ULL');
    expect(t.size).toBe(DEFAULT_COS_TABLE.size);
    expect(() => createCosTable([{ code: 'AB', network: 'x', service: 'y', family: 'ftth', tag: 'I' }])).toThrow(/invalid COS "AB"/);
  });
});
