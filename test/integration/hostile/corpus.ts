/**
 * The hostile corpus (issue #9, point 4): requests a hostile client with valid credentials can
 * send, each with the refusal it must get. Built lazily (some bodies are 20 MB).
 *
 * `writes: 'refusal'` marks a business refusal on the wire: the refused message is recorded with
 * the ABBM that answers it. Every other case must leave every table as it was.
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { encodeSoap } from '../../../src/protocols/wbci/soap-codec.js';
import type { VaKueMrn } from '../../../src/protocols/wbci/types.js';
import { validVaKueMrn } from '../../unit/wbci/builders.js';
import { ABG, AUF, JSON_PEER, KWT, jsonWireHeaders, restHeaders, soapHeadersFrom, type Answer, type Sent } from './world.js';

export type Kind = 'rest' | 'soap' | 'json';

export interface Expectation {
  status: number[];
  format: Answer['format'];
  codes: string[];
  writes?: 'refusal';
}

export interface HostileCase {
  name: string;
  kind: Kind;
  build(): Sent;
  expect: Expectation;
}

type Json = Record<string, unknown>;

const CONTROL = { timestamp: '2026-11-23T09:00:00.000+01:00', major: '02', minor: '00' };
const MB = 1024 * 1024;

let seq = 0;
const nextVaId = (sender: string) => `${sender}.V${String(++seq + 500_000).padStart(9, '0')}`;

// ---------------------------------------------------------------------------------------------
// bodies

export const restVa = (): Json => ({
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating: AUF,
  requestedDate: KWT,
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Hostile' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
});

export const soapVa = (over: Partial<VaKueMrn> = {}): string => encodeSoap(validVaKueMrn({ vaId: nextVaId(AUF), ...over }), CONTROL);

export const jsonVa = (over: Partial<VaKueMrn> = {}): Json => ({
  control: CONTROL,
  message: validVaKueMrn({ vaId: nextVaId(JSON_PEER), sender: JSON_PEER, recipient: JSON_PEER, donating: ABG, ...over }) as unknown as Json,
});

/** A copy of `body` with the value at `path` (`a/b/0/c`) replaced; `undefined` removes it. */
export function setAt(body: Json, path: string, value: unknown): Json {
  const copy = structuredClone(body);
  const keys = path.split('/');
  let o: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

/** JSON text with `depth` nested objects as the value after `key` (text, so no recursion builds it). */
const nestedIn = (text: string, key: string, depth: number): string => {
  const i = text.indexOf(key) + key.length;
  return `${text.slice(0, i)}${'{"n":'.repeat(depth)}1${'}'.repeat(depth)},"was":${text.slice(i)}`;
};
const nestedArraysText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** JSON text with raw bytes spliced into one string value. */
function withRawBytes(text: string, marker: string, bytes: number[]): Buffer {
  const i = text.indexOf(marker);
  return Buffer.concat([Buffer.from(text.slice(0, i)), Buffer.from(bytes), Buffer.from(text.slice(i + marker.length))]);
}

// ---------------------------------------------------------------------------------------------
// REST

export const REST_STRINGS = [
  'procedure', 'type', 'donating', 'requestedDate',
  'customer/kind', 'customer/salutation', 'customer/firstName', 'customer/lastName',
  'location/street', 'location/houseNumber', 'location/postalCode', 'location/city',
  'numbers/kind', 'numbers/portingWindow', 'numbers/list/0/areaCode', 'numbers/list/0/number',
];
const REST_OBJECTS = ['customer', 'location', 'numbers', 'numbers/list/0'];
const REST_ARRAYS = ['numbers/list'];

const invalid = (status = 400): Expectation => ({ status: [status], format: 'problem', codes: ['SG_INVALID_REQUEST'] });
const problemOf = (status: number, ...codes: string[]): Expectation => ({ status: [status], format: 'problem', codes });

function restCases(): HostileCase[] {
  const out: HostileCase[] = [];
  const post = (name: string, body: () => string | Buffer, expect: Expectation, headers: Record<string, string> = {}) =>
    out.push({ name: `REST ${name}`, kind: 'rest', build: () => ({ path: '/v1/switches', headers: restHeaders(headers), body: body() }), expect });
  const postJson = (name: string, body: () => unknown, expect: Expectation) => post(name, () => JSON.stringify(body()), expect);

  // wrong types: never coerced
  for (const p of REST_STRINGS) for (const [t, v] of [['number', 42], ['boolean', true], ['null', null], ['array', ['x']], ['object', { x: 1 }]] as const) {
    postJson(`wrong type: ${p} as ${t}`, () => setAt(restVa(), p, v), invalid());
  }
  for (const p of [...REST_OBJECTS, ...REST_ARRAYS]) for (const [t, v] of [['string', 'x'], ['number', 1], ['null', null]] as const) {
    postJson(`wrong type: ${p} as ${t}`, () => setAt(restVa(), p, v), invalid());
  }
  // unknown fields at every level
  for (const p of ['', 'customer/', 'location/', 'numbers/', 'numbers/list/0/']) {
    postJson(`unknown field at /${p}`, () => setAt(restVa(), `${p}colour`, 'blue'), invalid());
  }
  // huge strings and arrays
  for (const p of REST_STRINGS) postJson(`100 000 characters in ${p}`, () => setAt(restVa(), p, 'a'.repeat(100_000)), { status: [400, 422], format: 'problem', codes: ['SG_INVALID_REQUEST', 'SG_VALIDATION'] });
  postJson('20 numbers (one list too long: a field rule)', () => setAt(restVa(), 'numbers/list', Array.from({ length: 20 }, () => ({ areaCode: '89', number: '1234567' }))), problemOf(422, 'SG_VALIDATION'));
  postJson('200 wrong items: at most 50 of them listed', () => setAt(restVa(), 'numbers/list', Array.from({ length: 200 }, () => 1)), invalid());
  postJson('20 000 numbers', () => setAt(restVa(), 'numbers/list', Array.from({ length: 20_000 }, () => ({ areaCode: '89', number: '1234567' }))), problemOf(400, 'SG_TOO_MANY_ITEMS'));
  postJson('200 000 wrong items', () => setAt(restVa(), 'numbers/list', Array.from({ length: 200_000 }, () => 1)), problemOf(400, 'SG_TOO_MANY_ITEMS'));
  postJson('an unknown array of 100 000 items', () => ({ ...restVa(), extra: Array.from({ length: 100_000 }, (_, i) => i % 10) }), problemOf(400, 'SG_TOO_MANY_ITEMS'));
  postJson('an object with 50 000 keys', () => ({ ...restVa(), customer: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1])) }), problemOf(400, 'SG_TOO_MANY_ITEMS'));
  postJson('a known array of 200 000 items (past the body limit)', () => setAt(restVa(), 'numbers/list', Array.from({ length: 600_000 }, () => 1)), problemOf(413, 'SG_BODY_TOO_LARGE'));
  // deep nesting
  for (const depth of [40, 1_000, 100_000]) post(`nesting ${depth} deep in customer`, () => nestedIn(JSON.stringify(restVa()), '"customer":', depth), problemOf(400, 'SG_TOO_DEEP'));
  post('100 000 nested arrays as the body', () => nestedArraysText(100_000), problemOf(400, 'SG_TOO_DEEP'));
  post('JSON wire-sized list of 5 000 numbers in an unknown field', () => JSON.stringify({ ...restVa(), extra: Array.from({ length: 5_000 }, () => 1) }), problemOf(400, 'SG_TOO_MANY_ITEMS'));
  // invalid UTF-8
  const marker = 'Hostile';
  for (const [name, bytes] of [['a lone 0xFF', [0xff]], ['an overlong "/"', [0xc0, 0xaf]], ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]], ['a truncated sequence', [0xe2, 0x82]], ['a lone continuation byte', [0x80]]] as const) {
    post(`invalid UTF-8: ${name}`, () => withRawBytes(JSON.stringify(restVa()), marker, [...bytes]), problemOf(400, 'SG_INVALID_ENCODING'));
  }
  post('an escaped lone surrogate \\ud800', () => JSON.stringify(restVa()).replace('Hostile', 'Hos\\ud800tile'), problemOf(422, 'SG_INVALID_ENCODING'));
  post('an escaped lone low surrogate \\udc00', () => JSON.stringify(restVa()).replace('München', '\\udc00'), problemOf(422, 'SG_INVALID_ENCODING'));
  post('UTF-16LE with its BOM', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(restVa()), 'utf16le')]), problemOf(400, 'SG_INVALID_ENCODING'));
  post('UTF-8 BOM before an invalid body', () => `\ufeff${JSON.stringify({ ...restVa(), colour: 'blue' })}`, invalid());
  // other charsets are refused, not guessed
  for (const cs of ['latin1', 'ISO-8859-1', 'windows-1252', 'utf-16', 'us-ascii']) {
    post(`charset=${cs}`, () => Buffer.from(JSON.stringify(restVa()), 'latin1'), problemOf(415, 'SG_UNSUPPORTED_CHARSET'), { 'content-type': `application/json; charset=${cs}` });
  }
  // duplicate keys: the last one counts, and is validated
  post('duplicate key: type', () => JSON.stringify(restVa()).replace('"type":"VA-KUE-MRN"', '"type":"VA-KUE-MRN","type":"VA-NOPE"'), invalid());
  post('duplicate key: requestedDate far away', () => JSON.stringify(restVa()).replace(`"requestedDate":"${KWT}"`, `"requestedDate":"${KWT}","requestedDate":"9999-12-31"`), problemOf(422, 'SG_DATE_HORIZON'));
  post('duplicate key: a later customer as a string', () => JSON.stringify(restVa()).replace(/}$/, ',"customer":"x"}'), invalid());
  // prototype keys
  for (const [name, text] of [
    ['__proto__ at the root', () => JSON.stringify(restVa()).replace('{', '{"__proto__":{"admin":true},')],
    ['__proto__ in customer', () => JSON.stringify(restVa()).replace('"customer":{', '"customer":{"__proto__":{"x":1},')],
    ['constructor.prototype', () => JSON.stringify(restVa()).replace('{', '{"constructor":{"prototype":{"admin":true}},')],
    ['__proto__ with spaces before the colon', () => JSON.stringify(restVa()).replace('{', '{"__proto__"  :  null,')],
  ] as const) post(name, text, problemOf(400, 'SG_FORBIDDEN_KEY'));
  // numbers out of range
  for (const n of ['1e400', '-1e400', '123456789012345678901234567890', '0.1e-400']) post(`number ${n} as requestedDate`, () => JSON.stringify(restVa()).replace(`"${KWT}"`, n), invalid());
  // far and impossible dates
  for (const d of ['9999-12-31', '3000-01-01', '2100-01-01', '2029-01-01', '1999-12-31', '0001-01-01', '1970-01-01']) postJson(`requestedDate ${d}`, () => setAt(restVa(), 'requestedDate', d), problemOf(422, 'SG_DATE_HORIZON'));
  for (const d of ['2026-02-30', '2026-13-01', '2026-12-32', '2027-02-29', '0000-01-01']) postJson(`impossible requestedDate ${d}`, () => setAt(restVa(), 'requestedDate', d), problemOf(422, 'SG_VALIDATION'));
  for (const d of ['2026-1-1', '+02026-12-15', '2026-12-15T00:00:00Z', '', '15.12.2026']) postJson(`malformed requestedDate "${d}"`, () => setAt(restVa(), 'requestedDate', d), invalid());
  // NUL and other control characters in every text field
  for (const p of REST_STRINGS) for (const c of ['\u0000', '\u0007', '\u001b', '\u007f']) {
    postJson(`U+${c.charCodeAt(0).toString(16).padStart(4, '0')} in ${p}`, () => setAt(restVa(), p, `ab${c}cd`), problemOf(422, 'SG_CONTROL_CHARACTER'));
  }
  postJson('NUL in a key', () => ({ ...restVa(), 'co\u0000lour': 'blue' }), problemOf(422, 'SG_CONTROL_CHARACTER'));
  // sizes and encodings
  post('a 20 MB body', () => JSON.stringify({ ...restVa(), pad: 'x'.repeat(20 * MB) }), problemOf(413, 'SG_BODY_TOO_LARGE'));
  for (const [enc, z] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync], ['x-gzip', gzipSync]] as const) {
    post(`Content-Encoding ${enc}`, () => z(Buffer.from(JSON.stringify(restVa()))), problemOf(415, 'SG_UNSUPPORTED_CONTENT_ENCODING'), { 'content-encoding': enc });
  }
  post('a gzip bomb (10 MB of zeros in 10 KB)', () => gzipSync(Buffer.alloc(10 * MB)), problemOf(415, 'SG_UNSUPPORTED_CONTENT_ENCODING'), { 'content-encoding': 'gzip' });
  for (const ct of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
    post(`Content-Type ${ct}`, () => JSON.stringify(restVa()), problemOf(415, 'SG_UNSUPPORTED_MEDIA_TYPE'), { 'content-type': ct });
  }
  // malformed JSON
  for (const text of ['', '   ', '{', '{"procedure":"wbci",}', "{'procedure':'wbci'}", 'NaN', '[1,2', '{"a":01}', '{"a":"\\x41"}', '{"a":1}}']) {
    post(`malformed JSON ${JSON.stringify(text)}`, () => text, problemOf(400, 'SG_MALFORMED_BODY'));
  }
  for (const text of ['null', '"a string"', '123', '[]', 'true']) post(`JSON ${text} as the body`, () => text, invalid());
  // query parameters and ids
  const get = (name: string, path: string, expect: Expectation) => out.push({ name: `REST ${name}`, kind: 'rest', build: () => ({ method: 'GET', path, headers: restHeaders() }), expect });
  for (const q of ['limit=1e400', 'limit=-1', 'limit=99999999999999999999', 'limit=NaN', 'limit=', 'limit=1&limit=2']) get(`GET /v1/switches?${q}`, `/v1/switches?${q}`, invalid());
  for (const q of ['state=%00', 'peer=%00', 'state=a%07b', 'peer=%7f', 'after=%1b']) get(`GET /v1/switches?${q}`, `/v1/switches?${q}`, problemOf(400, 'SG_CONTROL_CHARACTER'));
  for (const id of ['%00', 'DEU.EKPB.V%00000001', '%0a', 'x%7f']) get(`GET /v1/switches/${id}`, `/v1/switches/${id}`, problemOf(400, 'SG_CONTROL_CHARACTER'));
  get('a 10 KB id', `/v1/switches/${'a'.repeat(10_000)}`, problemOf(414, 'SG_URI_TOO_LONG'));
  get('an id that does not decode', '/v1/switches/%ff%fe', problemOf(400, 'SG_BAD_URL'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// SOAP

/** SOAP faults carry HTTP 500 by SOAP 1.1 convention (a Client fault is still the sender's fault). */
const fault = (status: number, ...codes: string[]): Expectation => ({ status: [status], format: 'soap-fault', codes });
const teq = (...codes: string[]): Expectation => ({ status: [200], format: 'soap-teq', codes });
const businessRefusal = (format: 'soap-teq' | 'json-teq'): Expectation => ({ status: [200], format, codes: ['OK'], writes: 'refusal' });

function soapCases(): HostileCase[] {
  const out: HostileCase[] = [];
  const post = (name: string, body: () => string | Buffer, expect: Expectation, headers: Record<string, string> = {}) =>
    out.push({ name: `SOAP ${name}`, kind: 'soap', build: () => ({ path: '/wbci/v1', headers: soapHeadersFrom(AUF, headers), body: body() }), expect });
  const inControl = (xml: string) => () => soapVa().replace('<Control>', `<Control>${xml}`);
  const beforeEnvelope = (prefix: string) => () => `${prefix}${soapVa()}`;

  // DOCTYPE, entities, XXE
  const lol = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`)].join('');
  for (const [name, doctype] of [
    ['billion laughs', `<!DOCTYPE lolz [${lol}]>`],
    ['XXE file', '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'],
    ['XXE http', '<!DOCTYPE x [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>'],
    ['external DTD', '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">'],
    ['parameter entity', '<!DOCTYPE x [<!ENTITY % p "<!ENTITY q \'x\'>"> %p;]>'],
    ['an empty DOCTYPE', '<!DOCTYPE x>'],
    ['quadratic blowup', `<!DOCTYPE x [<!ENTITY a "${'a'.repeat(50_000)}">]>`],
  ] as const) post(`DOCTYPE: ${name}`, beforeEnvelope(doctype), fault(500, '0995'));
  post('an entity reference without a DOCTYPE', inControl('&xxe;'), fault(500, '0995'));
  // control characters in XML
  post('a raw NUL byte', () => soapVa().replace('Müller', 'Mu\u0000ster'), fault(500, '0995'));
  post('&#0;', () => soapVa().replace('Müller', 'Mu&#0;ster'), fault(500, '0995'));
  post('&#x1;', () => soapVa().replace('Müller', 'Mu&#x1;ster'), fault(500, '0995'));
  post('a raw ESC', () => soapVa().replace('Müller', 'Mu\u001bster'), fault(500, '0995'));
  post('&#x7f; (DEL) in a name', () => soapVa().replace('Müller', 'Mu&#x7f;ster'), fault(500, '0995'));
  post('a raw DEL', () => soapVa().replace('Müller', 'Mu\u007fster'), fault(500, '0995'));
  post('&#127;', () => soapVa().replace('Müller', 'Mu&#127;ster'), fault(500, '0995'));
  // encodings
  post('invalid UTF-8', () => Buffer.concat([Buffer.from(soapVa().slice(0, 400)), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(soapVa().slice(400))]), fault(500, '0995'));
  post('UTF-16 with its BOM', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(soapVa(), 'utf16le')]), fault(500, '0995'));
  post('ISO-8859-1 declared', () => `<?xml version="1.0" encoding="ISO-8859-1"?>${soapVa()}`, fault(500, '0995'));
  for (const cs of ['iso-8859-1', 'latin1', 'utf-16']) post(`charset=${cs}`, () => soapVa(), fault(415, 'SG_UNSUPPORTED_CHARSET'), { 'content-type': `text/xml; charset=${cs}` });
  // namespaces and SOAP versions
  post('not a SOAP envelope', () => soapVa().replace(/http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//g, 'http://example.com/not-soap'), fault(500, '0995'));
  post('SOAP 1.1 envelope sent as application/soap+xml', () => soapVa(), fault(415, 'SG_SOAP_VERSION_MISMATCH'), { 'content-type': 'application/soap+xml; charset=utf-8' });
  post('SOAP 1.2 envelope sent as text/xml', () => encodeSoap(validVaKueMrn({ vaId: nextVaId(AUF) }), CONTROL, { soapVersion: '1.2' }), fault(415, 'SG_SOAP_VERSION_MISMATCH'));
  post('a WBCI payload in a foreign namespace', () => soapVa().replace(/xmlns:ns3="[^"]*"/, 'xmlns:ns3="http://example.com/foreign"'), fault(500, '0995'));
  post('an empty Body', () => soapVa().replace(/<SOAP-ENV:Body>[\s\S]*<\/SOAP-ENV:Body>/, '<SOAP-ENV:Body/>'), fault(500, '0995'));
  // sizes and shapes
  post('10 000 levels of nesting', inControl(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`), fault(500, '0995'));
  post('100 000 sibling elements (past the body limit)', inControl('<a/>'.repeat(100_000)), fault(413, 'SG_BODY_TOO_LARGE'));
  post('a 300 000-character name', () => soapVa().replace('Müller', 'M'.repeat(300_000)), fault(413, 'SG_BODY_TOO_LARGE'));
  post('a 5 000-character name', () => soapVa().replace('Müller', 'M'.repeat(5_000)), teq('0995'));
  post('a 20 MB body', () => `${soapVa()}<!--${'x'.repeat(20 * MB)}-->`, fault(413, 'SG_BODY_TOO_LARGE'));
  post('not XML at all', () => 'hello', fault(500, '0995'));
  post('truncated XML', () => soapVa().slice(0, 300), fault(500, '0995'));
  post('an empty body', () => '', fault(500, '0995'));
  for (const [enc, z] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
    post(`Content-Encoding ${enc}`, () => z(Buffer.from(soapVa())), fault(415, 'SG_UNSUPPORTED_CONTENT_ENCODING'), { 'content-encoding': enc });
  }
  post('Content-Type application/json (read as JSON, and it is not)', () => soapVa(), fault(400, 'SG_MALFORMED_BODY'), { 'content-type': 'application/json' });
  for (const ct of ['text/plain', 'application/xml']) post(`Content-Type ${ct}`, () => soapVa(), fault(415, 'Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)'), { 'content-type': ct });
  // field content the decoder refuses (negative TEQ, nothing stored)
  for (const [name, over] of [
    ['an impossible date', { requestedDate: '2026-02-30' }],
    ['a malformed date', { requestedDate: '15.12.2026' }],
  ] as const) post(`VA with ${name}`, () => soapVa(over as Partial<VaKueMrn>), teq('0995'));
  // a value the schema refuses: no Quittung possible without a readable VA-ID, so a fault
  post('VA with a malformed VA-ID', () => soapVa({ vaId: 'nonsense' }), fault(500, '0995'));
  post('VA with an unknown carrier format', () => soapVa({ donating: 'nonsense' }), teq('0995'));
  // far dates: a business refusal, answered by ABBM 8116 and recorded with it
  for (const d of ['9999-12-31', '3000-01-01', '2100-01-01', '1999-12-31']) post(`VA for ${d}`, () => soapVa({ requestedDate: d }), businessRefusal('soap-teq'));
  // query and path
  out.push({ name: 'SOAP GET ?xsd=%00', kind: 'soap', build: () => ({ method: 'GET', path: '/wbci/v1?xsd=%00' }), expect: fault(400, 'SG_CONTROL_CHARACTER') });
  out.push({ name: 'SOAP PUT', kind: 'soap', build: () => ({ method: 'PUT', path: '/wbci/v1', headers: soapHeadersFrom(), body: soapVa() }), expect: fault(405, 'SG_METHOD_NOT_ALLOWED') });
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON wire

const jsonTeq = (...codes: string[]): Expectation => ({ status: [200], format: 'json-teq', codes });

function jsonCases(): HostileCase[] {
  const out: HostileCase[] = [];
  const post = (name: string, body: () => string | Buffer, expect: Expectation, headers: Record<string, string> = {}) =>
    out.push({ name: `JSON wire ${name}`, kind: 'json', build: () => ({ path: '/wbci/v1/json', headers: jsonWireHeaders(headers), body: body() }), expect });
  const postJson = (name: string, body: () => unknown, expect: Expectation) => post(name, () => JSON.stringify(body()), expect);

  const fields = ['message/vaId', 'message/requestedDate', 'message/donating', 'message/customer', 'message/location', 'control/major', 'control/timestamp'];
  for (const p of fields) for (const [t, v] of [['number', 7], ['null', null], ['array', []], ['object', {}]] as const) {
    postJson(`wrong type: ${p} as ${t}`, () => setAt(jsonVa(), p, v), jsonTeq('0995'));
  }
  for (const p of ['message/colour', 'control/colour', 'colour']) postJson(`unknown field ${p}`, () => setAt(jsonVa(), p, 'blue'), jsonTeq('0995'));
  postJson('message missing', () => setAt(jsonVa(), 'message', undefined), jsonTeq('0995'));
  postJson('a later major release', () => setAt(jsonVa(), 'control/major', '03'), jsonTeq('0993'));
  for (const depth of [40, 10_000]) post(`nesting ${depth} deep`, () => nestedIn(JSON.stringify(jsonVa()), '"customer":', depth), problemOf(400, 'SG_TOO_DEEP'));
  for (const [name, bytes] of [['0xFF', [0xff]], ['an overlong "/"', [0xc0, 0xaf]], ['a surrogate', [0xed, 0xa0, 0x80]]] as const) {
    post(`invalid UTF-8: ${name}`, () => withRawBytes(JSON.stringify(jsonVa()), 'Müller', [...bytes]), problemOf(400, 'SG_INVALID_ENCODING'));
  }
  post('an escaped lone surrogate', () => JSON.stringify(jsonVa()).replace('Müller', 'M\\ud800'), problemOf(422, 'SG_INVALID_ENCODING'));
  post('__proto__ in message', () => JSON.stringify(jsonVa()).replace('"message":{', '"message":{"__proto__":{"x":1},'), problemOf(400, 'SG_FORBIDDEN_KEY'));
  post('constructor at the root', () => JSON.stringify(jsonVa()).replace('{', '{"constructor":{},'), problemOf(400, 'SG_FORBIDDEN_KEY'));
  for (const c of ['\u0000', '\u0001', '\u001f', '\u007f']) {
    for (const p of ['message/vaId', 'message/requestedDate']) postJson(`U+${c.charCodeAt(0).toString(16).padStart(4, '0')} in ${p}`, () => setAt(jsonVa(), p, `x${c}y`), problemOf(422, 'SG_CONTROL_CHARACTER'));
  }
  postJson('NUL in the customer name', () => {
    const b = jsonVa();
    (b.message as { customer: { lastName: string } }).customer.lastName = 'Mü\u0000ller';
    return b;
  }, problemOf(422, 'SG_CONTROL_CHARACTER'));
  for (const cs of ['latin1', 'utf-16']) post(`charset=${cs}`, () => JSON.stringify(jsonVa()), problemOf(415, 'SG_UNSUPPORTED_CHARSET'), { 'content-type': `application/json; charset=${cs}` });
  for (const [enc, z] of [['gzip', gzipSync], ['deflate', deflateSync]] as const) post(`Content-Encoding ${enc}`, () => z(Buffer.from(JSON.stringify(jsonVa()))), problemOf(415, 'SG_UNSUPPORTED_CONTENT_ENCODING'), { 'content-encoding': enc });
  for (const ct of ['text/xml', 'text/plain']) post(`Content-Type ${ct}`, () => JSON.stringify(jsonVa()), problemOf(415, 'SG_UNSUPPORTED_MEDIA_TYPE'), { 'content-type': ct });
  post('a 20 MB body', () => JSON.stringify({ ...jsonVa(), pad: 'x'.repeat(20 * MB) }), problemOf(413, 'SG_BODY_TOO_LARGE'));
  for (const text of ['', '{', '{"control":}', 'NaN']) post(`malformed JSON ${JSON.stringify(text)}`, () => text, problemOf(400, 'SG_MALFORMED_BODY'));
  for (const text of ['null', '[]', '"x"']) post(`JSON ${text} as the body`, () => text, jsonTeq('0995'));
  post('duplicate key: a later major wins', () => JSON.stringify(jsonVa()).replace('"major":"02"', '"major":"02","major":"03"'), jsonTeq('0993'));
  for (const d of ['2026-02-30', '2026-13-01']) postJson(`impossible date ${d}`, () => setAt(jsonVa(), 'message/requestedDate', d), jsonTeq('0995'));
  for (const d of ['9999-12-31', '2100-01-01', '1999-12-31']) postJson(`VA for ${d}`, () => jsonVa({ requestedDate: d }), businessRefusal('json-teq'));
  out.push({ name: 'JSON wire GET', kind: 'json', build: () => ({ method: 'GET', path: '/wbci/v1/json' }), expect: problemOf(405, 'SG_METHOD_NOT_ALLOWED') });
  return out;
}

export const hostileCorpus = (): HostileCase[] => [...restCases(), ...soapCases(), ...jsonCases()];
