/** Writing xml1/xml2/xml3 documents from domain messages. */
import { type FormalValidation, type ManagerialValidation, type RecipientMessage } from '../types.js';
import { DEFAULT_MAX_RECORDS, FILE_LAYOUTS, type RecordLayout } from './layouts.js';
import { type FileIssue, type FlatRecord, type WireOptions, checkValues, flattenAnswer, flattenRecipientMessage, recordPath } from './records.js';
import { DEFAULT_WIRE_VALUES } from './wire-values.js';
import { XMLBuilder } from 'fast-xml-parser';

// XML ⇄ flat records

export const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
  processEntities: true,
});

export const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function buildXml(layout: RecordLayout, records: FlatRecord[], strictLayout: boolean, namespaces: boolean): string {
  const fields = layout.fields.filter((f) => !strictLayout || f.origin === 'documented');
  const recs = records.map((r) => {
    const params: Record<string, string> = {};
    for (const f of fields) {
      const v = r.values.get(f.key);
      // documented elements are all mandatory in the XSD copies: written even when empty
      if (v !== undefined || f.origin === 'documented') params[f.element] = v ?? '';
    }
    return { [`@_${layout.idAttribute}`]: r.id, [layout.wrapper]: params };
  });
  const root: Record<string, unknown> = { [layout.record]: recs };
  if (namespaces) root['@_xmlns'] = layout.namespace;
  return DECLARATION + builder.build({ [layout.root]: root });
}

export interface EncodeOptions extends WireOptions {
  maxRecords?: number;
  /** write the layout's default namespace on the root (default true) */
  namespaces?: boolean;
  /** name of the file, for the issues */
  file?: string;
}

export type EncodeResult = { ok: true; xml: string; issues: FileIssue[] } | { ok: false; issues: FileIssue[] };

export function fileIssue(rule: string, code: string, message: string, file?: string, path = '/'): FileIssue {
  return { path, rule, code, message, severity: 'error', ...(file ? { file } : {}) };
}

export function encode(layout: RecordLayout, records: FlatRecord[], opts: EncodeOptions, domainIssues: FileIssue[]): EncodeResult {
  const max = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
  const issues: FileIssue[] = [...domainIssues];
  if (records.length === 0) issues.push(fileIssue('minRecords', 'SG_AGCOM_FILE_EMPTY', `an ${layout.kind} file holds at least one record`, opts.file));
  if (records.length > max) {
    issues.push(fileIssue('maxRecords', 'SG_AGCOM_FILE_TOO_MANY_RECORDS', `${records.length} records; an ${layout.kind} file holds at most ${max}`, opts.file));
  }
  records.forEach((r, i) => issues.push(...checkValues(layout, r, i, 'send', opts.file)));
  if (issues.some((i) => i.severity === 'error')) return { ok: false, issues };
  return { ok: true, xml: buildXml(layout, records, opts.strictLayout ?? false, opts.namespaces ?? true), issues };
}

/** Domain checks the flat record cannot express: more than the record has slots for. */
export function slotIssues(layout: RecordLayout, m: RecipientMessage, i: number, file?: string): FileIssue[] {
  const out: FileIssue[] = [];
  const at = (element: string, message: string) =>
    out.push({ path: recordPath(layout, i, element), rule: 'maxItems', code: 'SG_AGCOM_FILE_FIELD', message: `record ${i + 1}: ${message}`, severity: 'error', record: i, element, ...(file ? { file } : {}) });
  if (m.type === 'RICHIESTA') {
    if (m.resources.length > 2) at('CodiceRisorsa2', `${m.resources.length} resource codes; the record has 2 slots`);
    if (m.numbers.length > 10) at('DirectoryNumber10', `${m.numbers.length} numbers; the record has 10 slots`);
  }
  return out;
}

export function encodeXml1(messages: readonly RecipientMessage[], opts: EncodeOptions = {}): EncodeResult {
  const values = opts.values ?? DEFAULT_WIRE_VALUES;
  const layout = FILE_LAYOUTS.xml1;
  const extra = messages.flatMap((m, i) => slotIssues(layout, m, i, opts.file));
  if (opts.strictLayout) {
    messages.forEach((m, i) => {
      if (m.type === 'RIMODULAZIONE') {
        extra.push({ ...fileIssue('strictLayout', 'SG_AGCOM_FILE_FIELD', `record ${i + 1}: a reschedule needs the designed element DAC, which strictLayout does not write`, opts.file, recordPath(layout, i)), record: i });
      }
    });
  }
  return encode(layout, messages.map((m) => flattenRecipientMessage(m, values)), opts, extra);
}

export function encodeXml2(messages: readonly FormalValidation[], opts: EncodeOptions = {}): EncodeResult {
  const values = opts.values ?? DEFAULT_WIRE_VALUES;
  return encode(FILE_LAYOUTS.xml2, messages.map((m) => flattenAnswer(m, values)), opts, []);
}

export function encodeXml3(messages: readonly ManagerialValidation[], opts: EncodeOptions = {}): EncodeResult {
  const values = opts.values ?? DEFAULT_WIRE_VALUES;
  const layout = FILE_LAYOUTS.xml3;
  const extra: FileIssue[] = [];
  messages.forEach((m, i) => {
    if (m.result === 'OK' && !m.sessionCode) {
      extra.push({ ...fileIssue('required', 'SG_AGCOM_FILE_FIELD', `record ${i + 1}, CodiceSessione: a managerial OK carries the CodiceSessione`, opts.file, recordPath(layout, i, 'CodiceSessione')), record: i, element: 'CodiceSessione' });
    }
  });
  return encode(layout, messages.map((m) => flattenAnswer(m, values)), opts, extra);
}

// ---------------------------------------------------------------------------------------------
