/**
 * East-west WBCI endpoints: SOAP 1.1 (and 1.2) at `POST /wbci/v1`, JSON at `POST /wbci/v1/json`,
 * WSDL at `GET /wbci/v1?wsdl` (XSDs at `?xsd=<name>`). Every call is answered synchronously with
 * a Quittung: positive once the message is committed, negative (0993/0995) for version and
 * structure problems only. Business refusals go back later as ABBM/ABBM-TR, never as HTTP errors.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { WbciService, ReceiveOutcome } from '../../app/wbci/service.js';
import type { Counter } from 'prom-client';
import {
  decodeSoap,
  encodeSecurityFault,
  encodeSoapFault,
  encodeTeq,
  negativeTeq,
  positiveTeq,
  type ControlBlock,
  type FaultCode,
  type SoapVersion,
  type Teq,
} from '../../protocols/wbci/soap-codec.js';
import { signEnvelope } from '../../protocols/wbci/ws-security-sign.js';
import { verifyEnvelope, type SignatureCheck, type SignatureInfo } from '../../protocols/wbci/ws-security-verify.js';
import { peerPolicy, type WsSecurityMaterial } from '../../config/ws-security-material.js';
import { decodeJsonRequest, jsonTeq } from '../../protocols/wbci/json-codec.js';
import { renderWsdl, renderXsd } from '../../protocols/wbci/wsdl.js';
import { vaIdOf } from '../../protocols/wbci/types.js';
import type { PeerDirectory, PeerIdentity, Refusal } from '../peer-auth.js';
import { problem, sendProblem } from '../problem.js';
import { jsonBodyParser } from '../json-body.js';
import { sendEdgeError } from '../edge-errors.js';

export interface WbciWireDeps {
  wbci: WbciService;
  peers: PeerDirectory;
  clock: Clock;
  log: Logger;
  self: string;
  /** largest accepted message; real WBCI messages are a few KiB */
  maxBytes?: number;
  supportedMajors?: string[];
  /** our signing identity and the peers' pinned certificates; absent: nothing signed, nothing verified */
  wsSecurity?: WsSecurityMaterial;
  /** switchgate_inbound_refused_total */
  refused?: Counter<'peer' | 'reason'>;
}

const XML_TYPES = ['text/xml', 'application/soap+xml'];
const SOAP_ACTIONS = new Set(['annehmenAnfrage', 'annehmenMeldung']);

export async function wbciWireRoutes(app: FastifyInstance, deps: WbciWireDeps): Promise<void> {
  const maxBytes = deps.maxBytes ?? 256 * 1024;
  // before a caller is identified, any major some peer may send; each peer's own once it is known
  const supportedMajors = deps.supportedMajors ?? (deps.peers.majors().length ? deps.peers.majors() : ['02']);
  const ws: WsSecurityMaterial = deps.wsSecurity ?? { peers: new Map() };
  const identity = ws.identity;
  // the Quittung speaks the caller's major release (its configured one; 02 while it is unknown)
  const control = (peer?: string): ControlBlock => {
    const v = peer ? deps.peers.get(peer)?.version : undefined;
    return {
      timestamp: deps.clock.now().toISOString(),
      major: v?.major ?? '02',
      minor: v?.minor ?? '00',
      ...(identity ? { signature: { issuer: identity.issuer, serial: identity.serial } } : {}),
    };
  };
  /** The Quittung, signed when we have a signing identity (with the confirmation of the request's signature). */
  const quittung = (kind: 'request' | 'meldung', teq: Teq, soapVersion: SoapVersion | undefined, peer: string | undefined, confirm?: string | null): string => {
    const xml = encodeTeq(kind, teq, control(peer), { soapVersion });
    if (!identity) return xml;
    return signEnvelope(xml, identity, { algorithm: peer ? peerPolicy(ws, peer).algorithm : undefined, confirm });
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(XML_TYPES, { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: maxBytes }, jsonBodyParser);

  // any other media type reaches the routes too, so that they answer in their own format (a SOAP
  // fault, a problem document) instead of a generic 415
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));

  // compressed bodies are refused before they are read (http/input-guard.ts), in this endpoint's format

  const refuseSignature = (
    reply: FastifyReply,
    peer: string,
    check: Exclude<SignatureCheck, { status: 'verified' }>,
    soapVersion: SoapVersion | undefined,
    log: FastifyRequest['log'],
  ) => {
    log.warn({ peer, reason: check.refusal, fault: check.fault, detail: check.message }, 'inbound SOAP refused: WS-Security');
    deps.refused?.inc({ peer, reason: check.refusal });
    // SOAP 1.1 §6.2: a fault travels with HTTP 500
    return reply.code(500).type(xmlType(soapVersion)).send(encodeSecurityFault(check.fault, check.message, { soapVersion }));
  };

  const fault = (reply: FastifyReply, status: number, code: FaultCode, message: string, soapVersion?: SoapVersion) =>
    reply
      .code(status)
      .type(soapVersion === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8')
      .send(encodeSoapFault(code, message, { soapVersion }));

  app.get<{ Querystring: Record<string, string> }>('/wbci/v1', { schema: { hide: true } }, async (request, reply) => {
    const q = request.query;
    if ('wsdl' in q) {
      const address = `${request.protocol}://${request.host}/wbci/v1`;
      return reply.type('text/xml; charset=utf-8').send(renderWsdl(address));
    }
    if (q.xsd) {
      const xsd = renderXsd(q.xsd);
      if (xsd) return reply.type('text/xml; charset=utf-8').send(xsd);
      return sendEdgeError(request, reply, problem(404, 'SG_NOT_FOUND', `no schema ${q.xsd}`));
    }
    return sendEdgeError(request, reply, problem(400, 'SG_BAD_REQUEST', 'use ?wsdl, or POST a SOAP message'));
  });

  /** The majors a caller may send: its own configured one once it is identified, else the endpoint's. */
  const majorsOf = (peer: string | undefined): readonly string[] => {
    const config = peer ? deps.peers.get(peer) : undefined;
    return config ? [config.version?.major ?? '02'] : supportedMajors;
  };

  // Who is calling is settled before the body is even read: a stranger learns nothing about its
  // message, and its bytes are never parsed.
  const identities = new WeakMap<FastifyRequest, Exclude<PeerIdentity, Refusal>>();
  // callback style: an async hook costs a promise and a microtask turn on every message
  const identifySoap = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const identity = deps.peers.identify(request, ['wbci-soap']);
    if (identity.ok !== false) {
      identities.set(request, identity);
      return done();
    }
    deps.peers.refuse(request, identity, 'inbound SOAP');
    const ctVersion: SoapVersion = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/soap+xml') ? '1.2' : '1.1';
    void fault(reply, identity.status, 'Client', `not authorised: ${identity.detail}`, ctVersion);
  };
  const identifyJson = async (request: FastifyRequest, reply: FastifyReply) => {
    const identity = deps.peers.identify(request, ['wbci-json']);
    if (identity.ok !== false) return void identities.set(request, identity);
    deps.peers.refuse(request, identity, 'inbound JSON');
    return sendProblem(reply, problem(identity.status, identity.status === 401 ? 'SG_UNAUTHENTICATED' : 'SG_FORBIDDEN', identity.detail));
  };

  app.post('/wbci/v1', { schema: { hide: true }, onRequest: identifySoap }, async (request: FastifyRequest, reply) => {
    const log = request.log;
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!XML_TYPES.some((t) => ct.startsWith(t))) return fault(reply, 415, 'Client', 'Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)');
    const identity = identities.get(request)!;
    const action = soapActionOf(request);
    if (action !== undefined && !SOAP_ACTIONS.has(action)) {
      return fault(reply, 400, 'Client', `unknown SOAPAction "${action}" (expected annehmenAnfrage or annehmenMeldung)`);
    }
    const known = identity.ok === true ? identity.peer : undefined;
    const decoded = decodeSoap(request.body as Buffer, { maxBytes, supportedMajors: majorsOf(known) });
    if (!decoded.ok) {
      const { hint } = decoded;
      // signature validation comes before schema validation (wbci.md §11.2): a peer that must sign learns
      // nothing about the structure of a message its signature does not cover
      const policy = hint.sender ? peerPolicy(ws, hint.sender) : undefined;
      if (hint.sender && policy?.required) {
        const check = verifyEnvelope((request.body as Buffer).toString('utf8').replace(/^\uFEFF/, ''), { pinned: policy.pinned, allowSha1: policy.algorithm === 'rsa-sha1' });
        if (check.status === 'unsigned' || (check.status === 'failed' && check.refusal !== 'signaturid_mismatch')) {
          return refuseSignature(reply, hint.sender, check, hint.soapVersion, log);
        }
      }
      const first = decoded.issues[0];
      // a deferred (open) caller must at least be the open peer its message names
      const auth = deps.peers.checkSender(identity, known ?? hint.sender, ['wbci-soap']);
      if (!auth.ok) {
        deps.peers.refuse(request, auth, 'inbound SOAP');
        return fault(reply, auth.status, 'Client', `not authorised: ${auth.detail}`, hint.soapVersion);
      }
      log.info({ peer: auth.peer, teq: decoded.teqCode, path: first?.path, rule: first?.rule }, 'inbound SOAP refused');
      if (decoded.teqCode === '0993') deps.peers.refuse(request, { ok: false, status: 403, reason: 'version_mismatch', detail: first?.message ?? 'major version', peer: auth.peer }, 'inbound SOAP');
      if (!hint.kind || !hint.sender || !hint.vaIdRef) {
        return fault(reply, 500, 'Client', `${decoded.teqCode} ${first ? `${first.path}: ${first.message}` : 'invalid message'}`, hint.soapVersion);
      }
      const teq = negativeTeq(decoded.teqCode, hint.sender, hint.vaIdRef, first ? `${first.path} ${first.message}` : undefined);
      return reply.type(xmlType(hint.soapVersion)).send(quittung(hint.kind, teq, hint.soapVersion, auth.peer));
    }
    // the media type names the SOAP version; an envelope of the other version is refused, not guessed
    const declared: SoapVersion = ct.startsWith('application/soap+xml') ? '1.2' : '1.1';
    if (decoded.soapVersion !== declared) {
      return fault(reply, 415, 'Client', `SG_SOAP_VERSION_MISMATCH: a SOAP ${decoded.soapVersion} envelope sent as ${declared === '1.2' ? 'application/soap+xml (SOAP 1.2)' : 'text/xml (SOAP 1.1)'}`, decoded.soapVersion);
    }
    const msg = decoded.message;
    const auth = deps.peers.checkSender(identity, msg.sender, ['wbci-soap']);
    if (!auth.ok) {
      deps.peers.refuse(request, auth, 'inbound SOAP');
      return fault(reply, auth.status, 'Client', `not authorised: ${auth.detail}`, decoded.soapVersion);
    }
    if (known === undefined && !majorsOf(auth.peer).includes(decoded.control.major)) {
      // an open peer is known only now: its own major applies all the same
      const detail = `major release ${decoded.control.major} is not the one configured for ${auth.peer} (${majorsOf(auth.peer).join(', ')})`;
      deps.peers.refuse(request, { ok: false, status: 403, reason: 'version_mismatch', detail, peer: auth.peer }, 'inbound SOAP');
      const teq = negativeTeq('0993', msg.sender, vaIdOf(msg), detail);
      return reply.type(xmlType(decoded.soapVersion)).send(quittung(decoded.kind, teq, decoded.soapVersion, auth.peer));
    }
    const expectedAction = decoded.kind === 'request' ? 'annehmenAnfrage' : 'annehmenMeldung';
    if (action !== undefined && action !== expectedAction) {
      return fault(reply, 400, 'Client', `SOAPAction "${action}" does not match the body (${expectedAction})`, decoded.soapVersion);
    }
    const raw = (request.body as Buffer).toString('utf8');
    // WS-Security (wbci.md §11.4): a message a required signature does not cover is refused as a whole, with a
    // fault and before anything is written
    const policy = peerPolicy(ws, auth.peer);
    let signature: SignatureInfo | undefined;
    let confirm: string | null = null;
    if (decoded.security.present || policy.required) {
      const check = verifyEnvelope(raw.replace(/^\uFEFF/, ''), { pinned: policy.pinned, allowSha1: policy.algorithm === 'rsa-sha1' }, decoded.control.signature);
      if (check.status !== 'verified' && policy.required) return refuseSignature(reply, auth.peer, check, decoded.soapVersion, log);
      if (check.status !== 'unsigned') {
        signature = check.info;
        confirm = check.signatureValue ?? null;
      }
      if (check.status === 'failed') log.warn({ peer: auth.peer, reason: check.refusal, detail: check.message }, 'inbound SOAP signature does not verify (not required from this peer)');
    }
    const outcome = await deps.wbci.receive(msg, { peer: auth.peer, raw, rawFormat: 'soap', ...(signature ? { signature } : {}), delivery: decoded.delivery });
    logOutcome(log, msg.type, outcome);
    if (outcome.status === 'invalid' && outcome.code === 'SG_PEER_MISMATCH') {
      const detail = outcome.issues[0]?.message ?? 'peer mismatch';
      deps.peers.refuse(request, { ok: false, status: 403, reason: 'not_counterparty', detail, peer: auth.peer }, 'inbound SOAP');
      return fault(reply, 403, 'Client', `not authorised: ${detail}`, decoded.soapVersion);
    }
    const teq =
      outcome.status === 'invalid'
        ? negativeTeq('0995', msg.sender, vaIdOf(msg), outcome.issues[0] ? `${outcome.issues[0].path} ${outcome.issues[0].message}` : undefined)
        : positiveTeq(msg.sender, vaIdOf(msg));
    return reply.type(xmlType(decoded.soapVersion)).send(quittung(decoded.kind, teq, decoded.soapVersion, auth.peer, confirm));
  });

  app.post('/wbci/v1/json', { schema: { hide: true }, onRequest: identifyJson }, async (request, reply) => {
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/json')) {
      return sendProblem(reply, problem(415, 'SG_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'));
    }
    const refused = (r: Refusal) => {
      deps.peers.refuse(request, r, 'inbound JSON');
      return sendProblem(reply, problem(r.status, r.status === 401 ? 'SG_UNAUTHENTICATED' : 'SG_FORBIDDEN', r.detail));
    };
    const identity = identities.get(request)!;
    const known = identity.ok === true ? identity.peer : undefined;
    const decoded = decodeJsonRequest(request.body, majorsOf(known));
    if (!decoded.ok) {
      const first = decoded.issues[0];
      const auth = deps.peers.checkSender(identity, known ?? decoded.hint.sender, ['wbci-json']);
      if (!auth.ok) return refused(auth);
      request.log.info({ peer: auth.peer, teq: decoded.teqCode, path: first?.path }, 'inbound JSON refused');
      if (decoded.teqCode === '0993') deps.peers.refuse(request, { ok: false, status: 403, reason: 'version_mismatch', detail: first?.message ?? 'major version', peer: auth.peer }, 'inbound JSON');
      return reply.send(jsonTeq(decoded.hint.sender ?? '', decoded.hint.vaIdRef ?? '', decoded.teqCode, first ? `${first.path} ${first.message}` : 'invalid'));
    }
    const msg = decoded.message;
    const auth = deps.peers.checkSender(identity, msg.sender, ['wbci-json']);
    if (!auth.ok) return refused(auth);
    if (known === undefined && !majorsOf(auth.peer).includes(decoded.control.major)) {
      const detail = `major release ${decoded.control.major} is not the one configured for ${auth.peer} (${majorsOf(auth.peer).join(', ')})`;
      deps.peers.refuse(request, { ok: false, status: 403, reason: 'version_mismatch', detail, peer: auth.peer }, 'inbound JSON');
      return reply.send(jsonTeq(msg.sender, vaIdOf(msg), '0993', detail));
    }
    const outcome = await deps.wbci.receive(msg, { peer: auth.peer, raw: JSON.stringify(request.body), rawFormat: 'json', delivery: decoded.delivery });
    logOutcome(request.log, msg.type, outcome);
    if (outcome.status === 'invalid' && outcome.code === 'SG_PEER_MISMATCH') {
      return refused({ ok: false, status: 403, reason: 'not_counterparty', detail: outcome.issues[0]?.message ?? 'peer mismatch', peer: auth.peer });
    }
    if (outcome.status === 'invalid') {
      const first = outcome.issues[0];
      return reply.send(jsonTeq(msg.sender, vaIdOf(msg), '0995', first ? `${first.path} ${first.message}` : 'invalid'));
    }
    return reply.send(jsonTeq(msg.sender, vaIdOf(msg), 'OK', 'OK'));
  });
}

const xmlType = (v: SoapVersion | undefined) => (v === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8');

/** SOAP 1.1 `SOAPAction` header or SOAP 1.2 `action` content-type parameter, unquoted. */
function soapActionOf(request: FastifyRequest): string | undefined {
  const h = request.headers.soapaction;
  let v = Array.isArray(h) ? h[0] : h;
  if (v === undefined) {
    const m = /;\s*action="?([^";]*)"?/i.exec(request.headers['content-type'] ?? '');
    v = m?.[1];
  }
  if (v === undefined) return undefined;
  v = v.trim().replace(/^"(.*)"$/, '$1');
  if (v === '') return undefined;
  // accept a namespace-qualified action (…/annehmenAnfrage) as well as the bare name
  return v.slice(v.lastIndexOf('/') + 1);
}

function logOutcome(log: Logger | FastifyRequest['log'], type: string, o: ReceiveOutcome): void {
  if (o.status === 'invalid') log.info({ type, code: o.code, path: o.issues[0]?.path }, 'inbound message invalid');
  else log.info({ type, caseId: o.caseId, messageId: o.messageId, status: o.status, duplicate: o.duplicate }, 'inbound message committed');
}
