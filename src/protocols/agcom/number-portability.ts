/**
 * Number portability alongside a migration (italy.md §10.3 N11, §11): the Recipient tells each
 * number's Donor (the operator holding its range, not necessarily the Donating) that the numbers
 * will be ported (`01` pre-notice, once phase 2 succeeded), then that they were (`02`, the
 * wholesale order completed) or were not (`03`, the order failed). Pure: ids and time come in.
 *
 * The shape follows the N11 field list (codiceOperatoreRec, codiceOrdineWHS, idNotifica,
 * dataNotifica, tipoNotifica, numerazioni, note) plus the Donor's code: sent as JSON
 * (schemas/agcom/np-notice.json) or as the FTTH N11 itself (ftth/np.ts n11Of).
 */
import type { AgcomCaseState } from './case-state.js';
import type { OperatorCode } from './types.js';

export interface NumberPortabilityRules {
  defaultDonor?: OperatorCode;
  ranges: readonly { prefix: string; donor: OperatorCode }[];
}

export const NP_NOTICE_TYPES = { preNotice: '01', executed: '02', failed: '03' } as const;
export type NpNoticeType = (typeof NP_NOTICE_TYPES)[keyof typeof NP_NOTICE_TYPES];

export interface NpNotice {
  codiceOperatoreRec: OperatorCode;
  codiceOperatoreDonor: OperatorCode;
  /** the wholesale order: the provider's id once known, else the CodiceOrdineRecipient (≤ 18) */
  codiceOrdineWHS: string;
  /** unique per notice (≤ 100) */
  idNotifica: string;
  dataNotifica: string;
  tipoNotifica: NpNoticeType;
  /** 1..10 numbers of this Donor */
  numerazioni: string[];
  note?: string;
}

/** The Donor of a number: the longest matching range prefix, else the default; undefined: unknown. */
export function donorOf(number: string, rules: NumberPortabilityRules): OperatorCode | undefined {
  let best: { prefix: string; donor: OperatorCode } | undefined;
  for (const r of rules.ranges) {
    if (number.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best?.donor ?? rules.defaultDonor;
}

/**
 * The notices of one step, one per Donor, numbers in request order. Numbers whose Donor is the
 * Recipient itself need no portability, numbers of no known Donor get none (the caller reports them).
 */
export function npNotices(
  s: AgcomCaseState,
  type: NpNoticeType,
  ctx: { rules: NumberPortabilityRules; at: string; wholesaleOrderId?: string; note?: string },
): { notices: NpNotice[]; unknown: string[] } {
  const byDonor = new Map<OperatorCode, string[]>();
  const unknown: string[] = [];
  for (const n of s.request.numbers) {
    const donor = donorOf(n, ctx.rules);
    if (donor === undefined) unknown.push(n);
    else if (donor !== s.recipient) byDonor.set(donor, [...(byDonor.get(donor) ?? []), n]);
  }
  const notices = [...byDonor.entries()].map(([donor, numbers]) => ({
    codiceOperatoreRec: s.recipient,
    codiceOperatoreDonor: donor,
    // a provider id longer than the field holds is not cut (it would name another order)
    codiceOrdineWHS: ctx.wholesaleOrderId && ctx.wholesaleOrderId.length <= 18 ? ctx.wholesaleOrderId : s.orderId,
    idNotifica: `${s.orderId}:${type}:${donor}`,
    dataNotifica: ctx.at,
    tipoNotifica: type,
    numerazioni: numbers,
    ...(ctx.note ? { note: ctx.note.slice(0, 255) } : {}),
  }));
  return { notices, unknown };
}
