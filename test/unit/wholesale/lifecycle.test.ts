import { describe, expect, it } from 'vitest';
import {
  allowedProviderEvents,
  applyOrderEvent,
  newOrderRecord,
  ORDER_STATES,
  PROVIDER_EVENTS,
  type OrderDecision,
  type OrderEvent,
  type OrderState,
  type ProviderEventKind,
  type WholesaleOrderRecord,
} from '../../../src/wholesale/lifecycle.js';
import { eventFromNotification, type Notification } from '../../../src/wholesale/notification.js';
import type { WholesaleOrderRequest } from '../../../src/wholesale/types.js';

const VA = 'DEU.EKPA.V000000001';
const AT = '2026-11-23T08:00:00.000Z';
const LATER = '2026-11-24T08:00:00.000Z';

const request: WholesaleOrderRequest = {
  externalId: VA,
  orderType: 'NUMBER_EXPORT',
  requestedCompletionDate: '2026-12-15',
  buyer: 'DEU.EKPA',
  donatingProvider: 'DEU.EKPB',
  preCoordination: { procedure: 'wbci', id: VA, businessCase: 'VA-RRNP' },
  customer: { kind: 'person', lastName: 'Muster' },
};

function freeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) freeze(v);
  }
  return o;
}

const placed = () => newOrderRecord(request, { messageId: 'm-1', at: AT, orderTypeBasis: 'VA-RRNP' });

/** An order in `state` (with a DAC once accepted), optionally with pending requests. */
function orderIn(state: OrderState, pending: { cancellation?: boolean; reschedule?: string } = {}): WholesaleOrderRecord {
  const o: WholesaleOrderRecord = { ...placed(), state, providerOrderId: 'WS1', dac: ['submitted', 'acknowledged'].includes(state) ? null : '2026-12-15' };
  if (pending.cancellation) o.cancellation = { id: 'DEU.EKPA.S000000001', status: 'requested', requestedAt: AT, reason: 'STR-AUF', messageId: 'm-2' };
  if (pending.reschedule) o.reschedule = { id: 'DEU.EKPA.T000000001', status: 'requested', requestedAt: AT, reason: 'TVS-VA', requestedDate: pending.reschedule, messageId: 'm-3' };
  return freeze(o);
}

const EVENTS: Record<ProviderEventKind, OrderEvent> = {
  acknowledged: { kind: 'acknowledged' },
  accepted: { kind: 'accepted', dac: '2026-12-16' },
  rejected: { kind: 'rejected', code: 'R1', reason: 'no' },
  inProgress: { kind: 'inProgress' },
  rescheduled: { kind: 'rescheduled', dac: '2026-12-18' },
  completed: { kind: 'completed' },
  failed: { kind: 'failed', code: 'KO1' },
  cancelled: { kind: 'cancelled' },
  cancellationRejected: { kind: 'cancellationRejected', code: 'C1' },
  rescheduleRejected: { kind: 'rescheduleRejected' },
};

const apply = (o: WholesaleOrderRecord, e: OrderEvent, eventId = 'e-1') => applyOrderEvent(o, e, { at: LATER, eventId });
const outcome = (d: OrderDecision) => (d.ok ? `ok:${d.order.state}` : d.issue.code);

/** Expected outcome of every provider event in every state, without pending requests. */
const MATRIX: Record<OrderState, Record<ProviderEventKind, string>> = {
  submitted: {
    acknowledged: 'ok:acknowledged',
    accepted: 'SG_WHOLESALE_STATE_SKIPPED',
    rejected: 'ok:rejected',
    inProgress: 'SG_WHOLESALE_STATE_SKIPPED',
    rescheduled: 'SG_WHOLESALE_NO_DAC',
    completed: 'SG_WHOLESALE_STATE_SKIPPED',
    failed: 'SG_WHOLESALE_STATE_SKIPPED',
    cancelled: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    cancellationRejected: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    rescheduleRejected: 'SG_WHOLESALE_NO_RESCHEDULE_PENDING',
  },
  acknowledged: {
    acknowledged: 'SG_WHOLESALE_STATE_PASSED',
    accepted: 'ok:accepted',
    rejected: 'ok:rejected',
    inProgress: 'SG_WHOLESALE_STATE_SKIPPED',
    rescheduled: 'SG_WHOLESALE_NO_DAC',
    completed: 'SG_WHOLESALE_STATE_SKIPPED',
    failed: 'SG_WHOLESALE_STATE_SKIPPED',
    cancelled: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    cancellationRejected: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    rescheduleRejected: 'SG_WHOLESALE_NO_RESCHEDULE_PENDING',
  },
  accepted: {
    acknowledged: 'SG_WHOLESALE_STATE_PASSED',
    accepted: 'SG_WHOLESALE_STATE_PASSED',
    rejected: 'SG_WHOLESALE_STATE_PASSED',
    inProgress: 'ok:inProgress',
    rescheduled: 'ok:accepted',
    completed: 'SG_WHOLESALE_STATE_SKIPPED',
    failed: 'ok:failed',
    cancelled: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    cancellationRejected: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    rescheduleRejected: 'SG_WHOLESALE_NO_RESCHEDULE_PENDING',
  },
  inProgress: {
    acknowledged: 'SG_WHOLESALE_STATE_PASSED',
    accepted: 'SG_WHOLESALE_STATE_PASSED',
    rejected: 'SG_WHOLESALE_STATE_PASSED',
    inProgress: 'SG_WHOLESALE_STATE_PASSED',
    rescheduled: 'ok:inProgress',
    completed: 'ok:completed',
    failed: 'ok:failed',
    cancelled: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    cancellationRejected: 'SG_WHOLESALE_NO_CANCELLATION_PENDING',
    rescheduleRejected: 'SG_WHOLESALE_NO_RESCHEDULE_PENDING',
  },
  completed: closedRow(),
  failed: closedRow(),
  rejected: closedRow(),
  cancelled: closedRow(),
};

function closedRow(): Record<ProviderEventKind, string> {
  const row = Object.fromEntries(PROVIDER_EVENTS.map((e) => [e, 'SG_WHOLESALE_ORDER_CLOSED'])) as Record<ProviderEventKind, string>;
  row.cancellationRejected = 'SG_WHOLESALE_NO_CANCELLATION_PENDING';
  row.rescheduleRejected = 'SG_WHOLESALE_NO_RESCHEDULE_PENDING';
  return row;
}

describe('order lifecycle: every provider event in every state', () => {
  for (const state of ORDER_STATES) {
    for (const kind of PROVIDER_EVENTS) {
      it(`${state} + ${kind} → ${MATRIX[state][kind]}`, () => {
        const before = orderIn(state);
        const d = apply(before, EVENTS[kind]);
        expect(outcome(d)).toBe(MATRIX[state][kind]);
        if (!d.ok) {
          expect(d.issue.severity).toBe('error');
          expect(d.issue.message).toContain(VA);
        } else {
          expect(d.order.history).toHaveLength(before.history.length + 1);
          expect(d.order.history.at(-1)).toMatchObject({ event: kind, from: state, to: d.order.state, eventId: 'e-1', at: LATER });
          expect(d.order.updatedAt).toBe(LATER);
        }
      });
    }
  }

  it('allowedProviderEvents agrees with the matrix', () => {
    for (const state of ORDER_STATES) {
      const expected = PROVIDER_EVENTS.filter((k) => MATRIX[state][k].startsWith('ok:'));
      expect(allowedProviderEvents(orderIn(state)), state).toEqual(expected);
    }
  });
});

describe('order lifecycle: details', () => {
  it('the happy path records DAC, provider id and the full history', () => {
    let o = placed();
    for (const e of [{ kind: 'acknowledged', providerOrderId: 'WS1' }, { kind: 'accepted', dac: '2026-12-15' }, { kind: 'inProgress' }, { kind: 'completed' }] as OrderEvent[]) {
      const d = apply(o, e, `e-${e.kind}`);
      if (!d.ok) throw new Error(d.issue.message);
      o = d.order;
    }
    expect(o).toMatchObject({ state: 'completed', providerOrderId: 'WS1', dac: '2026-12-15', failure: null });
    expect(o.history.map((h) => `${h.event}:${h.from}>${h.to}`)).toEqual([
      'placed:null>submitted',
      'acknowledged:submitted>acknowledged',
      'accepted:acknowledged>accepted',
      'inProgress:accepted>inProgress',
      'completed:inProgress>completed',
    ]);
    expect(o.history[2]).toMatchObject({ dac: '2026-12-15', eventId: 'e-accepted' });
  });

  it('a refusal leaves the order exactly as it was', () => {
    const before = orderIn('accepted');
    const copy = structuredClone(before);
    const d = apply(before, { kind: 'completed' });
    expect(d).toEqual({
      ok: false,
      issue: {
        path: '/state',
        rule: 'noSkippedStep',
        code: 'SG_WHOLESALE_STATE_SKIPPED',
        message: `completed needs the order to be inProgress first; ${VA} is accepted`,
        severity: 'error',
      },
    });
    expect(before).toEqual(copy);
  });

  it('accepted needs a DAC, rejected and failed need a code', () => {
    expect(outcome(apply(orderIn('acknowledged'), { kind: 'accepted' }))).toBe('SG_WHOLESALE_DAC_REQUIRED');
    expect(outcome(apply(orderIn('accepted'), { kind: 'rescheduled' }))).toBe('SG_WHOLESALE_DAC_REQUIRED');
    expect(outcome(apply(orderIn('acknowledged'), { kind: 'rejected' }))).toBe('SG_WHOLESALE_CODE_REQUIRED');
    expect(outcome(apply(orderIn('inProgress'), { kind: 'failed' }))).toBe('SG_WHOLESALE_CODE_REQUIRED');
  });

  it('rejected and failed record the failure', () => {
    const r = apply(orderIn('acknowledged'), { kind: 'rejected', code: 'VERIFICATION_KO', reason: 'NUMBERS_MISMATCH' });
    expect(r.ok && r.order.failure).toEqual({ state: 'rejected', code: 'VERIFICATION_KO', reason: 'NUMBERS_MISMATCH' });
    const f = apply(orderIn('inProgress'), { kind: 'failed', code: 'KO_TECHNICAL' });
    expect(f.ok && f.order.failure).toEqual({ state: 'failed', code: 'KO_TECHNICAL', reason: null });
  });

  it('a reschedule to the same DAC is refused', () => {
    expect(outcome(apply(orderIn('accepted'), { kind: 'rescheduled', dac: '2026-12-15' }))).toBe('SG_WHOLESALE_DAC_UNCHANGED');
    const d = apply(orderIn('inProgress'), { kind: 'rescheduled', dac: '2026-12-17', reason: 'technician' });
    expect(d.ok && d.entry).toMatchObject({ dac: '2026-12-17', previousDac: '2026-12-15', reason: 'technician' });
    expect(d.ok && d.order.dac).toBe('2026-12-17');
  });

  it('the provider order id cannot change', () => {
    expect(outcome(apply(orderIn('accepted'), { kind: 'inProgress', providerOrderId: 'WS2' }))).toBe('SG_WHOLESALE_ORDER_ID_MISMATCH');
    const first = apply(placed(), { kind: 'acknowledged', providerOrderId: 'WS9' });
    expect(first.ok && first.order.providerOrderId).toBe('WS9');
  });
});

describe('order lifecycle: cancellation and reschedule requests', () => {
  const cancel: OrderEvent = { kind: 'cancellationRequested', requestId: 'DEU.EKPA.S000000001', reason: 'STR-AUF agreed', messageId: 'm-c' };
  const reschedule = (date: string): OrderEvent => ({ kind: 'rescheduleRequested', requestId: 'DEU.EKPA.T000000001', date, reason: 'TVS-VA agreed', messageId: 'm-r' });

  it.each(['submitted', 'acknowledged', 'accepted', 'inProgress'] as const)('a cancellation can be requested while %s, and the provider then cancels', (state) => {
    const d = apply(orderIn(state), cancel);
    if (!d.ok) throw new Error(d.issue.code);
    expect(d.order.state).toBe(state);
    expect(d.order.cancellation).toMatchObject({ id: 'DEU.EKPA.S000000001', status: 'requested', reason: 'STR-AUF agreed', messageId: 'm-c' });
    const c = apply(d.order, { kind: 'cancelled' });
    expect(c.ok && c.order.state).toBe('cancelled');
    expect(c.ok && c.order.cancellation?.status).toBe('done');
  });

  it.each(['completed', 'failed', 'rejected', 'cancelled'] as const)('no cancellation or reschedule of a %s order', (state) => {
    expect(outcome(apply(orderIn(state), cancel))).toBe('SG_WHOLESALE_ORDER_CLOSED');
    expect(outcome(apply(orderIn(state), reschedule('2026-12-22')))).toBe('SG_WHOLESALE_ORDER_CLOSED');
  });

  it('one cancellation at a time, and no reschedule while it is pending', () => {
    const o = orderIn('accepted', { cancellation: true });
    expect(outcome(apply(o, cancel))).toBe('SG_WHOLESALE_CANCELLATION_PENDING');
    expect(outcome(apply(o, reschedule('2026-12-22')))).toBe('SG_WHOLESALE_CANCELLATION_PENDING');
  });

  it('a refused cancellation leaves the order running; it may even arrive after completion', () => {
    const d = apply(orderIn('inProgress', { cancellation: true }), { kind: 'cancellationRejected', code: 'TOO_LATE', reason: 'technician on site' });
    expect(d.ok && d.order.state).toBe('inProgress');
    expect(d.ok && d.order.cancellation).toMatchObject({ status: 'rejected', code: 'TOO_LATE', answer: 'technician on site', answeredAt: LATER });
    const late = apply(orderIn('completed', { cancellation: true }), { kind: 'cancellationRejected' });
    expect(late.ok && late.order.state).toBe('completed');
    expect(outcome(apply(orderIn('completed', { cancellation: true }), { kind: 'cancelled' }))).toBe('SG_WHOLESALE_ORDER_CLOSED');
  });

  it('a reschedule request changes the requested date; the matching DAC closes it', () => {
    const d = apply(orderIn('accepted'), reschedule('2026-12-22'));
    if (!d.ok) throw new Error(d.issue.code);
    expect(d.order.requestedCompletionDate).toBe('2026-12-22');
    expect(d.order.reschedule).toMatchObject({ status: 'requested', requestedDate: '2026-12-22' });
    const other = apply(d.order, { kind: 'rescheduled', dac: '2026-12-21' });
    expect(other.ok && other.order.reschedule?.status).toBe('requested');
    const match = apply(d.order, { kind: 'rescheduled', dac: '2026-12-22' });
    expect(match.ok && match.order.reschedule?.status).toBe('done');
    expect(match.ok && match.order.dac).toBe('2026-12-22');
  });

  it('a reschedule requested before acceptance is closed by the acceptance with that date', () => {
    const d = apply(orderIn('acknowledged'), reschedule('2026-12-22'));
    if (!d.ok) throw new Error(d.issue.code);
    const acc = apply(d.order, { kind: 'accepted', dac: '2026-12-22' });
    expect(acc.ok && acc.order.reschedule?.status).toBe('done');
  });

  it('a newer reschedule supersedes a pending one; a refusal keeps the DAC', () => {
    const o = orderIn('accepted', { reschedule: '2026-12-18' });
    const d = apply(o, reschedule('2026-12-22'));
    expect(d.ok && d.order.reschedule?.requestedDate).toBe('2026-12-22');
    const r = apply(o, { kind: 'rescheduleRejected', code: 'NO_SLOT' });
    expect(r.ok && r.order.reschedule).toMatchObject({ status: 'rejected', code: 'NO_SLOT' });
    expect(r.ok && r.order.dac).toBe('2026-12-15');
  });
});

describe('eventFromNotification', () => {
  const n = (eventType: Notification['eventType'], productOrder: Partial<Notification['event']['productOrder']>, request?: Notification['event']['request']): Notification => ({
    eventId: 'e1',
    eventTime: '2026-11-23T09:00:00+01:00',
    eventType,
    event: { productOrder: { externalId: VA, id: 'WS1', ...productOrder }, ...(request ? { request } : {}) },
  });

  it.each([
    [n('ProductOrderStateChangeEvent', { state: 'acknowledged' }), { kind: 'acknowledged', providerOrderId: 'WS1' }],
    [n('ProductOrderStateChangeEvent', { state: 'accepted', expectedCompletionDate: '2026-12-15' }), { kind: 'accepted', dac: '2026-12-15', providerOrderId: 'WS1' }],
    [n('ProductOrderStateChangeEvent', { state: 'failed', errorMessage: [{ code: 'KO', reason: 'r' }] }), { kind: 'failed', code: 'KO', reason: 'r', providerOrderId: 'WS1' }],
    [n('ProductOrderStateChangeEvent', { state: 'cancelled' }), { kind: 'cancelled', providerOrderId: 'WS1' }],
    [n('ProductOrderExpectedCompletionDateSetEvent', { expectedCompletionDate: '2026-12-17', note: 'tech' }), { kind: 'rescheduled', dac: '2026-12-17', reason: 'tech', providerOrderId: 'WS1' }],
    [n('CancelProductOrderStateChangeEvent', {}, { state: 'rejected', errorMessage: [{ code: 'TOO_LATE' }] }), { kind: 'cancellationRejected', code: 'TOO_LATE', providerOrderId: 'WS1' }],
    [n('CancelProductOrderStateChangeEvent', {}, { state: 'done' }), { kind: 'cancelled', providerOrderId: 'WS1' }],
    [n('ModifyProductOrderItemRequestedDeliveryDateStateChangeEvent', {}, { state: 'rejected' }), { kind: 'rescheduleRejected', providerOrderId: 'WS1' }],
    [n('ModifyProductOrderItemRequestedDeliveryDateStateChangeEvent', { expectedCompletionDate: '2026-12-22' }, { state: 'done' }), { kind: 'rescheduled', dac: '2026-12-22', providerOrderId: 'WS1' }],
  ] as const)('%#: %j', (notification, event) => {
    expect(eventFromNotification(notification as Notification)).toEqual({ ok: true, ref: { externalId: VA, id: 'WS1' }, event });
  });
});
