/**
 * A provider callback (schemas/wholesale/notification.json, TMF event envelope) as a lifecycle
 * event. Pure; the envelope is assumed schema-valid.
 */
import type { Issue } from '../domain/issues.js';
import type { OrderEvent } from './lifecycle.js';
import type { IsoDate, IsoDateTime, OrderRef } from './types.js';

export const NOTIFICATION_EVENT_TYPES = [
  'ProductOrderStateChangeEvent',
  'ProductOrderExpectedCompletionDateSetEvent',
  'CancelProductOrderStateChangeEvent',
  'ModifyProductOrderItemRequestedDeliveryDateStateChangeEvent',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export type ProviderOrderState = 'acknowledged' | 'accepted' | 'rejected' | 'inProgress' | 'completed' | 'failed' | 'cancelled';

export interface ErrorMessage {
  code: string;
  reason?: string;
}

export interface Notification {
  eventId: string;
  eventTime: IsoDateTime;
  eventType: NotificationEventType;
  correlationId?: string;
  event: {
    productOrder: OrderRef & {
      state?: ProviderOrderState;
      expectedCompletionDate?: IsoDate;
      errorMessage?: ErrorMessage[];
      note?: string;
    };
    request?: { externalId?: string; id?: string; state: 'done' | 'rejected'; errorMessage?: ErrorMessage[] };
  };
}

export type MappedNotification = { ok: true; ref: OrderRef; event: OrderEvent } | { ok: false; issue: Issue };

const withId = <T extends object>(e: T, id: string | undefined): T => (id === undefined ? e : { ...e, providerOrderId: id });

function codeReason(errors: ErrorMessage[] | undefined): { code?: string; reason?: string } {
  const first = errors?.[0];
  return { ...(first ? { code: first.code } : {}), ...(first?.reason !== undefined ? { reason: first.reason } : {}) };
}

export function eventFromNotification(n: Notification): MappedNotification {
  const po = n.event.productOrder;
  const ref: OrderRef = { externalId: po.externalId, ...(po.id !== undefined ? { id: po.id } : {}) };
  const id = po.id;
  const dac = po.expectedCompletionDate;
  const ok = (event: OrderEvent): MappedNotification => ({ ok: true, ref, event });
  switch (n.eventType) {
    case 'ProductOrderStateChangeEvent':
      switch (po.state) {
        case 'acknowledged':
        case 'inProgress':
        case 'completed':
        case 'cancelled':
          return ok(withId({ kind: po.state }, id));
        case 'accepted':
          return ok(withId({ kind: 'accepted', ...(dac !== undefined ? { dac } : {}) }, id));
        case 'rejected':
        case 'failed':
          return ok(withId({ kind: po.state, ...codeReason(po.errorMessage) }, id));
        case undefined:
          return { ok: false, issue: { path: '/event/productOrder/state', rule: 'required', code: 'SG_SCHEMA', message: 'is required' } };
      }
      break;
    case 'ProductOrderExpectedCompletionDateSetEvent':
      return ok(withId({ kind: 'rescheduled', ...(dac !== undefined ? { dac } : {}), ...(po.note !== undefined ? { reason: po.note } : {}) }, id));
    case 'CancelProductOrderStateChangeEvent': {
      const r = n.event.request;
      if (r?.state === 'done') return ok(withId({ kind: 'cancelled' }, id));
      return ok(withId({ kind: 'cancellationRejected', ...codeReason(r?.errorMessage) }, id));
    }
    case 'ModifyProductOrderItemRequestedDeliveryDateStateChangeEvent': {
      const r = n.event.request;
      if (r?.state === 'done') return ok(withId({ kind: 'rescheduled', ...(dac !== undefined ? { dac } : {}) }, id));
      return ok(withId({ kind: 'rescheduleRejected', ...codeReason(r?.errorMessage) }, id));
    }
  }
  return { ok: false, issue: { path: '/eventType', rule: 'enum', code: 'SG_SCHEMA', message: `unknown event type ${String(n.eventType)}` } };
}
