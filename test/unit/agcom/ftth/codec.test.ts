import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { checkMessage, decodeN12, decodeRequest, encodeN12, encodePayload, encodeRequest, FTTH_NS } from '../../../../src/protocols/agcom/ftth/codec.js';
import { renderFtthWsdl, renderFtthXsd } from '../../../../src/protocols/agcom/ftth/contracts.js';
import { MESSAGE_IDS, OPERATION_MESSAGE, OPERATIONS, SERVICE_NAMES, serviceOperations, type MessageId, type Operation } from '../../../../src/protocols/agcom/ftth/messages.js';
import { FULL, MINIMAL } from './samples.js';

const REPO = new URL('../../../../', import.meta.url);
const XSD_TEXT = readFileSync(new URL('schemas/agcom-ftth/ftth.xsd', REPO), 'utf8');
const XSD = { fileName: 'ftth.xsd', contents: XSD_TEXT };

const opOf = (id: MessageId): Operation => OPERATIONS.find((op) => OPERATION_MESSAGE[op] === id)!;
const elementOf = (id: MessageId): string => (id === 'N12' ? 'WHS_StatusUpdateMigResponse' : opOf(id));

async function xsdErrors(docs: { fileName: string; contents: string }[]): Promise<string[]> {
  const r = await validateXML({ xml: docs, schema: [XSD] });
  return r.errors.map((e) => e.rawMessage);
}

/** The payload of a SOAP envelope (what the XSD describes). */
const payloadOf = (envelope: string): string => envelope.replace(/^.*<soapenv:Body>/s, '').replace(/<\/soapenv:Body>.*$/s, '');

describe('FTTH contracts', () => {
  it('the committed XSD and WSDLs are the rendering of the shape table (npm run contracts:ftth)', () => {
    expect(XSD_TEXT).toBe(renderFtthXsd());
    for (const s of SERVICE_NAMES) expect(readFileSync(new URL(`wsdl/agcom-ftth/${s}.wsdl`, REPO), 'utf8'), s).toBe(renderFtthWsdl(s));
  });

  it('each WSDL declares exactly its service operations of §10.3, each answered by N12', () => {
    const wsdl = renderFtthWsdl('RecipientMigrationNotify_OLO');
    for (const op of ['WHS_StatusUpdateMig', 'WHS_RescheduleMig', 'WHS_Event', 'WHS_CompletionOrderMig']) {
      expect(wsdl).toContain(`<wsdl:operation name="${op}"><soap:operation soapAction="${FTTH_NS}/${op}" style="document"/>`);
      expect(wsdl).toContain(`<wsdl:part name="parameters" element="f:${op}Response"/>`);
    }
    expect(wsdl).not.toContain('<wsdl:operation name="Rec_MigrationSetup">');
    expect(serviceOperations('O2ONPFibra.OLO_NPRequestService')).toEqual(['OLO_NPRequest']);
  });
});

describe('FTTH codec', () => {
  it.each(MESSAGE_IDS.filter((id) => id !== 'N12'))('%s (full and minimal) survives encode → decode unchanged', (id) => {
    for (const msg of [FULL[id], MINIMAL[id]]) {
      const op = opOf(id);
      const d = decodeRequest(encodeRequest(op, msg), [op]);
      expect(d).toEqual({ ok: true, op, id, msg });
    }
  });

  it('N12 survives encode → decode', () => {
    const n12 = { ID_NOTIFICA: 'X', ESITO: '1' as const, CODICE_MOTIVAZIONE: '003', MOTIVAZIONE: 'COR: at most 12' };
    expect(decodeN12(encodeN12('WHS_Event', n12), 'WHS_Event')).toEqual({ ok: true, n12 });
    expect(decodeN12(encodeN12('WHS_Event', n12), 'WHS_StatusUpdateMig')).toMatchObject({ ok: false, problem: { rule: 'operation' } });
  });

  it('every message it produces, full and minimal, is valid against ftth.xsd (xmllint)', async () => {
    const docs = MESSAGE_IDS.flatMap((id) => [FULL[id], MINIMAL[id]].map((m, i) => ({ fileName: `${id}-${i}.xml`, contents: encodePayload(elementOf(id), id, m) })));
    expect(await xsdErrors(docs)).toEqual([]);
  });

  it('refuses to encode what its table refuses', () => {
    expect(() => encodeRequest('WHS_StatusUpdateMig', { ...FULL.N4, STATO_ORDINE: '9' })).toThrow(/STATO_ORDINE: must be one of 0, 1, 2, 3, 4, 5/);
  });

  // each broken document: the field the NACK names, the rule, and whether the XSD refuses it too
  const n1 = encodeRequest('Rec_MigrationSetup', FULL.N1);
  const n4 = encodeRequest('WHS_StatusUpdateMig', FULL.N4);
  const cases: [string, string, Operation, string, string, boolean][] = [
    ['a missing mandatory COR inside DATI_MIGRAZIONE', n1.replace('<f:COR>123456789012</f:COR>', ''), 'Rec_MigrationSetup', 'DATI_MIGRAZIONE/COR', 'required', true],
    ['a COR of 13 characters', n1.replace('<f:COR>123456789012</f:COR>', '<f:COR>1234567890123</f:COR>'), 'Rec_MigrationSetup', 'DATI_MIGRAZIONE/COR', 'length', true],
    ['a missing RECAPITO_TELEFONICO_CLIENTE_1', n1.replace(/<f:RECAPITO_TELEFONICO_CLIENTE_1>[^<]*<\/f:RECAPITO_TELEFONICO_CLIENTE_1>/, ''), 'Rec_MigrationSetup', 'RECAPITO_TELEFONICO_CLIENTE_1', 'required', true],
    ['an 11th DN', n1.replace('<f:DN>0612345678</f:DN>', '<f:DN>0612345678</f:DN>'.repeat(10)), 'Rec_MigrationSetup', 'NUMERAZIONI/DN', 'count', true],
    ['STATO_ORDINE 6', n4.replace('<f:STATO_ORDINE>2</f:STATO_ORDINE>', '<f:STATO_ORDINE>6</f:STATO_ORDINE>'), 'WHS_StatusUpdateMig', 'STATO_ORDINE', 'enum', true],
    ['a DATA_NOTIFICA without a time', n4.replace('2026-12-05T10:00:00+01:00', '2026-12-05'), 'WHS_StatusUpdateMig', 'DATA_NOTIFICA', 'format', true],
    ['an element the message does not have', n4.replace('<f:NOTE>', '<f:COLORE>rosso</f:COLORE><f:NOTE>'), 'WHS_StatusUpdateMig', 'COLORE', 'unexpected', true],
    ['fields out of order', n4.replace('<f:ID_BUILDING>B-1</f:ID_BUILDING>', '').replace('<f:NOTE>', '<f:ID_BUILDING>B-1</f:ID_BUILDING><f:NOTE>'), 'WHS_StatusUpdateMig', 'ID_BUILDING', 'unexpected', true],
    // a rule the XSD cannot express (§10.3: only if CONTATTO_VIRTUALE = 1)
    ['MODALITA_CONTATTO_VIRTUALE without CONTATTO_VIRTUALE 1', n1.replace('<f:CONTATTO_VIRTUALE>1</f:CONTATTO_VIRTUALE>', '<f:CONTATTO_VIRTUALE>0</f:CONTATTO_VIRTUALE>'), 'Rec_MigrationSetup', 'MODALITA_CONTATTO_VIRTUALE', 'absent', false],
  ];

  it.each(cases)('names the field of %s', async (_name, xml, op, field, rule, xsdRefuses) => {
    const d = decodeRequest(xml, [op]);
    expect(d).toMatchObject({ ok: false, op, notificationId: expect.stringMatching(/^REC-N-/), problem: { field, rule } });
    const errors = await xsdErrors([{ fileName: 'doc.xml', contents: payloadOf(xml) }]);
    expect(errors.length > 0).toBe(xsdRefuses);
  });

  it('refuses hostile XML, a non-SOAP document and an operation of another service', () => {
    const dtd = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${n4.replace(/^<\?xml[^>]*>/, '')}`;
    expect(decodeRequest(dtd, ['WHS_StatusUpdateMig'])).toMatchObject({ ok: false, problem: { field: '', rule: 'xml' } });
    expect(decodeRequest(payloadOf(n4), ['WHS_StatusUpdateMig'])).toMatchObject({ ok: false, problem: { rule: 'envelope' } });
    expect(decodeRequest(n1, serviceOperations('RecipientMigrationNotify_OLO'))).toMatchObject({ ok: false, problem: { field: 'Rec_MigrationSetup', rule: 'operation' } });
    expect(decodeRequest('x'.repeat(300_000), ['WHS_Event'])).toMatchObject({ ok: false, problem: { rule: 'xml' } });
  });

  it('accepts any prefix the partner chooses', () => {
    const other = n4.replace(/soapenv:/g, 'S:').replace('xmlns:soapenv', 'xmlns:S').replace(/f:/g, 'ns3:').replace('xmlns:f=', 'xmlns:ns3=');
    expect(decodeRequest(other, ['WHS_StatusUpdateMig'])).toMatchObject({ ok: true, msg: FULL.N4 });
  });

  it('checkMessage counts characters, not bytes', () => {
    expect(checkMessage('N1', FULL.N1)).toBeUndefined();
    expect(checkMessage('N1', { ...FULL.N1, NOTE: 'è'.repeat(256) })).toMatchObject({ field: 'NOTE', rule: 'length' });
  });
});
