/**
 * SOAP 1.1 document/literal codec for the FTTH messages N1–N13 (italy.md §10.3), driven by the
 * shape table of messages.ts. Every element is qualified in FTTH_NS; the response of every
 * operation is N12 in `<operation>Response`.
 *
 * Decoding runs the hostile-XML guard first (no DTDs, bounded depth and size), then checks the
 * payload against the table: element order, presence (m/o/c), lengths, enumerations and the
 * lexical forms of xs:date / xs:time / xs:dateTime. A refusal names the field, so that the N12
 * NACK can say which one (`CODICE_MOTIVAZIONE`/`MOTIVAZIONE`, see codes.ts).
 */
import { guardXml } from '../../wbci/xml-guard.js';
import { parseTree, XmlTreeError, type XNode } from '../../wbci/xml-tree.js';
import { escapeXml } from '../../wbci/wire-engine.js';
import { FIELDS, OPERATION_MESSAGE, type FieldSpec, type FieldValue, type FtthMessage, type MessageId, type Operation } from './messages.js';

export const FTTH_NS = 'http://switchgate.dev/agcom/ftth/v1';
const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** A single N-message is a few kilobytes; anything near this is not one. */
export const DEFAULT_MAX_BYTES = 256 * 1024;

/** Why a message was refused: the field (element path) and the rule it broke. */
export interface FtthProblem {
  /** element path, e.g. `DATI_MIGRAZIONE/COR`; '' for the envelope */
  field: string;
  rule: 'xml' | 'envelope' | 'operation' | 'required' | 'absent' | 'unexpected' | 'length' | 'enum' | 'format' | 'count';
  message: string;
}

export type DecodedRequest = { ok: true; op: Operation; id: MessageId; msg: FtthMessage } | { ok: false; problem: FtthProblem; op?: Operation; notificationId?: string };

// ---------------------------------------------------------------------------------------------
// Checking a message against its table

const DATE = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?$/;
const TIME = /^(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?)(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?$/;
const DATE_TIME = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?|24:00:00(\.0+)?)(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?$/;

const chars = (s: string): number => [...s].length;

function checkText(path: string, spec: FieldSpec, v: string): FtthProblem | undefined {
  const t = spec.type;
  switch (t.kind) {
    case 'text':
      return chars(v) > t.max ? { field: path, rule: 'length', message: `${path}: at most ${t.max} characters (has ${chars(v)})` } : undefined;
    case 'enum':
      return t.values.includes(v) ? undefined : { field: path, rule: 'enum', message: `${path}: must be one of ${t.values.join(', ')}` };
    case 'date':
      return DATE.test(v) ? undefined : { field: path, rule: 'format', message: `${path}: not an xsd:date (YYYY-MM-DD)` };
    case 'time':
      return TIME.test(v) ? undefined : { field: path, rule: 'format', message: `${path}: not an xsd:time (hh:mm:ss)` };
    case 'dateTime':
      return DATE_TIME.test(v) ? undefined : { field: path, rule: 'format', message: `${path}: not an xsd:dateTime (YYYY-MM-DDThh:mm:ssTZD)` };
    default:
      return undefined;
  }
}

function checkFields(fields: readonly FieldSpec[], msg: FtthMessage, prefix: string): FtthProblem | undefined {
  for (const spec of fields) {
    const path = prefix + spec.name;
    const v = msg[spec.name];
    let required = spec.presence === 'm';
    if (spec.presence === 'c' && spec.when) {
      required = msg[spec.when.field] === spec.when.value;
      if (!required && v !== undefined) return { field: path, rule: 'absent', message: `${path}: only allowed when ${spec.when.field} is ${spec.when.value}` };
    }
    if (v === undefined) {
      if (required) return { field: path, rule: 'required', message: `${path}: mandatory` };
      continue;
    }
    const t = spec.type;
    if (t.kind === 'group') {
      if (typeof v !== 'object' || Array.isArray(v)) return { field: path, rule: 'format', message: `${path}: must be an aggregate` };
      const p = checkFields(t.fields, v as FtthMessage, `${path}/`);
      if (p) return p;
    } else if (t.kind === 'list') {
      if (!Array.isArray(v)) return { field: path, rule: 'format', message: `${path}: must be a list of ${t.item}` };
      const items = v as readonly string[];
      if (items.length < 1 || items.length > t.maxItems) return { field: `${path}/${t.item}`, rule: 'count', message: `${path}: 1 to ${t.maxItems} ${t.item} (has ${items.length})` };
      for (const item of items) {
        if (chars(item) > t.max) return { field: `${path}/${t.item}`, rule: 'length', message: `${path}/${t.item}: at most ${t.max} characters (has ${chars(item)})` };
      }
    } else if (t.kind === 'opaque') {
      if (v !== '') return { field: path, rule: 'format', message: `${path}: carried as an empty aggregate` };
    } else {
      if (typeof v !== 'string') return { field: path, rule: 'format', message: `${path}: must be text` };
      const p = checkText(path, spec, v);
      if (p) return p;
    }
  }
  const known = new Set(fields.map((f) => f.name));
  for (const k of Object.keys(msg)) {
    if (!known.has(k) && msg[k] !== undefined) return { field: prefix + k, rule: 'unexpected', message: `${prefix}${k}: not a field of this message` };
  }
  return undefined;
}

/** The first problem of a message against its table, or undefined when it is valid. */
export function checkMessage(id: MessageId, msg: FtthMessage): FtthProblem | undefined {
  return checkFields(FIELDS[id], msg, '');
}

// ---------------------------------------------------------------------------------------------
// Encoding

function encodeFields(fields: readonly FieldSpec[], msg: FtthMessage): string {
  let out = '';
  for (const spec of fields) {
    const v = msg[spec.name];
    if (v === undefined) continue;
    const t = spec.type;
    if (t.kind === 'group') out += `<f:${spec.name}>${encodeFields(t.fields, v as FtthMessage)}</f:${spec.name}>`;
    else if (t.kind === 'list') out += `<f:${spec.name}>${(v as readonly string[]).map((d) => `<f:${t.item}>${escapeXml(d)}</f:${t.item}>`).join('')}</f:${spec.name}>`;
    else if (t.kind === 'opaque') out += `<f:${spec.name}/>`;
    else out += `<f:${spec.name}>${escapeXml(v as string)}</f:${spec.name}>`;
  }
  return out;
}

/** The payload element alone (what the XSD describes). Throws on a message its table refuses: a bug of ours. */
export function encodePayload(element: string, id: MessageId, msg: FtthMessage): string {
  const p = checkMessage(id, msg);
  if (p) throw new Error(`refusing to encode an invalid ${id}: ${p.message}`);
  return `<f:${element} xmlns:f="${FTTH_NS}">${encodeFields(FIELDS[id], msg)}</f:${element}>`;
}

const envelope = (payload: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP11_NS}"><soapenv:Body>${payload}</soapenv:Body></soapenv:Envelope>`;

/** A request N1–N11/N13 as a SOAP 1.1 envelope. */
export function encodeRequest(op: Operation, msg: FtthMessage): string {
  return envelope(encodePayload(op, OPERATION_MESSAGE[op], msg));
}

/** The N12 answer to `op`. */
export function encodeN12(op: Operation, n12: N12): string {
  return envelope(encodePayload(`${op}Response`, 'N12', n12 as unknown as FtthMessage));
}

export interface N12 {
  ID_NOTIFICA: string;
  /** '0' ACK, '1' NACK */
  ESITO: '0' | '1';
  CODICE_MOTIVAZIONE?: string;
  MOTIVAZIONE?: string;
}

// ---------------------------------------------------------------------------------------------
// Decoding

function problem(field: string, rule: FtthProblem['rule'], message: string): FtthProblem {
  return { field, rule, message };
}

function textOnly(node: XNode, path: string): string | FtthProblem {
  if (node.children.length > 0) return problem(path, 'format', `${path}: text expected, found <${node.children[0]!.local}>`);
  return node.text;
}

function readFields(fields: readonly FieldSpec[], node: XNode, prefix: string): Record<string, FieldValue> | FtthProblem {
  const out: Record<string, FieldValue> = {};
  let at = 0;
  for (const child of node.children) {
    const path = prefix + child.local;
    if (child.ns !== FTTH_NS) return problem(path, 'unexpected', `${path}: element not in ${FTTH_NS}`);
    let i = at;
    while (i < fields.length && fields[i]!.name !== child.local) i++;
    if (i === fields.length) {
      const known = fields.some((f) => f.name === child.local);
      return problem(path, 'unexpected', known ? `${path}: repeated or out of order` : `${path}: not a field of this message`);
    }
    at = i + 1;
    const spec = fields[i]!;
    const t = spec.type;
    if (t.kind === 'group') {
      const inner = readFields(t.fields, child, `${path}/`);
      if ('rule' in inner) return inner as FtthProblem;
      out[spec.name] = inner as Record<string, string>;
    } else if (t.kind === 'list') {
      const items: string[] = [];
      for (const item of child.children) {
        if (item.ns !== FTTH_NS || item.local !== t.item) return problem(`${path}/${item.local}`, 'unexpected', `${path}: only ${t.item} items`);
        const v = textOnly(item, `${path}/${t.item}`);
        if (typeof v !== 'string') return v;
        items.push(v);
      }
      out[spec.name] = items;
    } else if (t.kind === 'opaque') {
      out[spec.name] = '';
    } else {
      const v = textOnly(child, path);
      if (typeof v !== 'string') return v;
      out[spec.name] = v;
    }
  }
  return out;
}

function decodePayload(xml: string | Uint8Array, maxBytes: number): { ok: true; payload: XNode } | { ok: false; problem: FtthProblem } {
  const g = guardXml(xml, { maxBytes });
  if (!g.ok) return { ok: false, problem: problem('', 'xml', g.issue.message) };
  let root: XNode;
  try {
    root = parseTree(g.text);
  } catch (e) {
    if (e instanceof XmlTreeError) return { ok: false, problem: problem('', 'xml', e.message) };
    throw e;
  }
  if (root.ns !== SOAP11_NS || root.local !== 'Envelope') return { ok: false, problem: problem('', 'envelope', 'not a SOAP 1.1 Envelope') };
  const body = root.children.find((c) => c.ns === SOAP11_NS && c.local === 'Body');
  const payload = body?.children[0];
  if (!body || !payload || body.children.length !== 1) return { ok: false, problem: problem('', 'envelope', 'the SOAP Body must carry exactly one element') };
  return { ok: true, payload };
}

/** A request as it arrived at one of our services; `allowed` are the operations the service offers. */
export function decodeRequest(xml: string | Uint8Array, allowed: readonly Operation[], maxBytes = DEFAULT_MAX_BYTES): DecodedRequest {
  const d = decodePayload(xml, maxBytes);
  if (!d.ok) return d;
  const { payload } = d;
  const op = payload.local as Operation;
  if (payload.ns !== FTTH_NS || !allowed.includes(op)) {
    return { ok: false, problem: problem(payload.local, 'operation', `${payload.local}: not an operation of this service (${allowed.join(', ')})`) };
  }
  const id = OPERATION_MESSAGE[op];
  const fields = readFields(FIELDS[id], payload, '');
  // the notification id, if readable, lets the NACK echo it
  const nid = payload.children.find((c) => c.local === 'ID_NOTIFICA' || c.local === 'idNotifica')?.text;
  if ('rule' in fields) return { ok: false, problem: fields as FtthProblem, op, ...(nid !== undefined ? { notificationId: nid } : {}) };
  const p = checkMessage(id, fields);
  if (p) return { ok: false, problem: p, op, ...(nid !== undefined ? { notificationId: nid } : {}) };
  return { ok: true, op, id, msg: fields };
}

/** The N12 in a response to `op`. */
export function decodeN12(xml: string | Uint8Array, op: Operation, maxBytes = DEFAULT_MAX_BYTES): { ok: true; n12: N12 } | { ok: false; problem: FtthProblem } {
  const d = decodePayload(xml, maxBytes);
  if (!d.ok) return d;
  const { payload } = d;
  if (payload.ns !== FTTH_NS || payload.local !== `${op}Response`) return { ok: false, problem: problem(payload.local, 'operation', `${payload.local}: expected ${op}Response`) };
  const fields = readFields(FIELDS.N12, payload, '');
  if ('rule' in fields) return { ok: false, problem: fields as FtthProblem };
  const p = checkMessage('N12', fields);
  if (p) return { ok: false, problem: p };
  return { ok: true, n12: fields as unknown as N12 };
}
