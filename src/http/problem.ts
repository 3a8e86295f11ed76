/**
 * RFC 9457 problem documents. Every error the API returns is one of these, with a stable
 * machine `code` and, for validation failures, the offending fields.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { AppError } from '../app/errors.js';
import type { Issue } from '../domain/issues.js';
import { ajvIssues } from '../schemas/ajv-issues.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  errors?: Issue[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_TYPE_BASE = 'https://switchgate.dev/problems/';

/** A problem lists at most this many issues: 200 000 wrong array items must not make a 20 MB answer. */
export const MAX_PROBLEM_ERRORS = 50;

export function problem(status: number, code: string, detail?: string, errors?: Issue[]): Problem {
  if (errors && errors.length > MAX_PROBLEM_ERRORS) {
    detail = `${detail ?? ''} (${errors.length} issues; the first ${MAX_PROBLEM_ERRORS} are listed)`.trim();
    errors = errors.slice(0, MAX_PROBLEM_ERRORS);
  }
  return {
    type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/_/g, '-'),
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
    ...(errors && errors.length ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(p);
}

/**
 * ajv errors of one part of the request (body, querystring, params, headers) → field issues.
 * Query parameters are named `/query/<name>` (the OpenAPI `in: query`), not by fastify's part name.
 */
export function schemaIssues(errors: ErrorObject[], root: string): Issue[] {
  return ajvIssues(errors, { code: 'SG_SCHEMA', pathPrefix: root === 'body' ? '' : root === 'querystring' ? '/query' : `/${root}` });
}

/** The problem document for anything thrown while handling a request. */
export function errorProblem(error: FastifyError | AppError | Error, request: FastifyRequest): Problem {
  if (error instanceof AppError) {
    const p = problem(error.status, error.code, error.message, error.issues);
    p.instance = request.url;
    return p;
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const issues = schemaIssues(fe.validation as ErrorObject[], fe.validationContext ?? 'body');
    const first = issues[0];
    return problem(400, 'SG_INVALID_REQUEST', first ? `${first.path || '/'}: ${first.message}` : 'the request does not match its schema', issues);
  }
  if (fe.code === 'FST_ERR_HANDLER_TIMEOUT') return problem(503, 'SG_TIMEOUT', 'the request took too long and was abandoned; try again');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'SG_UNSUPPORTED_MEDIA_TYPE'
      : fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'SG_BODY_TOO_LARGE'
      : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError ? 'SG_MALFORMED_BODY'
      : fe.code?.startsWith('SG_') ? fe.code
      : 'SG_BAD_REQUEST';
    return problem(fe.statusCode, code, fe.message);
  }
  return problem(500, 'SG_INTERNAL', 'an internal error occurred; it has been logged');
}

export function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
  const p = errorProblem(error, request);
  if (p.code === 'SG_INTERNAL') request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, p);
}
