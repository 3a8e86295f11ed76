/**
 * One error format per endpoint. Whatever fails — the router (404, 405, 414, bad URL encoding),
 * a body parser (bad JSON, media type, encoding, size), the input guard, a timeout, load shedding
 * or a handler — the answer has the format of the endpoint that was hit:
 *
 * - SOAP endpoints (`/wbci/v1`, `/agcom/v1`): a SOAP fault (1.2 when the request was SOAP 1.2 on
 *   `/wbci/v1`), its faultstring starting with the machine code;
 * - the AGCOM upload servlet (`/agcom/v1/upload`): the XML `Reply` (05, or 01/02/03 for the
 *   parameter at fault; 06 for 5xx);
 * - everything else (REST `/v1…`, the JSON wire `/wbci/v1/json`, `/agcom/v1/json`,
 *   `/wholesale/v1…`, health, docs): an RFC 9457 problem document with a `code`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { encodeSoapFault as encodeWbciFault } from '../protocols/wbci/soap-codec.js';
import { encodeSoapFault as encodeAgcomFault, replyOf } from '../app/agcom/wire.js';
import { encodeReply, REPLY_CODES, type ReplyCode, type UploadParams } from '../protocols/agcom/files.js';
import { CONTROL_STRICT as HAS_CONTROL } from './input-guard.js';
import { errorProblem, problem, sendProblem, type Problem } from './problem.js';

export type EdgeFormat = 'problem' | 'soap-wbci' | 'soap-agcom' | 'agcom-reply';

const SOAP_WBCI = '/wbci/v1';
const SOAP_AGCOM = '/agcom/v1';
const AGCOM_UPLOAD = '/agcom/v1/upload';

/** The format of the endpoint a (raw, possibly undecodable) URL names. */
export function edgeFormatOf(url: string): EdgeFormat {
  let path = url.split('?')[0] ?? '';
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path === SOAP_WBCI) return 'soap-wbci';
  if (path === SOAP_AGCOM) return 'soap-agcom';
  if (path === AGCOM_UPLOAD) return 'agcom-reply';
  return 'problem';
}

/** Answers `p` in the format of the endpoint `request` hit. */
export function sendEdgeError(request: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
  const format = edgeFormatOf(request.raw.url ?? request.url);
  if (format === 'problem') return sendProblem(reply, { ...p, instance: p.instance ?? safeInstance(request) });
  const text = `${p.code}: ${p.detail ?? p.title}`;
  if (format === 'soap-wbci') {
    const soap12 = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/soap+xml');
    return reply
      .code(p.status)
      .type(soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8')
      .send(encodeWbciFault(p.status >= 500 ? 'Server' : 'Client', text, { soapVersion: soap12 ? '1.2' : '1.1' }));
  }
  if (format === 'soap-agcom') {
    return reply.code(p.status).type('text/xml; charset=utf-8').send(encodeAgcomFault(p.status >= 500 ? 'Server' : 'Client', text));
  }
  const code = replyCodeOf(p);
  const description = `${REPLY_CODES[code]}: ${text}`.slice(0, 255);
  return reply.code(p.status).type('application/xml; charset=utf-8').send(encodeReply(replyOf(uploadParamsOf(request), code, description)));
}

/** The error handler of the whole application: every thrown error through `sendEdgeError`. */
export function edgeErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const p = errorProblem(error, request);
  if (p.status >= 500 && p.code === 'SG_INTERNAL') request.log.error({ err: error }, 'unhandled error');
  return sendEdgeError(request, reply, p);
}

/**
 * Router-level errors fastify raises before any route is found (`frameworkErrors`): a URL that
 * does not decode (`%ff%fe`) and a path parameter longer than `maxParamLength` (414).
 */
export function edgeFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendEdgeError(request, reply, problem(414, 'SG_URI_TOO_LONG', 'a path segment is longer than the longest id the API knows'));
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendEdgeError(request, reply, problem(400, 'SG_BAD_URL', 'the URL is not valid percent-encoded UTF-8'));
  }
  request.log.error({ err: error }, 'router error');
  return sendEdgeError(request, reply, problem(500, 'SG_INTERNAL', 'an internal error occurred; it has been logged'));
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** 404 for a path no route has; 405 with `Allow` when the path exists for other methods. */
export function edgeNotFoundHandler(app: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = METHODS.filter((m) => m !== request.method && app.findRoute({ method: m, url: path }) !== null);
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      return sendEdgeError(request, reply, problem(405, 'SG_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`));
    }
    return sendEdgeError(request, reply, problem(404, 'SG_ROUTE_NOT_FOUND', `no route ${request.method} ${path}`));
  };
}

function replyCodeOf(p: Problem): ReplyCode {
  if (p.status >= 500) return '06';
  const param = /^\/query\/(Operatore|FileName|TipoFile)$/.exec(p.errors?.[0]?.path ?? '')?.[1];
  return param === 'Operatore' ? '02' : param === 'FileName' ? '01' : param === 'TipoFile' ? '03' : '05';
}

/** The upload's parameters as far as they are readable and printable (they are echoed in the Reply). */
function uploadParamsOf(request: FastifyRequest): UploadParams {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const out: UploadParams = {};
  for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) {
    const v = q[k];
    if (typeof v === 'string' && v.length <= 64 && !HAS_CONTROL.test(v)) out[k] = v;
  }
  return out;
}

function safeInstance(request: FastifyRequest): string | undefined {
  const url = request.url.split('?')[0] ?? '';
  return url.length <= 256 && !HAS_CONTROL.test(url) ? url : undefined;
}
