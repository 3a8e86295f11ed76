/**
 * The life of one wholesale order (phase 3): the single source of truth for what may follow
 * what, used for the provider's callbacks (checked, never trusted) and for the gateway's own
 * follow-up requests (cancellation, reschedule).
 *
 * ```
 *  submitted ─acknowledged─► acknowledged ─accepted(DAC)─► accepted ─inProgress─► inProgress ─completed─► completed
 *      │                          │                          │  ▲ rescheduled(DAC')    │  ▲ rescheduled(DAC')
 *      └──────rejected────────────┴──► rejected              └──┴─failed (KO)──────────┴──┴─► failed
 *  any non-terminal ─(cancellation requested)─ cancelled ─► cancelled
 * ```
 *
 * Cancellation and reschedule are requests of their own (TMF641/622 `cancelProductOrder`, MEF
 * `modifyProductOrderItemRequestedDeliveryDate`): the order records the pending request, and
 * the provider's answer (`cancelled` / `cancellationRejected`, a new DAC / `rescheduleRejected`)
 * closes it. Pure: no I/O, time comes in with each call.
 */
import type { Issue } from '../domain/issues.js';
import type { IsoDate, IsoDateTime, OrderType, Procedure, WholesaleOrderRequest } from './types.js';

export const ORDER_STATES = ['submitted', 'acknowledged', 'accepted', 'inProgress', 'completed', 'failed', 'rejected', 'cancelled'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const TERMINAL_ORDER_STATES: readonly OrderState[] = ['completed', 'failed', 'rejected', 'cancelled'];
export const isTerminalOrderState = (s: OrderState): boolean => TERMINAL_ORDER_STATES.includes(s);

/** Events the provider reports (callbacks). */
export const PROVIDER_EVENTS = [
  'acknowledged',
  'accepted',
  'rejected',
  'inProgress',
  'rescheduled',
  'completed',
  'failed',
  'cancelled',
  'cancellationRejected',
  'rescheduleRejected',
] as const;
export type ProviderEventKind = (typeof PROVIDER_EVENTS)[number];

/** Requests the gateway itself makes on an order that exists. */
export const LOCAL_EVENTS = ['cancellationRequested', 'rescheduleRequested'] as const;
export type LocalEventKind = (typeof LOCAL_EVENTS)[number];

export type OrderEvent =
  | { kind: 'acknowledged'; providerOrderId?: string }
  | { kind: 'accepted'; dac?: IsoDate; providerOrderId?: string }
  | { kind: 'rejected'; code?: string; reason?: string; providerOrderId?: string }
  | { kind: 'inProgress'; providerOrderId?: string }
  | { kind: 'rescheduled'; dac?: IsoDate; reason?: string; providerOrderId?: string }
  | { kind: 'completed'; providerOrderId?: string }
  | { kind: 'failed'; code?: string; reason?: string; providerOrderId?: string }
  | { kind: 'cancelled'; providerOrderId?: string }
  | { kind: 'cancellationRejected'; code?: string; reason?: string; providerOrderId?: string }
  | { kind: 'rescheduleRejected'; code?: string; reason?: string; providerOrderId?: string }
  | { kind: 'cancellationRequested'; requestId: string; reason: string; messageId: string }
  | { kind: 'rescheduleRequested'; requestId: string; date: IsoDate; reason: string; messageId: string };

export type OrderEventKind = OrderEvent['kind'];

/** A cancellation or reschedule the gateway asked for, and what became of it. */
export interface OrderChangeRequest {
  /** the request's own reference (WBCI: S-ID / T-ID) */
  id: string;
  status: 'requested' | 'done' | 'rejected';
  requestedAt: IsoDateTime;
  reason: string;
  /** reschedule only */
  requestedDate?: IsoDate;
  messageId: string;
  answeredAt?: IsoDateTime;
  code?: string;
  answer?: string;
}

export interface OrderHistoryEntry {
  at: IsoDateTime;
  event: OrderEventKind | 'placed';
  from: OrderState | null;
  to: OrderState;
  /** the provider's event id (callbacks) */
  eventId?: string;
  dac?: IsoDate;
  previousDac?: IsoDate;
  code?: string;
  reason?: string;
  requestId?: string;
}

/** What the case carries as `wholesaleOrder` (`cases.wholesale_order`). */
export interface WholesaleOrderRecord {
  externalId: string;
  /** assigned by the provider, learnt from its first callback that names it */
  providerOrderId: string | null;
  procedure: Procedure;
  orderType: OrderType;
  /** why this order type (the mapping rule that chose it) */
  orderTypeBasis: string;
  /** the date asked for (changes with a reschedule request) */
  requestedCompletionDate: IsoDate;
  state: OrderState;
  /** the provider's delivery date (Data di Attivazione Concordata / WITA Termin) */
  dac: IsoDate | null;
  /** set by `rejected` or `failed` */
  failure: { state: 'rejected' | 'failed'; code: string; reason: string | null } | null;
  cancellation: OrderChangeRequest | null;
  reschedule: OrderChangeRequest | null;
  /** the WHOLESALE-ORDER message */
  messageId: string;
  placedAt: IsoDateTime;
  updatedAt: IsoDateTime;
  history: OrderHistoryEntry[];
}

export type OrderDecision =
  | { ok: true; order: WholesaleOrderRecord; entry: OrderHistoryEntry }
  | { ok: false; issue: Issue };

interface TransitionRow {
  from: readonly OrderState[];
  /** `same`: the state does not change (a date or a pending request does) */
  to: OrderState | 'same';
  requires?: string;
}

const NON_TERMINAL: readonly OrderState[] = ['submitted', 'acknowledged', 'accepted', 'inProgress'];

/** Which provider event is allowed in which state. Finer conditions are in `applyOrderEvent`. */
export const ORDER_TRANSITIONS: Readonly<Record<ProviderEventKind, TransitionRow>> = {
  acknowledged: { from: ['submitted'], to: 'acknowledged' },
  accepted: { from: ['acknowledged'], to: 'accepted', requires: 'a delivery date (DAC)' },
  rejected: { from: ['submitted', 'acknowledged'], to: 'rejected', requires: 'a reason code' },
  inProgress: { from: ['accepted'], to: 'inProgress' },
  rescheduled: { from: ['accepted', 'inProgress'], to: 'same', requires: 'a DAC different from the current one' },
  completed: { from: ['inProgress'], to: 'completed' },
  failed: { from: ['accepted', 'inProgress'], to: 'failed', requires: 'a reason code' },
  cancelled: { from: NON_TERMINAL, to: 'cancelled', requires: 'a pending cancellation request' },
  cancellationRejected: { from: ORDER_STATES, to: 'same', requires: 'a pending cancellation request' },
  rescheduleRejected: { from: ORDER_STATES, to: 'same', requires: 'a pending reschedule request' },
};

/** Position along the main path; terminal states are all last. */
const RANK: Record<OrderState, number> = {
  submitted: 0,
  acknowledged: 1,
  accepted: 2,
  inProgress: 3,
  completed: 4,
  failed: 4,
  rejected: 4,
  cancelled: 4,
};

/** The error codes of this module, for documentation and exhaustive tests. */
export const ORDER_REFUSAL_CODES = [
  'SG_WHOLESALE_ORDER_CLOSED',
  'SG_WHOLESALE_STATE_SKIPPED',
  'SG_WHOLESALE_STATE_PASSED',
  'SG_WHOLESALE_NO_DAC',
  'SG_WHOLESALE_DAC_REQUIRED',
  'SG_WHOLESALE_DAC_UNCHANGED',
  'SG_WHOLESALE_CODE_REQUIRED',
  'SG_WHOLESALE_NO_CANCELLATION_PENDING',
  'SG_WHOLESALE_NO_RESCHEDULE_PENDING',
  'SG_WHOLESALE_CANCELLATION_PENDING',
  'SG_WHOLESALE_ORDER_ID_MISMATCH',
] as const;
export type OrderRefusalCode = (typeof ORDER_REFUSAL_CODES)[number];

const refuse = (code: OrderRefusalCode, path: string, rule: string, message: string): OrderDecision => ({
  ok: false,
  issue: { path, rule, code, message, severity: 'error' },
});

/** A fresh order as placed; its first history entry records the placement. */
export function newOrderRecord(
  request: WholesaleOrderRequest,
  meta: { messageId: string; at: IsoDateTime; orderTypeBasis: string },
): WholesaleOrderRecord {
  return {
    externalId: request.externalId,
    providerOrderId: null,
    procedure: request.preCoordination.procedure,
    orderType: request.orderType,
    orderTypeBasis: meta.orderTypeBasis,
    requestedCompletionDate: request.requestedCompletionDate,
    state: 'submitted',
    dac: null,
    failure: null,
    cancellation: null,
    reschedule: null,
    messageId: meta.messageId,
    placedAt: meta.at,
    updatedAt: meta.at,
    history: [{ at: meta.at, event: 'placed', from: null, to: 'submitted' }],
  };
}

const isProviderEvent = (e: OrderEvent): e is Extract<OrderEvent, { kind: ProviderEventKind }> =>
  (PROVIDER_EVENTS as readonly string[]).includes(e.kind);

/** Why a provider event is not allowed in the order's state, or null if the table allows it. */
function stateRefusal(order: WholesaleOrderRecord, kind: ProviderEventKind): OrderDecision | null {
  const row = ORDER_TRANSITIONS[kind];
  const s = order.state;
  if (row.from.includes(s)) return null;
  if (isTerminalOrderState(s)) {
    return refuse('SG_WHOLESALE_ORDER_CLOSED', '/state', 'orderOpen', `the order ${order.externalId} is ${s}; no ${kind} can follow`);
  }
  if (kind === 'rescheduled') {
    return refuse('SG_WHOLESALE_NO_DAC', '/state', 'rescheduleAfterAcceptance', `the order ${order.externalId} is ${s}: it has no delivery date to reschedule yet`);
  }
  const ranks = row.from.map((f) => RANK[f]);
  const expected = row.from.join(' or ');
  if (RANK[s] < Math.min(...ranks)) {
    return refuse('SG_WHOLESALE_STATE_SKIPPED', '/state', 'noSkippedStep', `${kind} needs the order to be ${expected} first; ${order.externalId} is ${s}`);
  }
  return refuse('SG_WHOLESALE_STATE_PASSED', '/state', 'noStepBack', `the order ${order.externalId} is already ${s}; ${kind} belongs to ${expected}`);
}

/**
 * Applies one event. A refused event leaves the order untouched and says why with a stable code
 * (the callback endpoint answers it as a 409 problem).
 */
export function applyOrderEvent(order: WholesaleOrderRecord, event: OrderEvent, meta: { at: IsoDateTime; eventId?: string }): OrderDecision {
  const at = meta.at;
  const from = order.state;
  const entry = (to: OrderState, extra: Partial<OrderHistoryEntry> = {}): OrderHistoryEntry => ({
    at,
    event: event.kind,
    from,
    to,
    ...(meta.eventId !== undefined ? { eventId: meta.eventId } : {}),
    ...extra,
  });
  const done = (next: WholesaleOrderRecord, e: OrderHistoryEntry): OrderDecision => ({
    ok: true,
    order: { ...next, updatedAt: at, history: [...order.history, e] },
    entry: e,
  });

  if (!isProviderEvent(event)) {
    if (isTerminalOrderState(from)) {
      return refuse('SG_WHOLESALE_ORDER_CLOSED', '/state', 'orderOpen', `the order ${order.externalId} is ${from}; nothing can be ${event.kind === 'cancellationRequested' ? 'cancelled' : 'rescheduled'}`);
    }
    if (order.cancellation?.status === 'requested') {
      return refuse('SG_WHOLESALE_CANCELLATION_PENDING', '/cancellation', 'oneCancellation', `the cancellation ${order.cancellation.id} of ${order.externalId} is still pending`);
    }
    if (event.kind === 'cancellationRequested') {
      const cancellation: OrderChangeRequest = { id: event.requestId, status: 'requested', requestedAt: at, reason: event.reason, messageId: event.messageId };
      return done({ ...order, cancellation }, entry(from, { requestId: event.requestId, reason: event.reason }));
    }
    // A newer reschedule supersedes one still pending: the latest agreed date is what counts.
    const reschedule: OrderChangeRequest = {
      id: event.requestId,
      status: 'requested',
      requestedAt: at,
      reason: event.reason,
      requestedDate: event.date,
      messageId: event.messageId,
    };
    return done({ ...order, reschedule, requestedCompletionDate: event.date }, entry(from, { requestId: event.requestId, dac: event.date, reason: event.reason }));
  }

  if (event.providerOrderId !== undefined && order.providerOrderId !== null && event.providerOrderId !== order.providerOrderId) {
    return refuse(
      'SG_WHOLESALE_ORDER_ID_MISMATCH',
      '/event/productOrder/id',
      'sameProviderOrder',
      `the order ${order.externalId} is ${order.providerOrderId} at the provider, not ${event.providerOrderId}`,
    );
  }
  const withId = (o: WholesaleOrderRecord): WholesaleOrderRecord =>
    o.providerOrderId === null && event.providerOrderId !== undefined ? { ...o, providerOrderId: event.providerOrderId } : o;

  const closeReschedule = (o: WholesaleOrderRecord, dac: IsoDate): WholesaleOrderRecord =>
    o.reschedule?.status === 'requested' && o.reschedule.requestedDate === dac ? { ...o, reschedule: { ...o.reschedule, status: 'done', answeredAt: at } } : o;

  switch (event.kind) {
    case 'cancellationRejected': {
      if (order.cancellation?.status !== 'requested') {
        return refuse('SG_WHOLESALE_NO_CANCELLATION_PENDING', '/cancellation', 'answersPendingCancellation', `no cancellation of ${order.externalId} is pending`);
      }
      const cancellation: OrderChangeRequest = {
        ...order.cancellation,
        status: 'rejected',
        answeredAt: at,
        ...(event.code !== undefined ? { code: event.code } : {}),
        ...(event.reason !== undefined ? { answer: event.reason } : {}),
      };
      return done(withId({ ...order, cancellation }), entry(from, { requestId: cancellation.id, ...codeReason(event) }));
    }
    case 'rescheduleRejected': {
      if (order.reschedule?.status !== 'requested') {
        return refuse('SG_WHOLESALE_NO_RESCHEDULE_PENDING', '/reschedule', 'answersPendingReschedule', `no reschedule of ${order.externalId} is pending`);
      }
      const reschedule: OrderChangeRequest = {
        ...order.reschedule,
        status: 'rejected',
        answeredAt: at,
        ...(event.code !== undefined ? { code: event.code } : {}),
        ...(event.reason !== undefined ? { answer: event.reason } : {}),
      };
      return done(withId({ ...order, reschedule }), entry(from, { requestId: reschedule.id, ...codeReason(event) }));
    }
    default:
      break;
  }

  const refusal = stateRefusal(order, event.kind);
  if (refusal) return refusal;

  switch (event.kind) {
    case 'acknowledged':
      return done(withId({ ...order, state: 'acknowledged' }), entry('acknowledged'));
    case 'accepted': {
      if (event.dac === undefined) {
        return refuse('SG_WHOLESALE_DAC_REQUIRED', '/event/productOrder/expectedCompletionDate', 'required', 'an accepted order carries its delivery date (expectedCompletionDate)');
      }
      const next = closeReschedule(withId({ ...order, state: 'accepted', dac: event.dac }), event.dac);
      return done(next, entry('accepted', { dac: event.dac }));
    }
    case 'rescheduled': {
      if (event.dac === undefined) {
        return refuse('SG_WHOLESALE_DAC_REQUIRED', '/event/productOrder/expectedCompletionDate', 'required', 'a rescheduled order carries its new delivery date (expectedCompletionDate)');
      }
      if (event.dac === order.dac) {
        return refuse('SG_WHOLESALE_DAC_UNCHANGED', '/event/productOrder/expectedCompletionDate', 'newDate', `the delivery date of ${order.externalId} is already ${event.dac}`);
      }
      const next = closeReschedule(withId({ ...order, dac: event.dac }), event.dac);
      return done(next, entry(from, { dac: event.dac, ...(order.dac ? { previousDac: order.dac } : {}), ...(event.reason !== undefined ? { reason: event.reason } : {}) }));
    }
    case 'inProgress':
      return done(withId({ ...order, state: 'inProgress' }), entry('inProgress'));
    case 'completed':
      return done(withId({ ...order, state: 'completed' }), entry('completed'));
    case 'rejected':
    case 'failed': {
      if (event.code === undefined) {
        return refuse('SG_WHOLESALE_CODE_REQUIRED', '/event/productOrder/errorMessage', 'required', `a ${event.kind} order carries a reason code (errorMessage[0].code)`);
      }
      const failure = { state: event.kind, code: event.code, reason: event.reason ?? null };
      return done(withId({ ...order, state: event.kind, failure }), entry(event.kind, codeReason(event)));
    }
    case 'cancelled': {
      if (order.cancellation?.status !== 'requested') {
        return refuse('SG_WHOLESALE_NO_CANCELLATION_PENDING', '/cancellation', 'cancelledOnRequest', `${order.externalId} was not asked to be cancelled`);
      }
      const cancellation: OrderChangeRequest = { ...order.cancellation, status: 'done', answeredAt: at };
      return done(withId({ ...order, state: 'cancelled', cancellation }), entry('cancelled', { requestId: cancellation.id }));
    }
  }
}

function codeReason(e: { code?: string; reason?: string }): Partial<OrderHistoryEntry> {
  return { ...(e.code !== undefined ? { code: e.code } : {}), ...(e.reason !== undefined ? { reason: e.reason } : {}) };
}

/** The provider events the order accepts now (conditions on dates and pending requests included). */
export function allowedProviderEvents(order: WholesaleOrderRecord): ProviderEventKind[] {
  return PROVIDER_EVENTS.filter((kind) => {
    if (kind === 'cancellationRejected' || kind === 'cancelled') {
      if (order.cancellation?.status !== 'requested') return false;
    }
    if (kind === 'rescheduleRejected') return order.reschedule?.status === 'requested';
    if (kind === 'cancellationRejected') return true;
    return stateRefusal(order, kind) === null;
  });
}
