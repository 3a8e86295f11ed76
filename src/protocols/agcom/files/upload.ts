/** Upload parameters and the synchronous Reply with codes 00–06 (italy.md §9.2). */
import { type XNode } from '../../wbci/xml-tree.js';
import { type FormalValidation, type ManagerialValidation, type OperatorCode, type RecipientMessage } from '../types.js';
import { type DecodeOptions, type DecodedRecord, decode, decodeXml1, decodeXml2, decodeXml3, detectFileKind, parseXml } from './decode.js';
import { DECLARATION, builder, fileIssue } from './encode.js';
import { ALNUM3, DEFAULT_MAX_FILE_BYTES, FILE_LAYOUTS, type FileKind } from './layouts.js';
import { DEFAULT_FILE_NAMING, type FileName, type FileNaming, buildFileName, parseFileName } from './names.js';
import { type FileIssue, type WireOptions } from './records.js';

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
