import { describe, expect, it } from 'vitest';
import {
  TECHNOLOGIES,
  areaCodePattern,
  baseNumberPattern,
  blockEndPattern,
  blockFromShapePattern,
  blockToShapePattern,
  carrierCodePattern,
  changeIdPattern,
  freeTextPattern,
  houseNumberPattern,
  idKind,
  idPrefix,
  isCalendarDate,
  isFreeText,
  isKnownTechnology,
  isTechnology,
  isText,
  lineIdPattern,
  operatorPositionPattern,
  phoneNumberPattern,
  pkiPattern,
  portingWindowPattern,
  postalCodePattern,
  releasePattern,
  restrictedTextPattern,
  stornoIdPattern,
  technologyValue,
  vaIdPattern,
  validateMessage,
} from '../../../src/protocols/wbci/fields.js';
import type { Issue } from '../../../src/domain/issues.js';
import type { NumberBlock, WbciMessage } from '../../../src/protocols/wbci/types.js';
import {
  ABG,
  AUF,
  LINE_ID,
  S_ID_ABG,
  S_ID_AUF,
  T_ID,
  allValidMessages,
  validAbbm,
  validAbbmStorno,
  validAbbmTr,
  validAbbmTv,
  validAkmTr,
  validErlm,
  validRuemVa,
  validStrAen,
  validStrAuf,
  validTvsVa,
  validVaKueMrn,
  validVaKueOrn,
  validVaRrnp,
} from './builders.js';

const pick = (i: Issue) => ({ path: i.path, rule: i.rule, code: i.code, severity: i.severity });
const MODES = ['send', 'receive'] as const;
const x = (n: number, ch = 'x') => ch.repeat(n);

describe('builders', () => {
  it.each(allValidMessages())('%s is valid with zero issues in both modes', (_name, msg) => {
    expect(validateMessage(msg, 'send')).toEqual([]);
    expect(validateMessage(msg, 'receive')).toEqual([]);
  });

  it('apply overrides', () => {
    expect(validVaKueMrn({ requestedDate: '2027-01-04' }).requestedDate).toBe('2027-01-04');
    expect(validStrAuf('abg').sender).toBe(ABG);
    expect(validStrAuf('abg').stornoId).toBe(S_ID_ABG);
    expect(validRuemVa('VA-RRNP').technology).toBeUndefined();
    expect(validErlm('STR-AEN').positions).toEqual([{ code: '8004' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Simple types, one valid and one invalid value at least each (§8, §9.1)

describe('simple types', () => {
  const table: [string, RegExp, string[], string[]][] = [
    ['carrier code', carrierCodePattern, ['DEU.EKPA', 'DEU.MNET', 'DEU.1UND1', 'DEU.FLNFON', 'DEU.A'], ['DEU.', 'DEU.EKPABCD', 'deu.ekpa', 'DE.EKPA', 'DEU-EKPA', 'DEU.EKP A', ' DEU.EKPA']],
    ['VA-ID', vaIdPattern, ['DEU.EKPA.V000000001', 'DEU.MNET.VH00000013', 'DEU.A.V000000000'], ['DEU.EKPA.V00000001', 'DEU.EKPA.V0000000011', 'DEU.EKPA.S000000001', 'DEU.EKPA.v000000001', 'DEU.EKPA.V00000000a']],
    ['Storno-ID', stornoIdPattern, ['DEU.EKPB.S000000001'], ['DEU.EKPB.V000000001', 'DEU.EKPB.S0000001']],
    ['Änderungs-ID', changeIdPattern, ['DEU.EKPA.T000000013'], ['DEU.EKPA.S000000013', 'DEU.EKPA.T00000013']],
    ['Line-ID', lineIdPattern, ['DEU.EKP1.1754639821', 'DEU.EKPB.A', 'ABC.D.E'], ['DEU.EKPB.', 'DEU.EKPB.12345678901', 'DEU.EKPB.abc', 'DEUEKPB.123']],
    ['ONKZ', areaCodePattern, ['89', '30', '6221', '33205'], ['089', '8', '123456', '8a']],
    ['Rufnummer', phoneNumberPattern, ['1', '1234567', '12345678901234'], ['', '123456789012345', '123-456', '+49891']],
    ['Durchwahlnummer', baseNumberPattern, ['547084', '12345678'], ['123456789', '', '54 70']],
    ['Abfragestelle', operatorPositionPattern, ['0', '123456'], ['1234567', '', 'A']],
    ['block boundary', blockEndPattern, ['0', '00', '999999'], ['1234567', '', '1a']],
    ['block von shape', blockFromShapePattern, ['0', '00', '20', '300', '500000'], ['01', '210', '']],
    ['block bis shape', blockToShapePattern, ['9', '49', '29', '499', '099'], ['48', '409', '']],
    ['porting window', portingWindowPattern, ['ZF1', 'ZF2', 'ZF3'], ['ZF0', 'ZF4', 'zf1', 'ZF']],
    ['PKI', pkiPattern, ['D001', 'D052', 'D0AF'], ['D0af', 'E001', 'D01', 'D0011', 'D00G']],
    ['house number', houseNumberPattern, ['1', '12', '1234'], ['12345', '12a', '', 'XII']],
    ['postal code', postalCodePattern, ['80331', '01067'], ['8033', '803311', 'D-80331']],
    ['release', releasePattern, ['02', '00'], ['2', '002']],
  ];

  it.each(table)('%s', (_name, re, good, bad) => {
    for (const v of good) expect(re.test(v), v).toBe(true);
    for (const v of bad) expect(re.test(v), v).toBe(false);
  });

  it('idKind and idPrefix', () => {
    expect(idKind('DEU.EKPA.V000000001')).toBe('V');
    expect(idKind('DEU.EKPB.S000000001')).toBe('S');
    expect(idKind('DEU.EKPA.T000000001')).toBe('T');
    expect(idKind('DEU.EKPA.X000000001')).toBeUndefined();
    expect(idKind(LINE_ID)).toBeUndefined();
    expect(idPrefix('DEU.EKPA.V000000001')).toBe('DEU.EKPA');
    expect(idPrefix('DEU.FLNFON.S00000000A')).toBe('DEU.FLNFON');
    expect(idPrefix(LINE_ID)).toBe('DEU.EKPB');
    expect(idPrefix('garbage')).toBeUndefined();
  });

  it('dates are real calendar dates', () => {
    for (const d of ['2026-12-15', '2024-02-29', '2000-02-29', '2026-01-31', '2026-04-30']) expect(isCalendarDate(d), d).toBe(true);
    for (const d of ['2026-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0000-01-01', '2026-1-5', '15.12.2026', '2026-12-15Z'])
      expect(isCalendarDate(d), d).toBe(false);
  });

  it('technology: [0-9]{3} .* up to 25 characters, known values 001–021', () => {
    expect(Object.keys(TECHNOLOGIES)).toHaveLength(21);
    expect(technologyValue('001')).toBe('001 TAL ISDN');
    expect(technologyValue('013')).toBe('013 FTTB');
    expect(technologyValue('021')).toBe('021 Sonstiges');
    expect(technologyValue('022')).toBeUndefined();
    expect(isTechnology('001 TAL ISDN')).toBe(true);
    expect(isTechnology('099 Neue Technik')).toBe(true);
    expect(isTechnology(`001 ${x(21)}`)).toBe(true);
    expect(isTechnology(`001 ${x(22)}`)).toBe(false);
    expect(isTechnology('001TAL')).toBe(false);
    expect(isTechnology('1 TAL')).toBe(false);
    expect(isKnownTechnology('005 ADSL SA Annex B')).toBe(true);
    expect(isKnownTechnology('005 ADSL SA annex B')).toBe(false);
  });

  it('restricted character set', () => {
    const ok = ['Müller', 'Großmann', 'Straße', '§ 3 Abs. 2', 'm² ³ ° ±', 'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß', 'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ', 'A\tB', ' !"#$%&\'()*+,-./:;<=>?@[\\]^_{}', ''];
    for (const s of ok) expect(restrictedTextPattern.test(s), s).toBe(true);
    const bad = ['a`b', 'a|b', 'a~b', '2×3', '6÷2', 'a\nb', 'a\rb', '€', 'µ', '\u00A0', '¡', '¿', 'Ł', '😀', '\u0000'];
    for (const s of bad) expect(restrictedTextPattern.test(s), s).toBe(false);
    expect(isText('x'.repeat(30), 30)).toBe(true);
    expect(isText('x'.repeat(31), 30)).toBe(false);
    expect(isText('', 30)).toBe(false);
  });

  it('free text: 1–255 of the same set plus CR/LF', () => {
    expect(freeTextPattern.test('Zeile 1\r\nZeile 2\n')).toBe(true);
    expect(isFreeText('Umzug des Kunden')).toBe(true);
    expect(isFreeText(x(255, 'ß'))).toBe(true);
    expect(isFreeText(x(256))).toBe(false);
    expect(isFreeText('')).toBe(false);
    expect(isFreeText('a|b')).toBe(false);
    expect(isFreeText('a~b\r\n')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// One defect → exactly one issue, identical in both modes (normative rules)

type Case = [name: string, msg: () => WbciMessage, path: string, rule: string, code: string];

const person = (over: Record<string, unknown>) => ({ kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Müller', ...over }) as never;
const company = (over: Record<string, unknown>) => ({ kind: 'company', salutation: 'Firma', companyName: 'ACME GmbH', ...over }) as never;
const loc = (over: Record<string, unknown>) => ({ ...validVaKueMrn().location, ...over }) as never;
const single = (over: Record<string, unknown>) => ({ ...validVaKueMrn().numbers, ...over }) as never;
const pbx = (over: Record<string, unknown>) => ({ ...validVaRrnp().numbers, ...over }) as never;
const num = (over: Record<string, unknown>) => single({ list: [{ areaCode: '89', number: '1234567', ...over }] });
const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

const FORMAT = 'SG_FIELD_FORMAT';
const REQUIRED = 'SG_FIELD_REQUIRED';
const FORBIDDEN = 'SG_FIELD_FORBIDDEN';
const LENGTH = 'SG_FIELD_LENGTH';
const RANGE = 'SG_FIELD_RANGE';

const structural: Case[] = [
  // parties
  ['recipient lower case', () => validVaKueMrn({ recipient: 'DEU.ekpa' }), '/recipient', 'pattern', FORMAT],
  ['recipient too long', () => validTvsVa({ recipient: 'DEU.EKPABCD' }), '/recipient', 'pattern', FORMAT],
  ['donating empty', () => validVaKueMrn({ donating: '' }), '/donating', 'required', REQUIRED],
  ['donating missing', () => validAbbm({ donating: undefined }), '/donating', 'required', REQUIRED],
  ['sender malformed', () => validVaKueOrn({ sender: 'DEUEKPA' }), '/sender', 'pattern', FORMAT],
  ['sender not a party', () => validVaKueMrn({ sender: 'DEU.EKPC' }), '/sender', 'oneOf', RANGE],
  ['sender not a party (Meldung)', () => validAbbmTr({ sender: 'DEU.EKPC' }), '/sender', 'oneOf', RANGE],

  // VA common
  ['vaId is an S-ID', () => validVaKueMrn({ vaId: 'DEU.EKPA.S000000001' }), '/vaId', 'pattern', FORMAT],
  ['vaId too short', () => validVaKueMrn({ vaId: 'DEU.EKPA.V00000001' }), '/vaId', 'pattern', FORMAT],
  ['vaId lower case', () => validVaRrnp({ vaId: 'deu.ekpa.v000000001' }), '/vaId', 'pattern', FORMAT],
  ['vaId with donating prefix', () => validVaKueMrn({ vaId: 'DEU.EKPB.V000000001' }), '/vaId', 'idPrefix', FORMAT],
  ['vaId missing', () => validVaKueOrn({ vaId: undefined }), '/vaId', 'required', REQUIRED],
  ['KWT 29 Feb in a common year', () => validVaKueMrn({ requestedDate: '2026-02-29' }), '/requestedDate', 'calendarDate', FORMAT],
  ['KWT 31 April', () => validVaKueMrn({ requestedDate: '2026-04-31' }), '/requestedDate', 'calendarDate', FORMAT],
  ['KWT month 13', () => validVaKueMrn({ requestedDate: '2026-13-01' }), '/requestedDate', 'calendarDate', FORMAT],
  ['KWT German format', () => validVaKueMrn({ requestedDate: '15.12.2026' }), '/requestedDate', 'pattern', FORMAT],
  ['KWT with time', () => validVaKueMrn({ requestedDate: '2026-12-15T00:00:00Z' }), '/requestedDate', 'pattern', FORMAT],
  ['KWT missing', () => validVaRrnp({ requestedDate: undefined }), '/requestedDate', 'required', REQUIRED],
  ['customer missing', () => validVaKueMrn({ customer: undefined }), '/customer', 'required', REQUIRED],
  ['lastName 31', () => validVaKueMrn({ customer: person({ lastName: x(31) }) }), '/customer/lastName', 'maxLength', LENGTH],
  ['lastName empty', () => validVaKueMrn({ customer: person({ lastName: '' }) }), '/customer/lastName', 'required', REQUIRED],
  ['lastName blank', () => validVaKueMrn({ customer: person({ lastName: '   ' }) }), '/customer/lastName', 'required', REQUIRED],
  ['firstName 31', () => validVaKueMrn({ customer: person({ firstName: x(31) }) }), '/customer/firstName', 'maxLength', LENGTH],
  ['firstName empty', () => validVaKueMrn({ customer: person({ firstName: '' }) }), '/customer/firstName', 'minLength', LENGTH],
  ['person salutation Dr', () => validVaKueMrn({ customer: person({ salutation: 'Dr' }) }), '/customer/salutation', 'oneOf', RANGE],
  ['person salutation missing', () => validVaKueMrn({ customer: person({ salutation: undefined }) }), '/customer/salutation', 'required', REQUIRED],
  ['party kind', () => validVaKueMrn({ customer: person({ kind: 'robot' }) }), '/customer/kind', 'oneOf', RANGE],
  ['companyName 31', () => validVaKueOrn({ customer: company({ companyName: x(31) }) }), '/customer/companyName', 'maxLength', LENGTH],
  ['companyName missing', () => validVaKueOrn({ customer: company({ companyName: undefined }) }), '/customer/companyName', 'required', REQUIRED],
  ['companyNameSecondPart 31', () => validVaKueOrn({ customer: company({ companyNameSecondPart: x(31) }) }), '/customer/companyNameSecondPart', 'maxLength', LENGTH],
  ['company salutation Herr', () => validVaKueOrn({ customer: company({ salutation: 'Herr' }) }), '/customer/salutation', 'oneOf', RANGE],
  ['100 further holders', () => validVaKueMrn({ furtherHolders: many(100, () => person({})) }), '/furtherHolders', 'maxItems', RANGE],
  ['further holder without last name', () => validVaKueMrn({ furtherHolders: [person({}), person({ lastName: undefined })] }), '/furtherHolders/1/lastName', 'required', REQUIRED],
  ['project id 31', () => validVaKueOrn({ project: { id: x(31) } }), '/project/id', 'maxLength', LENGTH],
  ['project id missing', () => validVaKueOrn({ project: {} as never }), '/project/id', 'required', REQUIRED],
  ['couplingId 31', () => validVaKueOrn({ project: { id: 'P1', couplingId: x(31) } }), '/project/couplingId', 'maxLength', LENGTH],

  // location
  ['location missing (MRN)', () => validVaKueMrn({ location: undefined }), '/location', 'required', REQUIRED],
  ['location missing (ORN)', () => validVaKueOrn({ location: undefined }), '/location', 'required', REQUIRED],
  ['street 41', () => validVaKueMrn({ location: loc({ street: x(41) }) }), '/location/street', 'maxLength', LENGTH],
  ['street missing', () => validVaKueMrn({ location: loc({ street: undefined }) }), '/location/street', 'required', REQUIRED],
  ['house number 12a', () => validVaKueMrn({ location: loc({ houseNumber: '12a' }) }), '/location/houseNumber', 'pattern', FORMAT],
  ['house number 5 digits', () => validVaKueMrn({ location: loc({ houseNumber: '12345' }) }), '/location/houseNumber', 'pattern', FORMAT],
  ['house number empty', () => validVaKueMrn({ location: loc({ houseNumber: '' }) }), '/location/houseNumber', 'required', REQUIRED],
  ['suffix 7', () => validVaKueMrn({ location: loc({ houseNumberSuffix: 'abcdefg' }) }), '/location/houseNumberSuffix', 'maxLength', LENGTH],
  ['postal code 4 digits', () => validVaKueMrn({ location: loc({ postalCode: '8033' }) }), '/location/postalCode', 'pattern', FORMAT],
  ['postal code with country', () => validVaKueOrn({ location: loc({ postalCode: 'D-80331' }) }), '/location/postalCode', 'pattern', FORMAT],
  ['city 41', () => validVaKueMrn({ location: loc({ city: x(41) }) }), '/location/city', 'maxLength', LENGTH],
  ['city missing', () => validVaKueOrn({ location: loc({ city: undefined }) }), '/location/city', 'required', REQUIRED],

  // request numbers
  ['numbers missing (MRN)', () => validVaKueMrn({ numbers: undefined }), '/numbers', 'required', REQUIRED],
  ['numbers missing (RRNP)', () => validVaRrnp({ numbers: undefined }), '/numbers', 'required', REQUIRED],
  ['no single numbers', () => validVaKueMrn({ numbers: single({ list: [] }) }), '/numbers/list', 'minItems', RANGE],
  ['11 single numbers', () => validVaKueMrn({ numbers: single({ list: many(11, (i) => ({ areaCode: '89', number: `12345${i}` })) }) }), '/numbers/list', 'maxItems', RANGE],
  ['ONKZ with leading 0', () => validVaKueMrn({ numbers: num({ areaCode: '089' }) }), '/numbers/list/0/areaCode', 'pattern', FORMAT],
  ['ONKZ 1 digit', () => validVaKueMrn({ numbers: num({ areaCode: '8' }) }), '/numbers/list/0/areaCode', 'pattern', FORMAT],
  ['ONKZ 6 digits', () => validVaKueMrn({ numbers: num({ areaCode: '123456' }) }), '/numbers/list/0/areaCode', 'pattern', FORMAT],
  ['Rufnummer 15 digits', () => validVaKueMrn({ numbers: num({ number: '123456789012345' }) }), '/numbers/list/0/number', 'pattern', FORMAT],
  ['Rufnummer with space', () => validVaKueMrn({ numbers: num({ number: '12 34' }) }), '/numbers/list/0/number', 'pattern', FORMAT],
  ['Rufnummer missing', () => validVaKueMrn({ numbers: num({ number: undefined }) }), '/numbers/list/0/number', 'required', REQUIRED],
  ['porting window ZF4', () => validVaKueMrn({ numbers: single({ portingWindow: 'ZF4' }) }), '/numbers/portingWindow', 'pattern', FORMAT],
  ['porting window missing', () => validVaRrnp({ numbers: pbx({ portingWindow: undefined }) }), '/numbers/portingWindow', 'required', REQUIRED],
  ['porting kind', () => validVaKueMrn({ numbers: single({ kind: 'multi' }) }), '/numbers/kind', 'oneOf', RANGE],
  ['allNumbers not boolean', () => validVaKueMrn({ numbers: single({ allNumbers: 'yes' }) }), '/numbers/allNumbers', 'type', FORMAT],
  ['Durchwahl 9 digits', () => validVaRrnp({ numbers: pbx({ baseNumber: '123456789' }) }), '/numbers/baseNumber', 'pattern', FORMAT],
  ['Abfragestelle 7 digits', () => validVaRrnp({ numbers: pbx({ operatorPosition: '1234567' }) }), '/numbers/operatorPosition', 'pattern', FORMAT],
  ['PBX ONKZ 089', () => validVaRrnp({ numbers: pbx({ areaCode: '089' }) }), '/numbers/areaCode', 'pattern', FORMAT],
  ['no blocks', () => validVaRrnp({ numbers: pbx({ blocks: [] }) }), '/numbers/blocks', 'minItems', RANGE],
  ['6 blocks', () => validVaRrnp({ numbers: pbx({ blocks: many(6, (i) => ({ from: `${i}0`, to: `${i}9` })) }) }), '/numbers/blocks', 'maxItems', RANGE],
  ['block von 7 digits', () => validVaRrnp({ numbers: pbx({ blocks: [{ from: '1000000', to: '19' }] }) }), '/numbers/blocks/0/from', 'pattern', FORMAT],
  ['block bis not digits', () => validVaRrnp({ numbers: pbx({ blocks: [{ from: '00', to: '4x' }] }) }), '/numbers/blocks/0/to', 'pattern', FORMAT],

  // business-case specific VA fields
  ['PKIauf in MRN', () => validVaKueMrn({ pkiAuf: 'D052' } as never), '/pkiAuf', 'forbidden', FORBIDDEN],
  ['line identification in MRN', () => validVaKueMrn({ lineIdentification: { areaCode: '89', number: '1' } } as never), '/lineIdentification', 'forbidden', FORBIDDEN],
  ['numbers in ORN', () => validVaKueOrn({ numbers: validVaKueMrn().numbers } as never), '/numbers', 'forbidden', FORBIDDEN],
  ['PKIauf in ORN', () => validVaKueOrn({ pkiAuf: 'D052' } as never), '/pkiAuf', 'forbidden', FORBIDDEN],
  ['line identification ONKZ 0', () => validVaKueOrn({ lineIdentification: { areaCode: '0', number: '1' } }), '/lineIdentification/areaCode', 'pattern', FORMAT],
  ['location in RRNP', () => validVaRrnp({ location: validVaKueMrn().location } as never), '/location', 'forbidden', FORBIDDEN],
  ['line identification in RRNP', () => validVaRrnp({ lineIdentification: { areaCode: '89', number: '1' } } as never), '/lineIdentification', 'forbidden', FORBIDDEN],
  ['PKIauf missing in RRNP', () => validVaRrnp({ pkiAuf: undefined }), '/pkiAuf', 'required', REQUIRED],
  ['PKIauf lower case', () => validVaRrnp({ pkiAuf: 'd052' }), '/pkiAuf', 'pattern', FORMAT],
  ['PKIauf non-hex', () => validVaRrnp({ pkiAuf: 'D05G' }), '/pkiAuf', 'pattern', FORMAT],

  // TVS-VA
  ['T-ID is an S-ID', () => validTvsVa({ changeId: 'DEU.EKPA.S000000001' }), '/changeId', 'pattern', FORMAT],
  ['T-ID with donating prefix', () => validTvsVa({ changeId: 'DEU.EKPB.T000000001' }), '/changeId', 'idPrefix', FORMAT],
  ['TV vaIdRef with donating prefix', () => validTvsVa({ vaIdRef: 'DEU.EKPB.V000000001' }), '/vaIdRef', 'idPrefix', FORMAT],
  ['TV vaIdRef missing', () => validTvsVa({ vaIdRef: undefined }), '/vaIdRef', 'required', REQUIRED],
  ['TV new date missing', () => validTvsVa({ requestedDate: undefined }), '/requestedDate', 'required', REQUIRED],
  ['TV new date impossible', () => validTvsVa({ requestedDate: '2026-11-31' }), '/requestedDate', 'calendarDate', FORMAT],
  ['TV name too long', () => validTvsVa({ name: person({ lastName: x(31) }) }), '/name/lastName', 'maxLength', LENGTH],
  ['TV with a reason', () => validTvsVa({ reason: 'x' } as never), '/reason', 'forbidden', FORBIDDEN],
  ['TV with a location', () => validTvsVa({ location: validVaKueMrn().location } as never), '/location', 'forbidden', FORBIDDEN],

  // Storno
  ['S-ID of auf with abg prefix', () => validStrAuf('auf', { stornoId: S_ID_ABG }), '/stornoId', 'idPrefix', FORMAT],
  ['S-ID of abg with auf prefix', () => validStrAen('abg', { stornoId: S_ID_AUF }), '/stornoId', 'idPrefix', FORMAT],
  ['S-ID is a T-ID', () => validStrAuf('auf', { stornoId: T_ID }), '/stornoId', 'pattern', FORMAT],
  ['Storno vaIdRef is a T-ID', () => validStrAuf('auf', { vaIdRef: T_ID }), '/vaIdRef', 'pattern', FORMAT],
  ['STR-AUF by abg without reason', () => validStrAuf('abg', { reason: undefined }), '/reason', 'required', REQUIRED],
  ['STR-AUF by abg with blank reason', () => validStrAuf('abg', { reason: ' \r\n ' }), '/reason', 'required', REQUIRED],
  ['STR-AEN by abg without reason', () => validStrAen('abg', { reason: undefined }), '/reason', 'required', REQUIRED],
  ['Storno reason 256', () => validStrAen('abg', { reason: x(256) }), '/reason', 'maxLength', LENGTH],
  ['Storno reason with |', () => validStrAuf('abg', { reason: 'Tod | Widerruf' }), '/reason', 'charset', FORMAT],
  ['STR-AUF by auf with reason', () => validStrAuf('auf', { reason: 'Kunde will nicht mehr' }), '/reason', 'forbidden', FORBIDDEN],
  ['Storno location with bad postal code', () => validStrAen('auf', { location: loc({ postalCode: '1' }) }), '/location/postalCode', 'pattern', FORMAT],

  // RUEM-VA
  ['RUEM-VA vaIdRef missing', () => validRuemVa('VA-KUE-MRN', { vaIdRef: undefined }), '/vaIdRef', 'required', REQUIRED],
  ['RUEM-VA vaIdRef with donating prefix', () => validRuemVa('VA-KUE-MRN', { vaIdRef: 'DEU.EKPB.V000000001' }), '/vaIdRef', 'idPrefix', FORMAT],
  ['RUEM-VA business case TVS-VA', () => validRuemVa('VA-KUE-MRN', { businessCase: 'TVS-VA' }), '/businessCase', 'businessCase', RANGE],
  ['business case unknown', () => validRuemVa('VA-KUE-MRN', { businessCase: 'VA-FOO' as never }), '/businessCase', 'oneOf', RANGE],
  ['business case missing', () => validRuemVa('VA-KUE-ORN', { businessCase: undefined }), '/businessCase', 'required', REQUIRED],
  ['switch date missing', () => validRuemVa('VA-KUE-MRN', { switchDate: undefined }), '/switchDate', 'required', REQUIRED],
  ['switch date 30 Feb', () => validRuemVa('VA-RRNP', { switchDate: '2026-02-30' }), '/switchDate', 'calendarDate', FORMAT],
  ['MRN without technology', () => validRuemVa('VA-KUE-MRN', { technology: undefined }), '/technology', 'required', REQUIRED],
  ['MRN without numbers', () => validRuemVa('VA-KUE-MRN', { numbers: undefined }), '/numbers', 'required', REQUIRED],
  ['ORN without technology', () => validRuemVa('VA-KUE-ORN', { technology: undefined }), '/technology', 'required', REQUIRED],
  ['ORN with numbers', () => validRuemVa('VA-KUE-ORN', { numbers: validRuemVa().numbers }), '/numbers', 'forbidden', FORBIDDEN],
  ['RRNP with technology', () => validRuemVa('VA-RRNP', { technology: '001 TAL ISDN' }), '/technology', 'forbidden', FORBIDDEN],
  ['RRNP with resources', () => validRuemVa('VA-RRNP', { resources: [{ contractNumber: '1' }] }), '/resources', 'forbidden', FORBIDDEN],
  ['RRNP without numbers', () => validRuemVa('VA-RRNP', { numbers: undefined }), '/numbers', 'required', REQUIRED],
  ['technology without space', () => validRuemVa('VA-KUE-MRN', { technology: '001TAL' }), '/technology', 'pattern', FORMAT],
  ['technology 2 digits', () => validRuemVa('VA-KUE-MRN', { technology: '01 TAL' }), '/technology', 'pattern', FORMAT],
  ['technology 26', () => validRuemVa('VA-KUE-MRN', { technology: `001 ${x(22)}` }), '/technology', 'maxLength', LENGTH],
  ['technology charset', () => validRuemVa('VA-KUE-ORN', { technology: '001 TAL|ISDN' }), '/technology', 'charset', FORMAT],
  ['contract number 11', () => validRuemVa('VA-KUE-MRN', { resources: [{ contractNumber: '12345678901' }] }), '/resources/0/contractNumber', 'maxLength', LENGTH],
  ['identifier 21', () => validRuemVa('VA-KUE-MRN', { resources: [{ contractNumber: '1', identifier: x(21) }] }), '/resources/0/identifier', 'maxLength', LENGTH],
  ['resource Line-ID 11 chars', () => validRuemVa('VA-KUE-ORN', { resources: [{ lineId: 'DEU.EKPB.12345678901' }] }), '/resources/0/lineId', 'pattern', FORMAT],
  ['resource TNB id', () => validRuemVa('VA-KUE-ORN', { resources: [{ lineId: LINE_ID, tnbId: 'X001' }] }), '/resources/0/tnbId', 'pattern', FORMAT],
  ['resource with contract number and Line-ID', () => validRuemVa('VA-KUE-MRN', { resources: [{ contractNumber: '1', lineId: LINE_ID }] }), '/resources/0', 'exactlyOne', FORBIDDEN],
  ['resource with nothing', () => validRuemVa('VA-KUE-MRN', { resources: [{ contractNumber: '1' }, {}] }), '/resources/1', 'exactlyOne', REQUIRED],
  ['resource with only a TNB id', () => validRuemVa('VA-KUE-MRN', { resources: [{ tnbId: 'D001' }] }), '/resources/0', 'exactlyOne', REQUIRED],
  ['100 resources', () => validRuemVa('VA-KUE-MRN', { resources: many(100, (i) => ({ contractNumber: String(i) })) }), '/resources', 'maxItems', RANGE],
  ['confirmed number without PKIabg', () => validRuemVa('VA-KUE-MRN', { numbers: { kind: 'single', list: [{ areaCode: '89', number: '1' }] } as never }), '/numbers/list/0/pkiAbg', 'required', REQUIRED],
  ['confirmed number PKIabg D00G', () => validRuemVa('VA-KUE-MRN', { numbers: { kind: 'single', list: [{ areaCode: '89', number: '1', pkiAbg: 'D00G' }] } }), '/numbers/list/0/pkiAbg', 'pattern', FORMAT],
  ['11 confirmed numbers', () => validRuemVa('VA-KUE-MRN', { numbers: { kind: 'single', list: many(11, (i) => ({ areaCode: '89', number: `1${i}`, pkiAbg: 'D001' })) } }), '/numbers/list', 'maxItems', RANGE],
  ['confirmed block without PKIabg', () => validRuemVa('VA-RRNP', { numbers: { ...validVaRrnp().numbers, blocks: [{ from: '00', to: '49' }] } as never }), '/numbers/blocks/0/pkiAbg', 'required', REQUIRED],
  ['confirmed PBX Abfragestelle', () => validRuemVa('VA-RRNP', { numbers: { ...(validRuemVa('VA-RRNP').numbers as object), operatorPosition: 'A' } as never }), '/numbers/operatorPosition', 'pattern', FORMAT],
  ['RUEM-VA with reason', () => validRuemVa('VA-KUE-MRN', { reason: 'x' } as never), '/reason', 'forbidden', FORBIDDEN],

  // ABBM / ERLM refs
  ['ABBM to TV without T-ID ref', () => validAbbmTv({ changeIdRef: undefined }), '/changeIdRef', 'required', REQUIRED],
  ['ABBM to TV with donating T-ID', () => validAbbmTv({ changeIdRef: 'DEU.EKPB.T000000001' }), '/changeIdRef', 'idPrefix', FORMAT],
  ['ABBM to TV with S-ID ref', () => validAbbmTv({ stornoIdRef: S_ID_AUF }), '/stornoIdRef', 'forbidden', FORBIDDEN],
  ['ABBM to Storno without S-ID ref', () => validAbbmStorno('STR-AUF', 'auf', { stornoIdRef: undefined }), '/stornoIdRef', 'required', REQUIRED],
  ['ABBM to auf Storno with abg S-ID', () => validAbbmStorno('STR-AUF', 'auf', { stornoIdRef: S_ID_ABG }), '/stornoIdRef', 'idPrefix', FORMAT],
  ['ABBM to abg Storno with auf S-ID', () => validAbbmStorno('STR-AEN', 'abg', { stornoIdRef: S_ID_AUF }), '/stornoIdRef', 'idPrefix', FORMAT],
  ['ABBM to Storno with T-ID ref', () => validAbbmStorno('STR-AEN', 'auf', { changeIdRef: T_ID }), '/changeIdRef', 'forbidden', FORBIDDEN],
  ['ABBM to VA with T-ID ref', () => validAbbm({ changeIdRef: T_ID }), '/changeIdRef', 'forbidden', FORBIDDEN],
  ['ABBM to VA with S-ID ref', () => validAbbm({ stornoIdRef: S_ID_AUF }), '/stornoIdRef', 'forbidden', FORBIDDEN],
  ['ABBM switch date malformed', () => validAbbm({ switchDate: '2026/12/15' }), '/switchDate', 'pattern', FORMAT],
  ['ABBM reason 256', () => validAbbm({ positions: [{ code: '8116' }], reason: x(256) }), '/reason', 'maxLength', LENGTH],
  ['ABBM reason with backtick', () => validAbbm({ positions: [{ code: '8116' }], reason: 'siehe `Akte`' }), '/reason', 'charset', FORMAT],
  ['ERLM to TV without T-ID ref', () => validErlm('TVS-VA', { changeIdRef: undefined }), '/changeIdRef', 'required', REQUIRED],
  ['ERLM to TV without new date', () => validErlm('TVS-VA', { switchDate: undefined }), '/switchDate', 'required', REQUIRED],
  ['ERLM to TV with S-ID ref', () => validErlm('TVS-VA', { stornoIdRef: S_ID_AUF }), '/stornoIdRef', 'forbidden', FORBIDDEN],
  ['ERLM to Storno without S-ID ref', () => validErlm('STR-AUF', { stornoIdRef: undefined }), '/stornoIdRef', 'required', REQUIRED],
  ['ERLM to Storno with T-ID ref', () => validErlm('STR-AEN', { changeIdRef: T_ID }), '/changeIdRef', 'forbidden', FORBIDDEN],
  ['ERLM by auf to its own S-ID', () => validErlm('STR-AUF', { sender: AUF, stornoIdRef: S_ID_AUF }), '/stornoIdRef', 'idPrefix', FORMAT],
  ['ERLM with reason', () => validErlm('STR-AUF', { reason: 'x' } as never), '/reason', 'forbidden', FORBIDDEN],

  // AKM-TR / ABBM-TR
  ['takeOver missing', () => validAkmTr({ takeOver: undefined }), '/takeOver', 'required', REQUIRED],
  ['takeOver not boolean', () => validAkmTr({ takeOver: 'yes' as never }), '/takeOver', 'type', FORMAT],
  ['safeHarbour missing', () => validAkmTr({ safeHarbour: undefined }), '/safeHarbour', 'required', REQUIRED],
  ['100 lines', () => validAkmTr({ lines: many(100, (i) => ({ contractNumber: String(i) })) }), '/lines', 'maxItems', RANGE],
  ['line with both', () => validAkmTr({ lines: [{ contractNumber: '1', lineId: LINE_ID }] }), '/lines/0', 'exactlyOne', FORBIDDEN],
  ['line with neither', () => validAkmTr({ lines: [{ lineId: LINE_ID }, {}] }), '/lines/1', 'exactlyOne', REQUIRED],
  ['line Line-ID malformed', () => validAkmTr({ lines: [{ lineId: 'DEU.EKPB' }] }), '/lines/0/lineId', 'pattern', FORMAT],
  ['line contract number 11', () => validAkmTr({ lines: [{ contractNumber: x(11, '1') }] }), '/lines/0/contractNumber', 'maxLength', LENGTH],
  ['AKM-TR PKIauf malformed', () => validAkmTr({ pkiAuf: 'DXYZ' }), '/pkiAuf', 'pattern', FORMAT],
  ['AKM-TR business case TVS-VA', () => validAkmTr({ businessCase: 'TVS-VA' }), '/businessCase', 'businessCase', RANGE],
  ['ABBM-TR business case STR-AUF', () => validAbbmTr({ businessCase: 'STR-AUF' }), '/businessCase', 'businessCase', RANGE],
  ['ABBM-TR with reason', () => validAbbmTr({ reason: 'x' } as never), '/reason', 'forbidden', FORBIDDEN],
];

describe('field rules: one defect, exactly one issue, same in both modes', () => {
  it.each(structural)('%s', (_name, build, path, rule, code) => {
    for (const mode of MODES) {
      expect(validateMessage(build(), mode).map(pick), mode).toEqual([{ path, rule, code, severity: 'error' }]);
    }
  });
});

describe('boundary values are accepted', () => {
  it.each<[string, () => WbciMessage]>([
    ['lastName 30', () => validVaKueMrn({ customer: person({ lastName: x(30, 'ß') }) })],
    ['street 40, city 40, suffix 6', () => validVaKueMrn({ location: loc({ street: x(40), city: x(40), houseNumberSuffix: x(6) }) })],
    ['house number 4 digits', () => validVaKueMrn({ location: loc({ houseNumber: '1234' }) })],
    ['99 further holders', () => validVaKueMrn({ furtherHolders: many(99, () => company({})) })],
    ['10 single numbers', () => validVaKueMrn({ numbers: single({ list: many(10, (i) => ({ areaCode: '33205', number: `${i}2345678901234`.slice(0, 14) })) }) })],
    ['5 blocks', () => validVaRrnp({ numbers: pbx({ blocks: many(5, (i) => ({ from: `${i}0`, to: `${i}9` })) }) })],
    ['company without salutation', () => validVaKueOrn({ customer: company({ salutation: undefined }) })],
    ['ORN without line identification', () => validVaKueOrn({ lineIdentification: undefined })],
    ['leap day', () => validTvsVa({ requestedDate: '2028-02-29' })],
    ['technology 25', () => validRuemVa('VA-KUE-ORN', { technology: '019 GF' })],
    ['resource with identifier only', () => validRuemVa('VA-KUE-MRN', { resources: [{ identifier: x(20) }] })],
    ['resource Line-ID + identifier + TNB', () => validRuemVa('VA-KUE-ORN', { resources: [{ lineId: LINE_ID, identifier: 'X', tnbId: 'D0A1' }] })],
    ['RRNP with empty resources', () => validRuemVa('VA-RRNP', { resources: [] })],
    ['99 resources', () => validRuemVa('VA-KUE-MRN', { resources: many(99, (i) => ({ contractNumber: String(i) })) })],
    ['AKM-TR without lines or PKI', () => validAkmTr({ lines: [], pkiAuf: undefined, takeOver: false, safeHarbour: true })],
    ['99 AKM-TR lines', () => validAkmTr({ lines: many(99, (i) => ({ contractNumber: String(i) })) })],
    ['STR-AEN by auf with name and location', () => validStrAen('auf', { name: person({}) })],
    ['Storno reason 255, multi-line', () => validStrAuf('abg', { reason: `${x(200)}\r\n${x(53)}` })],
    ['ABBM to VA with a switch date', () => validAbbm({ switchDate: '2026-12-15' })],
    ['ERLM to a Storno sent by abg', () => validErlm('STR-AEN', { sender: AUF, stornoIdRef: S_ID_ABG })],
    ['ABBM-TR for KUE-ORN', () => validAbbmTr({ businessCase: 'VA-KUE-ORN', positions: [{ code: '8144' }, { code: '8146' }] })],
  ])('%s', (_name, build) => {
    for (const mode of MODES) expect(validateMessage(build(), mode)).toEqual([]);
  });

  it.each(Object.keys(TECHNOLOGIES))('technology %s is known', (code) => {
    const m = validRuemVa('VA-KUE-MRN', { technology: technologyValue(code) });
    expect(validateMessage(m, 'send')).toEqual([]);
  });
});

describe('technology outside the agreed list passes with a warning', () => {
  it.each([
    ['022 Glasfaser', 'is not one of the agreed technologies 001-021'],
    ['999 X', 'is not one of the agreed technologies 001-021'],
    ['001 Tal Isdn', 'differs from the agreed value "001 TAL ISDN"'],
  ])('%s', (technology, text) => {
    for (const mode of MODES) {
      const issues = validateMessage(validRuemVa('VA-KUE-MRN', { technology }), mode);
      expect(issues.map(pick)).toEqual([{ path: '/technology', rule: 'knownValue', code: RANGE, severity: 'warning' }]);
      expect(issues[0].message).toContain(text);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Number blocks (§9.1): semantic rules are errors on send, warnings on receive (§13)

describe('number blocks', () => {
  const rrnp = (blocks: NumberBlock[]) => validVaRrnp({ numbers: pbx({ blocks }) });
  const b = (from: string, to: string) => ({ from, to });

  it.each([
    [[b('00', '49')]],
    [[b('00', '99')]],
    [[b('0', '9')]],
    [[b('2', '5')]],
    [[b('100', '199'), b('200', '299'), b('500', '999')]],
    [[b('00', '49'), b('50', '99')]],
    [[b('00', '49'), b('0', '4')]],
  ])('accepts %j', (blocks) => {
    for (const mode of MODES) expect(validateMessage(rrnp(blocks), mode)).toEqual([]);
  });

  it.each([
    ['von not digit+zeros', [b('01', '49')], '/numbers/blocks/0/from', 'blockShape', FORMAT],
    ['von 210', [b('210', '299')], '/numbers/blocks/0/from', 'blockShape', FORMAT],
    ['bis not digit+nines', [b('00', '48')], '/numbers/blocks/0/to', 'blockShape', FORMAT],
    ['different lengths', [b('00', '499')], '/numbers/blocks/0/to', 'sameLength', LENGTH],
    ['von > bis', [b('50', '49')], '/numbers/blocks/0', 'ascending', RANGE],
    ['von = bis', [b('5', '5')], '/numbers/blocks/0', 'ascending', RANGE],
    ['nested overlap', [b('00', '49'), b('20', '29')], '/numbers/blocks/1', 'overlap', RANGE],
    ['duplicate block', [b('00', '49'), b('00', '49')], '/numbers/blocks/1', 'overlap', RANGE],
    ['later block covers earlier', [b('20', '29'), b('00', '99')], '/numbers/blocks/1', 'overlap', RANGE],
    ['third overlaps first', [b('100', '199'), b('300', '399'), b('100', '299')], '/numbers/blocks/2', 'overlap', RANGE],
  ] as const)('%s: error on send, warning on receive', (_name, blocks, path, rule, code) => {
    expect(validateMessage(rrnp([...blocks]), 'send').map(pick)).toEqual([{ path, rule, code, severity: 'error' }]);
    expect(validateMessage(rrnp([...blocks]), 'receive').map(pick)).toEqual([{ path, rule, code, severity: 'warning' }]);
  });

  it('names both blocks of an overlap', () => {
    const [i] = validateMessage(rrnp([b('00', '49'), b('20', '29')]), 'send');
    expect(i.message).toBe('/numbers/blocks/1 (20-29) overlaps /numbers/blocks/0 (00-49); blocks must not overlap.');
  });

  it('a format error is an error in both modes', () => {
    for (const mode of MODES) {
      expect(validateMessage(rrnp([b('0a', '49')]), mode).map(pick)).toEqual([
        { path: '/numbers/blocks/0/from', rule: 'pattern', code: FORMAT, severity: 'error' },
      ]);
    }
  });

  it('applies to the confirmed blocks of a RUEM-VA', () => {
    const m = validRuemVa('VA-RRNP', {
      numbers: { kind: 'block', areaCode: '89', baseNumber: '547084', operatorPosition: '0', blocks: [{ from: '00', to: '49', pkiAbg: 'D001' }, { from: '40', to: '49', pkiAbg: 'D001' }] },
    });
    expect(validateMessage(m, 'send').map(pick)).toEqual([{ path: '/numbers/blocks/1', rule: 'overlap', code: RANGE, severity: 'error' }]);
    expect(validateMessage(m, 'receive').map(pick)).toEqual([{ path: '/numbers/blocks/1', rule: 'overlap', code: RANGE, severity: 'warning' }]);
  });

  it('applies to a KUE-MRN PBX line', () => {
    const m = validVaKueMrn({ numbers: pbx({ blocks: [b('10', '19')] }) });
    expect(validateMessage(m, 'send')).toEqual([]);
    const bad = validVaKueMrn({ numbers: pbx({ blocks: [b('10', '18')] }) });
    expect(validateMessage(bad, 'send').map(pick)).toEqual([{ path: '/numbers/blocks/0/to', rule: 'blockShape', code: FORMAT, severity: 'error' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Character set

describe('character set in names, address and texts', () => {
  const withName = (lastName: string) => validVaKueMrn({ customer: person({ lastName }) });

  it.each(['Mül`ler', 'Mül|ler', 'Mül~ler', 'Mül×ler', 'Mül÷ler', 'Mül€ler', 'Mül\u00A0ler', 'Mül\nler', 'Müµler', 'Mül😀'])('refuses %j', (lastName) => {
    for (const mode of MODES) {
      expect(validateMessage(withName(lastName), mode).map(pick)).toEqual([{ path: '/customer/lastName', rule: 'charset', code: FORMAT, severity: 'error' }]);
    }
  });

  it.each(['Müller', 'Groß', 'Öztürk-Çelik', '§ 46 TKG', 'm² und m³', '20° ± 2', 'ÀÿØøÞþ', 'O\'Brien & Co.', 'A\tB', '!"#$%&\'()*+,-./:;<=>?@[\\]^_{}'])('accepts %j', (lastName) => {
    expect(validateMessage(withName(lastName), 'send')).toEqual([]);
  });

  it('names the offending character and where it is', () => {
    const [i] = validateMessage(withName('Mül|ler'), 'send');
    expect(i.message).toBe('/customer/lastName must use only the WBCI character set; "|" (U+007C) at index 3 is not allowed.');
    const [j] = validateMessage(validVaKueMrn({ location: loc({ street: 'Hauptstr. 1 × 2' }) }), 'send');
    expect(j.message).toBe('/location/street must use only the WBCI character set; "×" (U+00D7) at index 12 is not allowed.');
    const [k] = validateMessage(withName('Mül😀'), 'send');
    expect(k.message).toBe('/customer/lastName must use only the WBCI character set; "😀" (U+1F600) at index 3 is not allowed.');
  });

  it('allows CR/LF in free text only', () => {
    expect(validateMessage(validStrAuf('abg', { reason: 'Zeile 1\r\nZeile 2' }), 'send')).toEqual([]);
    expect(validateMessage(validAbbm({ positions: [{ code: '8116' }], reason: 'a\nb' }), 'send')).toEqual([]);
    expect(validateMessage(validVaKueMrn({ location: loc({ city: 'Mün\r\nchen' }) }), 'send').map(pick)).toEqual([
      { path: '/location/city', rule: 'charset', code: FORMAT, severity: 'error' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Send / receive differences

describe('send/receive differences', () => {
  it.each<[string, () => WbciMessage, string, string, string]>([
    ['STR-AUF by auf with a name', () => validStrAuf('auf', { name: person({}) }), '/name', 'forbidden', FORBIDDEN],
    ['STR-AUF by auf with a location', () => validStrAuf('auf', { location: validVaKueMrn().location }), '/location', 'forbidden', FORBIDDEN],
    ['STR-AEN by auf with a reason', () => validStrAen('auf', { reason: 'Umzug' }), '/reason', 'forbidden', FORBIDDEN],
    ['AKM-TR for VA-RRNP', () => validAkmTr({ businessCase: 'VA-RRNP' }), '/businessCase', 'businessCase', RANGE],
    ['ABBM-TR for VA-RRNP', () => validAbbmTr({ businessCase: 'VA-RRNP' }), '/businessCase', 'businessCase', RANGE],
    ['ABBM with only ADF codes', () => validAbbm({ positions: [{ code: '8108' }] }), '/positions', 'adfOnly', 'SG_CODE_RULE'],
    ['ABBM 8116 without reason', () => validAbbm({ positions: [{ code: '8116' }] }), '/reason', 'sonstReason', 'SG_CODE_RULE'],
    ['ABBM reason without a permitting code', () => validAbbm({ reason: 'Kunde unbekannt' }), '/reason', 'reasonWithoutCode', 'SG_CODE_RULE'],
    ['block shape', () => validVaRrnp({ numbers: pbx({ blocks: [{ from: '05', to: '49' }] }) }), '/numbers/blocks/0/from', 'blockShape', FORMAT],
  ])('%s: error on send, warning (or nothing) on receive', (_name, build, path, rule, code) => {
    expect(validateMessage(build(), 'send').map(pick)).toEqual([{ path, rule, code, severity: 'error' }]);
    const received = validateMessage(build(), 'receive');
    if (rule === 'adfOnly') expect(received).toEqual([]);
    else expect(received.map(pick)).toEqual([{ path, rule, code, severity: 'warning' }]);
  });

  it('a reason on STR-AUF from the recipient party is an error both ways', () => {
    for (const mode of MODES) {
      expect(validateMessage(validStrAuf('auf', { reason: 'x' }), mode).map(pick)).toEqual([{ path: '/reason', rule: 'forbidden', code: FORBIDDEN, severity: 'error' }]);
    }
  });
});

describe('messages and robustness', () => {
  it('has a precise message naming the expected value', () => {
    const [a] = validateMessage(validVaKueMrn({ vaId: 'DEU.EKPB.V000000001' }), 'send');
    expect(a.message).toBe('/vaId must start with the carrier code of the recipient (EKPauf) (DEU.EKPA); got "DEU.EKPB.V000000001".');
    const [b] = validateMessage(validVaKueMrn({ numbers: num({ areaCode: '089' }) }), 'send');
    expect(b.message).toBe('/numbers/list/0/areaCode must be an ONKZ of 2-5 digits without the leading 0 ([1-9][0-9]{1,4}); got 3 character(s).');
    const [c] = validateMessage(validVaKueMrn({ sender: 'DEU.EKPC' }), 'send');
    expect(c.message).toBe('/sender must be the recipient DEU.EKPA or the donating DEU.EKPB carrier; got "DEU.EKPC".');
  });

  it('reports several defects at once, in document order', () => {
    const m = validVaKueMrn({ vaId: 'X', requestedDate: '2026-02-30', location: loc({ postalCode: '1', city: '' }) });
    expect(validateMessage(m, 'send').map((i) => i.path)).toEqual(['/vaId', '/requestedDate', '/location/postalCode', '/location/city']);
  });

  it('rejects wrong runtime types instead of throwing', () => {
    const m = validVaKueMrn({ customer: 'Max' as never, numbers: single({ list: 'x' }), requestedDate: 20261215 as never });
    expect(validateMessage(m, 'receive').map(pick)).toEqual([
      { path: '/requestedDate', rule: 'type', code: FORMAT, severity: 'error' },
      { path: '/customer', rule: 'type', code: FORMAT, severity: 'error' },
      { path: '/numbers/list', rule: 'type', code: FORMAT, severity: 'error' },
    ]);
    expect(validateMessage({ ...validAbbm(), type: 'XYZ' } as never, 'receive').map(pick)).toEqual([
      { path: '/type', rule: 'oneOf', code: RANGE, severity: 'error' },
    ]);
    expect(validateMessage(validAbbm({ positions: [null as never] }), 'receive').map(pick)).toEqual([
      { path: '/positions/0', rule: 'type', code: FORMAT, severity: 'error' },
    ]);
  });

  it('validates the positions of every Meldung', () => {
    expect(validateMessage(validAkmTr({ positions: [] }), 'send').map(pick)).toEqual([
      { path: '/positions', rule: 'minItems', code: RANGE, severity: 'error' },
    ]);
    expect(validateMessage(validRuemVa('VA-KUE-ORN', { positions: [{ code: '8117' }] }), 'send').map((i) => i.rule)).toEqual(['allowedIn', 'exactlyOne']);
    // an ERLM answering a VA is wrong whatever its refs
    expect(validateMessage(validErlm('STR-AUF', { businessCase: 'VA-KUE-MRN' }), 'send').map(pick)).toEqual([
      { path: '/businessCase', rule: 'businessCase', code: RANGE, severity: 'error' },
      { path: '/stornoIdRef', rule: 'forbidden', code: FORBIDDEN, severity: 'error' },
    ]);
  });
});

describe('ABBM to a TVS-VA without a date', () => {
  // a TV refused before the RUEM-VA (8141) or for an unknown VA-ID (8140) has no original date;
  // whether one exists is state, which the state machine checks
  it.each(['send', 'receive'] as const)('passes the field rules (%s)', (mode) => {
    const errors = validateMessage(validAbbmTv({ switchDate: undefined }), mode).filter((i) => i.severity !== 'warning');
    expect(errors).toEqual([]);
  });
});
