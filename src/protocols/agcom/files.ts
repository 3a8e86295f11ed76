/**
 * The Fase 2 record files (italy.md §9.1–§9.2): xml1 (requests, Recipient → Donating), xml2
 * (ValidazioneFormale) and xml3 (ValidazioneGestionale), both Donating → Recipient; their file
 * names, the upload parameters `Operatore` / `TipoFile` / `FileName` and the synchronous `Reply`
 * with codes 00–06.
 *
 * What is documented (N (copy), G5) and what is designed here (I):
 * - xml1 and xml3 follow the public XSD copies: root `xml1`/`xml3`, records `Request`/
 *   `ValidationResponse` (≤100) with the required attribute `CodiceOrdineRecipient` and a
 *   `Parametri` element holding the fields in XSD order. Every documented element is written,
 *   empty when it has no value, because the XSDs declare none of them optional.
 * - xml2 has no XSD: root `xml2`, record `ValidazioneFormale` and its namespace are designed by
 *   analogy with xml3; its fields are the documented ones.
 * - The record layout has no DAC, no check character and no PIN, and no element says which
 *   communication a record is (request, cancellation, reschedule): `TipoComunicazione` is read as
 *   that discriminator and the elements `DAC`, `CarattereControllo1/2`, `PIN` are designed (tag
 *   I). They are written after the documented ones, and not at all with `strictLayout`.
 * - The value sets of `TipoComunicazione`, `StatoRichiesta`, `CausaleRifiuto`, `CodiceMotivoRifiuto`
 *   are not public (§13.2): `DEFAULT_WIRE_VALUES` is a design, configurable per partner.
 *
 * `CodiceOrdineRecipient` has no pattern on the wire (only a length): a KO must carry back even a
 * malformed id; the formal validation (fields.ts) judges its format.
 *
 * `FILE_LAYOUTS` is the single mapping table between our field keys and the element names: rename
 * an element there and both directions follow.
 *
 * Values stay strings and are trimmed (the public examples pad some with spaces). Input passes
 * `guardXml` first: DOCTYPE/ENTITY are refused, depth is bounded, only UTF-8 is accepted.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Issue } from '../../domain/issues.js';
import { toEpochDay } from '../../domain/calendar.js';
import { guardXml } from '../wbci/xml-guard.js';
import { parseTree, XmlTreeError, type XNode } from '../wbci/xml-tree.js';
import { isIsoDate } from './fields.js';
import {
  KO_CATEGORIES,
  PROCEDURES,
  type AgcomMessage,
  type Cancellation,
  type CommunicationType,
  type FormalValidation,
  type IsoDate,
  type KoCategory,
  type ManagerialValidation,
  type MigrationRequest,
  type OperatorCode,
  type Procedure,
  type RecipientMessage,
  type Rejection,
  type Reschedule,
  type ResourceCode,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// The mapping table

export type FileKind = 'xml1' | 'xml2' | 'xml3';
/** `TipoFile`: N = requests for the receiving operator, R = answers to requests it sent */
export type FileType = 'N' | 'R';

export interface FieldSpec {
  /** our stable key */
  key: string;
  /** the element name on the wire */
  element: string;
  /** `documented`: in the public copy (N (copy)); `designed`: invented here (I) */
  origin: 'documented' | 'designed';
  maxLength: number;
  pattern?: RegExp;
  /** what `pattern` means, for messages */
  patternText?: string;
}

export interface RecordLayout {
  kind: FileKind;
  fileType: FileType;
  root: string;
  record: string;
  /** default namespace written on the root; any namespace (or none) is accepted on input */
  namespace: string;
  /** the record attribute that repeats `CodiceOrdineRecipient` */
  idAttribute: string;
  /** the element wrapping the fields of a record */
  wrapper: string;
  fields: readonly FieldSpec[];
}

const ALNUM3 = /^[A-Z0-9]{3}$/;
const INT = /^[0-9]{1,3}$/;
const doc = (key: string, element: string, maxLength: number, pattern?: RegExp, patternText?: string): FieldSpec => ({
  key,
  element,
  origin: 'documented',
  maxLength,
  pattern,
  patternText,
});
const designed = (key: string, element: string, maxLength: number, pattern?: RegExp, patternText?: string): FieldSpec => ({
  ...doc(key, element, maxLength, pattern, patternText),
  origin: 'designed',
});

const DN_FIELDS = Array.from({ length: 10 }, (_, i) => doc(`dn${i + 1}`, `DirectoryNumber${i + 1}`, 20, /^[0-9]{3,20}$/, '3–20 digits'));

const ANSWER_FIELDS: readonly FieldSpec[] = [
  doc('communicationType', 'TipoComunicazione', 3, INT, 'an integer'),
  doc('recipient', 'CodiceOperatoreRecipient', 3, ALNUM3, '3 characters A–Z 0–9'),
  doc('orderId', 'CodiceOrdineRecipient', 100),
  doc('secret', 'CodiceOLODonating', 3, ALNUM3, '3 characters A–Z 0–9'),
  doc('cor1', 'CodiceRisorsa1', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
  doc('cor2', 'CodiceRisorsa2', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
  doc('cos2', 'CodiceServizio2', 3, ALNUM3, '3 characters A–Z 0–9'),
  doc('status', 'StatoRichiesta', 3, INT, 'an integer'),
  doc('cause', 'CausaleRifiuto', 3, INT, 'an integer'),
  doc('reasonCode', 'CodiceMotivoRifiuto', 10),
  doc('reasonText', 'MotivoRifiuto', 255),
  doc('wrongNumbers', 'NumerazioneErrata', 255, /^[0-9]{3,20}(,[0-9]{3,20})*$/, 'numbers separated by commas'),
  doc('sessionCode', 'CodiceSessione', 50, /^[\x21-\x7E]{1,50}$/, 'printable ASCII without spaces'),
];

export const FILE_LAYOUTS: Readonly<Record<FileKind, RecordLayout>> = Object.freeze({
  xml1: {
    kind: 'xml1',
    fileType: 'N',
    root: 'xml1',
    record: 'Request',
    namespace: 'http://www.olo.it/Request',
    idAttribute: 'CodiceOrdineRecipient',
    wrapper: 'Parametri',
    fields: [
      doc('communicationType', 'TipoComunicazione', 3, INT, 'an integer'),
      doc('sentDate', 'DataInvioRichiesta', 10),
      doc('recipient', 'CodiceOperatoreRecipient', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('orderId', 'CodiceOrdineRecipient', 100),
      doc('secret', 'CodiceOLODonating', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('cor1', 'CodiceRisorsa1', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
      doc('cos1', 'CodiceServizio1', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('cor2', 'CodiceRisorsa2', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
      doc('cos2', 'CodiceServizio2', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('firstName', 'NomeCliente', 100),
      doc('lastNameOrCompany', 'CognomeClienteRagioneSociale', 100),
      doc('taxCode', 'CodiceFiscalePartitaIVA', 16, /^(?:[A-Z0-9]{16}|[0-9]{11})$/, 'a codice fiscale (16) or partita IVA (11 digits)'),
      doc('correlationId', 'IdentificativoCorrelazioni', 100),
      doc('totalRequests', 'TotRichieste', 3, /^[1-9][0-9]{0,2}$/, 'a number 1–999'),
      doc('notes', 'Note', 255),
      ...DN_FIELDS,
      designed('dac', 'DAC', 10),
      designed('checkChar1', 'CarattereControllo1', 1, /^[A-Z]$/, 'one letter A–Z'),
      designed('checkChar2', 'CarattereControllo2', 1, /^[A-Z]$/, 'one letter A–Z'),
      designed('pin', 'PIN', 50),
    ],
  },
  xml2: {
    kind: 'xml2',
    fileType: 'R',
    root: 'xml2',
    record: 'ValidazioneFormale',
    namespace: 'http://www.olo.it/ValidazioneFormale',
    idAttribute: 'CodiceOrdineRecipient',
    wrapper: 'Parametri',
    fields: ANSWER_FIELDS,
  },
  xml3: {
    kind: 'xml3',
    fileType: 'R',
    root: 'xml3',
    record: 'ValidationResponse',
    namespace: 'http://www.olo.it/ValidationResponse',
    idAttribute: 'CodiceOrdineRecipient',
    wrapper: 'Parametri',
    fields: ANSWER_FIELDS,
  },
} satisfies Record<FileKind, RecordLayout>);

/** italy.md §9.1/§12: at most 100 records per file. */
export const DEFAULT_MAX_RECORDS = 100;
/** a full xml1 file is well under 200 kB; refuse anything far beyond before parsing */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Wire values (italy.md §13.2: not public; a design, configurable per partner)

export type DateFormat = 'YYYY/MM/DD' | 'YYYY-MM-DD' | 'YYYYMMDD' | 'DD/MM/YYYY';

export interface WireValues {
  /** `TipoComunicazione` per procedure and communication; all values distinct */
  communicationType: Readonly<Record<Procedure, Readonly<Record<CommunicationType, string>>>>;
  /** `StatoRichiesta` */
  requestStatus: Readonly<{ OK: string; KO: string }>;
  /** `CausaleRifiuto` / `CodiceMotivoRifiuto` written for a category when the message has none */
  rejection: Readonly<Record<KoCategory, Readonly<{ cause: string; reasonCode: string }>>>;
  /** `DataInvioRichiesta` and `DAC` (the public example shows `AAAA/MM/GG`) */
  dateFormat: DateFormat;
}

export const DEFAULT_WIRE_VALUES: Readonly<WireValues> = Object.freeze({
  // the public xml1 example carries 1 for a request
  communicationType: {
    migrazione: { RICHIESTA: '1', ANNULLAMENTO: '3', RIMODULAZIONE: '5' },
    attivazione: { RICHIESTA: '2', ANNULLAMENTO: '4', RIMODULAZIONE: '6' },
  },
  // by analogy with the FTTH N12 ESITO (0 = OK, 1 = KO)
  requestStatus: { OK: '0', KO: '1' },
  rejection: {
    FORMATO: { cause: '1', reasonCode: 'E01' },
    CODICE_SEGRETO: { cause: '2', reasonCode: 'E02' },
    RISORSA: { cause: '3', reasonCode: 'E03' },
    NUMERAZIONI: { cause: '4', reasonCode: 'E04' },
    DUPLICATO: { cause: '5', reasonCode: 'E05' },
    ALTRO: { cause: '9', reasonCode: 'E99' },
  },
  dateFormat: 'YYYY/MM/DD',
});

/** Problems of a wire-value configuration (empty if usable). */
export function validateWireValues(v: WireValues): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const p of PROCEDURES) {
    for (const t of ['RICHIESTA', 'ANNULLAMENTO', 'RIMODULAZIONE'] as const) {
      const value = v.communicationType[p]?.[t];
      const name = `communicationType.${p}.${t}`;
      if (value === undefined || !INT.test(value)) errors.push(`${name}: must be an integer string, got ${JSON.stringify(value)}`);
      else if (seen.has(value)) errors.push(`${name}: ${value} is already used by ${seen.get(value)}`);
      else seen.set(value, name);
    }
  }
  if (v.requestStatus.OK === v.requestStatus.KO) errors.push(`requestStatus: OK and KO must differ (both ${v.requestStatus.OK})`);
  for (const c of KO_CATEGORIES) {
    if (!v.rejection[c]) errors.push(`rejection.${c}: missing`);
  }
  return errors;
}

function formatDate(d: IsoDate, f: DateFormat): string {
  const [y, m, day] = d.split('-');
  switch (f) {
    case 'YYYY/MM/DD':
      return `${y}/${m}/${day}`;
    case 'YYYY-MM-DD':
      return d;
    case 'YYYYMMDD':
      return `${y}${m}${day}`;
    case 'DD/MM/YYYY':
      return `${day}/${m}/${y}`;
  }
}

const DATE_PATTERNS: Record<DateFormat, RegExp> = {
  'YYYY/MM/DD': /^(\d{4})\/(\d{2})\/(\d{2})$/,
  'YYYY-MM-DD': /^(\d{4})-(\d{2})-(\d{2})$/,
  YYYYMMDD: /^(\d{4})(\d{2})(\d{2})$/,
  'DD/MM/YYYY': /^(\d{2})\/(\d{2})\/(\d{4})$/,
};

function parseDate(s: string, f: DateFormat): IsoDate | undefined {
  const m = DATE_PATTERNS[f].exec(s);
  if (!m) return undefined;
  const iso = f === 'DD/MM/YYYY' ? `${m[3]}-${m[2]}-${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** Our category of a received refusal: by `CodiceMotivoRifiuto`, then `CausaleRifiuto`, else ALTRO. */
export function classifyRejection(v: WireValues, cause?: string, reasonCode?: string): KoCategory {
  if (reasonCode !== undefined) {
    for (const c of KO_CATEGORIES) if (v.rejection[c].reasonCode === reasonCode) return c;
  }
  if (cause !== undefined) {
    for (const c of KO_CATEGORIES) if (v.rejection[c].cause === cause) return c;
  }
  return 'ALTRO';
}

// ---------------------------------------------------------------------------------------------
// Issues

/** An issue located in a file: which record (0-based) and which element. */
export interface FileIssue extends Issue {
  file?: string;
  record?: number;
  element?: string;
}

export type Mode = 'send' | 'receive';

// ---------------------------------------------------------------------------------------------
// Flat records: our keys → string values, one per record

export interface FlatRecord {
  /** the record attribute `CodiceOrdineRecipient` */
  id: string;
  values: Map<string, string>;
}

/** Characters XML 1.0 cannot carry, not even escaped (C0 controls but TAB/LF/CR, U+FFFE, U+FFFF). */
function hasNonXmlChar(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff) return true;
  }
  return false;
}

function recordPath(layout: RecordLayout, i: number, element?: string): string {
  return `/${layout.root}/${layout.record}/${i}${element ? `/${layout.wrapper}/${element}` : ''}`;
}

/** Field-level checks of flat records against the table: errors when sending, warnings when receiving. */
function checkValues(layout: RecordLayout, rec: FlatRecord, i: number, mode: Mode, file: string | undefined): FileIssue[] {
  const out: FileIssue[] = [];
  const severity = mode === 'send' ? 'error' : 'warning';
  for (const f of layout.fields) {
    const v = rec.values.get(f.key);
    if (v === undefined) continue;
    const at = (rule: string, message: string): FileIssue => ({
      path: recordPath(layout, i, f.element),
      rule,
      code: 'SG_AGCOM_FILE_FIELD',
      message: `record ${i + 1}, ${f.element}: ${message}`,
      severity,
      record: i,
      element: f.element,
      ...(file ? { file } : {}),
    });
    if (hasNonXmlChar(v)) out.push(at('xmlChar', 'contains a character XML cannot carry'));
    else if (v.length > f.maxLength) out.push(at('maxLength', `${v.length} characters; at most ${f.maxLength}`));
    else if (f.pattern && !f.pattern.test(v)) out.push(at('pattern', `${JSON.stringify(v)} is not ${f.patternText ?? `of the form ${f.pattern.source}`}`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Domain ↔ flat records

export interface WireOptions {
  values?: WireValues;
  /** write only documented elements (partners that validate against the XSD copies) */
  strictLayout?: boolean;
}

function put(values: Map<string, string>, key: string, v: string | undefined): void {
  if (v !== undefined && v !== '') values.set(key, v);
}

function flattenRecipientMessage(m: RecipientMessage, v: WireValues): FlatRecord {
  const values = new Map<string, string>();
  put(values, 'communicationType', v.communicationType[m.procedure][m.type]);
  put(values, 'sentDate', formatDate(m.sentDate, v.dateFormat));
  put(values, 'recipient', m.recipient);
  put(values, 'orderId', m.orderId);
  put(values, 'notes', m.notes);
  if (m.type === 'RICHIESTA') {
    put(values, 'secret', m.secret);
    m.resources.slice(0, 2).forEach((r, i) => {
      put(values, `cor${i + 1}`, r.cor);
      put(values, `cos${i + 1}`, r.cos);
      put(values, `checkChar${i + 1}`, r.checkChar);
    });
    put(values, 'firstName', m.customer.firstName);
    put(values, 'lastNameOrCompany', m.customer.lastNameOrCompany);
    put(values, 'taxCode', m.customer.taxCode);
    put(values, 'correlationId', m.correlationId);
    put(values, 'totalRequests', m.totalRequests);
    m.numbers.slice(0, 10).forEach((n, i) => put(values, `dn${i + 1}`, n));
    if (m.dac !== undefined) put(values, 'dac', formatDate(m.dac, v.dateFormat));
    put(values, 'pin', m.pin);
  } else if (m.type === 'RIMODULAZIONE') {
    put(values, 'dac', formatDate(m.dac, v.dateFormat));
  }
  return { id: m.orderId, values };
}

function flattenAnswer(m: FormalValidation | ManagerialValidation, v: WireValues): FlatRecord {
  const values = new Map<string, string>();
  put(values, 'communicationType', v.communicationType[m.procedure][m.answers]);
  put(values, 'recipient', m.recipient);
  put(values, 'orderId', m.orderId);
  put(values, 'secret', m.secret);
  put(values, 'cor1', m.resources?.[0]?.cor);
  put(values, 'cor2', m.resources?.[1]?.cor);
  put(values, 'cos2', m.resources?.[1]?.cos);
  put(values, 'status', v.requestStatus[m.result]);
  if (m.result === 'KO' && m.rejection) {
    const defaults = v.rejection[m.rejection.category];
    put(values, 'cause', m.rejection.cause ?? defaults.cause);
    put(values, 'reasonCode', m.rejection.reasonCode ?? defaults.reasonCode);
    put(values, 'reasonText', m.rejection.text);
    if (m.rejection.wrongNumbers?.length) put(values, 'wrongNumbers', m.rejection.wrongNumbers.join(','));
  }
  if (m.type === 'VALIDAZIONE_GESTIONALE') put(values, 'sessionCode', m.sessionCode);
  return { id: m.orderId, values };
}

/** What the file itself says about the parties (upload parameters / file name). */
export interface FileParties {
  sender: OperatorCode;
  receiver: OperatorCode;
}

type Read<T> = { ok: true; message: T; issues: FileIssue[] } | { ok: false; issues: FileIssue[] };

interface ReadContext {
  layout: RecordLayout;
  rec: FlatRecord;
  index: number;
  values: WireValues;
  parties: FileParties;
  file?: string;
  mode: Mode;
}

function recordError(c: ReadContext, key: string | null, rule: string, message: string, severity: 'error' | 'warning' = 'error'): FileIssue {
  const f = key ? c.layout.fields.find((x) => x.key === key) : undefined;
  const issue: FileIssue = {
    path: recordPath(c.layout, c.index, f?.element),
    rule,
    code: 'SG_AGCOM_FILE_RECORD',
    message: `record ${c.index + 1}${f ? `, ${f.element}` : ''}: ${message}`,
    severity,
    record: c.index,
  };
  if (f) issue.element = f.element;
  if (c.file) issue.file = c.file;
  return issue;
}

function readCommunicationType(c: ReadContext, issues: FileIssue[]): { procedure: Procedure; type: CommunicationType } | undefined {
  const raw = c.rec.values.get('communicationType');
  if (raw === undefined) {
    issues.push(recordError(c, 'communicationType', 'required', 'is required'));
    return undefined;
  }
  for (const procedure of PROCEDURES) {
    for (const [type, value] of Object.entries(c.values.communicationType[procedure]) as [CommunicationType, string][]) {
      if (value === raw) return { procedure, type };
    }
  }
  issues.push(recordError(c, 'communicationType', 'knownValue', `${JSON.stringify(raw)} is not a configured TipoComunicazione`));
  return undefined;
}

function readDate(c: ReadContext, key: string, issues: FileIssue[], required: boolean): IsoDate | undefined {
  const raw = c.rec.values.get(key);
  if (raw === undefined) {
    if (required) issues.push(recordError(c, key, 'required', 'is required'));
    return undefined;
  }
  const d = parseDate(raw, c.values.dateFormat);
  if (d === undefined) issues.push(recordError(c, key, 'date', `${JSON.stringify(raw)} is not a date ${c.values.dateFormat}`));
  return d;
}

/** Common header of every record; `recipientIs` names the file party that must be the Recipient. */
function readHeader(c: ReadContext, recipientIs: keyof FileParties, issues: FileIssue[]): { recipient: string; orderId: string } | undefined {
  const orderId = c.rec.values.get('orderId') ?? c.rec.id;
  if (c.rec.values.has('orderId') && c.rec.id !== '' && c.rec.id !== orderId) {
    issues.push(recordError(c, 'orderId', 'matchesAttribute', `${orderId} differs from the record attribute ${c.layout.idAttribute}=${c.rec.id}`));
  }
  let recipient = c.rec.values.get('recipient');
  if (recipient === undefined) {
    issues.push(recordError(c, 'recipient', 'required', 'is required'));
    recipient = c.parties[recipientIs];
  } else if (recipient !== c.parties[recipientIs]) {
    issues.push(recordError(c, 'recipient', 'matchesFile', `${recipient} is not the file's ${recipientIs} ${c.parties[recipientIs]}`));
  }
  return orderId === '' ? undefined : { recipient, orderId };
}

function readRecipientMessage(c: ReadContext): Read<RecipientMessage> {
  const issues: FileIssue[] = [];
  const v = c.rec.values;
  const ct = readCommunicationType(c, issues);
  const head = readHeader(c, 'sender', issues);
  const sentDate = readDate(c, 'sentDate', issues, true);
  if (!ct || !head || sentDate === undefined || issues.some((i) => i.severity === 'error')) return { ok: false, issues };
  const base = { recipient: head.recipient, donating: c.parties.receiver, sender: c.parties.sender, orderId: head.orderId, procedure: ct.procedure, sentDate };
  const notes = v.get('notes');

  if (ct.type === 'ANNULLAMENTO') {
    const m: Cancellation = { type: 'ANNULLAMENTO', ...base };
    if (notes !== undefined) m.notes = notes;
    return { ok: true, message: m, issues };
  }
  if (ct.type === 'RIMODULAZIONE') {
    const dac = readDate(c, 'dac', issues, true);
    if (dac === undefined) return { ok: false, issues };
    const m: Reschedule = { type: 'RIMODULAZIONE', ...base, dac };
    if (notes !== undefined) m.notes = notes;
    return { ok: true, message: m, issues };
  }
  // Missing code parts or names are left empty: the formal validation answers them with a KO.
  const slot = (n: 1 | 2): ResourceCode | undefined => {
    const cor = v.get(`cor${n}`);
    const cos = v.get(`cos${n}`);
    const checkChar = v.get(`checkChar${n}`);
    if (cor === undefined && cos === undefined && checkChar === undefined) return undefined;
    const r: ResourceCode = { cor: cor ?? '' };
    if (cos !== undefined) r.cos = cos;
    if (checkChar !== undefined) r.checkChar = checkChar;
    return r;
  };
  const first = slot(1);
  const second = slot(2);
  const resources: ResourceCode[] = [];
  // a second pair without a first keeps its place: the first is reported empty, not replaced
  if (first || second) resources.push(first ?? { cor: '' });
  if (second) resources.push(second);
  const m: MigrationRequest = {
    type: 'RICHIESTA',
    ...base,
    secret: v.get('secret') ?? '',
    resources,
    customer: { lastNameOrCompany: v.get('lastNameOrCompany') ?? '' },
    numbers: [],
  };
  const firstName = v.get('firstName');
  if (firstName !== undefined) m.customer.firstName = firstName;
  const taxCode = v.get('taxCode');
  if (taxCode !== undefined) m.customer.taxCode = taxCode;
  for (let n = 1; n <= 10; n++) {
    const dn = v.get(`dn${n}`);
    if (dn !== undefined) m.numbers.push(dn);
  }
  if (v.has('dac')) {
    const dac = readDate(c, 'dac', issues, false);
    if (dac === undefined) return { ok: false, issues };
    m.dac = dac;
  }
  const optional = [
    ['pin', 'pin'],
    ['correlationId', 'correlationId'],
    ['totalRequests', 'totalRequests'],
    ['notes', 'notes'],
  ] as const;
  for (const [key, prop] of optional) {
    const x = v.get(key);
    if (x !== undefined) m[prop] = x;
  }
  return { ok: true, message: m, issues };
}

function readAnswer(c: ReadContext): Read<FormalValidation | ManagerialValidation> {
  const issues: FileIssue[] = [];
  const v = c.rec.values;
  const ct = readCommunicationType(c, issues);
  const head = readHeader(c, 'receiver', issues);
  const status = v.get('status');
  let result: 'OK' | 'KO' | undefined;
  if (status === undefined) issues.push(recordError(c, 'status', 'required', 'is required'));
  else if (status === c.values.requestStatus.OK) result = 'OK';
  else if (status === c.values.requestStatus.KO) result = 'KO';
  else issues.push(recordError(c, 'status', 'knownValue', `${JSON.stringify(status)} is not a configured StatoRichiesta (OK ${c.values.requestStatus.OK}, KO ${c.values.requestStatus.KO})`));
  if (ct && c.layout.kind === 'xml3' && ct.type !== 'RICHIESTA') {
    issues.push(recordError(c, 'communicationType', 'answersRequest', `a managerial validation answers a request, not a ${ct.type}`));
  }
  if (!ct || !head || !result || issues.some((i) => i.severity === 'error')) return { ok: false, issues };

  const base = { recipient: head.recipient, donating: c.parties.sender, sender: c.parties.sender, orderId: head.orderId, procedure: ct.procedure, result };
  const resources: ResourceCode[] = [];
  const cor1 = v.get('cor1');
  const cor2 = v.get('cor2');
  if (cor1 !== undefined) resources.push({ cor: cor1 });
  if (cor2 !== undefined) {
    const r: ResourceCode = { cor: cor2 };
    const cos2 = v.get('cos2');
    if (cos2 !== undefined) r.cos = cos2;
    resources.push(r);
  }
  let rejection: Rejection | undefined;
  if (result === 'KO') {
    const cause = v.get('cause');
    const reasonCode = v.get('reasonCode');
    rejection = { category: classifyRejection(c.values, cause, reasonCode) };
    if (cause !== undefined) rejection.cause = cause;
    if (reasonCode !== undefined) rejection.reasonCode = reasonCode;
    const text = v.get('reasonText');
    if (text !== undefined) rejection.text = text;
    const wrong = v.get('wrongNumbers');
    if (wrong !== undefined) rejection.wrongNumbers = wrong.split(/[\s,;]+/).filter((x) => x !== '');
  }
  const extras = (m: FormalValidation | ManagerialValidation) => {
    const secret = v.get('secret');
    if (secret !== undefined) m.secret = secret;
    if (resources.length > 0) m.resources = resources;
    if (rejection) m.rejection = rejection;
    return m;
  };
  if (c.layout.kind === 'xml2') {
    return { ok: true, message: extras({ type: 'VALIDAZIONE_FORMALE', answers: ct.type, ...base }), issues };
  }
  const m: ManagerialValidation = { type: 'VALIDAZIONE_GESTIONALE', answers: 'RICHIESTA', ...base };
  const sessionCode = v.get('sessionCode');
  if (sessionCode !== undefined) m.sessionCode = sessionCode;
  if (result === 'OK' && sessionCode === undefined) {
    issues.push(recordError(c, 'sessionCode', 'required', 'a managerial OK carries the CodiceSessione', c.mode === 'send' ? 'error' : 'warning'));
  }
  return { ok: true, message: extras(m), issues };
}

// ---------------------------------------------------------------------------------------------
// XML ⇄ flat records

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
  processEntities: true,
});

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function buildXml(layout: RecordLayout, records: FlatRecord[], strictLayout: boolean, namespaces: boolean): string {
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

function fileIssue(rule: string, code: string, message: string, file?: string, path = '/'): FileIssue {
  return { path, rule, code, message, severity: 'error', ...(file ? { file } : {}) };
}

function encode(layout: RecordLayout, records: FlatRecord[], opts: EncodeOptions, domainIssues: FileIssue[]): EncodeResult {
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
function slotIssues(layout: RecordLayout, m: RecipientMessage, i: number, file?: string): FileIssue[] {
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

function parseXml(xml: string | Uint8Array, maxBytes?: number, file?: string): { ok: true; root: XNode } | { ok: false; issue: FileIssue } {
  const guarded = guardXml(xml, { maxBytes: maxBytes ?? DEFAULT_MAX_FILE_BYTES, maxDepth: 16 });
  if (!guarded.ok) return { ok: false, issue: { ...guarded.issue, code: 'SG_AGCOM_FILE_XML', ...(file ? { file } : {}) } };
  try {
    return { ok: true, root: parseTree(guarded.text) };
  } catch (e) {
    const message = e instanceof XmlTreeError ? e.message : 'not well-formed XML';
    return { ok: false, issue: fileIssue('wellFormed', 'SG_AGCOM_FILE_XML', message, file) };
  }
}

function flatten(layout: RecordLayout, node: XNode, index: number, mode: Mode, file: string | undefined): { rec?: FlatRecord; issues: FileIssue[] } {
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

function decode<T>(kind: FileKind, xml: string | Uint8Array, opts: DecodeOptions, read: (c: ReadContext) => Read<T>): DecodeResult<T> {
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
// File names (italy.md §9.2): `<TipoFile>_<op>_<op>_<AAAAMMGG>_<progressivo>.xml`

/**
 * Which operator comes first, per partner: the public example puts the sender first, a commented
 * line of the same code builds `N_<OpDonating>_<OpRecipient>_…` (§14).
 */
export type OperatorOrder = 'sender-first' | 'receiver-first' | 'donating-first' | 'recipient-first';

export interface FileNaming {
  order: OperatorOrder;
  /** digits of the progressive number, zero-padded */
  progressiveWidth: number;
}

export const DEFAULT_FILE_NAMING: Readonly<FileNaming> = Object.freeze({ order: 'sender-first', progressiveWidth: 5 });

export interface FileName {
  fileType: FileType;
  sender: OperatorCode;
  receiver: OperatorCode;
  /** the date in the name */
  date: IsoDate;
  progressive: number;
}

/** true when the sender's code comes first for this file type. */
function senderFirst(fileType: FileType, order: OperatorOrder): boolean {
  switch (order) {
    case 'sender-first':
      return true;
    case 'receiver-first':
      return false;
    // N files are sent by the Recipient, R files by the Donating
    case 'donating-first':
      return fileType === 'R';
    case 'recipient-first':
      return fileType === 'N';
  }
}

export function buildFileName(f: FileName, naming: FileNaming = DEFAULT_FILE_NAMING): string {
  if (!ALNUM3.test(f.sender) || !ALNUM3.test(f.receiver)) throw new RangeError(`operator codes must be 3 characters A–Z 0–9: ${f.sender}, ${f.receiver}`);
  const limit = 10 ** naming.progressiveWidth;
  if (!Number.isInteger(f.progressive) || f.progressive < 1 || f.progressive >= limit) {
    throw new RangeError(`progressive ${f.progressive} does not fit ${naming.progressiveWidth} digits`);
  }
  const [a, b] = senderFirst(f.fileType, naming.order) ? [f.sender, f.receiver] : [f.receiver, f.sender];
  return `${f.fileType}_${a}_${b}_${f.date.replaceAll('-', '')}_${String(f.progressive).padStart(naming.progressiveWidth, '0')}.xml`;
}

export type ParsedFileName = { ok: true; name: FileName } | { ok: false; issue: FileIssue };

export function parseFileName(raw: string, naming: FileNaming = DEFAULT_FILE_NAMING): ParsedFileName {
  const name = raw.trim();
  const bad = (rule: string, message: string): ParsedFileName => ({
    ok: false,
    issue: { path: '/FileName', rule, code: 'SG_AGCOM_FILE_NAME', message: `file name ${JSON.stringify(name)}: ${message}`, severity: 'error', file: name },
  });
  const m = /^([A-Z])_([A-Z0-9]{3})_([A-Z0-9]{3})_(\d{8})_(\d+)\.xml$/.exec(name);
  if (!m) return bad('pattern', `expected <TipoFile>_<op>_<op>_<AAAAMMGG>_<${'n'.repeat(naming.progressiveWidth)}>.xml`);
  const [, type, a, b, ymd, prog] = m;
  if (type !== 'N' && type !== 'R') return bad('fileType', `TipoFile ${type} is neither N nor R`);
  const date = `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
  try {
    toEpochDay(date);
  } catch {
    return bad('date', `${ymd} is not a date AAAAMMGG`);
  }
  if (prog.length !== naming.progressiveWidth) return bad('progressiveWidth', `the progressive ${prog} must have ${naming.progressiveWidth} digits`);
  const progressive = Number(prog);
  if (progressive < 1) return bad('progressive', 'the progressive starts at 1');
  const fileType: FileType = type;
  const [sender, receiver] = senderFirst(fileType, naming.order) ? [a, b] : [b, a];
  return { ok: true, name: { fileType, sender, receiver, date, progressive } };
}

// ---------------------------------------------------------------------------------------------
// Upload parameters and the synchronous Reply (italy.md §9.2)

export const REPLY_CODES = Object.freeze({
  '00': 'File trasferito correttamente',
  '01': 'Nome file non valido',
  '02': 'Nome OPERATORE mittente non valido',
  '03': 'Tipo file non valido',
  '04': 'File non presente',
  '05': 'File non valido',
  '06': 'Generico (ad es. errore sistema)',
} as const);
export type ReplyCode = keyof typeof REPLY_CODES;

export const REPLY_MEANINGS: Readonly<Record<ReplyCode, string>> = Object.freeze({
  '00': 'transferred correctly',
  '01': 'invalid file name',
  '02': 'invalid sender operator',
  '03': 'invalid file type',
  '04': 'file missing',
  '05': 'invalid file',
  '06': 'generic, e.g. system error',
});

export const REPLY_ERROR_CLASS = 'GNP';

/** The form parameters of an upload, as posted (every value may be missing). */
export interface UploadParams {
  Operatore?: string;
  TipoFile?: string;
  FileName?: string;
}

/** The parameters for sending `name` (the outbound client posts them with the file). */
export function uploadParams(name: FileName, naming: FileNaming = DEFAULT_FILE_NAMING): Required<UploadParams> {
  return { Operatore: name.sender, TipoFile: name.fileType, FileName: buildFileName(name, naming) };
}

export interface UploadContext extends WireOptions {
  /** this gateway's operator code: the receiver of every upload */
  self: OperatorCode;
  /** the partner's file naming, or undefined when the operator is not a partner */
  partner: (operator: OperatorCode) => { naming: FileNaming } | undefined;
  maxRecords?: number;
  maxBytes?: number;
}

export type DecodedUpload =
  | { kind: 'xml1'; records: DecodedRecord<RecipientMessage>[] }
  | { kind: 'xml2'; records: DecodedRecord<FormalValidation>[] }
  | { kind: 'xml3'; records: DecodedRecord<ManagerialValidation>[] };

export interface UploadResult {
  code: ReplyCode;
  description: string;
  /** why the file was refused; with 00 only warnings about the whole file */
  issues: FileIssue[];
  /** set once the file name is valid */
  name?: FileName;
  /** set with code 00 */
  decoded?: DecodedUpload;
}

/**
 * Everything the receiving servlet checks before it answers the upload, in the order of the reply
 * codes' meaning: sender (02), name (01), type (03), presence (04), content (05). Record-level
 * problems do not fail the file: they come back per record, to be answered with a KO.
 */
export function checkUpload(params: UploadParams, content: string | Uint8Array | undefined, ctx: UploadContext): UploadResult {
  const result = (code: ReplyCode, issues: FileIssue[], extra: Partial<UploadResult> = {}): UploadResult => ({ code, description: REPLY_CODES[code], issues, ...extra });
  const p = (path: string, rule: string, code: string, message: string): FileIssue => ({ path, rule, code, message, severity: 'error' });

  const operator = params.Operatore?.trim() ?? '';
  const partner = ALNUM3.test(operator) ? ctx.partner(operator) : undefined;
  if (!partner) {
    const why = operator === '' ? 'is missing' : !ALNUM3.test(operator) ? `${JSON.stringify(operator)} is not 3 characters A–Z 0–9` : `${operator} is not a configured partner`;
    return result('02', [p('/Operatore', 'knownPartner', 'SG_AGCOM_UPLOAD_OPERATOR', `Operatore ${why}`)]);
  }

  const parsed = parseFileName(params.FileName ?? '', partner.naming);
  if (!parsed.ok) return result('01', [parsed.issue]);
  const name = parsed.name;
  const file = buildFileName(name, partner.naming);
  if (name.receiver !== ctx.self) {
    return result('01', [p('/FileName', 'receiverIsSelf', 'SG_AGCOM_FILE_NAME', `file name ${file}: it is addressed to ${name.receiver}, this gateway is ${ctx.self}`)]);
  }
  if (name.sender !== operator) {
    return result('02', [p('/Operatore', 'matchesFileName', 'SG_AGCOM_UPLOAD_OPERATOR', `Operatore ${operator} is not the sender ${name.sender} named in ${file}`)], { name });
  }

  const type = params.TipoFile?.trim() ?? '';
  if (type !== 'N' && type !== 'R') {
    return result('03', [p('/TipoFile', 'enum', 'SG_AGCOM_UPLOAD_TYPE', `TipoFile ${type === '' ? 'is missing' : JSON.stringify(type)}: expected N (requests) or R (responses)`)], { name });
  }
  if (type !== name.fileType) {
    return result('03', [p('/TipoFile', 'matchesFileName', 'SG_AGCOM_UPLOAD_TYPE', `TipoFile ${type} differs from the file name's ${name.fileType}`)], { name });
  }

  const size = content === undefined ? 0 : typeof content === 'string' ? content.trim().length : content.byteLength;
  if (size === 0) return result('04', [p('/file', 'required', 'SG_AGCOM_UPLOAD_MISSING', `no content for ${file}`)], { name });

  const kind = detectFileKind(content as string | Uint8Array, { maxBytes: ctx.maxBytes ?? DEFAULT_MAX_FILE_BYTES });
  const expectedKinds: FileKind[] = type === 'N' ? ['xml1'] : ['xml2', 'xml3'];
  if (kind === undefined || !expectedKinds.includes(kind)) {
    // decode the expected kind to say precisely what is wrong
    const first = expectedKinds[0];
    const diag = decode(first, content as string | Uint8Array, { parties: { sender: name.sender, receiver: name.receiver }, maxBytes: ctx.maxBytes, file }, () => ({ ok: false, issues: [] }));
    const issues = !diag.ok
      ? diag.issues
      : [fileIssue('root', 'SG_AGCOM_FILE_ROOT', `a TipoFile ${type} file is ${expectedKinds.map((k) => FILE_LAYOUTS[k].root).join(' or ')}`, file)];
    return result('05', issues, { name });
  }
  const opts: DecodeOptions = { parties: { sender: name.sender, receiver: name.receiver }, file, values: ctx.values, maxRecords: ctx.maxRecords, maxBytes: ctx.maxBytes };
  const body = content as string | Uint8Array;
  let decoded: DecodedUpload;
  let warnings: FileIssue[];
  if (kind === 'xml1') {
    const r = decodeXml1(body, opts);
    if (!r.ok) return result('05', r.issues, { name });
    [decoded, warnings] = [{ kind, records: r.records }, r.warnings];
  } else if (kind === 'xml2') {
    const r = decodeXml2(body, opts);
    if (!r.ok) return result('05', r.issues, { name });
    [decoded, warnings] = [{ kind, records: r.records }, r.warnings];
  } else {
    const r = decodeXml3(body, opts);
    if (!r.ok) return result('05', r.issues, { name });
    [decoded, warnings] = [{ kind, records: r.records }, r.warnings];
  }
  // 00 carries only the file's warnings; record problems are in `decoded`
  return result('00', warnings, { name, decoded });
}

export interface Reply {
  /** `OPERATOREMittente`: the uploader */
  sender: string;
  fileName: string;
  fileType: string;
  code: ReplyCode;
  /** defaults to the standard text of the code */
  description?: string;
}

/** `Reply{Header{Parametri{…}}, ReturnCode | Error{Classe, Codice, Descrizione}}` */
export function encodeReply(r: Reply): string {
  const outcome = { Classe: REPLY_ERROR_CLASS, Codice: r.code, Descrizione: r.description ?? REPLY_CODES[r.code] };
  const body = {
    Reply: {
      Header: { Parametri: { OPERATOREMittente: r.sender, NomeFile: r.fileName, TipoFile: r.fileType } },
      [r.code === '00' ? 'ReturnCode' : 'Error']: outcome,
    },
  };
  return DECLARATION + builder.build(body);
}

export type DecodedReply = { ok: true; reply: Reply; errorClass: string } | { ok: false; issue: FileIssue };

export function decodeReply(xml: string | Uint8Array): DecodedReply {
  const parsed = parseXml(xml, 64 * 1024);
  if (!parsed.ok) return parsed;
  const root = parsed.root;
  const bad = (message: string): DecodedReply => ({ ok: false, issue: fileIssue('structure', 'SG_AGCOM_REPLY', message) });
  if (root.local !== 'Reply') return bad(`the root element is <${root.local}>, not <Reply>`);
  const child = (n: XNode | undefined, local: string) => n?.children.find((c) => c.local === local);
  const text = (n: XNode | undefined, local: string) => child(n, local)?.text.trim();
  const params = child(child(root, 'Header'), 'Parametri');
  const outcome = child(root, 'ReturnCode') ?? child(root, 'Error');
  if (!outcome) return bad('a Reply has a ReturnCode or an Error');
  const code = text(outcome, 'Codice') ?? '';
  if (!(code in REPLY_CODES)) return bad(`reply code ${JSON.stringify(code)} is not one of 00–06`);
  const reply: Reply = {
    sender: text(params, 'OPERATOREMittente') ?? '',
    fileName: text(params, 'NomeFile') ?? '',
    fileType: text(params, 'TipoFile') ?? '',
    code: code as ReplyCode,
  };
  const description = text(outcome, 'Descrizione');
  if (description !== undefined) reply.description = description;
  return { ok: true, reply, errorClass: text(outcome, 'Classe') ?? '' };
}
