/** Reading xml1/xml2/xml3 documents into domain messages, with located issues. */
import { guardXml } from '../../wbci/xml-guard.js';
import { type XNode, XmlTreeError, parseTree } from '../../wbci/xml-tree.js';
import { type AgcomMessage, type FormalValidation, type ManagerialValidation, type RecipientMessage } from '../types.js';
import { fileIssue } from './encode.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_RECORDS, FILE_LAYOUTS, type FileKind, type RecordLayout } from './layouts.js';
import { type FileIssue, type FileParties, type FlatRecord, type Mode, type Read, type ReadContext, type WireOptions, checkValues, readAnswer, readRecipientMessage, recordPath } from './records.js';
import { DEFAULT_WIRE_VALUES } from './wire-values.js';

// Decoding

export interface DecodeOptions extends WireOptions {
  parties: FileParties;
  /** `receive` (default): content problems are warnings; `send`: errors (checking our own files) */
  mode?: Mode;
  maxRecords?: number;
  maxBytes?: number;
  file?: string;
}

export interface DecodedRecord<T> {
  index: number;
  /** `CodiceOrdineRecipient` of the record, when it has one */
  orderId?: string;
  /** absent when the record cannot be read (see issues) */
  message?: T;
  issues: FileIssue[];
}

export type DecodeResult<T> =
  /** `warnings`: about the file as a whole (e.g. a foreign namespace) */
  | { ok: true; kind: FileKind; records: DecodedRecord<T>[]; warnings: FileIssue[] }
  /** the file as a whole is unusable: answer Reply 05 */
  | { ok: false; issues: FileIssue[] };

/** Which file a document is, by its root element; undefined if none. */
export function detectFileKind(xml: string | Uint8Array, opts: { maxBytes?: number } = {}): FileKind | undefined {
  const parsed = parseXml(xml, opts.maxBytes);
  if (!parsed.ok) return undefined;
  return (Object.keys(FILE_LAYOUTS) as FileKind[]).find((k) => FILE_LAYOUTS[k].root === parsed.root.local);
}

export function parseXml(xml: string | Uint8Array, maxBytes?: number, file?: string): { ok: true; root: XNode } | { ok: false; issue: FileIssue } {
  const guarded = guardXml(xml, { maxBytes: maxBytes ?? DEFAULT_MAX_FILE_BYTES, maxDepth: 16 });
  if (!guarded.ok) return { ok: false, issue: { ...guarded.issue, code: 'SG_AGCOM_FILE_XML', ...(file ? { file } : {}) } };
  try {
    return { ok: true, root: parseTree(guarded.text) };
  } catch (e) {
    const message = e instanceof XmlTreeError ? e.message : 'not well-formed XML';
    return { ok: false, issue: fileIssue('wellFormed', 'SG_AGCOM_FILE_XML', message, file) };
  }
}

export function flatten(layout: RecordLayout, node: XNode, index: number, mode: Mode, file: string | undefined): { rec?: FlatRecord; issues: FileIssue[] } {
  const issues: FileIssue[] = [];
  const at = (rule: string, message: string, element?: string, severity: 'error' | 'warning' = 'error'): FileIssue => ({
    path: recordPath(layout, index, element),
    rule,
    code: 'SG_AGCOM_FILE_RECORD',
    message: `record ${index + 1}${element ? `, ${element}` : ''}: ${message}`,
    severity,
    record: index,
    ...(element ? { element } : {}),
    ...(file ? { file } : {}),
  });
  const id = node.attrs?.[layout.idAttribute]?.trim() ?? '';
  const wrappers = node.children.filter((c) => c.local === layout.wrapper);
  const others = node.children.filter((c) => c.local !== layout.wrapper);
  for (const o of others) issues.push(at('knownElement', `<${o.local}> is not part of a ${layout.record} record`));
  if (wrappers.length !== 1) {
    issues.push(at('wrapper', `a ${layout.record} record holds exactly one <${layout.wrapper}>, found ${wrappers.length}`));
    return { issues };
  }
  const byElement = new Map(layout.fields.map((f) => [f.element, f]));
  const values = new Map<string, string>();
  for (const child of wrappers[0].children) {
    const f = byElement.get(child.local);
    if (!f) {
      // a partner's extra element must not lose the record; our own files never have one
      issues.push(at('knownElement', `<${child.local}> is not a field of ${layout.kind}; ignored`, child.local, mode === 'send' ? 'error' : 'warning'));
      continue;
    }
    if (child.children.length > 0) {
      issues.push(at('simpleContent', 'must hold text, not elements', f.element));
      continue;
    }
    if (values.has(f.key)) {
      issues.push(at('once', 'appears more than once', f.element));
      continue;
    }
    const value = child.text.trim();
    if (value !== '') values.set(f.key, value);
  }
  return { rec: { id, values }, issues };
}

export function decode<T>(kind: FileKind, xml: string | Uint8Array, opts: DecodeOptions, read: (c: ReadContext) => Read<T>): DecodeResult<T> {
  const layout = FILE_LAYOUTS[kind];
  const mode = opts.mode ?? 'receive';
  const file = opts.file;
  const values = opts.values ?? DEFAULT_WIRE_VALUES;
  const parsed = parseXml(xml, opts.maxBytes, file);
  if (!parsed.ok) return { ok: false, issues: [parsed.issue] };
  const root = parsed.root;
  if (root.local !== layout.root) {
    return { ok: false, issues: [fileIssue('root', 'SG_AGCOM_FILE_ROOT', `the root element is <${root.local}>; an ${kind} file has <${layout.root}>`, file)] };
  }
  const fileIssues: FileIssue[] = [];
  if (root.ns !== '' && root.ns !== layout.namespace) {
    fileIssues.push({ ...fileIssue('namespace', 'SG_AGCOM_FILE_NAMESPACE', `namespace ${root.ns} is not ${layout.namespace}; read by local names`, file), severity: 'warning' });
  }
  const nodes = root.children.filter((c) => c.local === layout.record);
  const strays = root.children.filter((c) => c.local !== layout.record);
  if (strays.length > 0) {
    return { ok: false, issues: [fileIssue('knownElement', 'SG_AGCOM_FILE_STRUCTURE', `<${strays[0].local}> is not a ${layout.record} record`, file, `/${layout.root}/${strays[0].local}`)] };
  }
  const max = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
  if (nodes.length === 0) return { ok: false, issues: [fileIssue('minRecords', 'SG_AGCOM_FILE_EMPTY', `the ${kind} file has no ${layout.record} record`, file)] };
  if (nodes.length > max) {
    return { ok: false, issues: [fileIssue('maxRecords', 'SG_AGCOM_FILE_TOO_MANY_RECORDS', `${nodes.length} records; an ${kind} file holds at most ${max}`, file)] };
  }

  const records: DecodedRecord<T>[] = [];
  for (const [index, node] of nodes.entries()) {
    const flat = flatten(layout, node, index, mode, file);
    const out: DecodedRecord<T> = { index, issues: flat.issues };
    records.push(out);
    if (!flat.rec) continue;
    const orderId = flat.rec.values.get('orderId') ?? flat.rec.id;
    if (orderId === '') {
      // a record nobody can answer makes the file unusable
      return {
        ok: false,
        issues: [{ ...fileIssue('orderId', 'SG_AGCOM_FILE_RECORD', `record ${index + 1} has no ${layout.idAttribute}`, file, recordPath(layout, index)), record: index }],
      };
    }
    out.orderId = orderId;
    if (flat.issues.some((i) => i.severity === 'error')) continue;
    out.issues.push(...checkValues(layout, flat.rec, index, mode, file));
    const r = read({ layout, rec: flat.rec, index, values, parties: opts.parties, file, mode });
    out.issues.push(...r.issues);
    if (r.ok) out.message = r.message;
  }
  return { ok: true, kind, records, warnings: fileIssues };
}

export const decodeXml1 = (xml: string | Uint8Array, opts: DecodeOptions): DecodeResult<RecipientMessage> => decode('xml1', xml, opts, readRecipientMessage);
export const decodeXml2 = (xml: string | Uint8Array, opts: DecodeOptions): DecodeResult<FormalValidation> =>
  decode('xml2', xml, opts, readAnswer as (c: ReadContext) => Read<FormalValidation>);
export const decodeXml3 = (xml: string | Uint8Array, opts: DecodeOptions): DecodeResult<ManagerialValidation> =>
  decode('xml3', xml, opts, readAnswer as (c: ReadContext) => Read<ManagerialValidation>);

/**
 * The validator: every problem of a file, located by file, record and element, as errors (the
 * strictness of our own outbound files). Empty when the file is fine.
 */
export function validateFile(kind: FileKind, xml: string | Uint8Array, opts: Omit<DecodeOptions, 'mode'>): FileIssue[] {
  const r = decode<AgcomMessage>(kind, xml, { ...opts, mode: 'send' }, kind === 'xml1' ? readRecipientMessage : readAnswer);
  return r.ok ? [...r.warnings, ...r.records.flatMap((x) => x.issues)] : r.issues;
}

// ---------------------------------------------------------------------------------------------
