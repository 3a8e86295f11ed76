/**
 * WBCI v2 SOAP codec: domain messages ↔ SOAP 1.1 envelopes shaped like the real wire samples
 * (the shared v2 samples; test/fixtures/wbci-v2 holds generated look-alikes), the synchronous Quittung (TEQ) and SOAP faults. No HTTP, no I/O.
 *
 * Requests travel as annehmenAnfrageRequest{Control, Anfrage xsi:type=…}, Meldungen as
 * annehmenMeldungRequest{Control, Meldung xsi:type=…} (inferred, wbci.md §11.1). Decoding refuses hostile input
 * before building a tree (xml-guard.ts), resolves every name by namespace URI (prefixes vary between partners),
 * accepts SOAP 1.1 and 1.2, and answers with the TEQ code the failure deserves: 0993 for an unsupported major
 * version, 0995 for anything structural.
 */
import type { Issue } from '../../domain/issues.js';
import { standardText } from './codes.js';
import type { CarrierCode, WbciMessage } from './types.js';
import { decodeFields, encodeFields, escapeXml, structureIssue, WbciEncodeError, type DecodeCtx, type EncodeCtx } from './wire-engine.js';
import {
  CONTROL,
  ENVELOPE,
  NS,
  QUITTUNG,
  WBCI_ENVELOPE_NS_PATTERN,
  meldungWireByXsiType,
  requestWireByXsiType,
  stornoRole,
  wireOf,
  type Field,
  type MeldungWire,
  type RequestWire,
} from './wire-names.js';
import { CHARSET } from './wire-simple-types.js';
import { DEFAULT_MAX_DEPTH, guardXml, type GuardOptions } from './xml-guard.js';
import { attrNS, parseTree, resolveQName, XmlTreeError, type XNode } from './xml-tree.js';
import { readSecurity, type SecurityInfo } from './soap-security.js';
import type { WsseFaultCode } from './ws-security-verify.js';
import { encodeDeliveryHeader, readDeliveryHeader, type DeliveryInfo } from './delivery-header.js';

export { WbciEncodeError } from './wire-engine.js';
export type { SecurityInfo } from './soap-security.js';

export type SoapVersion = '1.1' | '1.2';

/** The Control block: timestamp, interface version and the identity of the signing certificate. */
export interface ControlBlock {
  timestamp: string;
  major: string;
  minor: string;
  signature?: { issuer: string; serial: string };
}

export interface DecodeOptions extends GuardOptions {
  /** major releases this endpoint speaks; anything else is answered with TEQ 0993. Default ['02']. */
  supportedMajors?: readonly string[];
  /** minor releases known to this codec; others are accepted with a warning. Default ['00']. */
  knownMinors?: readonly string[];
}

/** What could be read from a message that failed, so the caller can still address a negative TEQ. */
export interface DecodeHint {
  kind?: 'request' | 'meldung';
  /** `Absender` of the failed message (the TEQ echoes it, see valid-teq.xml) */
  sender?: CarrierCode;
  /** VA-ID the message belongs to (VorabstimmungsId or VorabstimmungsIdRef) */
  vaIdRef?: string;
  soapVersion?: SoapVersion;
}

export type DecodeResult =
  | {
      ok: true;
      kind: 'request' | 'meldung';
      message: WbciMessage;
      control: ControlBlock;
      security: SecurityInfo;
      /** switchgate's delivery header (empty when the sender is not a switchgate) */
      delivery: DeliveryInfo;
      soapVersion: SoapVersion;
      warnings: Issue[];
    }
  | { ok: false; teqCode: '0993' | '0995'; issues: Issue[]; hint: DecodeHint };

export interface EncodeOptions {
  soapVersion?: SoapVersion;
  /** switchgate's delivery header (delivery-header.ts); messages only */
  delivery?: DeliveryInfo;
}

// ---------------------------------------------------------------------------------------------
// Envelope

const SOAP_NS: Record<SoapVersion, string> = { '1.1': NS.soap11, '1.2': NS.soap12 };
const envelopeOpen = (v: SoapVersion | undefined, header = ''): string =>
  `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP_NS[v ?? '1.1']}">${header ? `<SOAP-ENV:Header>${header}</SOAP-ENV:Header>` : ''}<SOAP-ENV:Body>`;
const ENVELOPE_CLOSE = '</SOAP-ENV:Body></SOAP-ENV:Envelope>';

const REQUEST_CTX: EncodeCtx = { xsi: 'xsi', message: 'ns6' };
const TEQ_CTX: EncodeCtx = { xsi: 'xsi', message: 'tns5' };

const encodeControl = (control: ControlBlock): string =>
  `<${ENVELOPE.control}>${encodeFields(CONTROL, control as unknown as Record<string, unknown>, '/control', REQUEST_CTX)}</${ENVELOPE.control}>`;

// ---------------------------------------------------------------------------------------------
// encodeSoap

/**
 * A full SOAP envelope for a request (annehmenAnfrageRequest) or a Meldung (annehmenMeldungRequest), prefixes and
 * element forms as in the samples. No WS-Security header: signing is a later step. `opts.delivery` adds switchgate's
 * own optional header element (delivery-header.ts).
 * Throws WbciEncodeError (with domain paths) for a message the wire cannot carry.
 */
export function encodeSoap(msg: WbciMessage, control: ControlBlock, opts: EncodeOptions = {}): string {
  let target: ReturnType<typeof wireOf>;
  try {
    target = wireOf(msg);
  } catch (e) {
    throw new WbciEncodeError([{ path: '/type', rule: 'enumeration', code: 'SG_WIRE_ENCODE', message: (e as Error).message, severity: 'error' }]);
  }
  const m = msg as unknown as Record<string, unknown>;
  rejectUnrepresentable(m, target.wire);
  const content = encodeFields(target.wire.fields, m, '', REQUEST_CTX);
  const body =
    target.kind === 'request'
      ? `<ns3:${ENVELOPE.anfrageRequest} xmlns="" xmlns:ns3="${NS.envelope}">${encodeControl(control)}` +
        `<${ENVELOPE.anfrage} xmlns:ns5="${NS.request}" xmlns:xsi="${NS.xsi}" xsi:type="ns5:${target.wire.xsiType}">${content}</${ENVELOPE.anfrage}>` +
        `</ns3:${ENVELOPE.anfrageRequest}>`
      : `<ns3:${ENVELOPE.meldungRequest} xmlns="" xmlns:ns3="${NS.envelope}">${encodeControl(control)}` +
        `<${ENVELOPE.meldung} xmlns:ns6="${NS.message}" xmlns:xsi="${NS.xsi}" xsi:type="ns6:${target.wire.xsiType}">${content}</${ENVELOPE.meldung}>` +
        `</ns3:${ENVELOPE.meldungRequest}>`;
  return envelopeOpen(opts.soapVersion, encodeDeliveryHeader(opts.delivery)) + body + ENVELOPE_CLOSE;
}

const coveredKeys = new WeakMap<readonly Field[], Set<string>>();

function topLevelKeys(fields: readonly Field[], into: Set<string>): Set<string> {
  for (const f of fields) {
    if (f.k === 'wrap') topLevelKeys(f.fields, into);
    else if (f.k === 'union') {
      if (f.to) into.add(f.to);
      else for (const o of f.options) topLevelKeys(o.fields, into).add(f.tag);
    } else into.add(f.to.split('.')[0]);
  }
  return into;
}

/**
 * Refuses a top-level domain field the chosen wire type has no element for, instead of dropping it silently
 * (e.g. a `reason` on a Storno sent by EKPauf: only the EKPabg variants carry a Stornogrund).
 */
function rejectUnrepresentable(m: Record<string, unknown>, wire: RequestWire | MeldungWire): void {
  let keys = coveredKeys.get(wire.fields);
  if (!keys) {
    keys = topLevelKeys(wire.fields, new Set(['type']));
    coveredKeys.set(wire.fields, keys);
  }
  const extra = Object.keys(m).filter((k) => m[k] !== undefined && !keys.has(k));
  if (extra.length > 0) {
    throw new WbciEncodeError(
      extra.map((k) => ({
        path: `/${k}`,
        rule: 'notRepresentable',
        code: 'SG_WIRE_ENCODE',
        message: `${wire.xsiType} has no element for '${k}'`,
        severity: 'error' as const,
      })),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// decodeSoap

type Opened =
  | { ok: true; soapVersion: SoapVersion; header: XNode | undefined; payload: XNode; path: string; warnings: Issue[] }
  | { ok: false; teqCode: '0993' | '0995'; issues: Issue[]; soapVersion?: SoapVersion; fault?: XNode; payload?: XNode };

const failed = (teqCode: '0993' | '0995', issue: Issue, soapVersion?: SoapVersion): Opened => ({
  ok: false,
  teqCode,
  issues: [issue],
  soapVersion,
});

/** Guard, parse and unwrap the SOAP envelope down to the single Body payload element. */
function openEnvelope(input: string | Uint8Array, opts: GuardOptions): Opened {
  // the tags are checked once, by the parse that builds the tree
  const guarded = guardXml(input, { ...opts, structure: false });
  if (!guarded.ok) return failed('0995', guarded.issue);
  let root: XNode;
  try {
    root = parseTree(guarded.text, { maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH });
  } catch (e) {
    if (!(e instanceof XmlTreeError)) throw e;
    return failed('0995', structureIssue('/', e.rule, e.message));
  }
  const soapVersion: SoapVersion | undefined = root.ns === NS.soap11 ? '1.1' : root.ns === NS.soap12 ? '1.2' : undefined;
  if (root.local !== 'Envelope' || !soapVersion) {
    return failed(
      '0995',
      structureIssue(`/${root.local}`, root.local === 'Envelope' ? 'namespace' : 'notEnvelope', `not a SOAP 1.1/1.2 Envelope: {${root.ns}}${root.local}`),
    );
  }
  let header: XNode | undefined;
  let body: XNode | undefined;
  const warnings: Issue[] = [];
  for (const c of root.children) {
    if (c.ns === root.ns && c.local === 'Header' && !header && !body) header = c;
    else if (c.ns === root.ns && c.local === 'Body' && !body) body = c;
    else {
      warnings.push({ path: `/Envelope/${c.local}`, rule: 'unexpectedElement', code: 'SG_WIRE_LENIENT', message: `{${c.ns}}${c.local} ignored`, severity: 'warning' });
    }
  }
  if (!body) return failed('0995', structureIssue('/Envelope/Body', 'required', 'SOAP Body is missing'), soapVersion);
  if (body.children.length !== 1) {
    return failed('0995', structureIssue('/Envelope/Body', 'exactlyOne', `SOAP Body must hold exactly one element, found ${body.children.length}`), soapVersion);
  }
  const payload = body.children[0];
  if (payload.ns === root.ns && payload.local === 'Fault') {
    return { ok: false, teqCode: '0995', issues: [structureIssue('/Envelope/Body/Fault', 'soapFault', 'SOAP Fault')], soapVersion, fault: payload };
  }
  const path = `/Envelope/Body/${payload.local}`;
  if (payload.ns !== NS.envelope) {
    const other = WBCI_ENVELOPE_NS_PATTERN.exec(payload.ns);
    if (other) {
      return {
        ...failed('0993', { path, rule: 'majorRelease', code: '0993', message: `WBCI major version ${other[1]} (namespace ${payload.ns}) is not supported`, severity: 'error' }, soapVersion),
        payload,
      };
    }
    return failed('0995', structureIssue(path, 'namespace', `payload namespace must be ${NS.envelope}, found '${payload.ns}'`), soapVersion);
  }
  return { ok: true, soapVersion, header, payload, path, warnings };
}

interface PayloadParts {
  control: Record<string, unknown>;
  byName: Map<string, XNode>;
}

/** Control plus the other unqualified children of a payload element; reports the major version first. */
function readPayload(
  payload: XNode,
  path: string,
  expected: readonly string[],
  ctx: DecodeCtx,
  opts: DecodeOptions,
  strictVersion: boolean,
): PayloadParts | Issue {
  const byName = new Map<string, XNode>();
  for (const c of payload.children) {
    const p = `${path}/${c.local}`;
    if (c.ns !== '') ctx.issues.push(structureIssue(p, 'namespace', `element must be unqualified (xmlns=""), found namespace ${c.ns}`));
    else if (!expected.includes(c.local)) ctx.warnings.push({ path: p, rule: 'unexpectedElement', code: 'SG_WIRE_LENIENT', message: `element ${c.local} ignored`, severity: 'warning' });
    else if (byName.has(c.local)) ctx.issues.push(structureIssue(`${p}[2]`, 'maxOccurs', `element ${c.local} may occur only once`));
    else byName.set(c.local, c);
  }
  const control: Record<string, unknown> = {};
  const controlNode = byName.get(ENVELOPE.control);
  if (!controlNode) {
    ctx.issues.push(structureIssue(`${path}/${ENVELOPE.control}`, 'required', 'mandatory element Control is missing'));
    return { control, byName };
  }
  decodeFields(controlNode, CONTROL, control, `${path}/${ENVELOPE.control}`, ctx);
  const major = control.major;
  const supported = opts.supportedMajors ?? ['02'];
  if (typeof major === 'string' && /^[0-9]{2}$/.test(major) && !supported.includes(major)) {
    const issue: Issue = {
      path: `${path}/${ENVELOPE.control}/majorRelease`,
      rule: 'majorRelease',
      code: '0993',
      message: `major release ${major} is not supported (supported: ${supported.join(', ')})`,
      severity: strictVersion ? 'error' : 'warning',
    };
    if (strictVersion) return issue;
    ctx.warnings.push(issue);
  }
  const minor = control.minor;
  if (typeof minor === 'string' && !(opts.knownMinors ?? ['00']).includes(minor)) {
    ctx.warnings.push({
      path: `${path}/${ENVELOPE.control}/minorRelease`,
      rule: 'minorRelease',
      code: 'SG_WIRE_LENIENT',
      message: `minor release ${minor} is unknown; elements it adds are ignored`,
      severity: 'warning',
    });
  }
  return { control, byName };
}

/**
 * Decodes an inbound request or Meldung. Never throws on bad input: the failure result carries the TEQ code,
 * every issue found (XPath-like paths) and whatever is needed to address the negative TEQ.
 */
export function decodeSoap(input: string | Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  const opened = openEnvelope(input, opts);
  if (!opened.ok) {
    const hint: DecodeHint = { soapVersion: opened.soapVersion };
    if (opened.payload) peekHint(opened.payload, hint);
    return { ok: false, teqCode: opened.teqCode, issues: opened.issues, hint };
  }
  const { payload, path, soapVersion } = opened;
  const kind = payload.local === ENVELOPE.anfrageRequest ? 'request' : payload.local === ENVELOPE.meldungRequest ? 'meldung' : undefined;
  if (!kind) {
    return {
      ok: false,
      teqCode: '0995',
      issues: [structureIssue(path, 'unexpectedElement', `expected ${ENVELOPE.anfrageRequest} or ${ENVELOPE.meldungRequest}`)],
      hint: { soapVersion },
    };
  }
  const ctx: DecodeCtx = { issues: [], warnings: opened.warnings, facetSeverity: 'error' };
  const hint: DecodeHint = { kind, soapVersion };
  const contentName = kind === 'request' ? ENVELOPE.anfrage : ENVELOPE.meldung;
  const parts = readPayload(payload, path, [ENVELOPE.control, contentName], ctx, opts, true);
  if (!('control' in parts)) return { ok: false, teqCode: '0993', issues: [parts], hint: peekHint(payload, hint) };

  const contentPath = `${path}/${contentName}`;
  const content = parts.byName.get(contentName);
  const message: Record<string, unknown> = {};
  if (!content) {
    ctx.issues.push(structureIssue(contentPath, 'required', `mandatory element ${contentName} is missing`));
  } else {
    const wire = selectWire(content, kind, contentPath, ctx);
    if (wire) {
      message.type = wire.type;
      decodeFields(content, wire.fields, message, contentPath, ctx);
      if ('role' in wire && wire.role && typeof message.sender === 'string' && stornoRole(message as { sender: string; donating: string }) !== wire.role) {
        ctx.warnings.push({
          path: `${contentPath}/Absender`,
          rule: 'senderRole',
          code: 'SG_WIRE_LENIENT',
          message: `${wire.xsiType} is the EKP${wire.role} variant but Absender is not the EKP${wire.role}`,
          severity: 'warning',
        });
      }
    }
  }
  if (typeof message.sender === 'string') hint.sender = message.sender;
  const vaRef = message.vaId ?? message.vaIdRef;
  if (typeof vaRef === 'string') hint.vaIdRef = vaRef;

  const security = readSecurity(opened.header, '/Envelope/Header', ctx.warnings);
  const delivery = readDeliveryHeader(opened.header, '/Envelope/Header', ctx.warnings);
  if (ctx.issues.length > 0) return { ok: false, teqCode: '0995', issues: ctx.issues, hint };
  return {
    ok: true,
    kind,
    message: message as unknown as WbciMessage,
    control: parts.control as unknown as ControlBlock,
    security,
    delivery,
    soapVersion,
    warnings: ctx.warnings,
  };
}

/**
 * Sender and VA-ID read without decoding, for a message refused before its content is looked at (wrong version):
 * the negative TEQ still has to name them.
 */
function peekHint(payload: XNode, hint: DecodeHint): DecodeHint {
  const content = payload.children.find((c) => c.local === ENVELOPE.anfrage || c.local === ENVELOPE.meldung);
  const text = (n: XNode | undefined, local: string): string | undefined => n?.children.find((c) => c.local === local)?.text.trim();
  const sender = text(content?.children.find((c) => c.local === 'Absender'), 'CarrierCode');
  const vaIdRef = text(content, 'VorabstimmungsId') ?? text(content, 'VorabstimmungsIdRef');
  if (content) hint.kind = content.local === ENVELOPE.anfrage ? 'request' : 'meldung';
  if (sender) hint.sender = sender;
  if (vaIdRef) hint.vaIdRef = vaIdRef;
  return hint;
}

/** The concrete type named by xsi:type, resolved through the namespace its prefix is bound to. */
function selectWire(node: XNode, kind: 'request' | 'meldung', path: string, ctx: DecodeCtx): RequestWire | MeldungWire | undefined {
  const p = `${path}/@xsi:type`;
  const raw = attrNS(node, NS.xsi, 'type');
  if (raw === undefined) {
    ctx.issues.push(structureIssue(p, 'required', `the concrete ${kind} type must be given with xsi:type`));
    return undefined;
  }
  const q = resolveQName(node, raw);
  const ns = kind === 'request' ? NS.request : NS.message;
  if (!q) {
    ctx.issues.push(structureIssue(p, 'namespace', `xsi:type '${raw}' uses an unbound prefix`));
    return undefined;
  }
  if (q.ns !== ns) {
    ctx.issues.push(structureIssue(p, 'namespace', `xsi:type '${raw}' must name a type in ${ns}, found {${q.ns}}${q.local}`));
    return undefined;
  }
  const wire = kind === 'request' ? requestWireByXsiType(q.local) : meldungWireByXsiType(q.local);
  if (!wire) ctx.issues.push(structureIssue(p, 'unknownType', `unknown ${kind} type ${q.local}`));
  return wire;
}

// ---------------------------------------------------------------------------------------------
// TEQ (Quittung)

export interface TeqPosition {
  /** `OK`, `0993`, `0995`, … */
  code: string;
  text: string;
}

export interface Teq {
  /** `Absender`: in the public sample the carrier that sent the acknowledged message (wbci.md §11.1) */
  sender: CarrierCode;
  vaIdRef: string;
  positions: TeqPosition[];
}

export const positiveTeq = (sender: CarrierCode, vaIdRef: string): Teq => ({ sender, vaIdRef, positions: [{ code: 'OK', text: 'OK' }] });

const NOT_IN_CHARSET = new RegExp(`[^${CHARSET.slice(1, -2)}]`, 'g');

/** A negative TEQ; `detail` (e.g. an issue path) is appended to the standard text within the 255-character limit. */
export function negativeTeq(code: '0993' | '0995', sender: CarrierCode, vaIdRef: string, detail?: string): Teq {
  let text = standardText(code) ?? code;
  if (detail) text = `${text}: ${detail.replace(NOT_IN_CHARSET, ' ').replace(/\s+/g, ' ').trim()}`;
  return { sender, vaIdRef, positions: [{ code, text: text.slice(0, 255).trim() }] };
}

/** The Quittung response, shaped exactly like valid-teq.xml. */
export function encodeTeq(kind: 'request' | 'meldung', teq: Teq, control: ControlBlock, opts: EncodeOptions = {}): string {
  const el = kind === 'request' ? ENVELOPE.anfrageResponse : ENVELOPE.meldungResponse;
  return (
    envelopeOpen(opts.soapVersion) +
    `<tns:${el} xmlns:tns="${NS.envelope}" xmlns:tns5="${NS.message}" xmlns:xsi="${NS.xsi}">${encodeControl(control)}` +
    `<${ENVELOPE.quittung}>${encodeFields(QUITTUNG, teq as unknown as Record<string, unknown>, '', TEQ_CTX)}</${ENVELOPE.quittung}>` +
    `</tns:${el}>` +
    ENVELOPE_CLOSE
  );
}

export type TeqDecodeResult =
  | { ok: true; kind: 'request' | 'meldung'; teq: Teq; control: ControlBlock; security: SecurityInfo; soapVersion: SoapVersion; warnings: Issue[] }
  | { ok: false; issues: Issue[]; fault?: { code: string; message: string } };

/**
 * Decodes a partner's synchronous answer. Facet violations and an unexpected major release are only warnings here:
 * the answer is needed even when the partner formats it sloppily. A SOAP Fault comes back as `fault`.
 */
export function decodeTeq(input: string | Uint8Array, opts: DecodeOptions = {}): TeqDecodeResult {
  const opened = openEnvelope(input, opts);
  if (!opened.ok) {
    return opened.fault ? { ok: false, issues: opened.issues, fault: readFault(opened.fault) } : { ok: false, issues: opened.issues };
  }
  const { payload, path, soapVersion } = opened;
  const kind = payload.local === ENVELOPE.anfrageResponse ? 'request' : payload.local === ENVELOPE.meldungResponse ? 'meldung' : undefined;
  if (!kind) {
    return { ok: false, issues: [structureIssue(path, 'unexpectedElement', `expected ${ENVELOPE.anfrageResponse} or ${ENVELOPE.meldungResponse}`)] };
  }
  const ctx: DecodeCtx = { issues: [], warnings: opened.warnings, facetSeverity: 'warning' };
  const parts = readPayload(payload, path, [ENVELOPE.control, ENVELOPE.quittung], ctx, opts, false);
  if (!('control' in parts)) return { ok: false, issues: [parts] };
  const quittung = parts.byName.get(ENVELOPE.quittung);
  const teq: Record<string, unknown> = {};
  if (!quittung) ctx.issues.push(structureIssue(`${path}/${ENVELOPE.quittung}`, 'required', 'mandatory element Quittung is missing'));
  else decodeFields(quittung, QUITTUNG, teq, `${path}/${ENVELOPE.quittung}`, ctx);
  const security = readSecurity(opened.header, '/Envelope/Header', ctx.warnings);
  if (ctx.issues.length > 0) return { ok: false, issues: ctx.issues };
  return {
    ok: true,
    kind,
    teq: teq as unknown as Teq,
    control: parts.control as unknown as ControlBlock,
    security,
    soapVersion,
    warnings: ctx.warnings,
  };
}

function readFault(fault: XNode): { code: string; message: string } {
  const find = (n: XNode | undefined, local: string): XNode | undefined => n?.children.find((c) => c.local === local);
  // SOAP 1.1: faultcode/faultstring (unqualified); SOAP 1.2: Code/Value, Reason/Text
  const code12 = find(fault, 'Code');
  const code = find(fault, 'faultcode')?.text ?? find(find(code12, 'Subcode'), 'Value')?.text ?? find(code12, 'Value')?.text ?? '';
  const message = find(fault, 'faultstring')?.text ?? find(find(fault, 'Reason'), 'Text')?.text ?? '';
  return { code: code.trim(), message: message.trim() };
}

// ---------------------------------------------------------------------------------------------
// SOAP Fault

export type FaultCode = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand';

const FAULT_12: Record<FaultCode, string> = { Client: 'Sender', Server: 'Receiver', VersionMismatch: 'VersionMismatch', MustUnderstand: 'MustUnderstand' };

/**
 * A SOAP Fault, for requests that are not WBCI at all (no envelope, unparsable): a TEQ needs a sender and a VA-ID
 * to address, a fault does not. Business and format problems of real WBCI messages go into a TEQ instead.
 */
export function encodeSoapFault(code: FaultCode, message: string, opts: EncodeOptions = {}): string {
  return envelopeOpen(opts.soapVersion) + faultElement(code, message, opts) + ENVELOPE_CLOSE;
}

/**
 * A WS-Security fault (WSS 1.0 §12): the faultcode is the wsse QName in SOAP 1.1, the Subcode of Sender in SOAP 1.2.
 * The message is refused as a whole, so it gets this instead of a Quittung.
 */
export function encodeSecurityFault(code: WsseFaultCode, message: string, opts: EncodeOptions = {}): string {
  const local = code.slice('wsse:'.length);
  const fault =
    opts.soapVersion === '1.2'
      ? `<SOAP-ENV:Fault xmlns:wsse="${NS.wsse}"><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>wsse:${local}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>` +
        `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${escapeXml(message)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`
      : `<SOAP-ENV:Fault xmlns:wsse="${NS.wsse}"><faultcode>wsse:${local}</faultcode><faultstring>${escapeXml(message)}</faultstring></SOAP-ENV:Fault>`;
  return envelopeOpen(opts.soapVersion) + fault + ENVELOPE_CLOSE;
}

function faultElement(code: FaultCode, message: string, opts: EncodeOptions): string {
  const fault =
    opts.soapVersion === '1.2'
      ? `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${FAULT_12[code]}</SOAP-ENV:Value></SOAP-ENV:Code>` +
        `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="de">${escapeXml(message)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`
      : `<SOAP-ENV:Fault><faultcode>SOAP-ENV:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></SOAP-ENV:Fault>`;
  return fault;
}
