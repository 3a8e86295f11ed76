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
import { decodeSoap, encodeSoapFault, encodeTeq, negativeTeq, positiveTeq, type FaultCode, type SoapVersion } from '../../protocols/wbci/soap-codec.js';
import { decodeJsonRequest, jsonTeq } from '../../protocols/wbci/json-codec.js';
import { renderWsdl, renderXsd } from '../../protocols/wbci/wsdl.js';
import { vaIdOf } from '../../protocols/wbci/types.js';
import type { PeerDirectory } from '../peer-auth.js';
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
}

const XML_TYPES = ['text/xml', 'application/soap+xml'];
const SOAP_ACTIONS = new Set(['annehmenAnfrage', 'annehmenMeldung']);

export async function wbciWireRoutes(app: FastifyInstance, deps: WbciWireDeps): Promise<void> {
  const maxBytes = deps.maxBytes ?? 256 * 1024;
  const supportedMajors = deps.supportedMajors ?? ['02'];
  const control = () => ({ timestamp: deps.clock.now().toISOString(), major: '02', minor: '00' });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(XML_TYPES, { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: maxBytes }, jsonBodyParser);

  // any other media type reaches the routes too, so that they answer in their own format (a SOAP
  // fault, a problem document) instead of a generic 415
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));

  // compressed bodies are refused before they are read (http/input-guard.ts), in this endpoint's format

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

  app.post('/wbci/v1', { schema: { hide: true } }, async (request: FastifyRequest, reply) => {
    const log = request.log;
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!XML_TYPES.some((t) => ct.startsWith(t))) return fault(reply, 415, 'Client', 'Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)');
    const action = soapActionOf(request);
    if (action !== undefined && !SOAP_ACTIONS.has(action)) {
      return fault(reply, 400, 'Client', `unknown SOAPAction "${action}" (expected annehmenAnfrage or annehmenMeldung)`);
    }
    const decoded = decodeSoap(request.body as Buffer, { maxBytes, supportedMajors });
    if (!decoded.ok) {
      const { hint } = decoded;
      const first = decoded.issues[0];
      log.info({ teq: decoded.teqCode, path: first?.path, rule: first?.rule }, 'inbound SOAP refused');
      if (!hint.kind || !hint.sender || !hint.vaIdRef) {
        return fault(reply, 500, 'Client', `${decoded.teqCode} ${first ? `${first.path}: ${first.message}` : 'invalid message'}`, hint.soapVersion);
      }
      const teq = negativeTeq(decoded.teqCode, hint.sender, hint.vaIdRef, first ? `${first.path} ${first.message}` : undefined);
      return reply.type(xmlType(hint.soapVersion)).send(encodeTeq(hint.kind, teq, control(), { soapVersion: hint.soapVersion }));
    }
    // the media type names the SOAP version; an envelope of the other version is refused, not guessed
    const declared: SoapVersion = ct.startsWith('application/soap+xml') ? '1.2' : '1.1';
    if (decoded.soapVersion !== declared) {
      return fault(reply, 415, 'Client', `SG_SOAP_VERSION_MISMATCH: a SOAP ${decoded.soapVersion} envelope sent as ${declared === '1.2' ? 'application/soap+xml (SOAP 1.2)' : 'text/xml (SOAP 1.1)'}`, decoded.soapVersion);
    }
    const msg = decoded.message;
    const expectedAction = decoded.kind === 'request' ? 'annehmenAnfrage' : 'annehmenMeldung';
    if (action !== undefined && action !== expectedAction) {
      return fault(reply, 400, 'Client', `SOAPAction "${action}" does not match the body (${expectedAction})`, decoded.soapVersion);
    }
    const auth = deps.peers.authenticate(request, msg.sender, ['wbci-soap']);
    if (!auth.ok) {
      log.warn({ status: auth.status, reason: auth.reason, sender: msg.sender }, 'inbound SOAP refused: peer not authenticated');
      return fault(reply, auth.status, 'Client', `not authorised: ${auth.reason}`, decoded.soapVersion);
    }
    const outcome = await deps.wbci.receive(msg, { peer: auth.peer, raw: (request.body as Buffer).toString('utf8'), rawFormat: 'soap' });
    logOutcome(log, msg.type, outcome);
    if (outcome.status === 'invalid' && outcome.code === 'SG_PEER_MISMATCH') {
      return fault(reply, 403, 'Client', `not authorised: ${outcome.issues[0]?.message ?? 'peer mismatch'}`, decoded.soapVersion);
    }
    const teq =
      outcome.status === 'invalid'
        ? negativeTeq('0995', msg.sender, vaIdOf(msg), outcome.issues[0] ? `${outcome.issues[0].path} ${outcome.issues[0].message}` : undefined)
        : positiveTeq(msg.sender, vaIdOf(msg));
    return reply.type(xmlType(decoded.soapVersion)).send(encodeTeq(decoded.kind, teq, control(), { soapVersion: decoded.soapVersion }));
  });

  app.post('/wbci/v1/json', { schema: { hide: true } }, async (request, reply) => {
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/json')) {
      return sendProblem(reply, problem(415, 'SG_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'));
    }
    const decoded = decodeJsonRequest(request.body, supportedMajors);
    if (!decoded.ok) {
      const first = decoded.issues[0];
      request.log.info({ teq: decoded.teqCode, path: first?.path }, 'inbound JSON refused');
      return reply.send(jsonTeq(decoded.hint.sender ?? '', decoded.hint.vaIdRef ?? '', decoded.teqCode, first ? `${first.path} ${first.message}` : 'invalid'));
    }
    const msg = decoded.message;
    const auth = deps.peers.authenticate(request, msg.sender, ['wbci-json']);
    if (!auth.ok) {
      request.log.warn({ status: auth.status, reason: auth.reason, sender: msg.sender }, 'inbound JSON refused: peer not authenticated');
      return sendProblem(reply, problem(auth.status, auth.status === 401 ? 'SG_UNAUTHENTICATED' : 'SG_FORBIDDEN', auth.reason));
    }
    const outcome = await deps.wbci.receive(msg, { peer: auth.peer, raw: JSON.stringify(request.body), rawFormat: 'json' });
    logOutcome(request.log, msg.type, outcome);
    if (outcome.status === 'invalid' && outcome.code === 'SG_PEER_MISMATCH') {
      return sendProblem(reply, problem(403, 'SG_FORBIDDEN', outcome.issues[0]?.message));
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
