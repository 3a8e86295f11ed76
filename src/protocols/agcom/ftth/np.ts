/**
 * Number portability in the FTTH model (italy.md §10.3 N11/N13, §11), pure: the N11 the Recipient
 * sends a Donor for a notice, and what a Donor refuses to release (its N13 KO), with the reasons.
 *
 * The reason codes (CODICE_MOTIVAZIONE ≤3) are switchgate's own — the public model gives none —
 * and are documented in the README next to codes.ts REASONS.
 */
import type { NpNotice, NumberPortabilityRules } from '../number-portability.js';
import type { FtthMessage } from './messages.js';

export const NP_REASONS = {
  /** N12 NACK: the notice's operator code (codiceOperatoreDonor of an N13, codiceOperatoreRec of an N11) is not the authenticated sender's */
  senderMismatch: '020',
  /** N13 KO: the number is not among those of the migration the notice belongs to */
  notOnCase: '201',
  /** N13 KO: the migration the notice belongs to was cancelled or refused */
  caseClosed: '202',
  /** N13 KO: the number is in a range configured as another operator's (agcom.numberPortability.ranges) */
  notHosted: '203',
} as const;

/** N11/N13 carry at most 10 numbers each (numerazioni{dn 1..10}). */
export const MAX_NUMBERS_PER_NOTICE = 10;

/**
 * The N11 messages of one notice: one, or one per 10 numbers (the later ones' idNotifica get a
 * `:2`, `:3`… suffix, so each stays unique and a resend of the notice resends the same ids).
 */
export function n11Of(notice: NpNotice): FtthMessage[] {
  const chunks: string[][] = [];
  for (let i = 0; i < notice.numerazioni.length; i += MAX_NUMBERS_PER_NOTICE) chunks.push(notice.numerazioni.slice(i, i + MAX_NUMBERS_PER_NOTICE));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((numbers, i) => ({
    codiceOperatoreRec: notice.codiceOperatoreRec,
    codiceOrdineWHS: notice.codiceOrdineWHS,
    idNotifica: i === 0 ? notice.idNotifica : `${notice.idNotifica}:${i + 1}`,
    dataNotifica: notice.dataNotifica,
    tipoNotifica: notice.tipoNotifica,
    ...(numbers.length ? { numerazioni: numbers } : {}),
    ...(notice.note ? { note: notice.note } : {}),
  }));
}

/**
 * A number in a comparable form: digits only, the Italian country code dropped (`+39 06 9234552`,
 * `0039069234552` and `069234552` are one number).
 */
export function comparableNumber(n: string): string {
  let d = n.replace(/\D+/g, '');
  if (d.startsWith('0039')) d = d.slice(4);
  else if (d.startsWith('39') && d.length > 10) d = d.slice(2);
  return d;
}

/** What the Donor knows of the migration an N11 belongs to (its donating case), if any. */
export interface NpCaseView {
  id: string;
  numbers: readonly string[];
  /** the case ended without a migration: cancelled (annullamento) or refused */
  closed?: 'cancelled' | 'rejected';
}

export interface NpRefusal {
  code: string;
  reason: string;
  numbers: string[];
}

/**
 * The numbers a Donor cannot release for an N11 `01`/`02`, grouped by reason (one N13 per group):
 * all of them when the migration was cancelled or refused; else each number configured as another
 * operator's range; else, when the notice belongs to a migration, each number not among its
 * numbers. A `03` (the migration failed) asks nothing of the Donor: no refusal.
 *
 * Only explicit ranges count as "another operator's" — not `defaultDonor`, which on a gateway that
 * is also a Recipient names the Donor of everything it does not know, its own numbers included.
 */
export function releaseRefusals(tipoNotifica: string, numbers: readonly string[], ctx: { self: string; rules: NumberPortabilityRules; case?: NpCaseView }): NpRefusal[] {
  if (tipoNotifica === '03' || numbers.length === 0) return [];
  if (ctx.case?.closed) return [{ code: NP_REASONS.caseClosed, reason: `the migration ${ctx.case.id} was ${ctx.case.closed}`, numbers: [...numbers] }];
  const onCase = ctx.case ? new Set(ctx.case.numbers.map(comparableNumber)) : undefined;
  const byCode = new Map<string, NpRefusal>();
  const refuse = (code: string, reason: string, n: string) => {
    const r = byCode.get(code) ?? { code, reason, numbers: [] };
    r.numbers.push(n);
    byCode.set(code, r);
  };
  for (const n of numbers) {
    const owner = rangeOwner(n, ctx.rules);
    if (owner !== undefined && owner !== ctx.self) refuse(NP_REASONS.notHosted, `not a number of ${ctx.self}: its range is ${owner}'s`, n);
    else if (onCase && !onCase.has(comparableNumber(n))) refuse(NP_REASONS.notOnCase, `not among the numbers of the migration ${ctx.case!.id}`, n);
  }
  return [...byCode.values()];
}

/** The operator of the longest configured range holding `n` (no default). */
function rangeOwner(n: string, rules: NumberPortabilityRules): string | undefined {
  const d = comparableNumber(n);
  let best: { prefix: string; donor: string } | undefined;
  for (const r of rules.ranges) if (d.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  return best?.donor;
}
