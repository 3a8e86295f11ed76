import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import {
  decodeWholesaleSoap,
  decodeWholesaleSoapResponse,
  encodeWholesalePayload,
  encodeWholesaleSoap,
  encodeWholesaleSoapFault,
  encodeWholesaleSoapResponse,
  WHOLESALE_NS,
} from '../../../src/wholesale/soap.js';
import { renderSimWsdl } from '../../../src/wholesale/simulator.js';
import { buildWbciOrder } from '../../../src/wholesale/order.js';
import { checkWholesale } from '../../../src/wholesale/schemas.js';
import { parseTree } from '../../../src/protocols/wbci/xml-tree.js';
import type { CancelOrderRequest, RescheduleOrderRequest, WholesaleOrderRequest } from '../../../src/wholesale/types.js';
import { akmTr, BLOCK, Case, ruemVa } from './fixtures.js';

const REPO = new URL('../../../', import.meta.url);
const XSD = { fileName: 'wholesale.xsd', contents: readFileSync(new URL('schemas/wholesale/wholesale.xsd', REPO), 'utf8') };

function order(kind: 'kue' | 'block'): WholesaleOrderRequest {
  const c = kind === 'kue' ? new Case('VA-KUE-MRN').step(ruemVa('VA-KUE-MRN')).step(akmTr()) : new Case('VA-RRNP', 'recipient', BLOCK).step(ruemVa('VA-RRNP', {}, BLOCK));
  const b = buildWbciOrder(c.state);
  if (!b.ok) throw new Error('no order');
  return b.order;
}

const company: WholesaleOrderRequest = {
  ...order('kue'),
  customer: { kind: 'company', companyName: 'Muster & Söhne <GmbH>', companyNameSecondPart: '"Zweigstelle"' },
  line: { resources: [] },
};
const cancel: CancelOrderRequest = { externalId: 'DEU.EKPA.S000000001', productOrder: { externalId: 'DEU.EKPA.V000000001', id: 'WS000001' }, cancellationReason: 'STR-AUF agreed (ERLM 8004)' };
const reschedule: RescheduleOrderRequest = { externalId: 'DEU.EKPA.T000000001', productOrder: { externalId: 'DEU.EKPA.V000000001' }, requestedCompletionDate: '2026-12-22', reason: 'TVS-VA agreed' };

describe('wholesale SOAP codec', () => {
  it.each([
    ['a KUE order', 'placeOrder', order('kue')],
    ['an RRNP order with a number block', 'placeOrder', order('block')],
    ['a company customer with characters to escape and no line resources', 'placeOrder', company],
    ['a cancellation', 'cancelOrder', cancel],
    ['a reschedule', 'rescheduleOrder', reschedule],
  ] as const)('%s survives encode → decode unchanged', (_name, op, body) => {
    const xml = encodeWholesaleSoap(op, body as never);
    const d = decodeWholesaleSoap(xml);
    expect(d).toEqual({ ok: true, op, body });
  });

  it('every request and answer it produces is valid against wholesale.xsd', async () => {
    const docs = [
      encodeWholesalePayload('placeOrder', order('kue')),
      encodeWholesalePayload('placeOrder', order('block')),
      encodeWholesalePayload('placeOrder', company),
      encodeWholesalePayload('cancelOrder', cancel),
      encodeWholesalePayload('rescheduleOrder', reschedule),
      `<ws:placeOrderResponse xmlns:ws="${WHOLESALE_NS}"><ws:result>OK</ws:result><ws:id>WS000001</ws:id><ws:state>acknowledged</ws:state></ws:placeOrderResponse>`,
    ].map((contents, i) => ({ fileName: `doc${i}.xml`, contents }));
    const r = await validateXML({ xml: docs, schema: [XSD] });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('the XSD rejects what it should (so the check above can fail)', async () => {
    const bad = encodeWholesalePayload('placeOrder', { ...order('kue'), orderType: 'UMZUG' as never });
    const r = await validateXML({ xml: [{ fileName: 'bad.xml', contents: bad }], schema: [XSD] });
    expect(r.valid).toBe(false);
    expect(r.errors[0]!.message).toContain('orderType');
  });

  it('answers: OK and DUPLICATE acknowledge, a fault is reported with its code', () => {
    expect(decodeWholesaleSoapResponse(encodeWholesaleSoapResponse('placeOrder', { result: 'OK', id: 'WS1', state: 'acknowledged' }))).toEqual({
      ok: true,
      op: 'placeOrder',
      ack: { result: 'OK', id: 'WS1', state: 'acknowledged' },
    });
    expect(decodeWholesaleSoapResponse(encodeWholesaleSoapResponse('cancelOrder', { result: 'DUPLICATE' }))).toEqual({ ok: true, op: 'cancelOrder', ack: { result: 'DUPLICATE' } });
    expect(decodeWholesaleSoapResponse(encodeWholesaleSoapFault('Client', 'bad & wrong'))).toEqual({ ok: false, fault: { code: 'Client', message: 'bad & wrong' } });
  });

  it('refuses foreign elements, unknown operations and hostile XML precisely', () => {
    const xml = encodeWholesaleSoap('cancelOrder', cancel).replace('<ws:cancellationReason>', '<ws:note>x</ws:note><ws:cancellationReason>');
    expect(decodeWholesaleSoap(xml)).toEqual({
      ok: false,
      issue: { path: '/cancelOrderRequest/note', rule: 'structure', code: 'SG_SOAP_INVALID', message: `unexpected element {${WHOLESALE_NS}}note` },
    });
    const unknown = encodeWholesaleSoap('cancelOrder', cancel).replaceAll('cancelOrderRequest', 'deleteOrderRequest');
    expect(decodeWholesaleSoap(unknown)).toMatchObject({ ok: false, issue: { path: '/Envelope/Body', rule: 'knownOperation' } });
    expect(decodeWholesaleSoap('<a/>')).toMatchObject({ ok: false, issue: { rule: 'soapEnvelope' } });
    expect(decodeWholesaleSoap('<!DOCTYPE x [<!ENTITY e "e">]><a/>')).toMatchObject({ ok: false, issue: { code: 'SG_SOAP_INVALID' } });
    const badBool = encodeWholesaleSoap('placeOrder', order('kue')).replace('<ws:takeOver>true</ws:takeOver>', '<ws:takeOver>yes</ws:takeOver>');
    expect(decodeWholesaleSoap(badBool)).toMatchObject({ ok: false, issue: { path: '/placeOrderRequest/line/takeOver', message: 'expected true or false, found "yes"' } });
  });

  it('a decoded order is valid against the REST JSON Schema too (one model, two wires)', () => {
    const d = decodeWholesaleSoap(encodeWholesaleSoap('placeOrder', order('kue')));
    expect(d.ok && checkWholesale('order', d.body)).toEqual([]);
  });
});

describe('wsdl/wholesale.wsdl', () => {
  it('is well-formed, names the three operations and the XSD elements', () => {
    const wsdl = readFileSync(new URL('wsdl/wholesale.wsdl', REPO), 'utf8');
    const root = parseTree(wsdl);
    const ops = root.children.find((c) => c.local === 'portType')!.children.filter((c) => c.local === 'operation').map((c) => c.attrs?.name);
    expect(ops).toEqual(['placeOrder', 'cancelOrder', 'rescheduleOrder']);
    for (const el of ['placeOrderRequest', 'placeOrderResponse', 'cancelOrderRequest', 'cancelOrderResponse', 'rescheduleOrderRequest', 'rescheduleOrderResponse']) {
      expect(wsdl).toContain(`element="ws:${el}"`);
      expect(XSD.contents).toContain(`<xs:element name="${el}"`);
    }
  });

  it('the simulator serves it with its own address and XSD location', () => {
    const served = renderSimWsdl('http://127.0.0.1:9999/soap');
    expect(served).toContain('<soap:address location="http://127.0.0.1:9999/soap"/>');
    expect(served).toContain('schemaLocation="?xsd=wholesale.xsd"');
  });
});
