import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import {
  buildFileName,
  checkUpload,
  classifyRejection,
  decodeReply,
  decodeXml1,
  decodeXml2,
  decodeXml3,
  DEFAULT_WIRE_VALUES,
  detectFileKind,
  encodeReply,
  encodeXml1,
  encodeXml2,
  encodeXml3,
  FILE_LAYOUTS,
  parseFileName,
  REPLY_CODES,
  uploadParams,
  validateFile,
  validateWireValues,
  type DecodeResult,
  type FileNaming,
  type ReplyCode,
  type UploadContext,
  type WireValues,
} from '../../../src/protocols/agcom/files.js';
import { openCase } from '../../../src/protocols/agcom/machine.js';
import type { FormalValidation, ManagerialValidation, MigrationRequest, RecipientMessage } from '../../../src/protocols/agcom/types.js';
import { attivazione, cancellation, ctx, DON, formal, managerialKo, managerialOk, REC, request, reschedule, TIM } from './fixtures.js';

const N_PARTIES = { sender: REC, receiver: DON };
const R_PARTIES = { sender: DON, receiver: REC };

const ok = <T>(r: DecodeResult<T>) => {
  if (!r.ok) throw new Error(`decode failed: ${JSON.stringify(r.issues)}`);
  return r;
};
const encoded = (r: ReturnType<typeof encodeXml1>) => {
  if (!r.ok) throw new Error(`encode failed: ${JSON.stringify(r.issues)}`);
  return r.xml;
};

/** 100 different Recipient messages: both procedures, all three communications, optional fields varied. */
function recipientMessages(n: number): RecipientMessage[] {
  return Array.from({ length: n }, (_, i): RecipientMessage => {
    const orderId = `OLA_${String(i + 1).padStart(7, '0')}`;
    switch (i % 5) {
      case 0:
        return request({ orderId });
      case 1:
        return request({
          orderId,
          secret: 'KQG',
          resources: [
            { cor: '029989270', cos: '011', checkChar: 'M' },
            { cor: '029989270', cos: '012' },
          ],
          customer: { lastNameOrCompany: 'Rossi & Figli S.r.l. <Roma>', taxCode: '01234567890' },
          numbers: Array.from({ length: 10 }, (_, k) => `02998927${k}`),
          dac: undefined,
          pin: '1234',
          correlationId: 'CORR-7',
          totalRequests: '2',
          notes: 'accesso "dati" e voce',
        });
      case 2:
        return attivazione({ orderId, donating: DON });
      case 3:
        return cancellation({ orderId, notes: 'il cliente ci ha ripensato' });
      default:
        return reschedule({ orderId, procedure: i % 2 === 0 ? 'attivazione' : 'migrazione' });
    }
  });
}

function answers(n: number): FormalValidation[] {
  return Array.from({ length: n }, (_, i): FormalValidation => {
    const orderId = `OLA_${String(i + 1).padStart(7, '0')}`;
    if (i % 3 === 0) return { ...formal('RICHIESTA', 'OK'), orderId, secret: '2ZZ', resources: [{ cor: '069234552' }] };
    if (i % 3 === 1) return formal('ANNULLAMENTO', 'KO', { orderId, procedure: 'attivazione', rejection: { category: 'ALTRO', cause: '9', reasonCode: 'E99', text: 'oltre la DAC' } });
    return formal('RICHIESTA', 'KO', {
      orderId,
      secret: 'KQG',
      resources: [{ cor: '029989270' }, { cor: '029989270', cos: '012' }],
      rejection: { category: 'CODICE_SEGRETO', cause: '2', reasonCode: 'E02', text: 'COW non del Donating' },
    });
  });
}

function managerial(n: number): ManagerialValidation[] {
  return Array.from({ length: n }, (_, i): ManagerialValidation => {
    const orderId = `OLA_${String(i + 1).padStart(7, '0')}`;
    if (i % 2 === 0) return managerialOk({ orderId, sessionCode: `SESS-${i}` });
    return managerialKo({ category: 'NUMERAZIONI', cause: '4', reasonCode: 'E04', text: 'numeri non sull’accesso', wrongNumbers: ['069234552', '069234553'] }, { orderId });
  });
}

/** The decoder adds nothing the message did not have; the encoder drops only what the record cannot hold. */
const asDecodedRequest = (m: RecipientMessage): RecipientMessage => {
  if (m.type !== 'RICHIESTA') return m;
  return { ...m, resources: m.resources.map((r) => ({ ...r })) };
};

describe('xml1 round trip', () => {
  it.each([1, 100])('%i record(s)', (n) => {
    const msgs = recipientMessages(n);
    const xml = encoded(encodeXml1(msgs));
    const r = ok(decodeXml1(xml, { parties: N_PARTIES }));
    expect(r.kind).toBe('xml1');
    expect(r.records).toHaveLength(n);
    for (const [i, rec] of r.records.entries()) {
      expect(rec.issues).toEqual([]);
      expect(rec.orderId).toBe(msgs[i].orderId);
      expect(rec.message).toEqual(asDecodedRequest(msgs[i]));
    }
  });

  it('writes the documented layout: namespace, record attribute, Parametri, XSD order, empty mandatory elements', () => {
    const xml = encoded(encodeXml1([cancellation()]));
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<xml1 xmlns="http://www.olo.it/Request">',
        '  <Request CodiceOrdineRecipient="OLA_0000001">',
        '    <Parametri>',
        '      <TipoComunicazione>3</TipoComunicazione>',
        '      <DataInvioRichiesta>2026/12/01</DataInvioRichiesta>',
        '      <CodiceOperatoreRecipient>OLA</CodiceOperatoreRecipient>',
        '      <CodiceOrdineRecipient>OLA_0000001</CodiceOrdineRecipient>',
        ...[
          'CodiceOLODonating',
          'CodiceRisorsa1',
          'CodiceServizio1',
          'CodiceRisorsa2',
          'CodiceServizio2',
          'NomeCliente',
          'CognomeClienteRagioneSociale',
          'CodiceFiscalePartitaIVA',
          'IdentificativoCorrelazioni',
          'TotRichieste',
          'Note',
          ...Array.from({ length: 10 }, (_, i) => `DirectoryNumber${i + 1}`),
        ].map((e) => `      <${e}></${e}>`),
        '    </Parametri>',
        '  </Request>',
        '</xml1>',
        '',
      ].join('\n'),
    );
  });

  it('escapes what must be escaped and reads it back', () => {
    const m = request({ customer: { lastNameOrCompany: `A&B <"C"> 'D'` }, notes: 'x < y & z' });
    const xml = encoded(encodeXml1([m]));
    expect(xml).toContain('<CognomeClienteRagioneSociale>A&amp;B &lt;&quot;C&quot;&gt; &apos;D&apos;</CognomeClienteRagioneSociale>');
    expect(ok(decodeXml1(xml, { parties: N_PARTIES })).records[0].message).toEqual(m);
  });

  it('strictLayout writes only documented elements and refuses a reschedule (no DAC element)', () => {
    const xml = encoded(encodeXml1([request()], { strictLayout: true }));
    expect(xml).not.toContain('<DAC>');
    expect(xml).not.toContain('CarattereControllo1');
    const back = ok(decodeXml1(xml, { parties: N_PARTIES })).records[0].message;
    expect(back).toEqual({ ...request(), dac: undefined, resources: [{ cor: '069234552', cos: '001' }] } as RecipientMessage);
    const r = encodeXml1([reschedule()], { strictLayout: true });
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ record: 0, rule: 'strictLayout', path: '/xml1/Request/0' });
  });

  it('configurable wire values and date format', () => {
    const values: WireValues = {
      ...DEFAULT_WIRE_VALUES,
      dateFormat: 'YYYYMMDD',
      communicationType: { migrazione: { RICHIESTA: '10', ANNULLAMENTO: '11', RIMODULAZIONE: '12' }, attivazione: { RICHIESTA: '20', ANNULLAMENTO: '21', RIMODULAZIONE: '22' } },
    };
    const xml = encoded(encodeXml1([reschedule()], { values }));
    expect(xml).toContain('<TipoComunicazione>12</TipoComunicazione>');
    expect(xml).toContain('<DataInvioRichiesta>20261201</DataInvioRichiesta>');
    expect(xml).toContain('<DAC>20261218</DAC>');
    expect(ok(decodeXml1(xml, { parties: N_PARTIES, values })).records[0].message).toEqual(reschedule());
    // the same file read with the default values: unknown TipoComunicazione, the record is unreadable
    const other = ok(decodeXml1(xml, { parties: N_PARTIES })).records[0];
    expect(other.message).toBeUndefined();
    expect(other.issues[0]).toMatchObject({ element: 'TipoComunicazione', rule: 'knownValue', record: 0, path: '/xml1/Request/0/Parametri/TipoComunicazione' });
  });

  it('refuses 101 records, encoding and decoding', () => {
    const r = encodeXml1(recipientMessages(101));
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([{ path: '/', rule: 'maxRecords', code: 'SG_AGCOM_FILE_TOO_MANY_RECORDS', severity: 'error', message: '101 records; an xml1 file holds at most 100' }]);
    const hundred = encoded(encodeXml1(recipientMessages(100)));
    const extra = hundred.replace('</xml1>', hundred.slice(hundred.indexOf('  <Request'), hundred.indexOf('  </Request>') + '  </Request>\n'.length) + '</xml1>');
    const d = decodeXml1(extra, { parties: N_PARTIES });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.issues[0]).toMatchObject({ code: 'SG_AGCOM_FILE_TOO_MANY_RECORDS', message: '101 records; an xml1 file holds at most 100' });
  });

  it('refuses an empty message list', () => {
    expect(encodeXml1([]).issues[0].code).toBe('SG_AGCOM_FILE_EMPTY');
  });

  it('refuses what the record cannot hold', () => {
    const r = encodeXml1([request({ secret: '2ZZZ', numbers: Array.from({ length: 11 }, (_, i) => `06123456${String(i).padStart(2, '0')}`) })]);
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => [i.element, i.rule])).toEqual([
      ['DirectoryNumber10', 'maxItems'],
      ['CodiceOLODonating', 'maxLength'],
    ]);
    expect(r.issues[1].message).toBe('record 1, CodiceOLODonating: 4 characters; at most 3');
  });
});

describe('xml2 and xml3 round trip', () => {
  it.each([1, 100])('xml2 with %i record(s)', (n) => {
    const msgs = answers(n);
    const r = ok(decodeXml2(encoded(encodeXml2(msgs)), { parties: R_PARTIES }));
    expect(r.records.map((x) => x.message)).toEqual(msgs);
    expect(r.records.flatMap((x) => x.issues)).toEqual([]);
  });

  it.each([1, 100])('xml3 with %i record(s)', (n) => {
    const msgs = managerial(n);
    const r = ok(decodeXml3(encoded(encodeXml3(msgs)), { parties: R_PARTIES }));
    expect(r.records.map((x) => x.message)).toEqual(msgs);
    expect(r.records.flatMap((x) => x.issues)).toEqual([]);
  });

  it('fills the raw codes of a category and classifies received ones', () => {
    const xml = encoded(encodeXml2([formal('RICHIESTA', 'KO', { rejection: { category: 'DUPLICATO', text: 'già aperta' } })]));
    expect(xml).toContain('<StatoRichiesta>1</StatoRichiesta>');
    expect(xml).toContain('<CausaleRifiuto>5</CausaleRifiuto>');
    expect(xml).toContain('<CodiceMotivoRifiuto>E05</CodiceMotivoRifiuto>');
    expect(ok(decodeXml2(xml, { parties: R_PARTIES })).records[0].message?.rejection).toEqual({ category: 'DUPLICATO', cause: '5', reasonCode: 'E05', text: 'già aperta' });
    expect(classifyRejection(DEFAULT_WIRE_VALUES, '3', 'X77')).toBe('RISORSA');
    expect(classifyRejection(DEFAULT_WIRE_VALUES, '9', 'E04')).toBe('NUMERAZIONI');
    expect(classifyRejection(DEFAULT_WIRE_VALUES, '42', 'Z')).toBe('ALTRO');
  });

  it('xml3 refuses an OK without session code when sending, warns when receiving', () => {
    const r = encodeXml3([managerialOk({ sessionCode: undefined })]);
    expect(r.ok).toBe(false);
    expect(r.issues[0]).toMatchObject({ element: 'CodiceSessione', record: 0, path: '/xml3/ValidationResponse/0/Parametri/CodiceSessione' });
    const xml = encoded(encodeXml3([managerialOk()])).replace(/<CodiceSessione>[^<]*<\/CodiceSessione>/, '<CodiceSessione></CodiceSessione>');
    const rec = ok(decodeXml3(xml, { parties: R_PARTIES })).records[0];
    expect(rec.message?.sessionCode).toBeUndefined();
    expect(rec.issues.map((i) => [i.element, i.severity])).toEqual([['CodiceSessione', 'warning']]);
  });

  it('an xml3 record must answer a request', () => {
    const xml = encoded(encodeXml3([managerialOk()])).replace('<TipoComunicazione>1<', '<TipoComunicazione>3<');
    const rec = ok(decodeXml3(xml, { parties: R_PARTIES })).records[0];
    expect(rec.message).toBeUndefined();
    expect(rec.issues[0]).toMatchObject({ rule: 'answersRequest', element: 'TipoComunicazione' });
  });

  it('the Recipient named in an answer must be the file’s receiver', () => {
    const xml = encoded(encodeXml2([formal()]));
    const rec = ok(decodeXml2(xml, { parties: { sender: DON, receiver: 'OLC' } })).records[0];
    expect(rec.issues[0]).toMatchObject({ rule: 'matchesFile', element: 'CodiceOperatoreRecipient', message: 'record 1, CodiceOperatoreRecipient: OLA is not the file\'s receiver OLC' });
  });
});

describe('decoding: structure and hostile input', () => {
  const one = () => encoded(encodeXml1([request()]));

  it('refuses DOCTYPE and entities', () => {
    const evil = `<?xml version="1.0"?><!DOCTYPE xml1 [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml1><Request CodiceOrdineRecipient="A"><Parametri><Note>&x;</Note></Parametri></Request></xml1>`;
    const r = decodeXml1(evil, { parties: N_PARTIES });
    expect(r).toEqual({ ok: false, issues: [{ path: '/', rule: 'doctype', code: 'SG_AGCOM_FILE_XML', message: 'DOCTYPE declarations are not accepted', severity: 'error' }] });
  });

  it('refuses malformed XML and the wrong root', () => {
    expect(decodeXml1('<xml1><Request>', { parties: N_PARTIES })).toMatchObject({ ok: false, issues: [{ code: 'SG_AGCOM_FILE_XML', rule: 'wellFormed' }] });
    expect(decodeXml1(encoded(encodeXml2([formal()])), { parties: N_PARTIES })).toMatchObject({
      ok: false,
      issues: [{ code: 'SG_AGCOM_FILE_ROOT', message: 'the root element is <xml2>; an xml1 file has <xml1>' }],
    });
    expect(decodeXml1('<xml1><Richiesta/></xml1>', { parties: N_PARTIES })).toMatchObject({ ok: false, issues: [{ code: 'SG_AGCOM_FILE_STRUCTURE', path: '/xml1/Richiesta' }] });
    expect(decodeXml1('<xml1/>', { parties: N_PARTIES })).toMatchObject({ ok: false, issues: [{ code: 'SG_AGCOM_FILE_EMPTY' }] });
  });

  it('a record without CodiceOrdineRecipient makes the file unusable', () => {
    const xml = one().replace(' CodiceOrdineRecipient="OLA_0000001"', '').replace('<CodiceOrdineRecipient>OLA_0000001</CodiceOrdineRecipient>', '');
    expect(decodeXml1(xml, { parties: N_PARTIES })).toMatchObject({ ok: false, issues: [{ record: 0, path: '/xml1/Request/0', rule: 'orderId' }] });
  });

  it('reads files without namespace, with padded values, and warns about a foreign namespace and extra elements', () => {
    const plain = one().replace(' xmlns="http://www.olo.it/Request"', '').replace('<Note></Note>', '<Note>  padded  </Note>');
    const r = ok(decodeXml1(plain, { parties: N_PARTIES }));
    expect(r.records[0].message).toMatchObject({ notes: 'padded' });
    const odd = one().replace('http://www.olo.it/Request', 'urn:other').replace('<Note></Note>', '<Note></Note><Extra>1</Extra>');
    const decoded = ok(decodeXml1(odd, { parties: N_PARTIES }));
    expect(decoded.warnings.map((i) => [i.code, i.rule, i.severity])).toEqual([['SG_AGCOM_FILE_NAMESPACE', 'namespace', 'warning']]);
    const rec = decoded.records[0];
    expect(rec.message).toBeDefined();
    expect(rec.issues.map((i) => [i.code, i.rule, i.severity, i.element])).toEqual([['SG_AGCOM_FILE_RECORD', 'knownElement', 'warning', 'Extra']]);
    expect(r.warnings).toEqual([]);
  });

  it('record-level problems stay with their record', () => {
    const xml = encoded(encodeXml1([request(), request({ orderId: 'OLA_2' })]))
      .replace('<CodiceOrdineRecipient>OLA_2</CodiceOrdineRecipient>', '<CodiceOrdineRecipient>OLA_3</CodiceOrdineRecipient>')
      .replace(/(<Request CodiceOrdineRecipient="OLA_2">[\s\S]*?)<DataInvioRichiesta>2026\/12\/01</, '$1<DataInvioRichiesta>01.12.2026<');
    const r = ok(decodeXml1(xml, { parties: N_PARTIES }));
    expect(r.records[0].issues).toEqual([]);
    expect(r.records[1].message).toBeUndefined();
    expect(r.records[1].issues.map((i) => [i.element, i.rule])).toEqual([
      ['CodiceOrdineRecipient', 'matchesAttribute'],
      ['DataInvioRichiesta', 'date'],
    ]);
  });

  it('missing code parts reach the machine as empty strings, to be answered with a KO', () => {
    const xml = one().replace('<CodiceOLODonating>2ZZ</CodiceOLODonating>', '<CodiceOLODonating></CodiceOLODonating>');
    const rec = ok(decodeXml1(xml, { parties: N_PARTIES })).records[0];
    expect(rec.message).toMatchObject({ type: 'RICHIESTA', secret: '' });
  });

  it('detectFileKind', () => {
    expect(detectFileKind(one())).toBe('xml1');
    expect(detectFileKind(encoded(encodeXml2([formal()])))).toBe('xml2');
    expect(detectFileKind(encoded(encodeXml3([managerialOk()])))).toBe('xml3');
    expect(detectFileKind('<Reply/>')).toBeUndefined();
    expect(detectFileKind('not xml')).toBeUndefined();
  });
});

describe('validateFile', () => {
  it('names file, record and element of every problem', () => {
    const xml = encoded(encodeXml1([request(), request({ orderId: 'OLA_2' })])).replace(
      /(<Request CodiceOrdineRecipient="OLA_2">[\s\S]*?)<CodiceRisorsa1>069234552<\/CodiceRisorsa1>/,
      '$1<CodiceRisorsa1>06-92345</CodiceRisorsa1>',
    );
    expect(validateFile('xml1', xml, { parties: N_PARTIES, file: 'N_OLA_OLB_20261201_00001.xml' })).toEqual([
      {
        path: '/xml1/Request/1/Parametri/CodiceRisorsa1',
        rule: 'pattern',
        code: 'SG_AGCOM_FILE_FIELD',
        message: 'record 2, CodiceRisorsa1: "06-92345" is not A–Z 0–9',
        severity: 'error',
        record: 1,
        element: 'CodiceRisorsa1',
        file: 'N_OLA_OLB_20261201_00001.xml',
      },
    ]);
    expect(validateFile('xml1', encoded(encodeXml1([request()])), { parties: N_PARTIES })).toEqual([]);
    expect(validateFile('xml3', '<xml1/>', { parties: R_PARTIES })[0].code).toBe('SG_AGCOM_FILE_ROOT');
  });

  it('an extra element is an error for our own files', () => {
    const xml = encoded(encodeXml2([formal()])).replace('<CodiceSessione></CodiceSessione>', '<CodiceSessione></CodiceSessione><X>1</X>');
    expect(validateFile('xml2', xml, { parties: R_PARTIES }).map((i) => [i.element, i.severity])).toEqual([['X', 'error']]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('file names', () => {
  const name = { fileType: 'N' as const, sender: 'TL2', receiver: 'TLC', date: '2007-07-17', progressive: 1 };

  it('the public example: sender first, 5 digits', () => {
    expect(buildFileName(name)).toBe('N_TL2_TLC_20070717_00001.xml');
    expect(parseFileName(' N_TL2_TLC_20070717_00001.xml')).toEqual({ ok: true, name });
  });

  it.each<[FileNaming['order'], 'N' | 'R', string]>([
    ['sender-first', 'R', 'R_TLC_TL2_20070717_00042.xml'],
    ['receiver-first', 'N', 'N_TLC_TL2_20070717_00042.xml'],
    ['donating-first', 'N', 'N_TLC_TL2_20070717_00042.xml'],
    ['donating-first', 'R', 'R_TLC_TL2_20070717_00042.xml'],
    ['recipient-first', 'N', 'N_TL2_TLC_20070717_00042.xml'],
    ['recipient-first', 'R', 'R_TL2_TLC_20070717_00042.xml'],
  ])('order %s, TipoFile %s', (order, fileType, expected) => {
    const naming = { order, progressiveWidth: 5 };
    // N is sent by the Recipient TL2, R by the Donating TLC
    const f = fileType === 'N' ? { ...name, progressive: 42 } : { ...name, fileType, sender: 'TLC', receiver: 'TL2', progressive: 42 };
    expect(buildFileName(f, naming)).toBe(expected);
    expect(parseFileName(expected, naming)).toEqual({ ok: true, name: f });
  });

  it('the progressive width is configurable', () => {
    expect(buildFileName({ ...name, progressive: 7 }, { order: 'sender-first', progressiveWidth: 3 })).toBe('N_TL2_TLC_20070717_007.xml');
    expect(() => buildFileName({ ...name, progressive: 1000 }, { order: 'sender-first', progressiveWidth: 3 })).toThrow(/does not fit 3 digits/);
  });

  it.each([
    ['N_TL2_TLC_20070717_00001.txt', 'pattern'],
    ['N-TL2-TLC-20070717-00001.xml', 'pattern'],
    ['X_TL2_TLC_20070717_00001.xml', 'fileType'],
    ['N_TL2_TLC_20070230_00001.xml', 'date'],
    ['N_TL2_TLC_20070717_001.xml', 'progressiveWidth'],
    ['N_TL2_TLC_20070717_00000.xml', 'progressive'],
    ['n_tl2_tlc_20070717_00001.xml', 'pattern'],
  ])('refuses %s (%s)', (bad, rule) => {
    const r = parseFileName(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issue).toMatchObject({ rule, code: 'SG_AGCOM_FILE_NAME', path: '/FileName' });
  });

  it('upload parameters', () => {
    expect(uploadParams(name)).toEqual({ Operatore: 'TL2', TipoFile: 'N', FileName: 'N_TL2_TLC_20070717_00001.xml' });
  });
});

describe('checkUpload: the servlet checks and their Reply codes', () => {
  const naming: FileNaming = { order: 'sender-first', progressiveWidth: 5 };
  const uctx: UploadContext = { self: DON, partner: (op) => (op === REC || op === TIM ? { naming } : undefined) };
  const xml1 = encoded(encodeXml1([request(), cancellation({ orderId: 'OLA_2' })]));
  const fileName = 'N_OLA_OLB_20261201_00001.xml';
  const params = { Operatore: REC, TipoFile: 'N', FileName: fileName };
  const code = (p: Partial<typeof params>, ...content: [string | Uint8Array | undefined] | []) =>
    checkUpload({ ...params, ...p }, content.length === 0 ? xml1 : content[0], uctx).code;

  it('00 with the decoded records', () => {
    const r = checkUpload(params, xml1, uctx);
    expect(r.code).toBe('00');
    expect(r.description).toBe('File trasferito correttamente');
    expect(r.issues).toEqual([]);
    expect(r.name).toEqual({ fileType: 'N', sender: REC, receiver: DON, date: '2026-12-01', progressive: 1 });
    expect(r.decoded?.kind).toBe('xml1');
    expect(r.decoded?.records.map((x) => x.message?.type)).toEqual(['RICHIESTA', 'ANNULLAMENTO']);
    expect(checkUpload(params, new TextEncoder().encode(xml1), uctx).code).toBe('00');
  });

  it('answer files (R) are xml2 or xml3', () => {
    const recipientSide: UploadContext = { self: REC, partner: (op) => (op === DON ? { naming } : undefined) };
    const r2 = checkUpload({ Operatore: DON, TipoFile: 'R', FileName: 'R_OLB_OLA_20261201_00001.xml' }, encoded(encodeXml2([formal()])), recipientSide);
    expect([r2.code, r2.decoded?.kind]).toEqual(['00', 'xml2']);
    const r3 = checkUpload({ Operatore: DON, TipoFile: 'R', FileName: 'R_OLB_OLA_20261201_00002.xml' }, encoded(encodeXml3([managerialOk()])), recipientSide);
    expect([r3.code, r3.decoded?.kind]).toEqual(['00', 'xml3']);
    const wrong = checkUpload({ Operatore: DON, TipoFile: 'R', FileName: 'R_OLB_OLA_20261201_00003.xml' }, xml1, recipientSide);
    expect(wrong.code).toBe('05');
    expect(wrong.issues[0]).toMatchObject({ code: 'SG_AGCOM_FILE_ROOT' });
  });

  it('01 for a bad file name', () => {
    expect(code({ FileName: 'richieste.xml' })).toBe('01');
    expect(code({ FileName: '' })).toBe('01');
    expect(code({ FileName: undefined })).toBe('01');
    expect(code({ FileName: 'N_OLA_OLB_20261301_00001.xml' })).toBe('01');
    expect(code({ FileName: 'N_OLA_OLB_20261201_1.xml' })).toBe('01');
    // addressed to another operator
    const other = checkUpload({ ...params, FileName: 'N_OLA_OLC_20261201_00001.xml' }, xml1, uctx);
    expect(other.code).toBe('01');
    expect(other.issues[0].message).toBe('file name N_OLA_OLC_20261201_00001.xml: it is addressed to OLC, this gateway is OLB');
  });

  it('02 for a bad sender operator', () => {
    expect(code({ Operatore: undefined })).toBe('02');
    expect(code({ Operatore: 'XX' })).toBe('02');
    expect(code({ Operatore: 'ZZZ' })).toBe('02');
    const mismatch = checkUpload({ ...params, Operatore: TIM }, xml1, uctx);
    expect(mismatch.code).toBe('02');
    expect(mismatch.issues[0].message).toBe('Operatore TIM is not the sender OLA named in N_OLA_OLB_20261201_00001.xml');
  });

  it('03 for a bad file type', () => {
    expect(code({ TipoFile: 'X' })).toBe('03');
    expect(code({ TipoFile: undefined })).toBe('03');
    expect(code({ TipoFile: 'R' })).toBe('03');
  });

  it('04 for a missing file', () => {
    expect(code({}, undefined)).toBe('04');
    expect(code({}, '  \n')).toBe('04');
    expect(code({}, new Uint8Array())).toBe('04');
  });

  it('05 for an invalid file', () => {
    expect(code({}, 'garbage')).toBe('05');
    expect(code({}, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml1/>')).toBe('05');
    expect(code({}, encoded(encodeXml2([formal()])))).toBe('05');
    expect(code({}, '<xml1/>')).toBe('05');
    const many = encoded(encodeXml1(recipientMessages(100)));
    const tooMany = many.replace('</xml1>', many.slice(many.indexOf('  <Request'), many.indexOf('  </Request>') + '  </Request>\n'.length) + '</xml1>');
    const r = checkUpload(params, tooMany, uctx);
    expect(r.code).toBe('05');
    expect(r.issues[0]).toMatchObject({ code: 'SG_AGCOM_FILE_TOO_MANY_RECORDS', file: fileName });
    expect(checkUpload(params, many, uctx).code).toBe('00');
  });

  it('the partner’s naming decides the operator order', () => {
    const donFirst: UploadContext = { self: DON, partner: (op) => (op === REC ? { naming: { order: 'donating-first', progressiveWidth: 5 } } : undefined) };
    expect(checkUpload({ ...params, FileName: 'N_OLB_OLA_20261201_00001.xml' }, xml1, donFirst).code).toBe('00');
    expect(checkUpload(params, xml1, donFirst).code).toBe('01');
  });
});

describe('Reply', () => {
  it.each(Object.keys(REPLY_CODES) as ReplyCode[])('code %s round-trips', (c) => {
    const xml = encodeReply({ sender: 'TL2', fileName: 'N_TL2_TLC_20070717_00001.xml', fileType: 'N', code: c });
    expect(xml).toContain(c === '00' ? '<ReturnCode>' : '<Error>');
    expect(decodeReply(xml)).toEqual({
      ok: true,
      errorClass: 'GNP',
      reply: { sender: 'TL2', fileName: 'N_TL2_TLC_20070717_00001.xml', fileType: 'N', code: c, description: REPLY_CODES[c] },
    });
  });

  it('reads the public positive and negative examples', () => {
    const positive = `<?xml version="1.0" encoding="UTF-8"?>
<Reply>
\t<Header><Parametri><OPERATOREMittente>TL2</OPERATOREMittente><NomeFile> N_TL2_TLC_20070717_00001.xml</NomeFile><TipoFile>N</TipoFile></Parametri></Header>
\t<ReturnCode><Classe>GNP</Classe><Codice>00</Codice><Descrizione>File trasferito correttamente</Descrizione></ReturnCode>
</Reply> `;
    expect(decodeReply(positive)).toMatchObject({ ok: true, reply: { code: '00', fileName: 'N_TL2_TLC_20070717_00001.xml', sender: 'TL2' } });
    const negative = positive.replace('<ReturnCode>', '<Error>').replace('</ReturnCode>', '</Error>').replace('<Codice>00', '<Codice>01').replace('File trasferito correttamente', 'Nome file non valido');
    expect(decodeReply(negative)).toMatchObject({ ok: true, reply: { code: '01', description: 'Nome file non valido' } });
    expect(decodeReply(positive.replace('<Codice>00', '<Codice>07'))).toMatchObject({ ok: false, issue: { code: 'SG_AGCOM_REPLY' } });
    expect(decodeReply('<Risposta/>')).toMatchObject({ ok: false });
  });
});

describe('wire values', () => {
  it('the defaults are consistent; duplicates and equal statuses are named', () => {
    expect(validateWireValues(DEFAULT_WIRE_VALUES)).toEqual([]);
    const bad: WireValues = {
      ...DEFAULT_WIRE_VALUES,
      communicationType: { migrazione: { RICHIESTA: '1', ANNULLAMENTO: '1', RIMODULAZIONE: 'x' }, attivazione: DEFAULT_WIRE_VALUES.communicationType.attivazione },
      requestStatus: { OK: '0', KO: '0' },
    };
    expect(validateWireValues(bad)).toEqual([
      'communicationType.migrazione.ANNULLAMENTO: 1 is already used by communicationType.migrazione.RICHIESTA',
      'communicationType.migrazione.RIMODULAZIONE: must be an integer string, got "x"',
      'requestStatus: OK and KO must differ (both 0)',
    ]);
  });

  it('one mapping table names every element', () => {
    for (const layout of Object.values(FILE_LAYOUTS)) {
      const elements = layout.fields.map((f) => f.element);
      expect(new Set(elements).size).toBe(elements.length);
      const keys = layout.fields.map((f) => f.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
    expect(FILE_LAYOUTS.xml1.fields.filter((f) => f.origin === 'designed').map((f) => f.element)).toEqual(['DAC', 'CarattereControllo1', 'CarattereControllo2', 'PIN']);
  });
});

// ---------------------------------------------------------------------------------------------
// An XSD written from the field lists of italy.md §9.1 (the public copies' structure): strictLayout
// output must validate against it.

const xsd = (ns: string, root: string, record: string, elements: string[]) => `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="${ns}" targetNamespace="${ns}" elementFormDefault="qualified">
  <xs:complexType name="Rec"><xs:sequence><xs:element name="Parametri"><xs:complexType><xs:sequence>
${elements.map((e) => `    <xs:element name="${e}" type="xs:string"/>`).join('\n')}
  </xs:sequence></xs:complexType></xs:element></xs:sequence>
  <xs:attribute name="CodiceOrdineRecipient" use="required"/></xs:complexType>
  <xs:element name="${root}"><xs:complexType><xs:sequence><xs:element name="${record}" type="t:Rec" maxOccurs="100"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>`;

const XML1_ELEMENTS = [
  'TipoComunicazione', 'DataInvioRichiesta', 'CodiceOperatoreRecipient', 'CodiceOrdineRecipient', 'CodiceOLODonating', 'CodiceRisorsa1',
  'CodiceServizio1', 'CodiceRisorsa2', 'CodiceServizio2', 'NomeCliente', 'CognomeClienteRagioneSociale', 'CodiceFiscalePartitaIVA',
  'IdentificativoCorrelazioni', 'TotRichieste', 'Note', ...Array.from({ length: 10 }, (_, i) => `DirectoryNumber${i + 1}`),
];
const XML3_ELEMENTS = [
  'TipoComunicazione', 'CodiceOperatoreRecipient', 'CodiceOrdineRecipient', 'CodiceOLODonating', 'CodiceRisorsa1', 'CodiceRisorsa2',
  'CodiceServizio2', 'StatoRichiesta', 'CausaleRifiuto', 'CodiceMotivoRifiuto', 'MotivoRifiuto', 'NumerazioneErrata', 'CodiceSessione',
];

describe('the documented record layout (XSD)', () => {
  it('xml1 with strictLayout validates; with designed elements it does not', async () => {
    const schema = { fileName: 'xml1.xsd', contents: xsd('http://www.olo.it/Request', 'xml1', 'Request', XML1_ELEMENTS) };
    const msgs = recipientMessages(100).filter((m) => m.type !== 'RIMODULAZIONE');
    const strict = await validateXML({ xml: [{ fileName: 'a.xml', contents: encoded(encodeXml1(msgs, { strictLayout: true })) }], schema: [schema] });
    expect(strict.errors).toEqual([]);
    expect(strict.valid).toBe(true);
    const designed = await validateXML({ xml: [{ fileName: 'b.xml', contents: encoded(encodeXml1([request()])) }], schema: [schema] });
    expect(designed.valid).toBe(false);
    expect(designed.errors[0].message).toContain('DAC');
  });

  it('xml3 validates as written', async () => {
    const schema = { fileName: 'xml3.xsd', contents: xsd('http://www.olo.it/ValidationResponse', 'xml3', 'ValidationResponse', XML3_ELEMENTS) };
    const r = await validateXML({ xml: [{ fileName: 'c.xml', contents: encoded(encodeXml3(managerial(100))) }], schema: [schema] });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });
});

describe('resource slots', () => {
  it('a second resource without a first keeps its place; the first is reported empty', () => {
    const xml = encoded(encodeXml1([request({ resources: [{ cor: '069234552', cos: '001' }, { cor: '069234552', cos: '002' }] })]))
      .replace('<CodiceRisorsa1>069234552</CodiceRisorsa1>', '<CodiceRisorsa1></CodiceRisorsa1>')
      .replace('<CodiceServizio1>001</CodiceServizio1>', '<CodiceServizio1></CodiceServizio1>');
    const m = ok(decodeXml1(xml, { parties: N_PARTIES })).records[0].message;
    expect(m).toMatchObject({ resources: [{ cor: '' }, { cor: '069234552', cos: '002' }] });
  });
});

describe('the Donating gateway’s KO answers are always sendable', () => {
  it.each<[string, Partial<MigrationRequest>]>([
    ['a 4-character COW', { secret: '2ZZZ' }],
    ['an empty COW', { secret: '' }],
    ['a COR with a dash and a bad COS', { resources: [{ cor: '06-9234552', cos: '0001' }] }],
    ['three resources', { resources: [{ cor: '069234552' }, { cor: '069234553' }, { cor: '069234554' }] }],
    ['a malformed order id', { orderId: 'OLA 0000001 #' }],
  ])('%s', (_name, over) => {
    const d = openCase(request(over), 'donating', ctx('in'));
    expect(d.ok).toBe(false);
    const reply = d.reply as FormalValidation;
    expect(reply.result).toBe('KO');
    const r = encodeXml2([reply]);
    expect(r.issues).toEqual([]);
    const back = ok(decodeXml2(encoded(r), { parties: R_PARTIES })).records[0].message;
    expect(back).toMatchObject({ orderId: reply.orderId, result: 'KO', rejection: { category: 'FORMATO' } });
  });
});
