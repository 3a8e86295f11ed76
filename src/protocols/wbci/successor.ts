/**
 * Which cancelled VA a new VA succeeds (after ERLM to STR-AEN, wbci.md §6.2). WBCI v2 has no link on
 * the wire (§4, §16.5): switchgate links by an explicit reference where one exists (its delivery
 * header, or `replaces` from the CRM), and otherwise only when exactly one waiting case carries the
 * full identifying data of the new VA — customer, location and numbers / line — within the
 * successor window (D11). Anything less certain is the CRM's decision, never an automatic refusal.
 */
import type { WbciCaseState } from './case-state.js';
import { successorDueAt, type DeadlineContext } from './deadlines.js';
import type { VaRequest } from './types.js';

export type SuccessorMatch =
  | { kind: 'linked'; predecessor: WbciCaseState }
  /** cancelled VAs of the same customer that might be the predecessor: the CRM links or not */
  | { kind: 'ambiguous'; candidates: string[]; reason: string }
  | { kind: 'none' };

/** JSON with sorted keys, so that field order (wire vs. jsonb) does not matter. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The numbers or line a VA is about, independent of order and porting window. */
function lineOf(va: VaRequest): unknown {
  if ('numbers' in va && va.numbers) {
    const n = va.numbers;
    return n.kind === 'single' ? { single: n.list.map((x) => `${x.areaCode}/${x.number}`).sort() } : { block: canonical({ ...n, portingWindow: undefined }) };
  }
  return 'lineIdentification' in va ? (va.lineIdentification ?? null) : null;
}

export const sameCustomer = (a: VaRequest, b: VaRequest): boolean => canonical(a.customer) === canonical(b.customer);

/** Customer, location and numbers / line all equal. */
export function sameIdentity(a: VaRequest, b: VaRequest): boolean {
  const loc = (v: VaRequest) => ('location' in v ? (v.location ?? null) : null);
  return sameCustomer(a, b) && canonical(loc(a)) === canonical(loc(b)) && canonical(lineOf(a)) === canonical(lineOf(b));
}

/**
 * The predecessor of `va` among the cases `waiting` (REPLACED cases of the same partner), or the
 * candidates the CRM has to choose from.
 */
export function matchSuccessor(va: VaRequest, waiting: readonly WbciCaseState[], now: Date, ctx: DeadlineContext): SuccessorMatch {
  const open = waiting.filter((s) => {
    if (s.state !== 'REPLACED' || s.replacedBy !== undefined || s.vaId === va.vaId) return false;
    const due = successorDueAt(s, ctx);
    return due === null || now.getTime() <= due.getTime();
  });
  const customer = open.filter((s) => sameCustomer(s.va, va));
  const full = customer.filter((s) => sameIdentity(s.va, va));
  if (full.length === 1) return { kind: 'linked', predecessor: full[0]! };
  if (customer.length === 0) return { kind: 'none' };
  return {
    kind: 'ambiguous',
    candidates: customer.map((s) => s.vaId),
    reason:
      full.length > 1
        ? `${full.length} cancelled VAs of this customer carry the same location and numbers`
        : 'a cancelled VA of this customer waits for its successor, but location or numbers differ',
  };
}
