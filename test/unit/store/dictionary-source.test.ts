/**
 * What a compression dictionary is learned from: a stored text without the customer's data, with
 * the values that recur in every message of a kind (codes, carrier codes, control data) — and why
 * those are worth keeping: a message against such a dictionary takes far fewer bytes.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeSoap, type ControlBlock } from '../../../src/protocols/wbci/soap-codec.js';
import { WBCI_IMPERSONAL_ELEMENTS, WBCI_STANDARD_TEXTS } from '../../../src/protocols/wbci/impersonal-names.js';
import type { WbciMessage } from '../../../src/protocols/wbci/types.js';
import { signEnvelope } from '../../../src/protocols/wbci/ws-security-sign.js';
import { dictionarySource, GATEWAY_JSON_KEEP } from '../../../src/store/dictionary-source.js';
import { useTestCert } from '../../support/ws-security.js';
import { validAkmTr, validVaKueMrn } from '../wbci/builders.js';

const cert = useTestCert();

const control = (timestamp: string): ControlBlock => ({ timestamp, major: '02', minor: '00', signature: { issuer: cert().identity.issuer, serial: cert().identity.serial } });
const signed = (m: WbciMessage, timestamp = '2026-12-06T10:15:00.123Z') => signEnvelope(encodeSoap(m, control(timestamp)), cert().identity);
const dictOf = (raw: string) => dictionarySource(raw, { names: WBCI_IMPERSONAL_ELEMENTS, values: WBCI_STANDARD_TEXTS });
const zlibSize = (text: string, dict: string) => deflateSync(Buffer.from(text), { dictionary: Buffer.from(dict) }).length;

describe('the WBCI wire elements whose text a dictionary keeps', () => {
  it('are the codes, carrier codes and control data, and none of the customer’s fields', () => {
    expect([...WBCI_IMPERSONAL_ELEMENTS].sort()).toEqual(
      ['CarrierCode', 'Geschaeftsfall', 'Meldungscode', 'Portierungszeitfenster', 'Ressourcenuebernahme', 'SichererHafen', 'Technologie', 'issuer', 'majorRelease', 'minorRelease', 'serial', 'zeitstempel'].sort(),
    );
  });
});

describe('a signed WBCI wire form as a dictionary', () => {
  it('keeps the envelope, the certificate and the codes; not a name, an address, a number, a contract number, a signature value', () => {
    const va = signed(validVaKueMrn({ customer: { kind: 'person', salutation: 'Frau', firstName: 'Ottilie', lastName: 'Quandtmeyer' } }));
    const dict = dictOf(va);
    expect(dict).toContain(cert().identity.certificateBase64);
    expect(dict).toContain('<CarrierCode>DEU.EKPA</CarrierCode>');
    expect(dict).toContain('<Portierungszeitfenster>ZF2</Portierungszeitfenster>');
    expect(dict).toContain('<zeitstempel>2026-12-06T10:15:00.123Z</zeitstempel>');
    for (const personal of ['Ottilie', 'Quandtmeyer', 'Hauptstraße', '80331', 'München', '1234567', '>12<', '>89<', 'V000000001']) expect(dict).not.toContain(personal);
    expect(dict).toMatch(/<ds:SignatureValue><\/ds:SignatureValue>/);
    expect(dict).toMatch(/<ds:DigestValue><\/ds:DigestValue>/);

    const akm = dictOf(signed(validAkmTr()));
    expect(akm).toContain('<Meldungscode>8010</Meldungscode><Meldungstext>Antwort des aufnehmenden Anbieters</Meldungstext>');
    expect(akm).toContain('<Ressourcenuebernahme>true</Ressourcenuebernahme>');
    expect(akm).not.toContain('1234567890');
    expect(akm).not.toContain('D052');
  });

  it('keeps a Meldungstext only when it is the code table\'s standard text: the element is free text', () => {
    const custom = dictOf(signed(validAkmTr({ positions: [{ code: '8010', text: 'Rückruf bei Frau Quandtmeyer' }] })));
    expect(custom).toContain('<Meldungscode>8010</Meldungscode><Meldungstext></Meldungstext>');
    expect(custom).not.toContain('Quandtmeyer');
    // a standard text is kept in any element, and only whole: not as part of a longer text
    expect(dictOf('<E><Body><x>OK</x><y>Antwort des aufnehmenden Anbieters</y><z>OK, Herr Müller</z></Body></E>'))
      .toBe('<E><Body><x>OK</x><y>Antwort des aufnehmenden Anbieters</y><z></z></Body></E>');
  });

  it('keeps nothing of a comment or a CDATA section in the Body, nor text after a closing tag', () => {
    const raw = '<S:Envelope><S:Body><m:VA><!-- Max <b>Müller</b> --><CarrierCode><![CDATA[Erika]]>DEU.EKPA</CarrierCode>Rest<nachname>Müller</nachname></m:VA></S:Body></S:Envelope>';
    expect(dictOf(raw)).toBe('<S:Envelope><S:Body><m:VA><CarrierCode>DEU.EKPA</CarrierCode><nachname></nachname></m:VA></S:Body></S:Envelope>');
  });

  it('leaves the text of a kept name out where the element is empty or only closes', () => {
    expect(dictOf('<E><Body><CarrierCode/>x<a>y</a></CarrierCode>z</Body></E>')).toBe('<E><Body><CarrierCode/><a></a></CarrierCode></Body></E>');
  });

  it('makes the next message of the kind about half as large as a dictionary without any of the body’s text', () => {
    const first = signed(validAkmTr({ vaIdRef: 'DEU.EKPA.V000000001' }), '2026-12-06T10:15:00.123Z');
    const next = signed(validAkmTr({ vaIdRef: 'DEU.EKPA.V000000002', lines: [{ contractNumber: '9876543210' }] }), '2026-12-06T10:16:02.456Z');
    const kept = zlibSize(next, dictOf(first));
    const none = zlibSize(next, dictionarySource(first));
    expect(kept).toBeLessThan(none * 0.75);
  });
});

describe('a JSON text as a dictionary', () => {
  const keep = { names: new Set(['type', 'state']) };

  it('keeps the keys, and the string values only under a kept key; the layout stays', () => {
    const raw = '{"type": "VA-KUE-MRN", "customer": {"lastName": "Müller", "type": "person"},\n "states": ["AGREED"], "state": "AGREED", "n": 2, "ok": true}';
    expect(dictionarySource(raw, keep)).toBe('{"type": "VA-KUE-MRN", "customer": {"lastName": "", "type": "person"},\n "states": [""], "state": "AGREED", "n": 2, "ok": true}');
  });

  it('keeps an array’s items under a kept key, but not those of an array inside it or of an object in it', () => {
    expect(dictionarySource('{"type":["a",["b"],{"x":"c"}],"z":"d"}', keep)).toBe('{"type":["a",[""],{"x":""}],"z":""}');
  });

  it('keeps a listed value wherever it stands', () => {
    expect(dictionarySource('{"note":"OK","name":"Max","list":["OK","Erika"]}', { values: new Set(['OK']) })).toBe('{"note":"OK","name":"","list":["OK",""]}');
  });

  it('reads escaped quotes inside strings, keys included', () => {
    expect(dictionarySource('{"a\\"b":"x\\"y","type":"q\\\\"}', keep)).toBe('{"a\\"b":"","type":"q\\\\"}');
  });

  it('cuts a text off at a string that never ends, and keeps no value without a key to keep it', () => {
    expect(dictionarySource('{"type": "A", "name": "Max', keep)).toBe('{"type": "A", "name": "');
    expect(dictionarySource('["Max", "Müller"]')).toBe('["", ""]');
  });

  it('keeps an event’s types and states, not its ids or a case’s customer', () => {
    const events = '[{"message.queued":{"messageId":"018bd055-0259-71c2","type":"VA-KUE-MRN"}},{"case.state-changed":{"state":"AGREED","reason":"Kunde Müller"}}]';
    expect(dictionarySource(events, GATEWAY_JSON_KEEP)).toBe('[{"message.queued":{"messageId":"","type":"VA-KUE-MRN"}},{"case.state-changed":{"state":"AGREED","reason":""}}]');
    const data = '{"va":{"customer":{"kind":"person","salutation":"Herr","firstName":"Max"},"numbers":{"blocks":[{"from":"100","to":"199"}]}},"role":"donating"}';
    expect(dictionarySource(data, GATEWAY_JSON_KEEP)).toBe('{"va":{"customer":{"kind":"person","salutation":"","firstName":""},"numbers":{"blocks":[{"from":"","to":""}]}},"role":"donating"}');
  });
});
