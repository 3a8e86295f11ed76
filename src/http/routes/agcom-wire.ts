/**
 * East-west AGCOM endpoints (italy.md §9.2), all answered synchronously with the file Reply 00–06:
 *
 * - `POST /agcom/v1/upload`: the upload servlet. `Operatore`, `TipoFile`, `FileName` as
 *   multipart/form-data fields next to the file part (any part with a `filename`, or named `file`),
 *   or as query parameters with the XML file as the body (`application/xml`, `text/xml`,
 *   `application/octet-stream`). Answered with the XML `Reply`.
 * - `POST /agcom/v1/json`: the same upload as JSON (app/agcom/wire.ts), answered `{ "Reply": … }`.
 * - `POST /agcom/v1`: SOAP 1.1 `caricaFile`; WSDL at `GET /agcom/v1?wsdl`, XSDs at `?xsd=<name>`.
 *
 * A file is acknowledged (00) only after every record in it is committed; a crash before that
 * makes the partner send it again, and each record is deduplicated. Record-level problems do not
 * fail the file: a request or change is answered later by an xml2 KO, as the Donating owes it.
 * Reply codes are carried with HTTP 200 (the servlet convention), except 06 (500) and failed
 * authentication (401/403, Reply 02). A partner authenticates with its bearer token as WBCI peers
 * do, and may use any of the three forms whatever its configured `agcom-*` protocol (which says
 * only how this gateway sends to it).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AgcomService, AgcomReceiveOutcome } from '../../app/agcom/service.js';
import {
  decodeSoapUpload,
  encodeJsonReply,
  encodeSoapFault,
  encodeSoapReply,
  jsonToFile,
  parseMultipart,
  rawOfRecord,
  recordSlices,
  replyOf,
} from '../../app/agcom/wire.js';
import { AGCOM_PROTOCOLS } from '../../config/agcom-config.js';
import { checkUpload, DEFAULT_MAX_FILE_BYTES, encodeReply, REPLY_CODES, type FileKind, type Reply, type UploadParams } from '../../protocols/agcom/files.js';
import type { PeerDirectory } from '../peer-auth.js';
import { problem, sendProblem } from '../problem.js';
import { jsonBodyParser } from '../json-body.js';
import { sendEdgeError } from '../edge-errors.js';

export interface AgcomWireDeps {
  agcom: AgcomService;
  peers: PeerDirectory;
  log: Logger;
  /** largest accepted file (default 2 MiB, files.ts) */
  maxBytes?: number;
}

const WSDL_FILE = new URL('../../../wsdl/agcom.wsdl', import.meta.url);
const XSD_DIR = new URL('../../../schemas/agcom/', import.meta.url);
const XSDS = new Set(['xml1.xsd', 'xml2.xsd', 'xml3.xsd', 'reply.xsd']);

type Form = 'file' | 'json' | 'soap';

interface Handled {
  status: number;
  reply: Reply;
}

export async function agcomWireRoutes(app: FastifyInstance, deps: AgcomWireDeps): Promise<void> {
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  // room for multipart framing and base64 (4/3)
  const bodyLimit = Math.ceil(maxBytes * 1.4) + 64 * 1024;
  const { agcom } = deps;
  const settings = agcom.settings;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/octet-stream', 'multipart/form-data'], { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, jsonBodyParser);

  /** Authenticates, checks the upload (02, 01, 03, 04, 05), then commits every record. */
  async function handle(request: FastifyRequest, params: UploadParams, body: string | Uint8Array | undefined, form: Form): Promise<Handled> {
    const log = request.log;
    // blank content is no file (04), whatever carried it
    const content = body !== undefined && (typeof body === 'string' ? body : Buffer.from(body).toString('utf8')).trim() !== '' ? body : undefined;
    const operator = params.Operatore?.trim() ?? '';
    const partner = settings.byOperator(operator);
    if (partner) {
      const auth = deps.peers.authenticate(request, partner.carrierCode, AGCOM_PROTOCOLS);
      if (!auth.ok) {
        deps.peers.refuse(request, auth, 'AGCOM upload');
        return { status: auth.status, reply: replyOf(params, '02', `${REPLY_CODES['02']}: ${auth.detail}`) };
      }
    }
    const checked = checkUpload(params, content, {
      self: settings.operatorCode,
      partner: (op) => {
        const p = settings.byOperator(op);
        return p ? { naming: p.naming } : undefined;
      },
      values: partner?.values,
      strictLayout: partner?.strictLayout,
      maxRecords: settings.maxRecordsPerFile,
      maxBytes,
    });
    if (checked.code !== '00' || !checked.decoded || !checked.name || !partner) {
      const first = checked.issues[0];
      log.info({ operator, file: params.FileName, code: checked.code, path: first?.path, rule: first?.rule }, 'AGCOM upload refused');
      return { status: 200, reply: replyOf(params, checked.code, first ? `${REPLY_CODES[checked.code]}: ${first.message}`.slice(0, 255) : undefined) };
    }
    const { decoded, name } = checked;
    const text = typeof content === 'string' ? content : Buffer.from(content!).toString('utf8');
    const slices = recordSlices(text, decoded.kind);
    const records = decoded.records as { index: number; orderId?: string; message?: unknown; issues: { path: string; rule: string; code: string; message: string; severity?: 'error' | 'warning' }[] }[];
    const fileName = params.FileName!.trim();
    const rawFormat = form;
    let refused = 0;
    try {
      for (const r of records) {
        const raw = slices.length === records.length ? rawOfRecord(fileName, r.index, records.length, slices[r.index]) : rawOfRecord(fileName, r.index, records.length, text);
        const meta = { peer: partner.carrierCode, raw, rawFormat };
        let outcome: AgcomReceiveOutcome;
        if (r.message) {
          outcome = await agcom.receive(r.message as Parameters<AgcomService['receive']>[0], meta);
        } else {
          const xml1 = decoded.kind === 'xml1';
          outcome = await agcom.receiveUnreadable(
            { orderId: r.orderId!, kind: decoded.kind as FileKind, issues: r.issues, sender: name.sender, recipient: xml1 ? name.sender : name.receiver, donating: xml1 ? name.receiver : name.sender },
            meta,
          );
        }
        if (outcome.status !== 'accepted') refused++;
        if (outcome.status === 'invalid') log.warn({ file: fileName, record: r.index, code: outcome.code, path: outcome.issues[0]?.path }, 'AGCOM record not accepted');
      }
    } catch (err) {
      log.error({ err, file: fileName }, 'AGCOM upload: processing failed');
      return { status: 500, reply: replyOf(params, '06') };
    }
    log.info({ operator, file: fileName, kind: decoded.kind, records: records.length, refused }, 'AGCOM file received');
    return { status: 200, reply: replyOf(params, '00') };
  }

  /**
   * A caller whose credentials belong to no partner (and no open partner exists) is refused before
   * its body is read, in the endpoint's own answer format; the rest is checked against the operator
   * its upload names in `handle`.
   */
  const identifyFirst = (form: Form) => async (request: FastifyRequest, reply: FastifyReply) => {
    const identity = deps.peers.identify(request, AGCOM_PROTOCOLS);
    if (identity.ok !== false) return;
    deps.peers.refuse(request, identity, 'AGCOM upload');
    const params: UploadParams = {};
    const q = (request.query ?? {}) as Record<string, string>;
    for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) if (typeof q[k] === 'string') params[k] = q[k];
    const r = replyOf(params, '02', `${REPLY_CODES['02']}: ${identity.detail}`);
    if (form === 'json') return reply.code(identity.status).send(encodeJsonReply(r));
    if (form === 'soap') return reply.code(identity.status).type('text/xml; charset=utf-8').send(encodeSoapReply(r));
    return reply.code(identity.status).type('application/xml; charset=utf-8').send(encodeReply(r));
  };

  const sendXmlReply = (reply: FastifyReply, h: Handled) => reply.code(h.status).type('application/xml; charset=utf-8').send(encodeReply(h.reply));

  app.post<{ Querystring: Record<string, string> }>('/agcom/v1/upload', { schema: { hide: true }, onRequest: identifyFirst('file') }, async (request, reply) => {
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    const q = request.query ?? {};
    const fromQuery: UploadParams = {};
    for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) {
      const v = q[k] ?? headerValue(request, `x-agcom-${k.toLowerCase()}`);
      if (v !== undefined) fromQuery[k] = v;
    }
    if (ct.startsWith('multipart/form-data')) {
      const parsed = parseMultipart((request.body as Buffer | undefined) ?? Buffer.alloc(0), request.headers['content-type'] ?? '');
      if ('error' in parsed) return sendXmlReply(reply, { status: 200, reply: replyOf(fromQuery, '05', `${REPLY_CODES['05']}: ${parsed.error}`) });
      const params: UploadParams = { ...fromQuery };
      for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) if (parsed.fields[k] !== undefined) params[k] = parsed.fields[k];
      return sendXmlReply(reply, await handle(request, params, parsed.file, 'file'));
    }
    return sendXmlReply(reply, await handle(request, fromQuery, (request.body as Buffer | undefined) ?? undefined, 'file'));
  });

  app.post('/agcom/v1/json', { schema: { hide: true }, onRequest: identifyFirst('json') }, async (request, reply) => {
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('application/json')) return sendProblem(reply, problem(415, 'SG_UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json'));
    const body = jsonToFile(request.body);
    let h: Handled;
    if (!body.ok) {
      const first = body.issues[0]!;
      // the partner must still be the one it claims before it learns anything about the file
      const partner = settings.byOperator(body.params.Operatore ?? '');
      const auth = partner ? deps.peers.authenticate(request, partner.carrierCode, AGCOM_PROTOCOLS) : undefined;
      if (auth && !auth.ok) deps.peers.refuse(request, auth, 'AGCOM upload');
      h = !partner
        ? { status: 200, reply: replyOf(body.params, '02') }
        : auth && !auth.ok
          ? { status: auth.status, reply: replyOf(body.params, '02', `${REPLY_CODES['02']}: ${auth.detail}`) }
          : { status: 200, reply: replyOf(body.params, '05', `${REPLY_CODES['05']}: ${first.path || '/'} ${first.message}`) };
    } else {
      h = await handle(request, body.params, body.xml, 'json');
    }
    return reply.code(h.status).send(encodeJsonReply(h.reply));
  });

  app.get<{ Querystring: Record<string, string> }>('/agcom/v1', { schema: { hide: true } }, async (request, reply) => {
    const q = request.query;
    if ('wsdl' in q) {
      const address = `${request.protocol}://${request.host}/agcom/v1`;
      return reply.type('text/xml; charset=utf-8').send(readFileSync(WSDL_FILE, 'utf8').replace('{{ADDRESS}}', address));
    }
    if (q.xsd) {
      if (!XSDS.has(q.xsd)) return sendEdgeError(request, reply, problem(404, 'SG_NOT_FOUND', `no schema ${q.xsd} (known: ${[...XSDS].join(', ')})`));
      return reply.type('text/xml; charset=utf-8').send(readFileSync(new URL(q.xsd, XSD_DIR), 'utf8'));
    }
    return sendEdgeError(request, reply, problem(400, 'SG_BAD_REQUEST', 'use ?wsdl, or POST a SOAP caricaFile'));
  });

  app.post('/agcom/v1', { schema: { hide: true }, onRequest: identifyFirst('soap') }, async (request, reply) => {
    const xml = (status: number, body: string) => reply.code(status).type('text/xml; charset=utf-8').send(body);
    const ct = (request.headers['content-type'] ?? '').toLowerCase();
    if (!ct.startsWith('text/xml')) return xml(415, encodeSoapFault('Client', 'Content-Type must be text/xml (SOAP 1.1)'));
    const decoded = decodeSoapUpload(request.body as Buffer, bodyLimit);
    if (!decoded.ok) return xml(500, encodeSoapFault('Client', decoded.message));
    const h = await handle(request, decoded.params, decoded.file, 'soap');
    return xml(h.status, encodeSoapReply(h.reply));
  });
}


function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
