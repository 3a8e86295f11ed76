/**
 * Walks the field lists of wire-names.ts: domain object → XML text, and namespace-resolved tree → domain object.
 *
 * Encoding is string concatenation with escaping, no DOM. Decoding collects every problem with an XPath-like path
 * (`/Envelope/Body/annehmenAnfrageRequest/Anfrage/Standort/postleitzahl`) instead of stopping at the first one, so a
 * negative TEQ or a log line can name all of them. Unknown elements are warnings, not errors: a partner on a newer
 * minor release may send optional elements this version does not know.
 */
import type { Issue } from '../../domain/issues.js';
import type { Field, ListField, ObjField } from './wire-names.js';
import { NS } from './wire-names.js';
import { SIMPLE_TYPES, checkSimple, normalizeSimple, type SimpleType, type SimpleTypeName } from './wire-simple-types.js';
import { attrNS, resolveQName, type XNode } from './xml-tree.js';

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Escaping

// eslint-disable-next-line no-control-regex -- finding control characters is the point: XML 1.0 cannot carry them
const NEEDS_ESCAPE = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex -- as above
const ESCAPE_ALL = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Escapes text and attribute values. CR is written as a character reference because a parser would otherwise fold
 * CR LF into LF and a multi-line `begruendung` would not survive the round trip.
 */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPE_ALL, (c) => {
    const e = ESCAPES[c];
    if (e === undefined) throw new WbciEncodeError([encodeIssue('', 'xmlChar', `U+${c.charCodeAt(0).toString(16)} cannot be sent in XML`)]);
    return e;
  });
}

// ---------------------------------------------------------------------------------------------
// Encoding

export class WbciEncodeError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'WbciEncodeError';
  }
}

const encodeIssue = (path: string, rule: string, message: string): Issue => ({ path, rule, code: 'SG_WIRE_ENCODE', message, severity: 'error' });
const fail = (path: string, rule: string, message: string): never => {
  throw new WbciEncodeError([encodeIssue(path, rule, message)]);
};

export interface EncodeCtx {
  /** prefix bound to NS.xsi in the output */
  xsi: string;
  /** prefix bound to NS.message in the output (for xsi:type of positions) */
  message: string;
}

const getPath = (o: Obj, to: string): unknown => {
  if (to.indexOf('.') === -1) return o[to];
  let cur: unknown = o;
  for (const k of to.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[k];
  }
  return cur;
};

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function encodeFields(fields: readonly Field[], o: Obj, dpath: string, ctx: EncodeCtx): string {
  let out = '';
  for (const f of fields) {
    switch (f.k) {
      case 'leaf': {
        const v = getPath(o, f.to);
        let s: string | undefined;
        if (v === undefined || v === null) {
          if (f.dflt !== undefined) s = typeof f.dflt === 'function' ? f.dflt(o) : f.dflt;
          else if (f.opt) break;
          else fail(`${dpath}/${f.to.replace('.', '/')}`, 'required', `${f.wire} is mandatory`);
        } else if (f.map) {
          s = f.map.toWire(v);
          if (s === undefined) {
            if (f.opt) break;
            fail(`${dpath}/${f.to}`, 'enumeration', `${JSON.stringify(v)} has no wire value for ${f.wire}`);
          }
        } else if (typeof v === 'string') {
          s = v;
        } else {
          fail(`${dpath}/${f.to}`, 'type', `${f.wire} must be a string`);
        }
        out += `<${f.wire}>${escapeXml(s as string)}</${f.wire}>`;
        break;
      }
      case 'wrap': {
        const inner = encodeFields(f.fields, o, dpath, ctx);
        if (inner === '' && f.opt) break;
        out += `<${f.wire}>${inner}</${f.wire}>`;
        break;
      }
      case 'obj': {
        const v = getPath(o, f.to);
        if (v === undefined || v === null) {
          if (f.opt) break;
          fail(`${dpath}/${f.to}`, 'required', `${f.wire} is mandatory`);
        }
        if (!isObj(v)) return fail(`${dpath}/${f.to}`, 'type', `${f.wire} must be an object`);
        if (f.oneOf) checkOneOfForEncode(f, v, `${dpath}/${f.to}`);
        out += `<${f.wire}>${encodeFields(f.fields, v, `${dpath}/${f.to}`, ctx)}</${f.wire}>`;
        break;
      }
      case 'list': {
        const v = getPath(o, f.to);
        const items = v === undefined || v === null ? [] : v;
        if (!Array.isArray(items)) return fail(`${dpath}/${f.to}`, 'type', `${f.wire} must be a list`);
        checkCount(items.length, f.min, f.max, `${dpath}/${f.to}`, f.wire);
        const open = f.xsiType ? `<${f.wire} ${ctx.xsi}:type="${ctx.message}:${f.xsiType}">` : `<${f.wire}>`;
        for (let i = 0; i < items.length; i++) {
          const item: unknown = items[i];
          const p = `${dpath}/${f.to}/${i}`;
          if (!isObj(item)) return fail(p, 'type', `${f.wire} entries must be objects`);
          if (f.oneOf) checkOneOfForEncode(f, item, p);
          out += `${open}${encodeFields(f.fields, item, p, ctx)}</${f.wire}>`;
        }
        break;
      }
      case 'leafList': {
        const v = getPath(o, f.to);
        const items = v === undefined || v === null ? [] : v;
        if (!Array.isArray(items)) return fail(`${dpath}/${f.to}`, 'type', `${f.wire} must be a list`);
        checkCount(items.length, f.min, f.max, `${dpath}/${f.to}`, f.wire);
        for (let i = 0; i < items.length; i++) {
          const s = f.map ? f.map.toWire(items[i]) : items[i];
          if (typeof s !== 'string') return fail(`${dpath}/${f.to}/${i}`, 'type', `${f.wire} entry has no wire value`);
          out += `<${f.wire}>${escapeXml(s)}</${f.wire}>`;
        }
        break;
      }
      case 'union': {
        const target = f.to ? getPath(o, f.to) : o;
        const p = f.to ? `${dpath}/${f.to}` : dpath;
        if (target === undefined || target === null) {
          if (f.opt) break;
          fail(p, 'required', `one of ${f.options.map((x) => x.wire).join(', ')} is mandatory`);
        }
        if (!isObj(target)) return fail(p, 'type', 'must be an object');
        const option = f.options.find((x) => x.tag === target[f.tag]);
        if (!option) return fail(`${p}/${f.tag}`, 'enumeration', `unknown ${f.tag} ${JSON.stringify(target[f.tag])}`);
        out += `<${option.wire}>${encodeFields(option.fields, target, p, ctx)}</${option.wire}>`;
        break;
      }
      case 'keyed': {
        const v = getPath(o, f.to);
        if (v === undefined || v === null) {
          if (f.opt) break;
          fail(`${dpath}/${f.to}`, 'required', `${f.wire} is mandatory`);
        }
        const option = isObj(v) ? f.options.find((x) => x.key === v.field) : undefined;
        if (!option || typeof (v as Obj).value !== 'string') {
          return fail(`${dpath}/${f.to}`, 'enumeration', `${f.wire} needs field ${f.options.map((x) => x.key).join('|')} and a string value`);
        }
        out += `<${f.wire}><${option.wire}>${escapeXml((v as Obj).value as string)}</${option.wire}></${f.wire}>`;
        break;
      }
    }
  }
  return out;
}

function checkCount(n: number, min: number, max: number, path: string, wire: string): void {
  if (n < min) fail(path, 'minItems', `${wire} needs at least ${min} entries`);
  if (n > max) fail(path, 'maxItems', `${wire} allows at most ${max} entries`);
}

function checkOneOfForEncode(f: ObjField | ListField, v: Obj, path: string): void {
  const present = f.fields.filter((x) => x.k === 'leaf' && v[x.to] !== undefined && v[x.to] !== null).length;
  if (present !== 1) fail(path, 'exactlyOneOf', `exactly one of ${leafNames(f)} is required`);
}

const leafNames = (f: ObjField | ListField): string =>
  f.fields
    .filter((x) => x.k === 'leaf')
    .map((x) => (x.k === 'leaf' ? x.to : ''))
    .join(', ');

// ---------------------------------------------------------------------------------------------
// Decoding

export interface DecodeCtx {
  issues: Issue[];
  warnings: Issue[];
  /** facet violations block (messages) or only warn (a partner's TEQ, where refusing helps no one) */
  facetSeverity: 'error' | 'warning';
}

export const structureIssue = (path: string, rule: string, message: string): Issue => ({
  path,
  rule,
  code: '0995',
  message,
  severity: 'error',
});

const warn = (ctx: DecodeCtx, path: string, rule: string, message: string): void => {
  ctx.warnings.push({ path, rule, code: 'SG_WIRE_LENIENT', message, severity: 'warning' });
};
const err = (ctx: DecodeCtx, path: string, rule: string, message: string): void => {
  ctx.issues.push(structureIssue(path, rule, message));
};

const setPath = (o: Obj, to: string, v: unknown): void => {
  if (to.indexOf('.') === -1) {
    o[to] = v;
    return;
  }
  const keys = to.split('.');
  const last = keys.pop() as string;
  let cur = o;
  for (const k of keys) cur = ensure(cur, k);
  cur[last] = v;
};

const ensure = (o: Obj, k: string): Obj => {
  const v = o[k];
  if (isObj(v)) return v;
  const created: Obj = {};
  o[k] = created;
  return created;
};

/** Groups the element children by local name; children in any namespace are wrong here (all are unqualified). */
function index(el: XNode, path: string, ctx: DecodeCtx): Map<string, XNode[]> {
  const byName = new Map<string, XNode[]>();
  for (const c of el.children) {
    if (c.ns !== '') {
      err(ctx, `${path}/${c.local}`, 'namespace', `element must be unqualified (xmlns=""), found namespace ${c.ns}`);
      continue;
    }
    const arr = byName.get(c.local);
    if (arr) arr.push(c);
    else byName.set(c.local, [c]);
  }
  return byName;
}

/** Decodes the children of `el` into `target`. */
export function decodeFields(el: XNode, fields: readonly Field[], target: Obj, path: string, ctx: DecodeCtx): void {
  const byName = index(el, path, ctx);
  for (const f of fields) decodeField(f, byName, target, path, ctx);
  for (const name of byName.keys()) warn(ctx, `${path}/${name}`, 'unexpectedElement', `element ${name} is not part of this type and was ignored`);
}

/** Takes the single occurrence of an element, reporting a missing mandatory one or a repetition. */
function single(byName: Map<string, XNode[]>, wire: string, isOpt: boolean | undefined, path: string, ctx: DecodeCtx): XNode | undefined {
  const nodes = byName.get(wire);
  if (!nodes) {
    if (!isOpt) err(ctx, `${path}/${wire}`, 'required', `mandatory element ${wire} is missing`);
    return undefined;
  }
  byName.delete(wire);
  if (nodes.length > 1) err(ctx, `${path}/${wire}[2]`, 'maxOccurs', `element ${wire} may occur only once`);
  return nodes[0];
}

function leafValue(node: XNode, type: SimpleTypeName, path: string, ctx: DecodeCtx): string | undefined {
  if (node.children.length > 0) {
    err(ctx, path, 'simpleContent', 'element must contain text only');
    return undefined;
  }
  const v = normalizeSimple(type, node.text);
  const violation = checkSimple(type, v);
  if (violation) {
    if (ctx.facetSeverity === 'error') {
      err(ctx, path, violation.rule, violation.message);
      // the message is refused anyway; not mapping the value avoids a second issue for the same element
      return undefined;
    }
    warn(ctx, path, violation.rule, violation.message);
  }
  return (SIMPLE_TYPES[type] as SimpleType).keepRaw ? node.text : v;
}

function decodeField(f: Field, byName: Map<string, XNode[]>, target: Obj, path: string, ctx: DecodeCtx): void {
  switch (f.k) {
    case 'leaf': {
      const node = single(byName, f.wire, f.opt, path, ctx);
      if (!node) return;
      const p = `${path}/${f.wire}`;
      const v = leafValue(node, f.type, p, ctx);
      if (v === undefined) return;
      if (f.map) {
        const mapped = f.map.fromWire(v);
        if (mapped === undefined) err(ctx, p, 'enumeration', `'${v}' is not an allowed value`);
        else setPath(target, f.to, mapped);
      } else {
        setPath(target, f.to, v);
      }
      return;
    }
    case 'wrap': {
      const node = single(byName, f.wire, f.opt, path, ctx);
      if (node) decodeFields(node, f.fields, target, `${path}/${f.wire}`, ctx);
      return;
    }
    case 'obj': {
      const node = single(byName, f.wire, f.opt, path, ctx);
      if (!node) return;
      const o: Obj = {};
      const p = `${path}/${f.wire}`;
      decodeFields(node, f.fields, o, p, ctx);
      if (f.oneOf) checkOneOf(f, o, p, ctx);
      setPath(target, f.to, o);
      return;
    }
    case 'list': {
      const nodes = byName.get(f.wire) ?? [];
      byName.delete(f.wire);
      countIssues(nodes.length, f.min, f.max, path, f.wire, ctx);
      const items: Obj[] = [];
      for (let i = 0; i < nodes.length; i++) {
        const p = `${path}/${f.wire}[${i + 1}]`;
        if (f.xsiType) checkXsiType(nodes[i], f.xsiType, p, ctx);
        const o: Obj = {};
        decodeFields(nodes[i], f.fields, o, p, ctx);
        if (f.oneOf) checkOneOf(f, o, p, ctx);
        items.push(o);
      }
      if (items.length > 0 || !f.omitEmpty) setPath(target, f.to, items);
      return;
    }
    case 'leafList': {
      const nodes = byName.get(f.wire) ?? [];
      byName.delete(f.wire);
      countIssues(nodes.length, f.min, f.max, path, f.wire, ctx);
      const values: unknown[] = [];
      for (let i = 0; i < nodes.length; i++) {
        const v = leafValue(nodes[i], f.type, `${path}/${f.wire}[${i + 1}]`, ctx);
        if (v !== undefined) values.push(f.map ? f.map.fromWire(v) : v);
      }
      if (values.length > 0 || !f.omitEmpty) setPath(target, f.to, values);
      return;
    }
    case 'union': {
      const present = f.options.filter((o) => byName.has(o.wire));
      if (present.length === 0) {
        if (!f.opt) err(ctx, `${path}/(${f.options.map((o) => o.wire).join('|')})`, 'required', `one of ${f.options.map((o) => o.wire).join(', ')} is mandatory`);
        return;
      }
      if (present.length > 1) {
        err(ctx, `${path}/${present[1].wire}`, 'choice', `only one of ${present.map((o) => o.wire).join(', ')} is allowed`);
      }
      for (const o of present.slice(1)) byName.delete(o.wire);
      const chosen = present[0];
      const node = single(byName, chosen.wire, false, path, ctx) as XNode;
      const into = f.to ? ensure(target, f.to) : target;
      into[f.tag] = chosen.tag;
      decodeFields(node, chosen.fields, into, `${path}/${chosen.wire}`, ctx);
      return;
    }
    case 'keyed': {
      const node = single(byName, f.wire, f.opt, path, ctx);
      if (!node) return;
      const p = `${path}/${f.wire}`;
      const inner = index(node, p, ctx);
      const present = f.options.filter((o) => inner.has(o.wire));
      if (present.length !== 1) {
        err(ctx, p, 'choice', `exactly one of ${f.options.map((o) => o.wire).join(', ')} is required`);
      } else {
        const chosen = present[0];
        const leafNode = single(inner, chosen.wire, false, p, ctx) as XNode;
        const v = leafValue(leafNode, chosen.type, `${p}/${chosen.wire}`, ctx);
        if (v !== undefined) setPath(target, f.to, { field: chosen.key, value: v });
      }
      for (const name of inner.keys()) {
        if (!f.options.some((o) => o.wire === name)) warn(ctx, `${p}/${name}`, 'unexpectedElement', `element ${name} was ignored`);
      }
      return;
    }
  }
}

function countIssues(n: number, min: number, max: number, path: string, wire: string, ctx: DecodeCtx): void {
  if (n < min) err(ctx, `${path}/${wire}`, min === 1 ? 'required' : 'minOccurs', `element ${wire} must occur at least ${min} time(s)`);
  if (n > max) err(ctx, `${path}/${wire}[${max + 1}]`, 'maxOccurs', `element ${wire} may occur at most ${max} times`);
}

function checkOneOf(f: ObjField | ListField, o: Obj, path: string, ctx: DecodeCtx): void {
  const present = f.fields.filter((x) => x.k === 'leaf' && o[x.to] !== undefined).length;
  if (present !== 1) err(ctx, path, 'choice', `exactly one of ${f.fields.map((x) => ('wire' in x ? x.wire : '')).join(', ')} is required`);
}

/** Positions may name their (message-namespace) type with xsi:type; if they do, it must be the expected one. */
function checkXsiType(node: XNode, expected: string, path: string, ctx: DecodeCtx): void {
  const raw = attrNS(node, NS.xsi, 'type');
  if (raw === undefined) return;
  const q = resolveQName(node, raw);
  if (!q || q.ns !== NS.message || q.local !== expected) {
    err(ctx, `${path}/@xsi:type`, 'xsiType', `xsi:type '${raw}' is not {${NS.message}}${expected}`);
  }
}
