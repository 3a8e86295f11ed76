/**
 * A WBCI message's stored body read back from its wire form (src/protocols/wbci/stored-body.ts,
 * migration 0021): for every message type, both wires, signed or not, with the successor reference
 * of a message sent; and the check that keeps a body its wire form does not give back exactly.
 */
import { describe, expect, it } from 'vitest';
import { encodeSoap, type ControlBlock } from '../../../src/protocols/wbci/soap-codec.js';
import { signEnvelope } from '../../../src/protocols/wbci/ws-security-sign.js';
import { bodyOfWire, wireHoldsBody } from '../../../src/protocols/wbci/stored-body.js';
import { codecSamples, CONTROL, withWireDefaults } from './codec-fixtures.js';
import { validAbbm, validVaKueMrn, validVaKueOrn } from './builders.js';
import { useTestCert } from '../../support/ws-security.js';

const json = (m: unknown, delivery?: object) => JSON.stringify({ control: { timestamp: CONTROL.timestamp, major: '02', minor: '00' }, message: m, ...(delivery ? { delivery } : {}) });

describe('bodyOfWire', () => {
  it.each(codecSamples())('%s: the SOAP envelope gives the body back, received or sent', (_name, m) => {
    const xml = encodeSoap(m, CONTROL);
    expect(bodyOfWire(xml, 'soap', 'in')).toEqual(withWireDefaults(m));
    expect(bodyOfWire(xml, 'soap', 'out')).toEqual(withWireDefaults(m));
    expect(wireHoldsBody(xml, 'soap', 'out', withWireDefaults(m))).toBe(true);
  });

  it.each(codecSamples())('%s: the JSON document gives the body back as it is', (_name, m) => {
    expect(bodyOfWire(json(m), 'json', 'in')).toEqual(m);
    expect(wireHoldsBody(json(m), 'json', 'out', m)).toBe(true);
  });

  it('puts the successor reference of a message sent back into its body, not into a received one’s', () => {
    const va = validVaKueMrn();
    const delivery = { id: 'msg-1', replaces: 'DEU.EKPA.V000000009' };
    const xml = encodeSoap(va, CONTROL, { delivery });
    expect(bodyOfWire(xml, 'soap', 'out')).toEqual({ ...va, replaces: 'DEU.EKPA.V000000009' });
    expect(bodyOfWire(xml, 'soap', 'in')).toEqual(va);
    expect(bodyOfWire(json(va, delivery), 'json', 'out')).toEqual({ ...va, replaces: 'DEU.EKPA.V000000009' });
    expect(bodyOfWire(json(va, delivery), 'json', 'in')).toEqual(va);
    // the check compares the body as stored: with the reference it holds, without it it does not
    expect(wireHoldsBody(xml, 'soap', 'out', { ...va, replaces: 'DEU.EKPA.V000000009' })).toBe(true);
    expect(wireHoldsBody(xml, 'soap', 'out', va)).toBe(false);
  });

  it('reads SOAP 1.2, a byte order mark, any major release and an unknown minor one', () => {
    const va = validVaKueMrn();
    expect(bodyOfWire(encodeSoap(va, CONTROL, { soapVersion: '1.2' }), 'soap', 'in')).toEqual(va);
    expect(bodyOfWire(`\uFEFF${encodeSoap(va, CONTROL)}`, 'soap', 'in')).toEqual(va);
    expect(bodyOfWire(encodeSoap(va, { ...CONTROL, major: '03', minor: '07' }), 'soap', 'in')).toEqual(va);
  });

  it('gives nothing for a text that is no WBCI message', () => {
    expect(bodyOfWire('<a/>', 'soap', 'in')).toBeUndefined();
    expect(bodyOfWire('not json', 'json', 'in')).toBeUndefined();
    expect(bodyOfWire('{"message":[1]}', 'json', 'in')).toBeUndefined();
    expect(wireHoldsBody('<a/>', 'soap', 'out', {})).toBe(false);
  });
});

describe('wireHoldsBody: a body the wire form does not give back exactly is kept', () => {
  it('a position without text: the wire carries the standard text', () => {
    const bare = validAbbm({ positions: [{ code: '8117' }] });
    expect(wireHoldsBody(encodeSoap(bare, CONTROL), 'soap', 'out', bare)).toBe(false);
    expect(wireHoldsBody(encodeSoap(bare, CONTROL), 'soap', 'out', withWireDefaults(bare))).toBe(true);
  });

  it('a company without a salutation: the wire sends Firma', () => {
    const va = validVaKueOrn({ customer: { kind: 'company', companyName: 'ACME GmbH' } as never });
    expect(wireHoldsBody(encodeSoap(va, CONTROL), 'soap', 'out', va)).toBe(false);
    expect(bodyOfWire(encodeSoap(va, CONTROL), 'soap', 'out')).toMatchObject({ customer: { kind: 'company', salutation: 'Firma', companyName: 'ACME GmbH' } });
  });

  it('a key the wire has no element for', () => {
    const va = { ...validVaKueMrn(), note: 'only in the body' };
    expect(wireHoldsBody(encodeSoap(validVaKueMrn(), CONTROL), 'soap', 'out', va)).toBe(false);
  });
});

describe('signed envelopes', () => {
  const testCert = useTestCert();

  it('the WS-Security header is not part of the body', () => {
    const cert = testCert();
    const control: ControlBlock = { ...CONTROL, signature: { issuer: cert.identity.issuer, serial: cert.identity.serial } };
    for (const [, m] of codecSamples()) {
      const xml = signEnvelope(encodeSoap(m, control, { delivery: { id: 'd-1', replaces: 'DEU.EKPA.V000000009' } }), cert.identity);
      expect(xml).toContain('SignatureValue');
      expect(bodyOfWire(xml, 'soap', 'in')).toEqual(withWireDefaults(m));
      expect(wireHoldsBody(xml, 'soap', 'out', { ...withWireDefaults(m), replaces: 'DEU.EKPA.V000000009' })).toBe(true);
    }
  });
});
