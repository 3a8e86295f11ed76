/** Flat records (our keys → string values) and their translation to and from the domain messages. */
import { type Issue } from '../../../domain/issues.js';
import { type Cancellation, type CommunicationType, type FormalValidation, type IsoDate, type ManagerialValidation, type MigrationRequest, type OperatorCode, PROCEDURES, type Procedure, type RecipientMessage, type Rejection, type Reschedule, type ResourceCode } from '../types.js';
import { type RecordLayout } from './layouts.js';
import { type WireValues, classifyRejection, formatDate, parseDate } from './wire-values.js';

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
export function hasNonXmlChar(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff) return true;
  }
  return false;
}

export function recordPath(layout: RecordLayout, i: number, element?: string): string {
  return `/${layout.root}/${layout.record}/${i}${element ? `/${layout.wrapper}/${element}` : ''}`;
}

/** Field-level checks of flat records against the table: errors when sending, warnings when receiving. */
export function checkValues(layout: RecordLayout, rec: FlatRecord, i: number, mode: Mode, file: string | undefined): FileIssue[] {
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

export function put(values: Map<string, string>, key: string, v: string | undefined): void {
  if (v !== undefined && v !== '') values.set(key, v);
}

export function flattenRecipientMessage(m: RecipientMessage, v: WireValues): FlatRecord {
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

export function flattenAnswer(m: FormalValidation | ManagerialValidation, v: WireValues): FlatRecord {
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

export type Read<T> = { ok: true; message: T; issues: FileIssue[] } | { ok: false; issues: FileIssue[] };

export interface ReadContext {
  layout: RecordLayout;
  rec: FlatRecord;
  index: number;
  values: WireValues;
  parties: FileParties;
  file?: string;
  mode: Mode;
}

export function recordError(c: ReadContext, key: string | null, rule: string, message: string, severity: 'error' | 'warning' = 'error'): FileIssue {
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

export function readCommunicationType(c: ReadContext, issues: FileIssue[]): { procedure: Procedure; type: CommunicationType } | undefined {
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

export function readDate(c: ReadContext, key: string, issues: FileIssue[], required: boolean): IsoDate | undefined {
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
export function readHeader(c: ReadContext, recipientIs: keyof FileParties, issues: FileIssue[]): { recipient: string; orderId: string } | undefined {
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

export function readRecipientMessage(c: ReadContext): Read<RecipientMessage> {
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

export function readAnswer(c: ReadContext): Read<FormalValidation | ManagerialValidation> {
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
