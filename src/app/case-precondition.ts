/**
 * `If-Match` on a command: the CRM acts only if the case is still at the version it saw.
 *
 * The HTTP layer runs the command inside `withCasePrecondition`; each procedure checks the version
 * where it loads the case for its step (`checkCasePrecondition`). That load feeds the
 * version-guarded write (or holds the row lock), so the check and the write are atomic: if the
 * case changes in between, the guarded write conflicts, the step is retried, the reload sees the
 * new version and the command is refused — nothing is written.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from './errors.js';

export interface CasePrecondition {
  caseId: string;
  /** the versions the CRM accepts; `any` for `If-Match: *` (the case must exist) */
  versions: readonly number[] | 'any';
}

const current = new AsyncLocalStorage<CasePrecondition>();

export function withCasePrecondition<T>(p: CasePrecondition | undefined, fn: () => Promise<T>): Promise<T> {
  return p ? current.run(p, fn) : fn();
}

/** Throws 412 SG_PRECONDITION_FAILED when `row` is the guarded case and not at an accepted version. */
export function checkCasePrecondition(row: { id: string; version: number }): void {
  const p = current.getStore();
  if (!p || p.caseId !== row.id || p.versions === 'any' || p.versions.includes(row.version)) return;
  throw new AppError(412, 'SG_PRECONDITION_FAILED', `${row.id} changed since it was read: it is at version ${row.version} (ETag "${row.version}"); read it again`, [
    { path: '/headers/if-match', rule: 'currentVersion', code: 'SG_PRECONDITION_FAILED', message: `does not match the current ETag "${row.version}"` },
  ]);
}
