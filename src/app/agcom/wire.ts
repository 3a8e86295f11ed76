/**
 * The three ways a Fase 2 file travels between gateways (italy.md §9.2), around ONE record codec
 * (protocols/agcom/files.ts) and ONE receiving check (`checkUpload`):
 *
 * - `agcom-file`: the operators' upload servlet. `POST /agcom/v1/upload` with the parameters
 *   `Operatore`, `TipoFile`, `FileName` either as multipart/form-data fields next to the file part,
 *   or in the query string with the XML file as the body. Answered with the XML `Reply`.
 * - `agcom-json`: the same upload as JSON: the parameters plus the file's records as objects
 *   (element name → text), `{ "Operatore", "TipoFile", "FileName", "File": { "xml1": { "Request":
 *   [ { "CodiceOrdineRecipient": "…", "Parametri": { "TipoComunicazione": "1", … } } ] } } }`,
 *   answered `{ "Reply": { "OPERATOREMittente", "NomeFile", "TipoFile", "Codice", "Descrizione", "Classe" } }`.
 *   The gateway turns the records into the file's XML and checks that, so every rule applies alike.
 * - `agcom-soap`: SOAP 1.1 document/literal `caricaFile{Operatore, TipoFile, FileName, File
 *   (base64Binary)}` answered by `caricaFileResponse{OPERATOREMittente, NomeFile, TipoFile, Codice,
 *   Descrizione, Classe}` (wsdl/agcom.wsdl, schemas/agcom/agcom-soap.xsd).
 *
 * Pure functions: no I/O.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { Issue } from '../../domain/issues.js';
import { FILE_LAYOUTS, REPLY_CODES, REPLY_ERROR_CLASS, type FileKind, type Reply, type ReplyCode, type UploadParams } from '../../protocols/agcom/files.js';
import { guardXml } from '../../protocols/wbci/xml-guard.js';
import { parseTree, XmlTreeError, type XNode } from '../../protocols/wbci/xml-tree.js';

export const AGCOM_SOAP_NS = 'http://switchgate.dev/agcom/v1';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP_ACTION = 'caricaFile';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', suppressEmptyNode: false, processEntities: true });

const child = (n: XNode | undefined, local: string) => n?.children.find((c) => c.local === local);
const text = (n: XNode | undefined, local: string) => child(n, local)?.text.trim();

// ---------------------------------------------------------------------------------------------
// Raw record slices: what each message stores as its wire form

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The text of each record of a file, in document order (records never nest). A message keeps its
 * own record as raw wire form, headed by the file it travelled in.
 */
export function recordSlices(xml: string, kind: FileKind): string[] {
  const rec = escapeRe(FILE_LAYOUTS[kind].record);
  const re = new RegExp(`<(?:[\\w.-]+:)?${rec}(?=[\\s/>])[\\s\\S]*?(?:/>|</(?:[\\w.-]+:)?${rec}\\s*>)`, 'g');
  return xml.match(re) ?? [];
}

export const rawOfRecord = (fileName: string, index: number, total: number, slice: string | undefined): string =>
  `<!-- ${fileName} record ${index + 1} of ${total} -->\n${slice ?? ''}`;

// ---------------------------------------------------------------------------------------------
// Reply in the three forms

export function replyOf(params: UploadParams, code: ReplyCode, description?: string): Reply {
  return { sender: params.Operatore ?? '', fileName: params.FileName ?? '', fileType: params.TipoFile ?? '', code, description: description ?? REPLY_CODES[code] };
}

export interface JsonReply {
  Reply: { OPERATOREMittente: string; NomeFile: string; TipoFile: string; Codice: ReplyCode; Descrizione: string; Classe: string };
}

export const encodeJsonReply = (r: Reply): JsonReply => ({
  Reply: { OPERATOREMittente: r.sender, NomeFile: r.fileName, TipoFile: r.fileType, Codice: r.code, Descrizione: r.description ?? REPLY_CODES[r.code], Classe: REPLY_ERROR_CLASS },
});

export function decodeJsonReply(body: unknown): Reply | undefined {
  const r = (body as { Reply?: Record<string, unknown> } | null)?.Reply;
  if (!r || typeof r !== 'object') return undefined;
  const code = r.Codice;
  if (typeof code !== 'string' || !(code in REPLY_CODES)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { sender: str(r.OPERATOREMittente), fileName: str(r.NomeFile), fileType: str(r.TipoFile), code: code as ReplyCode, description: str(r.Descrizione) };
}

// ---------------------------------------------------------------------------------------------
// JSON variant

export interface JsonUpload {
  Operatore: string;
  TipoFile: string;
  FileName: string;
  File: Record<string, Record<string, { [attribute: string]: unknown; Parametri?: Record<string, unknown> }[]>>;
}

/** Our own file as the JSON variant's `File` object. */
export function fileToJson(xml: string): JsonUpload['File'] {
  const root = parseTree(xml);
  const kind = (Object.keys(FILE_LAYOUTS) as FileKind[]).find((k) => FILE_LAYOUTS[k].root === root.local)!;
  const layout = FILE_LAYOUTS[kind];
  const records = root.children
    .filter((r) => r.local === layout.record)
    .map((r) => {
      const params = child(r, layout.wrapper);
      return {
        [layout.idAttribute]: r.attrs?.[layout.idAttribute] ?? '',
        [layout.wrapper]: Object.fromEntries((params?.children ?? []).map((c) => [c.local, c.text])),
      };
    });
  return { [layout.root]: { [layout.record]: records } };
}

export type JsonToFile = { ok: true; params: UploadParams; xml: string | undefined } | { ok: false; params: UploadParams; issues: Issue[] };

const issue = (path: string, rule: string, message: string): Issue => ({ path, rule, code: 'SG_AGCOM_JSON', message, severity: 'error' });

/**
 * The JSON variant's body → upload parameters and the file's XML. Structure problems are
 * answered as Reply 05 by the caller; a missing `File` is a missing file (04).
 */
export function jsonToFile(body: unknown): JsonToFile {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const params: UploadParams = {};
  for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) {
    const v = str(b[k]);
    if (v !== undefined) params[k] = v;
  }
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return { ok: false, params, issues: [issue('', 'type', 'the body must be a JSON object')] };
  const unknown = Object.keys(b).filter((k) => !['Operatore', 'TipoFile', 'FileName', 'File'].includes(k));
  if (unknown.length) return { ok: false, params, issues: [issue(`/${unknown[0]}`, 'additionalProperties', 'is not a known field')] };
  if (b.File === undefined || b.File === null) return { ok: true, params, xml: undefined };
  const file = b.File as Record<string, unknown>;
  if (typeof file !== 'object' || Array.isArray(file)) return { ok: false, params, issues: [issue('/File', 'type', 'must be an object holding one of xml1, xml2, xml3')] };
  const roots = Object.keys(file);
  const layout = Object.values(FILE_LAYOUTS).find((l) => l.root === roots[0]);
  if (roots.length !== 1 || !layout) return { ok: false, params, issues: [issue('/File', 'oneOf', 'must hold exactly one of xml1, xml2, xml3')] };
  const holder = file[layout.root] as Record<string, unknown> | null;
  const records = holder && typeof holder === 'object' ? holder[layout.record] : undefined;
  if (!Array.isArray(records) || Object.keys(holder!).length !== 1) {
    return { ok: false, params, issues: [issue(`/File/${layout.root}`, 'type', `must be { "${layout.record}": [ … ] }`)] };
  }
  const out: Record<string, unknown>[] = [];
  for (const [i, r] of records.entries()) {
    const at = `/File/${layout.root}/${layout.record}/${i}`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) return { ok: false, params, issues: [issue(at, 'type', 'must be an object')] };
    const rec = r as Record<string, unknown>;
    const extra = Object.keys(rec).filter((k) => k !== layout.idAttribute && k !== layout.wrapper);
    if (extra.length) return { ok: false, params, issues: [issue(`${at}/${extra[0]}`, 'additionalProperties', 'is not a known field')] };
    const id = rec[layout.idAttribute];
    if (typeof id !== 'string') return { ok: false, params, issues: [issue(`${at}/${layout.idAttribute}`, 'type', 'must be a string')] };
    const p = rec[layout.wrapper];
    if (!p || typeof p !== 'object' || Array.isArray(p)) return { ok: false, params, issues: [issue(`${at}/${layout.wrapper}`, 'type', 'must be an object of element name → text')] };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k)) return { ok: false, params, issues: [issue(`${at}/${layout.wrapper}/${k}`, 'propertyNames', 'is not an element name')] };
      if (typeof v !== 'string') return { ok: false, params, issues: [issue(`${at}/${layout.wrapper}/${k}`, 'type', 'must be a string')] };
      values[k] = v;
    }
    out.push({ [`@_${layout.idAttribute}`]: id, [layout.wrapper]: values });
  }
  const xml = DECLARATION + builder.build({ [layout.root]: { '@_xmlns': layout.namespace, [layout.record]: out } });
  return { ok: true, params, xml };
}

// ---------------------------------------------------------------------------------------------
// SOAP variant

function soapEnvelope(body: Record<string, unknown>): string {
  return DECLARATION + builder.build({ 'soapenv:Envelope': { '@_xmlns:soapenv': SOAP11_NS, '@_xmlns:ag': AGCOM_SOAP_NS, 'soapenv:Body': body } });
}

export function encodeSoapUpload(params: Required<UploadParams>, file: string): string {
  return soapEnvelope({
    'ag:caricaFile': {
      'ag:Operatore': params.Operatore,
      'ag:TipoFile': params.TipoFile,
      'ag:FileName': params.FileName,
      'ag:File': Buffer.from(file, 'utf8').toString('base64'),
    },
  });
}

export function encodeSoapReply(r: Reply): string {
  return soapEnvelope({
    'ag:caricaFileResponse': {
      'ag:OPERATOREMittente': r.sender,
      'ag:NomeFile': r.fileName,
      'ag:TipoFile': r.fileType,
      'ag:Codice': r.code,
      'ag:Descrizione': r.description ?? REPLY_CODES[r.code],
      'ag:Classe': REPLY_ERROR_CLASS,
    },
  });
}

export function encodeSoapFault(code: 'Client' | 'Server', message: string): string {
  return soapEnvelope({ 'soapenv:Fault': { faultcode: `soapenv:${code}`, faultstring: message } });
}

function soapBody(xml: string | Uint8Array, maxBytes: number): { ok: true; body: XNode } | { ok: false; message: string } {
  const g = guardXml(xml, { maxBytes, maxDepth: 16 });
  if (!g.ok) return { ok: false, message: g.issue.message };
  let root: XNode;
  try {
    root = parseTree(g.text);
  } catch (e) {
    return { ok: false, message: e instanceof XmlTreeError ? e.message : 'not well-formed XML' };
  }
  if (root.local !== 'Envelope' || root.ns !== SOAP11_NS) return { ok: false, message: `the root element is not a SOAP 1.1 Envelope (${root.ns ? `{${root.ns}}` : ''}${root.local})` };
  const body = root.children.find((c) => c.local === 'Body' && c.ns === SOAP11_NS);
  if (!body) return { ok: false, message: 'the Envelope has no Body' };
  return { ok: true, body };
}

export type SoapUpload = { ok: true; params: UploadParams; file: Buffer | undefined } | { ok: false; message: string };

export function decodeSoapUpload(xml: string | Uint8Array, maxBytes: number): SoapUpload {
  const b = soapBody(xml, maxBytes);
  if (!b.ok) return b;
  const op = b.body.children[0];
  if (!op || op.local !== 'caricaFile' || op.ns !== AGCOM_SOAP_NS || b.body.children.length !== 1) {
    return { ok: false, message: `the Body must hold one {${AGCOM_SOAP_NS}}caricaFile` };
  }
  const params: UploadParams = {};
  for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) {
    const v = text(op, k);
    if (v !== undefined) params[k] = v;
  }
  const raw = text(op, 'File');
  if (raw === undefined || raw === '') return { ok: true, params, file: undefined };
  const compact = raw.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return { ok: false, message: 'File is not base64' };
  return { ok: true, params, file: Buffer.from(compact, 'base64') };
}

export type SoapReply = { ok: true; reply: Reply } | { ok: false; fault?: { code: string; message: string }; message: string };

export function decodeSoapReply(xml: string): SoapReply {
  const b = soapBody(xml, 64 * 1024);
  if (!b.ok) return b;
  const fault = b.body.children.find((c) => c.local === 'Fault');
  if (fault) {
    const code = text(fault, 'faultcode') ?? '';
    const message = text(fault, 'faultstring') ?? '';
    return { ok: false, fault: { code, message }, message: `SOAP fault ${code}: ${message}` };
  }
  const r = child(b.body, 'caricaFileResponse');
  const code = text(r, 'Codice') ?? '';
  if (!r || !(code in REPLY_CODES)) return { ok: false, message: 'no caricaFileResponse with a Codice 00–06' };
  return {
    ok: true,
    reply: { sender: text(r, 'OPERATOREMittente') ?? '', fileName: text(r, 'NomeFile') ?? '', fileType: text(r, 'TipoFile') ?? '', code: code as ReplyCode, description: text(r, 'Descrizione') ?? '' },
  };
}

// ---------------------------------------------------------------------------------------------
// multipart/form-data (RFC 7578), as the operators' upload servlets receive it

export interface Multipart {
  fields: Record<string, string>;
  /** the file part: the one with a `filename`, else one named `file`/`File`/`Contenuto` */
  file?: Buffer;
  fileName?: string;
}

export function parseMultipart(body: Buffer, contentType: string): Multipart | { error: string } {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = (m?.[1] ?? m?.[2])?.trim();
  if (!boundary) return { error: 'multipart/form-data without a boundary' };
  const delimiter = Buffer.from(`--${boundary}`);
  const out: Multipart = { fields: {} };
  let pos = body.indexOf(delimiter);
  if (pos < 0) return { error: 'no multipart boundary found in the body' };
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return out;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return { error: 'a multipart part has no header end' };
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) return { error: 'the multipart body is not terminated' };
    const content = body.subarray(headerEnd + 4, next);
    const disposition = /content-disposition:\s*form-data([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename !== undefined || (name !== undefined && ['file', 'File', 'Contenuto'].includes(name))) {
      if (out.file === undefined) {
        out.file = Buffer.from(content);
        if (filename) out.fileName = filename;
      }
    } else if (name !== undefined) {
      out.fields[name] = content.toString('utf8');
    }
    pos = next + 2;
  }
}

/** A multipart body as our own client sends it (tests and partners that want servlet parity). */
export function buildMultipart(params: Required<UploadParams>, file: string, boundary: string): Buffer {
  const part = (headers: string, content: string) => `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`;
  return Buffer.from(
    part('Content-Disposition: form-data; name="Operatore"', params.Operatore) +
      part('Content-Disposition: form-data; name="TipoFile"', params.TipoFile) +
      part('Content-Disposition: form-data; name="FileName"', params.FileName) +
      part(`Content-Disposition: form-data; name="file"; filename="${params.FileName}"\r\nContent-Type: application/xml`, file) +
      `--${boundary}--\r\n`,
    'utf8',
  );
}
