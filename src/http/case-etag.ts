/**
 * ETag / If-Match on cases. A case's ETag is its version (`"7"`), which every step increments;
 * reads send it, commands send the new one, and a command with `If-Match` runs only on that
 * version (src/app/case-precondition.ts makes the check atomic with the write).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../app/errors.js';
import { withCasePrecondition, type CasePrecondition } from '../app/case-precondition.js';

export const etagOf = (version: number): string => `"${version}"`;

/** Sets the ETag of the case an answer carries. */
export function sendsCase(reply: FastifyReply, row: { version: number }): void {
  reply.header('etag', etagOf(row.version));
}

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e]*)"$/;

/** The versions `If-Match` accepts (RFC 9110 §13.1.1: strong comparison, so weak tags match nothing). */
export function ifMatchOf(request: FastifyRequest, caseId: string): CasePrecondition | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw.join(',') : raw).trim();
  if (value === '*') return { caseId, versions: 'any' };
  const versions: number[] = [];
  for (const part of value.split(',')) {
    const m = ENTITY_TAG.exec(part.trim());
    if (!m) {
      throw new AppError(400, 'SG_INVALID_REQUEST', '/headers/if-match: must be "*" or a list of entity tags such as "7", as sent in ETag', [
        { path: '/headers/if-match', rule: 'entityTag', code: 'SG_SCHEMA', message: 'must be "*" or a list of quoted entity tags such as "7"' },
      ]);
    }
    if (!m[1] && /^[0-9]{1,15}$/.test(m[2]!)) versions.push(Number(m[2]));
  }
  return { caseId, versions };
}

/** Runs a command on case `caseId` under the request's If-Match, if it sent one. */
export function underIfMatch<T>(request: FastifyRequest, caseId: string, run: () => Promise<T>): Promise<T> {
  return withCasePrecondition(ifMatchOf(request, caseId), run);
}

export const ifMatchHeaderSchema = {
  type: 'string',
  maxLength: 1024,
  description: 'Run the command only if the case is still at this ETag (from GET); otherwise 412 SG_PRECONDITION_FAILED and nothing changes',
} as const;
