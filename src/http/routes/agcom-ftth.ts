/**
 * The FTTH services this gateway hosts (italy.md §10.3), at `/agcom/ftth/v1/<ServiceName>`:
 * SOAP 1.1 document/literal, WSDL at `GET …?wsdl`, schema at `GET …?xsd=ftth.xsd`.
 *
 * `DonatingMigrationNotify_OLO` (N8 WHS_Check_sessione, N10 WHS_Msg_Donating) and
 * `RecipientMigrationNotify_OLO` (N4 WHS_StatusUpdateMig, N5 WHS_RescheduleMig, N6 WHS_Event,
 * N7 WHS_CompletionOrderMig), for the network operator authenticated by
 * `agcom.wholesale.inboundTokenSha256`; with `agcom.numberPortability.donors`,
 * `O2ONPFibra.OLO_NPRequestService` (N11, we are the Donor) and `OLO_NPNotificationService` (N13,
 * we are the Recipient), each caller authenticated by its own entry's `inboundTokenSha256` (the
 * handler learns which operator called).
 *
 * Every well-formed call to a known operation is answered by its N12 with HTTP 200: ACK, or a
 * NACK whose CODICE_MOTIVAZIONE/MOTIVAZIONE name the field that broke the contract (codes.ts
 * REASONS). A SOAP Fault answers only what has no operation to answer with: unreadable XML, an
 * unknown operation, a missing or wrong token (401).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import type { FtthDonatingService } from '../../app/agcom/ftth-donating.js';
import type { FtthNpDonorService } from '../../app/agcom/ftth-np-donor.js';
import type { FtthNpRecipientService, NpCaller, NpDonors } from '../../app/agcom/ftth-np.js';
import type { FtthRecipientService } from '../../app/agcom/ftth-recipient.js';
import { encodeSoapFault } from '../../app/agcom/wire.js';
import { decodeRequest, DEFAULT_MAX_BYTES, encodeN12, type N12 } from '../../protocols/agcom/ftth/codec.js';
import { NACK_CODE_OF_RULE } from '../../protocols/agcom/ftth/codes.js';
import { NP_REASONS } from '../../protocols/agcom/ftth/np.js';
import { ADDRESS_PLACEHOLDER, renderFtthWsdl, renderFtthXsd } from '../../protocols/agcom/ftth/contracts.js';
import { serviceOperations, type FtthMessage, type Operation, type ServiceName } from '../../protocols/agcom/ftth/messages.js';
import { bearerToken } from '../auth.js';

export interface AgcomFtthDeps {
  donating: FtthDonatingService;
  /** the Recipient side (N4–N7 at RecipientMigrationNotify_OLO) */
  recipient?: FtthRecipientService;
  /** hex SHA-256 of the network operator's bearer token (agcom.wholesale.inboundTokenSha256) */
  inboundTokenSha256: string | undefined;
  /** number portability (agcom.numberPortability.donors): its services and who may call them */
  np?: { donors: NpDonors; recipient: FtthNpRecipientService; donor: FtthNpDonorService; refused?: Counter<'peer' | 'reason'> };
}

type Handler = (msg: FtthMessage, caller: NpCaller) => Promise<N12>;

/** The services whose callers are the NP counterparts, not the network operator. */
const NP_SERVICE_NAMES: ReadonlySet<ServiceName> = new Set<ServiceName>(['O2ONPFibra.OLO_NPRequestService', 'OLO_NPNotificationService']);

export const FTTH_BASE = '/agcom/ftth/v1';

export async function agcomFtthRoutes(app: FastifyInstance, deps: AgcomFtthDeps): Promise<void> {
  const services: Partial<Record<ServiceName, Partial<Record<Operation, Handler>>>> = {
    DonatingMigrationNotify_OLO: {
      WHS_Check_sessione: (m) => deps.donating.checkSession(m),
      WHS_Msg_Donating: (m) => deps.donating.donatingNotice(m),
    },
  };
  if (deps.np) {
    const { recipient, donor } = deps.np;
    services['O2ONPFibra.OLO_NPRequestService'] = { OLO_NPRequest: (m, caller) => donor.request(m, caller) };
    services.OLO_NPNotificationService = { OLO_NPNotification: (m, caller) => recipient.notification(m, caller) };
  }
  const recipient = deps.recipient;
  if (recipient) {
    services.RecipientMigrationNotify_OLO = {
      WHS_StatusUpdateMig: (m) => recipient.receive('WHS_StatusUpdateMig', m),
      WHS_RescheduleMig: (m) => recipient.receive('WHS_RescheduleMig', m),
      WHS_Event: (m) => recipient.receive('WHS_Event', m),
      WHS_CompletionOrderMig: (m) => recipient.receive('WHS_CompletionOrderMig', m),
    };
  }
  const expected = deps.inboundTokenSha256 ? Buffer.from(deps.inboundTokenSha256, 'hex') : undefined;
  const authenticated = (request: FastifyRequest): boolean => {
    const token = bearerToken(request.headers.authorization);
    if (!expected || !token) return false;
    const got = createHash('sha256').update(token).digest();
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const xml = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/xml; charset=utf-8').send(body);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['text/xml', 'application/xml', 'application/soap+xml'], { parseAs: 'buffer', bodyLimit: DEFAULT_MAX_BYTES }, (_req, body, done) => done(null, body));

  for (const [service, handlers] of Object.entries(services) as [ServiceName, Partial<Record<Operation, Handler>>][]) {
    const path = `${FTTH_BASE}/${service}`;
    const wsdl = renderFtthWsdl(service);
    const allowed = serviceOperations(service);

    app.get<{ Querystring: Record<string, string> }>(path, { schema: { hide: true } }, async (request, reply) => {
      const q = request.query;
      if ('wsdl' in q) return xml(reply, 200, wsdl.replace(ADDRESS_PLACEHOLDER, `${request.protocol}://${request.host}${path}`));
      if (q.xsd === 'ftth.xsd') return xml(reply, 200, renderFtthXsd());
      return xml(reply, 400, encodeSoapFault('Client', 'use ?wsdl or ?xsd=ftth.xsd, or POST a SOAP 1.1 request'));
    });

    const np = NP_SERVICE_NAMES.has(service) ? deps.np : undefined;
    app.post(path, { schema: { hide: true } }, async (request, reply) => {
      // the NP services know their callers one by one; the others are the network operator's
      const sender = np ? np.donors.authenticate(bearerToken(request.headers.authorization)) : authenticated(request) ? 'network-operator' : undefined;
      if (np && !sender) {
        request.log.warn({ service }, 'FTTH call refused: not authenticated');
        np.refused?.inc({ peer: 'number-portability', reason: 'unauthenticated' });
        reply.header('www-authenticate', 'Bearer realm="switchgate-agcom-ftth"');
        return xml(reply, 401, encodeSoapFault('Client', 'the bearer token of an operator of agcom.numberPortability.donors is required'));
      }
      if (!sender) {
        request.log.warn({ service }, 'FTTH call refused: not authenticated');
        reply.header('www-authenticate', 'Bearer realm="switchgate-agcom-ftth"');
        return xml(reply, 401, encodeSoapFault('Client', expected ? 'the network operator\'s bearer token is required' : 'no network operator token is configured (agcom.wholesale.inboundTokenSha256)'));
      }
      const d = decodeRequest(request.body as Buffer, allowed);
      if (!d.ok) {
        request.log.info({ service, op: d.op, field: d.problem.field, rule: d.problem.rule }, 'FTTH message refused');
        if (!d.op) return xml(reply, 400, encodeSoapFault('Client', d.problem.message));
        return xml(reply, 200, encodeN12(d.op, { ID_NOTIFICA: (d.notificationId ?? '').slice(0, 100), ESITO: '1', CODICE_MOTIVAZIONE: NACK_CODE_OF_RULE[d.problem.rule], MOTIVAZIONE: d.problem.message.slice(0, 255) }));
      }
      const n12 = await handlers[d.op]!(d.msg, { sender, raw: (request.body as Buffer).toString('utf8') });
      request.log.info({ service, op: d.op, esito: n12.ESITO, code: n12.CODICE_MOTIVAZIONE }, 'FTTH message answered');
      if (np && n12.CODICE_MOTIVAZIONE === NP_REASONS.senderMismatch) np.refused?.inc({ peer: `np:${sender}`, reason: 'sender-mismatch' });
      return xml(reply, 200, encodeN12(d.op, n12));
    });
  }
}
