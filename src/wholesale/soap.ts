/**
 * The SOAP 1.1 (document/literal) variant of the wholesale channel, for providers that speak SOAP
 * (`wholesale.protocol: "soap"`): the same requests as the REST JSON, element for element, in the
 * namespace of schemas/wholesale/wholesale.xsd (service contract: wsdl/wholesale.wsdl).
 *
 * One shape table drives both directions, so encoder, decoder and XSD cannot drift apart
 * silently (test/unit/wholesale/soap.test.ts validates the encoder's output against the XSD).
 * The synchronous answer acknowledges transport only (`OK`, or `DUPLICATE` for a resent
 * request); a SOAP Fault `Client` is permanent, `Server` transient.
 */
import { guardXml } from '../protocols/wbci/xml-guard.js';
import { parseTree, XmlTreeError, type XNode } from '../protocols/wbci/xml-tree.js';
import type { Issue } from '../domain/issues.js';
import type { CancelOrderRequest, RescheduleOrderRequest, WholesaleOrderRequest } from './types.js';

export const WHOLESALE_NS = 'http://switchgate.dev/wholesale/v1';
const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

export const SOAP_OPERATIONS = ['placeOrder', 'cancelOrder', 'rescheduleOrder'] as const;
export type SoapOperation = (typeof SOAP_OPERATIONS)[number];

export interface SoapBodies {
  placeOrder: WholesaleOrderRequest;
  cancelOrder: CancelOrderRequest;
  rescheduleOrder: RescheduleOrderRequest;
}

export interface SoapAck {
  result: 'OK' | 'DUPLICATE';
  /** the provider's order id */
  id?: string;
  state?: string;
}

// ---------------------------------------------------------------------------------------------
// Shapes: JSON field → element, in XSD sequence order

type Shape = 'text' | 'bool' | { fields: Field[] };
interface Field {
  /** JSON property */
  name: string;
  /** element name when it differs (repeated items) */
  el?: string;
  shape: Shape;
  array?: boolean;
  /** an array the JSON always carries, even empty (XML cannot tell empty from absent) */
  always?: boolean;
}

const f = (name: string, shape: Shape = 'text', extra: Partial<Field> = {}): Field => ({ name, shape, ...extra });

const ORDER_REF: Shape = { fields: [f('externalId'), f('id')] };

const ORDER: Shape = {
  fields: [
    f('externalId'),
    f('orderType'),
    f('requestedCompletionDate'),
    f('buyer'),
    f('donatingProvider'),
    f('preCoordination', {
      fields: [
        f('procedure'),
        f('id'),
        f('businessCase'),
        f('sessionCode'),
        f('cow'),
        f('resources', { fields: [f('cor'), f('cos')] }, { el: 'resource', array: true }),
        f('directoryNumbers', 'text', { el: 'directoryNumber', array: true }),
      ],
    }),
    f('customer', { fields: [f('kind'), f('salutation'), f('firstName'), f('lastName'), f('companyName'), f('companyNameSecondPart')] }),
    f('site', { fields: [f('street'), f('houseNumber'), f('houseNumberSuffix'), f('postalCode'), f('city')] }),
    f('line', {
      fields: [
        f('technology'),
        f('takeOver', 'bool'),
        f('safeHarbour', 'bool'),
        f('resources', { fields: [f('contractNumber'), f('lineId'), f('identifier'), f('tnbId')] }, { el: 'resource', array: true, always: true }),
      ],
    }),
    f('numbers', {
      fields: [
        f('kind'),
        f('portingWindow'),
        f('pkiAuf'),
        f('list', { fields: [f('areaCode'), f('number'), f('pkiAbg')] }, { el: 'number', array: true }),
        f('areaCode'),
        f('baseNumber'),
        f('operatorPosition'),
        f('ranges', { fields: [f('from'), f('to'), f('pkiAbg')] }, { el: 'range', array: true }),
      ],
    }),
  ],
};

const CANCEL: Shape = { fields: [f('externalId'), f('productOrder', ORDER_REF), f('cancellationReason')] };
const RESCHEDULE: Shape = { fields: [f('externalId'), f('productOrder', ORDER_REF), f('requestedCompletionDate'), f('reason')] };
const ACK: Shape = { fields: [f('result'), f('id'), f('state')] };

const REQUEST_SHAPES: Record<SoapOperation, Shape> = { placeOrder: ORDER, cancelOrder: CANCEL, rescheduleOrder: RESCHEDULE };

// ---------------------------------------------------------------------------------------------
// Encoding

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function encodeValue(name: string, shape: Shape, value: unknown): string {
  if (shape === 'text') return `<ws:${name}>${escapeXml(String(value))}</ws:${name}>`;
  if (shape === 'bool') return `<ws:${name}>${value === true ? 'true' : 'false'}</ws:${name}>`;
  return `<ws:${name}>${encodeFields(shape, value as Record<string, unknown>)}</ws:${name}>`;
}

function encodeFields(shape: { fields: Field[] }, obj: Record<string, unknown>): string {
  let out = '';
  for (const field of shape.fields) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const el = field.el ?? field.name;
    if (field.array) for (const item of v as unknown[]) out += encodeValue(el, field.shape, item);
    else out += encodeValue(el, field.shape, v);
  }
  return out;
}

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_NS}" xmlns:ws="${WHOLESALE_NS}"><soap:Body>${body}</soap:Body></soap:Envelope>`;

/** The element inside soap:Body, without the envelope (for XSD validation). */
export function encodeWholesalePayload<O extends SoapOperation>(op: O, body: SoapBodies[O]): string {
  return `<ws:${op}Request xmlns:ws="${WHOLESALE_NS}">${encodeFields(REQUEST_SHAPES[op] as { fields: Field[] }, body as unknown as Record<string, unknown>)}</ws:${op}Request>`;
}

export function encodeWholesaleSoap<O extends SoapOperation>(op: O, body: SoapBodies[O]): string {
  return envelope(`<ws:${op}Request>${encodeFields(REQUEST_SHAPES[op] as { fields: Field[] }, body as unknown as Record<string, unknown>)}</ws:${op}Request>`);
}

export function encodeWholesaleSoapResponse(op: SoapOperation, ack: SoapAck): string {
  return envelope(`<ws:${op}Response>${encodeFields(ACK as { fields: Field[] }, ack as unknown as Record<string, unknown>)}</ws:${op}Response>`);
}

export function encodeWholesaleSoapFault(code: 'Client' | 'Server', message: string): string {
  return envelope(`<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></soap:Fault>`);
}

// ---------------------------------------------------------------------------------------------
// Decoding

class DecodeError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

function decodeFields(node: XNode, shape: { fields: Field[] }, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byEl = new Map(shape.fields.map((fl) => [fl.el ?? fl.name, fl]));
  for (const child of node.children) {
    const field = byEl.get(child.local);
    const here = `${path}/${child.local}`;
    if (!field || child.ns !== WHOLESALE_NS) throw new DecodeError(here, `unexpected element {${child.ns}}${child.local}`);
    const value = decodeValue(child, field.shape, here);
    if (field.array) ((out[field.name] ??= []) as unknown[]).push(value);
    else if (field.name in out) throw new DecodeError(here, `${child.local} appears twice`);
    else out[field.name] = value;
  }
  for (const field of shape.fields) if (field.always && !(field.name in out)) out[field.name] = [];
  return out;
}

function decodeValue(node: XNode, shape: Shape, path: string): unknown {
  if (shape === 'text') {
    if (node.children.length) throw new DecodeError(path, 'expected text, found elements');
    return node.text.trim();
  }
  if (shape === 'bool') {
    const t = node.text.trim();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    throw new DecodeError(path, `expected true or false, found ${JSON.stringify(t)}`);
  }
  return decodeFields(node, shape, path);
}

function bodyChild(xml: string | Uint8Array): { ok: true; node: XNode } | { ok: false; issue: Issue } {
  const guarded = guardXml(xml, { maxBytes: 256 * 1024 });
  if (!guarded.ok) return { ok: false, issue: { ...guarded.issue, code: 'SG_SOAP_INVALID' } };
  let root: XNode;
  try {
    root = parseTree(guarded.text);
  } catch (e) {
    return { ok: false, issue: { path: '/', rule: 'wellFormed', code: 'SG_SOAP_INVALID', message: e instanceof XmlTreeError ? e.message : String(e) } };
  }
  if (root.ns !== SOAP11_NS || root.local !== 'Envelope') {
    return { ok: false, issue: { path: '/', rule: 'soapEnvelope', code: 'SG_SOAP_INVALID', message: 'not a SOAP 1.1 Envelope' } };
  }
  const body = root.children.find((c) => c.ns === SOAP11_NS && c.local === 'Body');
  const first = body?.children[0];
  if (!first) return { ok: false, issue: { path: '/Envelope/Body', rule: 'required', code: 'SG_SOAP_INVALID', message: 'empty or missing soap:Body' } };
  return { ok: true, node: first };
}

export type DecodedRequest =
  | { [O in SoapOperation]: { ok: true; op: O; body: SoapBodies[O] } }[SoapOperation]
  | { ok: false; issue: Issue };

/** A provider-side decode of a request (used by the simulator). */
export function decodeWholesaleSoap(xml: string | Uint8Array): DecodedRequest {
  const b = bodyChild(xml);
  if (!b.ok) return b;
  const op = b.node.local.replace(/Request$/, '') as SoapOperation;
  if (b.node.ns !== WHOLESALE_NS || !SOAP_OPERATIONS.includes(op) || !b.node.local.endsWith('Request')) {
    return { ok: false, issue: { path: '/Envelope/Body', rule: 'knownOperation', code: 'SG_SOAP_INVALID', message: `unknown operation {${b.node.ns}}${b.node.local}` } };
  }
  try {
    const body = decodeFields(b.node, REQUEST_SHAPES[op] as { fields: Field[] }, `/${b.node.local}`);
    return { ok: true, op, body } as unknown as DecodedRequest;
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, issue: { path: e.path, rule: 'structure', code: 'SG_SOAP_INVALID', message: e.message } };
    throw e;
  }
}

export type DecodedResponse =
  | { ok: true; op: SoapOperation; ack: SoapAck }
  | { ok: false; fault?: { code: string; message: string }; issue?: Issue };

/** The client-side decode of the synchronous answer. */
export function decodeWholesaleSoapResponse(xml: string | Uint8Array): DecodedResponse {
  const b = bodyChild(xml);
  if (!b.ok) return { ok: false, issue: b.issue };
  const node = b.node;
  if (node.ns === SOAP11_NS && node.local === 'Fault') {
    const code = node.children.find((c) => c.local === 'faultcode')?.text.trim() ?? '';
    const message = node.children.find((c) => c.local === 'faultstring')?.text.trim() ?? '';
    return { ok: false, fault: { code: code.slice(code.indexOf(':') + 1), message } };
  }
  const op = node.local.replace(/Response$/, '') as SoapOperation;
  if (node.ns !== WHOLESALE_NS || !SOAP_OPERATIONS.includes(op) || !node.local.endsWith('Response')) {
    return { ok: false, issue: { path: '/Envelope/Body', rule: 'knownOperation', code: 'SG_SOAP_INVALID', message: `unexpected answer {${node.ns}}${node.local}` } };
  }
  try {
    const ack = decodeFields(node, ACK as { fields: Field[] }, `/${node.local}`) as unknown as SoapAck;
    if (ack.result !== 'OK' && ack.result !== 'DUPLICATE') {
      return { ok: false, issue: { path: `/${node.local}/result`, rule: 'enum', code: 'SG_SOAP_INVALID', message: `result ${JSON.stringify(ack.result)} is neither OK nor DUPLICATE` } };
    }
    return { ok: true, op, ack };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, issue: { path: e.path, rule: 'structure', code: 'SG_SOAP_INVALID', message: e.message } };
    throw e;
  }
}
