import { describe, expect, it } from 'vitest';
import {
  MELDUNGSCODES,
  allowedCodes,
  codeForShort,
  codeInfo,
  standardText,
  validatePositions,
  type CodeContext,
} from '../../../src/protocols/wbci/codes.js';
import { isText, validateMessage } from '../../../src/protocols/wbci/fields.js';
import type { Issue } from '../../../src/domain/issues.js';
import type { Meldung, MeldungType, Position } from '../../../src/protocols/wbci/types.js';
import {
  validAbbm,
  validAbbmStorno,
  validAbbmTr,
  validAbbmTv,
  validAkmTr,
  validErlm,
  validRuemVa,
} from './builders.js';

const pick = (i: Issue) => ({ path: i.path, rule: i.rule, code: i.code, severity: i.severity });
const errors = (issues: Issue[]) => issues.filter((i) => i.severity !== 'warning');

// The §5 table, written out independently of the implementation.
const TABLE: [string, string, string, CodeContext[]][] = [
  ['8001', 'ZWA', 'Auftragsbestätigung (ZWA)', ['RUEM-VA']],
  ['8002', 'NAT', 'Auftragsbestätigung (NAT)', ['RUEM-VA']],
  ['8003', '', 'Terminverschiebung ok', ['ERLM']],
  ['8004', '', 'Storno ok', ['ERLM']],
  ['8010', '', 'Antwort des aufnehmenden Anbieters', ['AKM-TR']],
  ['8103', 'RNG', 'Rufnummer nicht geschaltet', ['ABBM']],
  ['8104', 'ADAPLZ', 'Adresse abweichend PLZ', ['RUEM-VA']],
  ['8105', 'ADAORT', 'Adresse abweichend Ort', ['RUEM-VA']],
  ['8106', 'ADASTR', 'Adresse abweichend Straße', ['RUEM-VA']],
  ['8107', 'ADAHSNR', 'Adresse abweichend Hausnummer', ['RUEM-VA']],
  ['8108', 'ADFPLZ', 'Adresse falsch Postleitzahl', ['ABBM']],
  ['8109', 'ADFORT', 'Adresse falsch Ort', ['ABBM']],
  ['8110', 'ADFSTR', 'Adresse falsch Straße', ['ABBM']],
  ['8111', 'ADFHSNR', 'Adresse falsch Hausnummer', ['ABBM']],
  ['8112', 'AIF', 'Anschlussinhaber falsch', ['ABBM']],
  ['8113', 'AIFVN', 'Anschlussinhaber falsch Vorname', ['ABBM']],
  ['8114', 'WAI', 'Weitere Anschlussinhaber', ['ABBM']],
  ['8115', 'BVID', 'Vorabstimmungs-, Terminverschiebungs-, Storno-ID wird bereits verwendet', ['ABBM']],
  ['8116', 'SONST', 'Sonstiges', ['ABBM']],
  ['8117', 'KNI', 'Kunde nicht identifizierbar', ['ABBM']],
  ['8118', 'VAE', 'Vorabstimmung mit anderen oder gleichen EKP bereits erfolgt', ['ABBM']],
  ['8140', 'VAID_ABG', 'Vorabstimmungs-ID nicht bekannt', ['ABBM', 'ABBM-TR']],
  ['8141', 'TV_ABG', 'Terminverschiebung abgelehnt', ['ABBM']],
  ['8142', 'STORNO_ABG', 'Storno abgelehnt', ['ABBM']],
  ['8143', 'WVNR_ABG', 'WITA-Vertragsnummer unbekannt', ['ABBM-TR']],
  ['8144', 'LID_ABG', 'Line-ID unbekannt', ['ABBM-TR']],
  ['8145', 'WVNR_OVAID', 'WITA-Vertragsnummer gehört nicht zur Vorabstimmungs-ID', ['ABBM-TR']],
  ['8146', 'LID_OVAID', 'Line-ID gehört nicht zur Vorabstimmungs-ID', ['ABBM-TR']],
  ['8147', 'UETN_NM', 'Übernahme der technischen Ressource nicht möglich', ['ABBM-TR']],
  ['8148', 'UETN_BB', 'Übernahme der technischen Ressource wurde bereits bestätigt', ['ABBM-TR']],
  ['8149', 'UPK', 'Projektkenner unbekannt', ['ABBM']],
  ['0993', '', 'Versionsnummer fehlerhaft', ['TEQ']],
  ['0995', '', 'Datenstruktur ungültig', ['TEQ']],
  ['OK', '', 'OK', ['TEQ']],
];

describe('Meldungscode table (§5)', () => {
  it('holds exactly the 34 rows of the spec, in order', () => {
    expect(MELDUNGSCODES.map((c) => [c.code, c.short, c.text, [...c.allowedIn]])).toEqual(TABLE);
  });

  it.each(TABLE)('codeInfo/standardText for %s', (code, short, text, allowedIn) => {
    expect(codeInfo(code)).toEqual({ code, short, text, allowedIn });
    expect(standardText(code)).toBe(text);
    // a standard text must itself be a valid Meldungstext
    expect(isText(text, 255)).toBe(true);
  });

  it('knows nothing about unknown codes', () => {
    for (const c of ['8101', '8102', '8119', '8125', '8139', '9999', '', 'ok']) {
      expect(codeInfo(c)).toBeUndefined();
      expect(standardText(c)).toBeUndefined();
    }
  });

  it('maps short names to codes', () => {
    expect(codeForShort('ZWA')).toBe('8001');
    expect(codeForShort('NAT')).toBe('8002');
    expect(codeForShort('SONST')).toBe('8116');
    expect(codeForShort('UETN_BB')).toBe('8148');
    expect(codeForShort('XYZ')).toBeUndefined();
    expect(codeForShort('')).toBeUndefined();
  });

  it('derives the allowed sets per Meldung and business case', () => {
    expect([...(allowedCodes('ABBM', 'TVS-VA') ?? [])].sort()).toEqual(['8115', '8140', '8141']);
    expect([...(allowedCodes('ABBM', 'STR-AEN') ?? [])].sort()).toEqual(['8115', '8140', '8142']);
    expect([...(allowedCodes('ABBM', 'VA-RRNP') ?? [])].sort()).toEqual(
      ['8103', '8108', '8109', '8110', '8111', '8112', '8113', '8114', '8115', '8116', '8117', '8118', '8140', '8149'],
    );
    expect([...(allowedCodes('ABBM-TR', 'VA-KUE-MRN') ?? [])].sort()).toEqual(['8140', '8143', '8144', '8145', '8146', '8147', '8148']);
    expect([...(allowedCodes('ERLM', 'TVS-VA') ?? [])]).toEqual(['8003']);
    expect([...(allowedCodes('ERLM', 'STR-AUF') ?? [])]).toEqual(['8004']);
    expect(allowedCodes('ERLM', 'VA-KUE-MRN')).toBeUndefined();
    expect(allowedCodes('RUEM-VA', 'TVS-VA')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Placement matrix: every known code in every Meldung context

interface Ctx {
  name: string;
  type: MeldungType;
  base: () => Meldung;
  /** a code the context needs anyway; the code under test is added after it */
  baseCode: string;
  /** codes that replace the base code instead of joining it */
  group: string[];
}

const CONTEXTS: Ctx[] = [
  { name: 'RUEM-VA', type: 'RUEM-VA', base: () => validRuemVa('VA-KUE-MRN'), baseCode: '8001', group: ['8001', '8002'] },
  { name: 'ABBM→VA', type: 'ABBM', base: () => validAbbm(), baseCode: '8117', group: [] },
  { name: 'ABBM→TVS-VA', type: 'ABBM', base: () => validAbbmTv(), baseCode: '8141', group: [] },
  { name: 'ABBM→STR-AUF', type: 'ABBM', base: () => validAbbmStorno('STR-AUF', 'auf'), baseCode: '8142', group: [] },
  { name: 'ABBM→STR-AEN', type: 'ABBM', base: () => validAbbmStorno('STR-AEN', 'abg'), baseCode: '8142', group: [] },
  { name: 'ABBM-TR', type: 'ABBM-TR', base: () => validAbbmTr(), baseCode: '8147', group: [] },
  { name: 'AKM-TR', type: 'AKM-TR', base: () => validAkmTr(), baseCode: '8010', group: ['8010'] },
  { name: 'ERLM→TVS-VA', type: 'ERLM', base: () => validErlm('TVS-VA'), baseCode: '8003', group: ['8003'] },
  { name: 'ERLM→STR-AUF', type: 'ERLM', base: () => validErlm('STR-AUF'), baseCode: '8004', group: ['8004'] },
  { name: 'ERLM→STR-AEN', type: 'ERLM', base: () => validErlm('STR-AEN'), baseCode: '8004', group: ['8004'] },
];

const ABBM_TO_ANY = ['ABBM→VA', 'ABBM→TVS-VA', 'ABBM→STR-AUF', 'ABBM→STR-AEN'];
const ALLOWED: Record<string, string[]> = {
  '8001': ['RUEM-VA'],
  '8002': ['RUEM-VA'],
  '8003': ['ERLM→TVS-VA'],
  '8004': ['ERLM→STR-AUF', 'ERLM→STR-AEN'],
  '8010': ['AKM-TR'],
  '8103': ['ABBM→VA'],
  '8104': ['RUEM-VA'],
  '8105': ['RUEM-VA'],
  '8106': ['RUEM-VA'],
  '8107': ['RUEM-VA'],
  '8108': ['ABBM→VA'],
  '8109': ['ABBM→VA'],
  '8110': ['ABBM→VA'],
  '8111': ['ABBM→VA'],
  '8112': ['ABBM→VA'],
  '8113': ['ABBM→VA'],
  '8114': ['ABBM→VA'],
  '8115': ABBM_TO_ANY,
  '8116': ['ABBM→VA'],
  '8117': ['ABBM→VA'],
  '8118': ['ABBM→VA'],
  '8140': [...ABBM_TO_ANY, 'ABBM-TR'],
  '8141': ['ABBM→TVS-VA'],
  '8142': ['ABBM→STR-AUF', 'ABBM→STR-AEN'],
  '8143': ['ABBM-TR'],
  '8144': ['ABBM-TR'],
  '8145': ['ABBM-TR'],
  '8146': ['ABBM-TR'],
  '8147': ['ABBM-TR'],
  '8148': ['ABBM-TR'],
  '8149': ['ABBM→VA'],
  '0993': [],
  '0995': [],
  OK: [],
};

const CORRECTED: Record<string, Position['corrected']> = {
  '8104': { field: 'postalCode', value: '80333' },
  '8105': { field: 'city', value: 'Garching b. München' },
  '8106': { field: 'street', value: 'Karlstraße' },
  '8107': { field: 'houseNumber', value: '14' },
};

function place(ctx: Ctx, code: string): { msg: Meldung; index: number } {
  const msg = ctx.base();
  const pos: Position = { code };
  if (CORRECTED[code]) pos.corrected = CORRECTED[code];
  if (code === '8103') pos.numbers = ['891234567'];
  if (code === '8116' && msg.type === 'ABBM') msg.reason = 'Anschluss bereits gekündigt';
  msg.positions = ctx.group.includes(code) ? [pos] : [{ code: ctx.baseCode }, pos];
  return { msg, index: msg.positions.length - 1 };
}

describe('every code in every Meldung (§5 "Allowed in")', () => {
  const cases = TABLE.flatMap(([code]) => CONTEXTS.map((ctx) => [code, ctx.name, ALLOWED[code].includes(ctx.name)] as const));

  it.each(cases)('%s in %s → allowed: %s', (code, ctxName, allowed) => {
    const ctx = CONTEXTS.find((c) => c.name === ctxName)!;
    const { msg, index } = place(ctx, code);
    const issues = validateMessage(msg, 'send');
    if (allowed) {
      expect(issues).toEqual([]);
      return;
    }
    // same Meldung type allowed elsewhere → wrong business case; otherwise wrong Meldung
    const sameType = ALLOWED[code].some((n) => CONTEXTS.find((c) => c.name === n)!.type === ctx.type);
    expect(issues.map(pick)).toContainEqual({
      path: `/positions/${index}/code`,
      rule: sameType ? 'allowedForBusinessCase' : 'allowedIn',
      code: 'SG_CODE_RULE',
      severity: 'error',
    });
    // a misplaced known code is refused on receipt too
    expect(validateMessage(msg, 'receive').map(pick)).toContainEqual({
      path: `/positions/${index}/code`,
      rule: sameType ? 'allowedForBusinessCase' : 'allowedIn',
      code: 'SG_CODE_RULE',
      severity: 'error',
    });
  });

  it('names the allowed codes in the message', () => {
    const issues = validatePositions(validAbbmTv({ positions: [{ code: '8117' }] }), 'send');
    expect(issues).toEqual([
      {
        path: '/positions/0/code',
        rule: 'allowedForBusinessCase',
        code: 'SG_CODE_RULE',
        severity: 'error',
        message: 'Meldungscode 8117 (KNI) is not allowed in an ABBM answering TVS-VA; allowed there: 8141, 8115, 8140.',
      },
      // and the begruendung of the TV rejection no longer has a code that permits it
      expect.objectContaining({ path: '/reason', rule: 'reasonWithoutCode' }),
    ]);
    const wrong = validatePositions(validAbbm({ positions: [{ code: '8001' }] }), 'send');
    expect(wrong[0].message).toBe('Meldungscode 8001 (ZWA) is not allowed in an ABBM; it belongs in RUEM-VA.');
  });
});

// ---------------------------------------------------------------------------------------------
// Code rules

describe('RUEM-VA: exactly one of ZWA (8001) / NAT (8002)', () => {
  it.each([
    ['8001 only', ['8001'], 0],
    ['8002 only', ['8002'], 0],
    ['neither', ['8104'], 1],
    ['both', ['8001', '8002'], 1],
    ['8001 twice', ['8001', '8001'], 1],
  ])('%s', (_name, codes, errs) => {
    const positions: Position[] = codes.map((code) => (code === '8104' ? { code, corrected: CORRECTED['8104'] } : { code }));
    const issues = validatePositions(validRuemVa('VA-KUE-ORN', { positions }), 'receive');
    if (errs === 0) expect(issues).toEqual([]);
    else
      expect(issues.map(pick)).toEqual([{ path: '/positions', rule: 'exactlyOne', code: 'SG_CODE_RULE', severity: 'error' }]);
  });

  it('says what it found', () => {
    const [i] = validatePositions(validRuemVa('VA-RRNP', { positions: [{ code: '8001' }, { code: '8002' }] }), 'send');
    expect(i.message).toBe('A RUEM-VA must carry exactly one position with 8001 or 8002; found 2.');
  });
});

describe('ADA codes 8104–8107 in RUEM-VA', () => {
  const ruem = (...extra: Position[]) => validRuemVa('VA-KUE-MRN', { positions: [{ code: '8002' }, ...extra] });

  it('accepts all four ADA positions together, each with its own field', () => {
    const positions = ['8104', '8105', '8106', '8107'].map((code) => ({ code, corrected: CORRECTED[code] }));
    expect(validateMessage(ruem(...positions), 'send')).toEqual([]);
  });

  it.each([
    ['8104', 'city'],
    ['8105', 'postalCode'],
    ['8106', 'houseNumber'],
    ['8107', 'street'],
  ] as const)('%s with corrected.field %s is refused when sent, kept for clarification when received', (code, field) => {
    const sent = validatePositions(ruem({ code, corrected: { field, value: 'x' } }), 'send');
    expect(sent.map(pick)).toEqual([{ path: '/positions/1/corrected/field', rule: 'adaField', code: 'SG_CODE_RULE', severity: 'error' }]);
    // received: a warning (the machine raises wbci.clarification SG_ADA_MISMATCH); the value is still checked as a ${field}
    const received = validatePositions(ruem({ code, corrected: { field, value: 'x' } }), 'receive');
    expect(received.map(pick)[0]).toEqual({ path: '/positions/1/corrected/field', rule: 'adaField', code: 'SG_CODE_RULE', severity: 'warning' });
  });

  it.each([
    ['8104', 'postalCode', '8033', 'pattern', 'SG_FIELD_FORMAT'],
    ['8104', 'postalCode', '803311', 'pattern', 'SG_FIELD_FORMAT'],
    ['8105', 'city', 'x'.repeat(41), 'maxLength', 'SG_FIELD_LENGTH'],
    ['8105', 'city', 'München|Nord', 'charset', 'SG_FIELD_FORMAT'],
    ['8106', 'street', 'y'.repeat(41), 'maxLength', 'SG_FIELD_LENGTH'],
    ['8106', 'street', '   ', 'required', 'SG_FIELD_REQUIRED'],
    ['8107', 'houseNumber', '12a', 'pattern', 'SG_FIELD_FORMAT'],
    ['8107', 'houseNumber', '12345', 'pattern', 'SG_FIELD_FORMAT'],
  ] as const)('%s refuses %s value %j', (code, field, value, rule, sg) => {
    const issues = validatePositions(ruem({ code, corrected: { field, value } }), 'send');
    expect(issues.map(pick)).toEqual([{ path: '/positions/1/corrected/value', rule, code: sg, severity: 'error' }]);
  });

  it.each(['8104', '8105', '8106', '8107'])('%s without corrected value is refused', (code) => {
    const issues = validatePositions(ruem({ code }), 'receive');
    expect(issues.map(pick)).toEqual([{ path: '/positions/1/corrected', rule: 'required', code: 'SG_FIELD_REQUIRED', severity: 'error' }]);
  });

  it('refuses a corrected value on a non-ADA code', () => {
    const issues = validatePositions(validRuemVa('VA-KUE-MRN', { positions: [{ code: '8001', corrected: CORRECTED['8104'] }] }), 'send');
    expect(issues.map(pick)).toEqual([{ path: '/positions/0/corrected', rule: 'correctedOnlyAda', code: 'SG_FIELD_FORBIDDEN', severity: 'error' }]);
  });

  it('refuses ADA codes in an ABBM (they belong in a RUEM-VA)', () => {
    const issues = validatePositions(validAbbm({ positions: [{ code: '8117' }, { code: '8104', corrected: CORRECTED['8104'] }] }), 'receive');
    expect(issues.map(pick)).toEqual([{ path: '/positions/1/code', rule: 'allowedIn', code: 'SG_CODE_RULE', severity: 'error' }]);
  });
});

describe('RNG (8103) numbers', () => {
  const nums = (n: number) => Array.from({ length: n }, (_, i) => `89${1234500 + i}`);

  it.each([0, 1, 10])('accepts %i numbers', (n) => {
    const m = validAbbm({ positions: [{ code: '8103', numbers: nums(n) }] });
    expect(validateMessage(m, 'send')).toEqual([]);
  });

  it('refuses 11 numbers', () => {
    const issues = validatePositions(validAbbm({ positions: [{ code: '8103', numbers: nums(11) }] }), 'receive');
    expect(issues.map(pick)).toEqual([{ path: '/positions/0/numbers', rule: 'maxItems', code: 'SG_FIELD_RANGE', severity: 'error' }]);
  });

  it('checks each number and points at it', () => {
    const numbers = nums(5);
    numbers[3] = '0891234567';
    const issues = validatePositions(validAbbm({ positions: [{ code: '8117' }, { code: '8103', numbers }] }), 'send');
    expect(issues.map(pick)).toEqual([
      { path: '/positions/1/numbers/3', rule: 'pattern', code: 'SG_FIELD_FORMAT', severity: 'error' },
    ]);
  });

  it.each(['8117', '8112', '8140'])('refuses numbers on %s', (code) => {
    const issues = validatePositions(validAbbm({ positions: [{ code, numbers: nums(1) }] }), 'receive');
    expect(issues.map(pick)).toEqual([{ path: '/positions/0/numbers', rule: 'numbersOnlyRng', code: 'SG_FIELD_FORBIDDEN', severity: 'error' }]);
  });

  it('treats an empty numbers list on another code as absent', () => {
    expect(validatePositions(validAbbm({ positions: [{ code: '8117', numbers: [] }] }), 'send')).toEqual([]);
  });
});

describe('SONST (8116) ⇔ begruendung', () => {
  it('accepts 8116 with a reason', () => {
    expect(validateMessage(validAbbm({ positions: [{ code: '8116' }], reason: 'Kunde hat Vertrag widerrufen' }), 'send')).toEqual([]);
  });

  it.each([undefined, '', '  \r\n'])('refuses 8116 without a reason (%j): error on send, warning on receive', (reason) => {
    const m = validAbbm({ positions: [{ code: '8116' }], reason });
    const expected = { path: '/reason', rule: 'sonstReason', code: 'SG_CODE_RULE' };
    expect(validatePositions(m, 'send').map(pick)).toEqual([{ ...expected, severity: 'error' }]);
    expect(validatePositions(m, 'receive').map(pick)).toEqual([{ ...expected, severity: 'warning' }]);
  });

  it.each([
    ['8141', validAbbmTv],
    ['8142', () => validAbbmStorno('STR-AUF')],
    ['8115', validAbbm],
  ] as const)('allows a reason with %s', (code, build) => {
    const m = build({ positions: [{ code }], reason: 'ID bereits vergeben' });
    expect(validateMessage(m, 'send')).toEqual([]);
  });

  it('refuses a reason with codes that do not permit one', () => {
    const m = validAbbm({ positions: [{ code: '8117' }, { code: '8103' }], reason: 'Kunde unbekannt' });
    const expected = { path: '/reason', rule: 'reasonWithoutCode', code: 'SG_CODE_RULE' };
    expect(validatePositions(m, 'send').map(pick)).toEqual([{ ...expected, severity: 'error' }]);
    expect(validatePositions(m, 'receive').map(pick)).toEqual([{ ...expected, severity: 'warning' }]);
  });

  it('is satisfied when 8116 accompanies other codes', () => {
    const m = validAbbm({ positions: [{ code: '8117' }, { code: '8116', text: 'Sonstiges' }], reason: 'Kundennummer fehlt' });
    expect(validateMessage(m, 'send')).toEqual([]);
  });
});

describe('ABBM with only ADF codes (8108–8111)', () => {
  it.each([[['8108']], [['8109', '8110']], [['8108', '8109', '8110', '8111']]])('%j: refused on send, accepted on receive', (codes) => {
    const m = validAbbm({ positions: codes.map((code) => ({ code })) });
    expect(validatePositions(m, 'send').map(pick)).toEqual([{ path: '/positions', rule: 'adfOnly', code: 'SG_CODE_RULE', severity: 'error' }]);
    expect(validatePositions(m, 'receive')).toEqual([]);
  });

  it('accepts ADF codes together with another rejection code on send', () => {
    const m = validAbbm({ positions: [{ code: '8108' }, { code: '8112' }] });
    expect(validatePositions(m, 'send')).toEqual([]);
  });

  it('does not count an unknown code as ADF', () => {
    const m = validAbbm({ positions: [{ code: '8108' }, { code: '8125' }] });
    expect(validatePositions(m, 'send').map(pick)).toEqual([
      { path: '/positions/1/code', rule: 'unknownCode', code: 'SG_CODE_UNKNOWN', severity: 'warning' },
    ]);
  });
});

describe('AKM-TR exactly 8010, ERLM 8003 / 8004', () => {
  it.each([
    ['AKM-TR without 8010', validAkmTr({ positions: [{ code: '8001' }] }), ['/positions/0/code', 'allowedIn'], 'found 0'],
    ['AKM-TR with 8010 twice', validAkmTr({ positions: [{ code: '8010' }, { code: '8010' }] }), undefined, 'found 2'],
    ['ERLM to TVS-VA with 8004', validErlm('TVS-VA', { positions: [{ code: '8004' }] }), ['/positions/0/code', 'allowedForBusinessCase'], 'found 0'],
    ['ERLM to STR-AUF with 8003', validErlm('STR-AUF', { positions: [{ code: '8003' }] }), ['/positions/0/code', 'allowedForBusinessCase'], 'found 0'],
    ['ERLM to STR-AEN with 8004 twice', validErlm('STR-AEN', { positions: [{ code: '8004' }, { code: '8004' }] }), undefined, 'found 2'],
  ] as const)('%s', (_name, msg, placement, found) => {
    const issues = validatePositions(msg, 'receive');
    const exactly = issues.find((i) => i.rule === 'exactlyOne');
    expect(exactly && pick(exactly)).toEqual({ path: '/positions', rule: 'exactlyOne', code: 'SG_CODE_RULE', severity: 'error' });
    expect(exactly?.message).toContain(found);
    if (placement) expect(issues.map(pick)).toContainEqual({ path: placement[0], rule: placement[1], code: 'SG_CODE_RULE', severity: 'error' });
    expect(issues).toHaveLength(placement ? 2 : 1);
  });

  it('ERLM message names the expected code', () => {
    const [i] = validatePositions(validErlm('TVS-VA', { positions: [{ code: '8125' }] }), 'send').filter((x) => x.rule === 'exactlyOne');
    expect(i.message).toBe('An ERLM answering TVS-VA must carry exactly one position with 8003; found 0.');
  });
});

describe('unknown codes pass with a warning', () => {
  it.each(['8101', '8102', '8119', '8125', '8139', '8150', '9999', 'X1'])('%s in an ABBM', (code) => {
    const issues = validateMessage(validAbbm({ positions: [{ code: '8117' }, { code, text: 'irgendwas' }] }), 'receive');
    expect(issues.map(pick)).toEqual([{ path: '/positions/1/code', rule: 'unknownCode', code: 'SG_CODE_UNKNOWN', severity: 'warning' }]);
    expect(errors(issues)).toEqual([]);
    expect(errors(validateMessage(validAbbm({ positions: [{ code }] }), 'send'))).toEqual([]);
  });

  it('in every Meldung type, never as an error', () => {
    for (const m of [validRuemVa(), validAkmTr(), validAbbmTr(), validErlm('STR-AUF'), validAbbmTv()]) {
      m.positions = [...m.positions, { code: '8125' }];
      expect(validatePositions(m, 'send').map(pick)).toEqual([
        { path: `/positions/${m.positions.length - 1}/code`, rule: 'unknownCode', code: 'SG_CODE_UNKNOWN', severity: 'warning' },
      ]);
    }
  });

  it('flags numbers or a corrected value on an unknown code as warnings only', () => {
    const m = validAbbm({
      positions: [{ code: '8117' }, { code: '8101', numbers: ['891'], corrected: { field: 'city', value: 'X' } }],
    });
    expect(validatePositions(m, 'send').map(pick)).toEqual([
      { path: '/positions/1/code', rule: 'unknownCode', code: 'SG_CODE_UNKNOWN', severity: 'warning' },
      { path: '/positions/1/numbers', rule: 'numbersOnlyRng', code: 'SG_FIELD_FORBIDDEN', severity: 'warning' },
      { path: '/positions/1/corrected', rule: 'correctedOnlyAda', code: 'SG_FIELD_FORBIDDEN', severity: 'warning' },
    ]);
  });
});

describe('position structure: 1–99 positions, code ≤10, text ≤255 restricted', () => {
  it('refuses an empty or missing position list', () => {
    expect(validatePositions(validAbbm({ positions: [] }), 'receive').map(pick)).toEqual([
      { path: '/positions', rule: 'minItems', code: 'SG_FIELD_RANGE', severity: 'error' },
    ]);
    const m = validAbbm();
    delete (m as Partial<typeof m>).positions;
    expect(validatePositions(m, 'receive').map(pick)).toEqual([{ path: '/positions', rule: 'required', code: 'SG_FIELD_REQUIRED', severity: 'error' }]);
  });

  it('accepts 99 positions and refuses 100', () => {
    const many = (n: number) => Array.from({ length: n }, () => ({ code: '8117' }));
    expect(validatePositions(validAbbm({ positions: many(99) }), 'send')).toEqual([]);
    expect(validatePositions(validAbbm({ positions: many(100) }), 'send').map(pick)).toEqual([
      { path: '/positions', rule: 'maxItems', code: 'SG_FIELD_RANGE', severity: 'error' },
    ]);
  });

  it('Meldungscode: required, at most 10 characters', () => {
    expect(validatePositions(validAbbm({ positions: [{ code: '8117' }, { code: '' }] }), 'send').map(pick)).toEqual([
      { path: '/positions/1/code', rule: 'required', code: 'SG_FIELD_REQUIRED', severity: 'error' },
    ]);
    // 10 characters: unknown, but well-formed
    expect(validatePositions(validAbbm({ positions: [{ code: '8117' }, { code: '1234567890' }] }), 'send').map((i) => i.rule)).toEqual(['unknownCode']);
    expect(validatePositions(validAbbm({ positions: [{ code: '8117' }, { code: '12345678901' }] }), 'receive').map(pick)).toEqual([
      { path: '/positions/1/code', rule: 'maxLength', code: 'SG_FIELD_LENGTH', severity: 'error' },
    ]);
  });

  it('Meldungstext: at most 255 characters of the restricted set', () => {
    const ok = 'ä'.repeat(255);
    expect(validatePositions(validAbbm({ positions: [{ code: '8117', text: ok }] }), 'send')).toEqual([]);
    expect(validatePositions(validAbbm({ positions: [{ code: '8117', text: ok + 'x' }] }), 'send').map(pick)).toEqual([
      { path: '/positions/0/text', rule: 'maxLength', code: 'SG_FIELD_LENGTH', severity: 'error' },
    ]);
    for (const bad of ['Kunde ~ unbekannt', 'a|b', 'Zeile 1\nZeile 2', 'x`y']) {
      expect(validatePositions(validAbbm({ positions: [{ code: '8117', text: bad }] }), 'receive').map(pick)).toEqual([
        { path: '/positions/0/text', rule: 'charset', code: 'SG_FIELD_FORMAT', severity: 'error' },
      ]);
    }
    expect(validatePositions(validAbbm({ positions: [{ code: '8117', text: '' }] }), 'send').map(pick)).toEqual([
      { path: '/positions/0/text', rule: 'minLength', code: 'SG_FIELD_LENGTH', severity: 'error' },
    ]);
  });

  it('standard texts of all codes are valid Meldungstexte in their own Meldung', () => {
    const m = validAbbm({ positions: ['8117', '8112', '8113', '8114', '8118', '8149'].map((code) => ({ code, text: standardText(code) })) });
    expect(validateMessage(m, 'send')).toEqual([]);
  });
});
