/**
 * From a WBCI Vorabstimmung to the phase-3 order (wbci.md §12, §14.6): when the order is due,
 * which WITA-style order type it is, and what it carries. Pure; time and calendar come in.
 *
 * When is phase 2 successful (recipient side only)?
 * - VA-RRNP: as soon as the RUEM-VA is received.
 * - VA-KUE-*: RUEM-VA received AND AKM-TR sent AND not rejected. WBCI has no positive answer to
 *   an AKM-TR (wbci.md §1), so "not rejected" means: no ABBM-TR arrived within the rules'
 *   `akmTrRejectionTimeoutWorkingDays` (the machine's `akmTrRejection` deadline, end of the n-th
 *   working day after the AKM-TR). The order becomes due on the first tick after that deadline;
 *   with the setting 0 the AKM-TR counts as accepted at once and the order is due when it is sent.
 *   An ABBM-TR before that (akmTr.status `rejected`) stops it until a corrected AKM-TR runs its
 *   own window.
 * - Never while a Storno is open (it would most likely cancel the order right away: the order
 *   follows once the Storno is refused), never after the case ended, never once the agreed
 *   Wechseltermin has passed.
 */
import type { WorkingDayCalendar } from '../domain/calendar.js';
import type { Issue } from '../domain/issues.js';
import type { AgcomCaseState } from '../protocols/agcom/case-state.js';
import type { WbciCaseState } from '../protocols/wbci/case-state.js';
import { akmTrRejectionDueAt } from '../protocols/wbci/deadlines.js';
import type { WbciRules } from '../protocols/wbci/rules.js';
import { isKue } from '../protocols/wbci/types.js';
import type { OrderLine, OrderNumbers, OrderSite, OrderType, WholesaleOrderRequest } from './types.js';

export interface ReadinessContext {
  now: Date;
  calendar: WorkingDayCalendar;
  rules: WbciRules;
}

/** Why no order can be placed now; every code is answered as a 409 by the manual endpoint. */
export const READINESS_CODES = [
  'SG_WHOLESALE_NOT_RECIPIENT',
  'SG_WHOLESALE_PHASE2_PENDING',
  'SG_WHOLESALE_PHASE2_REJECTED',
  'SG_WHOLESALE_PHASE2_CANCELLED',
  'SG_WHOLESALE_CASE_COMPLETED',
  'SG_WHOLESALE_STORNO_OPEN',
  'SG_WHOLESALE_AKM_TR_MISSING',
  'SG_WHOLESALE_AKM_TR_REJECTED',
  'SG_WHOLESALE_AKM_TR_WINDOW_OPEN',
  'SG_WHOLESALE_SWITCH_DATE_PASSED',
] as const;
export type ReadinessCode = (typeof READINESS_CODES)[number];

export type Readiness =
  | { due: true }
  | {
      due: false;
      code: ReadinessCode;
      message: string;
      /** when the order may become due by time alone (the end of the AKM-TR rejection window) */
      dueAfter?: string;
    };

const notYet = (code: ReadinessCode, message: string, dueAfter?: Date): Readiness => ({
  due: false,
  code,
  message,
  ...(dueAfter ? { dueAfter: dueAfter.toISOString() } : {}),
});

/** Whether phase 2 of `s` has succeeded so that the phase-3 order is due now. */
export function wbciOrderReadiness(s: WbciCaseState, ctx: ReadinessContext): Readiness {
  if (s.role !== 'recipient') {
    return notYet('SG_WHOLESALE_NOT_RECIPIENT', `${s.vaId} is a case of the donating side; the recipient ${s.recipient} orders`);
  }
  switch (s.state) {
    case 'REJECTED':
      return notYet('SG_WHOLESALE_PHASE2_REJECTED', `the VA ${s.vaId} was rejected (ABBM): phase 2 did not succeed`);
    case 'CANCELLED':
    case 'REPLACED':
    case 'REPLACED_EXPIRED':
      return notYet('SG_WHOLESALE_PHASE2_CANCELLED', `the VA ${s.vaId} was cancelled by Storno (${s.state})`);
    case 'COMPLETED':
      return notYet('SG_WHOLESALE_CASE_COMPLETED', `the VA ${s.vaId} is closed: its Wechseltermin ${s.switchDate ?? ''} has passed`);
    case 'AWAITING_ANSWER':
      return notYet('SG_WHOLESALE_PHASE2_PENDING', `the VA ${s.vaId} has no RUEM-VA yet`);
    case 'AGREED':
    case 'TR_NOTIFIED':
      break;
  }
  if (s.openChange && s.openChange.kind !== 'TVS-VA') {
    return notYet('SG_WHOLESALE_STORNO_OPEN', `${s.openChange.kind} ${s.openChange.id} is open; the order waits for its answer`);
  }
  if (s.switchDate && ctx.calendar.today(ctx.now) > s.switchDate) {
    return notYet('SG_WHOLESALE_SWITCH_DATE_PASSED', `the Wechseltermin ${s.switchDate} has passed`);
  }
  if (!isKue(s.type)) return { due: true };
  if (s.akmTr.status === 'none') {
    return notYet('SG_WHOLESALE_AKM_TR_MISSING', `a ${s.type} needs the AKM-TR before the order`);
  }
  if (s.akmTr.status === 'rejected') {
    return notYet('SG_WHOLESALE_AKM_TR_REJECTED', `the AKM-TR of ${s.vaId} was rejected (ABBM-TR); a corrected AKM-TR is needed`);
  }
  const windowEnd = akmTrRejectionDueAt(s, ctx);
  if (windowEnd && ctx.now.getTime() <= windowEnd.getTime()) {
    return notYet(
      'SG_WHOLESALE_AKM_TR_WINDOW_OPEN',
      `the AKM-TR of ${s.vaId} may still be rejected until ${windowEnd.toISOString()} (${ctx.rules.akmTrRejectionTimeoutWorkingDays} working days)`,
      new Date(windowEnd.getTime() + 1),
    );
  }
  return { due: true };
}

// ---------------------------------------------------------------------------------------------
// Order type (wbci.md §12, M-net's mapping, tag O)

export interface OrderTypeRules {
  /** donating carriers that are the wholesale incumbent themselves: always VBL */
  incumbents: readonly string[];
  /** technology codes (first three digits) of a TAL: a taken-over line is a Providerwechsel */
  providerwechselTechnologies: readonly string[];
  /** technology codes switched as Verbundleistung (CLS / ADSL SH) */
  verbundleistungTechnologies: readonly string[];
}

export const DEFAULT_ORDER_TYPE_RULES: Readonly<OrderTypeRules> = Object.freeze({
  incumbents: ['DEU.DTAG'],
  providerwechselTechnologies: ['001', '002', '003'],
  verbundleistungTechnologies: ['007'],
});

/** The order type and the rule that chose it. */
export function wbciOrderType(s: WbciCaseState, rules: OrderTypeRules = DEFAULT_ORDER_TYPE_RULES): { type: OrderType; basis: string } {
  if (s.type === 'VA-RRNP') return { type: 'NUMBER_EXPORT', basis: 'VA-RRNP: numbers only, the line is not taken over' };
  if (rules.incumbents.includes(s.donating)) {
    return { type: 'VERBUNDLEISTUNG', basis: `the donating carrier ${s.donating} is the incumbent: VBL with its (pseudo) contract number` };
  }
  if (s.agreement?.takeOver !== true) {
    return { type: 'BEREITSTELLUNG', basis: 'AKM-TR without take-over of the resource: a new line is provided' };
  }
  const tech = s.agreement.technology?.slice(0, 3);
  if (tech !== undefined && rules.providerwechselTechnologies.includes(tech)) {
    return { type: 'PROVIDERWECHSEL', basis: `take-over of a TAL (technology ${tech})` };
  }
  if (tech !== undefined && rules.verbundleistungTechnologies.includes(tech)) {
    return { type: 'VERBUNDLEISTUNG', basis: `take-over of technology ${tech} (CLS / ADSL SH)` };
  }
  return {
    type: 'BEREITSTELLUNG',
    basis: tech === undefined ? 'take-over without a technology in the RUEM-VA: a new line is provided' : `technology ${tech} cannot be taken over: the donating side terminates, a new line is provided`,
  };
}

// ---------------------------------------------------------------------------------------------
// The order itself

export type BuiltOrder = { ok: true; order: WholesaleOrderRequest; basis: string } | { ok: false; issues: Issue[] };

/** Builds the order from the agreed case; the caller has checked `wbciOrderReadiness`. */
export function buildWbciOrder(s: WbciCaseState, opts: { rules?: OrderTypeRules } = {}): BuiltOrder {
  const issues: Issue[] = [];
  if (!s.switchDate) {
    issues.push({ path: '/switchDate', rule: 'required', code: 'SG_WHOLESALE_ORDER_INCOMPLETE', message: 'the case has no agreed Wechseltermin' });
  }
  const va = s.va;
  const kue = va.type === 'VA-KUE-MRN' || va.type === 'VA-KUE-ORN';
  if (kue && !('location' in va && va.location)) {
    issues.push({ path: '/va/location', rule: 'required', code: 'SG_WHOLESALE_ORDER_INCOMPLETE', message: `a ${va.type} order needs the location` });
  }
  if (issues.length) return { ok: false, issues };

  const { type, basis } = wbciOrderType(s, opts.rules);
  const order: WholesaleOrderRequest = {
    externalId: s.vaId,
    orderType: type,
    requestedCompletionDate: s.switchDate as string,
    buyer: s.recipient,
    donatingProvider: s.donating,
    preCoordination: { procedure: 'wbci', id: s.vaId, businessCase: s.type },
    customer: { ...va.customer },
  };
  if (va.type !== 'VA-RRNP') order.site = siteOf(va.location);
  const line = lineOf(s);
  if (line) order.line = line;
  const numbers = numbersOf(s);
  if (numbers) order.numbers = numbers;
  return { ok: true, order, basis };
}

function siteOf(l: { street: string; houseNumber: string; houseNumberSuffix?: string; postalCode: string; city: string }): OrderSite {
  return {
    street: l.street,
    houseNumber: l.houseNumber,
    ...(l.houseNumberSuffix ? { houseNumberSuffix: l.houseNumberSuffix } : {}),
    postalCode: l.postalCode,
    city: l.city,
  };
}

function lineOf(s: WbciCaseState): OrderLine | undefined {
  if (s.type === 'VA-RRNP') return undefined;
  const a = s.agreement ?? {};
  return {
    ...(a.technology !== undefined ? { technology: a.technology } : {}),
    ...(a.takeOver !== undefined ? { takeOver: a.takeOver } : {}),
    ...(a.safeHarbour !== undefined ? { safeHarbour: a.safeHarbour } : {}),
    resources: (a.resources ?? []).map((r) => ({
      ...(r.contractNumber ? { contractNumber: r.contractNumber } : {}),
      ...(r.lineId ? { lineId: r.lineId } : {}),
      ...(r.identifier ? { identifier: r.identifier } : {}),
      ...(r.tnbId ? { tnbId: r.tnbId } : {}),
    })),
  };
}

/** The numbers as confirmed in the RUEM-VA (with PKIabg), else as requested in the VA. */
function numbersOf(s: WbciCaseState): OrderNumbers | undefined {
  const va = s.va;
  if (va.type === 'VA-KUE-ORN') return undefined;
  const requested = va.numbers;
  const common = {
    ...(requested.portingWindow ? { portingWindow: requested.portingWindow } : {}),
    ...(va.type === 'VA-RRNP' ? { pkiAuf: va.pkiAuf } : {}),
  };
  const confirmed = s.agreement?.numbers;
  if (confirmed?.kind === 'single') {
    return { kind: 'single', ...common, list: confirmed.list.map((n) => ({ areaCode: n.areaCode, number: n.number, pkiAbg: n.pkiAbg })) };
  }
  if (confirmed?.kind === 'block') {
    return {
      kind: 'block',
      ...common,
      areaCode: confirmed.areaCode,
      baseNumber: confirmed.baseNumber,
      operatorPosition: confirmed.operatorPosition,
      ranges: confirmed.blocks.map((b) => ({ from: b.from, to: b.to, pkiAbg: b.pkiAbg })),
    };
  }
  if (requested.kind === 'single') {
    return { kind: 'single', ...common, list: requested.list.map((n) => ({ areaCode: n.areaCode, number: n.number })) };
  }
  return {
    kind: 'block',
    ...common,
    areaCode: requested.areaCode,
    baseNumber: requested.baseNumber,
    operatorPosition: requested.operatorPosition,
    ranges: requested.blocks.map((b) => ({ from: b.from, to: b.to })),
  };
}

/** The numbers of an order as national numbers with trunk prefix (`0891234567`), e.g. for a verification. */
export function orderNumbersAsNational(n: OrderNumbers | undefined): string[] {
  if (!n) return [];
  if (n.kind === 'single') return n.list.map((x) => `0${x.areaCode}${x.number}`);
  return [`0${n.areaCode}${n.baseNumber}${n.operatorPosition}`];
}

/** What the provider verifies with the donating side: the VA-ID or the codice sessione, and the numbers. */
export function verificationQueryOf(order: WholesaleOrderRequest): { id: string; numbers: string[] } {
  const pc = order.preCoordination;
  if (pc.procedure === 'agcom') return { id: pc.sessionCode ?? pc.id, numbers: [...(pc.directoryNumbers ?? [])] };
  return { id: pc.id, numbers: orderNumbersAsNational(order.numbers) };
}

// ---------------------------------------------------------------------------------------------
// AGCOM (italy.md §10): the order follows the managerial OK (xml3 with its CodiceSessione)

/**
 * Whether phase 2 of an AGCOM case has succeeded so that the order is due now. Unlike WBCI there
 * is no handover window: the managerial OK is the success. An open annullamento holds the order
 * back (it would cancel it at once); an open rimodulazione does not (the order follows the DAC).
 */
export function agcomOrderReadiness(s: AgcomCaseState, ctx: { now: Date; calendar: WorkingDayCalendar }): Readiness {
  if (s.role !== 'recipient') {
    return notYet('SG_WHOLESALE_NOT_RECIPIENT', `${s.orderId} is a case of the donating side; the recipient ${s.recipient} orders`);
  }
  switch (s.state) {
    case 'REJECTED':
      return notYet('SG_WHOLESALE_PHASE2_REJECTED', `the request ${s.orderId} was rejected (${s.rejection?.stage ?? 'managerial'} KO): phase 2 did not succeed`);
    case 'CANCELLED':
      return notYet('SG_WHOLESALE_PHASE2_CANCELLED', `the request ${s.orderId} was cancelled (annullamento)`);
    case 'COMPLETED':
      return notYet('SG_WHOLESALE_CASE_COMPLETED', `the request ${s.orderId} is closed: its DAC ${s.dac ?? ''} has passed`);
    case 'AWAITING_FORMAL':
    case 'AWAITING_MANAGERIAL':
      return notYet('SG_WHOLESALE_PHASE2_PENDING', `the request ${s.orderId} has no managerial OK (xml3) yet`);
    case 'VALIDATED':
      break;
  }
  if (!s.sessionCode) return notYet('SG_WHOLESALE_PHASE2_PENDING', `the request ${s.orderId} has no CodiceSessione`);
  if (s.openChange?.kind === 'ANNULLAMENTO') {
    return notYet('SG_WHOLESALE_STORNO_OPEN', `an annullamento of ${s.orderId} is open; the order waits for its answer`);
  }
  if (s.dac && ctx.calendar.today(ctx.now) > s.dac) {
    return notYet('SG_WHOLESALE_SWITCH_DATE_PASSED', `the DAC ${s.dac} has passed`);
  }
  return { due: true };
}

export interface AgcomOrderOptions {
  /** carrier code (ITU M.1400) of an AGCOM operator code; undefined when unknown */
  carrierOf: (operator: string) => string | undefined;
}

/** Builds the order from a validated AGCOM case; the caller has checked `agcomOrderReadiness`. */
export function buildAgcomOrder(s: AgcomCaseState, opts: AgcomOrderOptions): BuiltOrder {
  const issues: Issue[] = [];
  const incomplete = (path: string, message: string) => issues.push({ path, rule: 'required', code: 'SG_WHOLESALE_ORDER_INCOMPLETE', message });
  if (!s.dac) incomplete('/dac', 'the case has no DAC');
  if (!s.sessionCode) incomplete('/sessionCode', 'the case has no CodiceSessione');
  const buyer = opts.carrierOf(s.recipient);
  const donating = opts.carrierOf(s.donating);
  if (!buyer) incomplete('/recipient', `no carrier code is known for the operator ${s.recipient}`);
  if (!donating) incomplete('/donating', `no carrier code is known for the operator ${s.donating}`);
  if (issues.length) return { ok: false, issues };

  const req = s.request;
  const c = req.customer;
  const order: WholesaleOrderRequest = {
    externalId: s.orderId,
    // the access itself moves to the recipient, with its numbers (italy.md §10: COR/COS identify it)
    orderType: 'PROVIDERWECHSEL',
    requestedCompletionDate: s.dac as string,
    buyer: buyer as string,
    donatingProvider: donating as string,
    preCoordination: {
      procedure: 'agcom',
      id: s.orderId,
      businessCase: s.procedure,
      sessionCode: s.sessionCode as string,
      cow: req.secret,
      resources: req.resources.map((r) => ({ cor: r.cor, ...(r.cos ? { cos: r.cos } : {}) })),
      directoryNumbers: [...req.numbers],
    },
    customer: c.firstName
      ? { kind: 'person', firstName: c.firstName, lastName: c.lastNameOrCompany }
      : { kind: 'company', companyName: c.lastNameOrCompany },
  };
  return { ok: true, order, basis: `${s.procedure}: the access (COR ${req.resources.map((r) => r.cor).join(', ')}) moves to the recipient` };
}
