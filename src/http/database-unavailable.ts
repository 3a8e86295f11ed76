/**
 * The database is away (restart, fail-over, network): nothing can be committed, so nothing may be
 * acknowledged. Every endpoint answers 503 with `Retry-After` in its own format — a problem
 * document (`SG_DATABASE_UNAVAILABLE`) on REST and the JSON wire, a SOAP `Server` fault on the
 * SOAP endpoints — so that CRMs and peers retry instead of treating it as a refusal.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { encodeSoapFault } from '../protocols/wbci/soap-codec.js';
import { problem, sendProblem } from './problem.js';

/** Seconds a client should wait before retrying; a restart of PostgreSQL takes a few. */
export const DATABASE_RETRY_AFTER_S = 5;

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// SQLSTATE 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// what node-postgres says when a connection ends under it (no code is set on these)
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'terminating connection due to administrator command',
  'the database system is',
];

/** True for errors that mean "the database cannot be reached now", not "this statement is wrong". */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (CONNECTION_ERRNOS.has(e.code) || UNAVAILABLE_SQLSTATES.has(e.code) || e.code.startsWith('08'))) return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.some((m) => (e.message as string).includes(m))) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

const SOAP_PATHS = new Set(['/wbci/v1', '/agcom/v1']);

/** Answers the request with a 503 when `err` is the database being away; undefined otherwise. */
export function replyDatabaseUnavailable(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  if (!isDatabaseUnavailable(err)) return undefined;
  request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'database unavailable: answered 503');
  reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
  const path = request.url.split('?')[0] ?? '';
  const detail = 'the database is unavailable; nothing was stored — retry later';
  if (SOAP_PATHS.has(path)) {
    const soap12 = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/soap+xml');
    return reply
      .code(503)
      .type(soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8')
      .send(encodeSoapFault('Server', detail, { soapVersion: soap12 ? '1.2' : '1.1' }));
  }
  return sendProblem(reply, { ...problem(503, 'SG_DATABASE_UNAVAILABLE', detail), instance: request.url });
}
