/**
 * Phase 3 made durable: places the wholesale order when phase 2 has succeeded, propagates later
 * phase-2 changes (Storno → cancellation, agreed TVS-VA → reschedule), applies the provider's
 * callbacks to the order's lifecycle, and answers the provider's verification requests.
 *
 * Everything an order causes is written like a WBCI message: a `messages` row (WHOLESALE-*), an
 * `outbox` row of kind `wholesale`, the order state in `cases.wholesale_order` and `wholesale.*`
 * events, in one transaction. Orders placed because of a case change are written INSIDE that
 * change's transaction (the WBCI service's `onCaseChanged` hook, the AGCOM service's
 * `onAgcomCaseChanged`), so "phase 2 succeeded" and
 * "order queued" commit together or not at all: exactly one order per successful phase 2.
 * The decisions themselves are pure (src/wholesale/order.ts, lifecycle.ts, verification.ts).
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { WorkingDayCalendar } from '../../domain/calendar.js';
import { toEpochDay } from '../../domain/calendar.js';
import type { Issue } from '../../domain/issues.js';
import type { WholesaleConfig } from '../../config/types.js';
import type { WbciCaseState } from '../../protocols/wbci/case-state.js';
import type { Effect } from '../../protocols/wbci/machine.js';
import type { WbciRules } from '../../protocols/wbci/rules.js';
import type { CaseRow, Database } from '../../store/schema.js';
import { agcomDonatingCaseBySessionCode, casesAwaitingOrder, loadCase, setWholesaleOrder } from '../../store/repos/cases.js';
import { findByDedupeKey, insertMessage } from '../../store/repos/messages.js';
import { enqueue } from '../../store/repos/outbox.js';
import { appendEvents, type NewDomainEvent } from '../../store/repos/events.js';
import { AppError, notFound } from '../errors.js';
import { checkCasePrecondition } from '../case-precondition.js';
import { forEachLockedCase, type CommandOptions } from '../case-unit.js';
import type { CaseChangeHook } from '../wbci/service.js';
import type { AgcomCaseChangeHook, StoredAgcomCase } from '../agcom/service.js';
import type { NumberPortabilityNotifier } from '../agcom/number-portability.js';
import { NP_NOTICE_TYPES } from '../../protocols/agcom/number-portability.js';
import type { Effect as AgcomEffect } from '../../protocols/agcom/machine.js';
import { applyOrderEvent, newOrderRecord, type OrderEvent, type OrderEventKind, type OrderHistoryEntry, type WholesaleOrderRecord } from '../../wholesale/lifecycle.js';
import { agcomOrderReadiness, buildAgcomOrder, buildWbciOrder, wbciOrderReadiness, type BuiltOrder, type OrderTypeRules, type Readiness } from '../../wholesale/order.js';
import { eventFromNotification, type Notification } from '../../wholesale/notification.js';
import {
  agcomVerificationSubject,
  decideVerification,
  italianNumber,
  wbciVerificationSubject,
  type VerificationAnswer,
  type VerificationRequest,
} from '../../wholesale/verification.js';
import { WHOLESALE_DESTINATION, WHOLESALE_MESSAGE_TYPES, type CancelOrderRequest, type RescheduleOrderRequest } from '../../wholesale/types.js';
import { newMessageId } from '../../domain/message-id.js';

type Tx = Transaction<Database>;

export interface WholesaleServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  calendar: WorkingDayCalendar;
  rules: WbciRules;
  /** absent: no wholesale provider configured (orders are refused, callbacks unauthenticated) */
  config: WholesaleConfig | undefined;
  log: Logger;
  orderTypeRules?: OrderTypeRules;
  /** AGCOM operator code → carrier code (ITU M.1400), for orders of AGCOM cases */
  agcomCarrierOf?: (operator: string) => string | undefined;
  /** AGCOM number-portability notices (`agcom.numberPortability`); absent: none are sent */
  np?: NumberPortabilityNotifier;
  /** end of a codice sessione's validity (AGCOM deadlines); absent or null: it never expires */
  agcomSessionValidUntil?: (s: StoredAgcomCase) => Date | null;
  /**
   * The Italian phase 3 in the network operator's own model (`agcom.wholesale` with protocol
   * `agcom-ftth`, app/agcom/ftth-recipient.ts): AGCOM orders are placed and changed there, not
   * through `config`. Absent: AGCOM orders use `wholesale` as WBCI ones do.
   */
  agcomPhase3?: AgcomPhase3;
}

/** Where AGCOM orders go when they do not use the generic channel (the FTTH Recipient side). */
export interface AgcomPhase3 {
  readonly placeOrders: 'auto' | 'manual';
  /** queues the order of a validated case (the case row is locked); undefined when it cannot be built */
  place(trx: Transaction<Database>, s: StoredAgcomCase, trigger: OrderTrigger): Promise<unknown>;
  /** an existing order of this channel follows Fase 2 changes */
  propagate(trx: Transaction<Database>, s: StoredAgcomCase, order: never, effects: readonly AgcomEffect[]): Promise<void>;
  /** true for an order this channel placed */
  owns(order: unknown): boolean;
  /** the Recipient resumes a suspended order (FTTH N2 AZIONE=0) */
  resume(caseId: string, reason: string | undefined, opts?: CommandOptions): Promise<unknown>;
}

/** What placed the order, for the feed. */
export type OrderTrigger = 'auto' | 'manual' | 'tick';

export type NotificationOutcome = { status: 'accepted' | 'duplicate'; order: WholesaleOrderRecord };

/** Feed event name per lifecycle event. */
export const WHOLESALE_EVENT_NAMES: Readonly<Record<OrderEventKind | 'placed', string>> = {
  placed: 'wholesale.order-queued',
  acknowledged: 'wholesale.acknowledged',
  accepted: 'wholesale.accepted',
  rejected: 'wholesale.rejected',
  inProgress: 'wholesale.in-progress',
  rescheduled: 'wholesale.rescheduled',
  completed: 'wholesale.completed',
  failed: 'wholesale.failed',
  cancelled: 'wholesale.cancelled',
  cancellationRejected: 'wholesale.cancellation-rejected',
  rescheduleRejected: 'wholesale.reschedule-rejected',
  cancellationRequested: 'wholesale.cancellation-queued',
  rescheduleRequested: 'wholesale.reschedule-queued',
};

/** The case changes phase 3 reacts to (see `onCaseChanged`). */
export const HOOK_EFFECTS: readonly Effect['kind'][] = ['agreed', 'tr-notified', 'tr-rejected', 'change-closed', 'switch-date-changed'];

/** The AGCOM case changes phase 3 reacts to: the managerial OK, an answered change, a new DAC. */
export const AGCOM_HOOK_EFFECTS: readonly AgcomEffect['kind'][] = ['managerial-validated', 'change-closed', 'dac-changed'];

/** Lifecycle refusals that are about missing content rather than order (422, not 409). */
const CONTENT_CODES = new Set(['SG_WHOLESALE_DAC_REQUIRED', 'SG_WHOLESALE_CODE_REQUIRED']);

/** Stable JSON (sorted keys): jsonb does not keep key order, so stored bodies are compared this way. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const hashOf = (v: unknown) => createHash('sha256').update(canonical(v)).digest('base64url');

const conflict = (code: string, message: string, path = '', rule = 'phase3'): AppError =>
  new AppError(409, code, message, [{ path, rule, code, message }]);

export class WholesaleService {
  readonly #d: WholesaleServiceDeps;

  constructor(deps: WholesaleServiceDeps) {
    this.#d = deps;
  }

  get configured(): boolean {
    return this.#d.config !== undefined;
  }

  get placeOrders(): 'auto' | 'manual' | undefined {
    return this.#d.config?.placeOrders;
  }

  #ctx() {
    return { now: this.#d.clock.now(), calendar: this.#d.calendar, rules: this.#d.rules };
  }

  // -------------------------------------------------------------------------------------------
  // Placing the order

  /** Writes the order (message, outbox, case, events) in `trx`; the case row must be locked. */
  async #place(trx: Tx, s: WbciCaseState, trigger: OrderTrigger): Promise<WholesaleOrderRecord | undefined> {
    return this.#placeBuilt(trx, s.vaId, buildWbciOrder(s, { rules: this.#d.orderTypeRules }), trigger);
  }

  #buildAgcom(s: StoredAgcomCase): BuiltOrder {
    return buildAgcomOrder(s, { carrierOf: (op) => this.#d.agcomCarrierOf?.(op) });
  }

  #agcomReadiness(s: StoredAgcomCase): Readiness {
    return agcomOrderReadiness(s, { now: this.#d.clock.now(), calendar: this.#d.calendar });
  }

  async #placeBuilt(trx: Tx, caseId: string, built: BuiltOrder, trigger: OrderTrigger): Promise<WholesaleOrderRecord | undefined> {
    if (!built.ok) {
      if (trigger === 'manual') throw new AppError(409, 'SG_WHOLESALE_ORDER_INCOMPLETE', `the order for ${caseId} cannot be built: ${built.issues[0]!.message}`, built.issues);
      await appendEvents(trx, [{ type: 'wholesale.order-blocked', caseId, data: { issues: built.issues } }]);
      this.#d.log.warn({ caseId, issues: built.issues }, 'wholesale order cannot be built');
      return undefined;
    }
    const at = this.#d.clock.now().toISOString();
    const messageId = newMessageId();
    await this.#queue(trx, caseId, messageId, WHOLESALE_MESSAGE_TYPES.order, built.order);
    const record = newOrderRecord(built.order, { messageId, at, orderTypeBasis: built.basis });
    await setWholesaleOrder(trx, caseId, record);
    await appendEvents(trx, [
      { type: 'message.queued', caseId: caseId, data: { messageId, type: WHOLESALE_MESSAGE_TYPES.order, businessId: null } },
      {
        type: WHOLESALE_EVENT_NAMES.placed,
        caseId: caseId,
        data: {
          externalId: record.externalId,
          orderType: record.orderType,
          orderTypeBasis: record.orderTypeBasis,
          requestedCompletionDate: record.requestedCompletionDate,
          messageId,
          trigger,
        },
      },
    ]);
    this.#d.log.info({ caseId: caseId, orderType: record.orderType, trigger }, 'wholesale order queued');
    return record;
  }

  async #queue(trx: Tx, caseId: string, messageId: string, type: string, body: unknown): Promise<void> {
    await insertMessage(trx, {
      messageId,
      caseId,
      type,
      direction: 'out',
      peer: WHOLESALE_DESTINATION,
      businessId: null,
      status: 'queued',
      body,
    });
    await enqueue(trx, { messageId, caseId, kind: 'wholesale', destination: WHOLESALE_DESTINATION });
  }

  /**
   * `POST /v1/switches/{id}/wholesale-order`: places the order now if phase 2 has succeeded and
   * there is none yet; otherwise a 409 that says precisely why not.
   */
  /** Places the order of a case on request; returns it with the case's new version (its ETag). */
  async placeOrder(caseId: string, opts: CommandOptions = {}): Promise<{ order: WholesaleOrderRecord; caseVersion: number }> {
    if (!this.#d.config && !this.#d.agcomPhase3) throw conflict('SG_WHOLESALE_NOT_CONFIGURED', 'no wholesale provider is configured (config key "wholesale")');
    return this.#d.db.transaction().execute(async (trx) => {
      const row = await loadCase(trx, caseId, { forUpdate: true });
      if (!row) throw notFound('switch', caseId);
      checkCasePrecondition(row);
      if (row.procedure !== 'wbci' && row.procedure !== 'agcom') {
        throw conflict('SG_WHOLESALE_PROCEDURE_NOT_SUPPORTED', `phase-3 orders for the ${row.procedure} procedure are not implemented`, '/procedure');
      }
      const existing = row.wholesale_order as WholesaleOrderRecord | null;
      if (existing) {
        throw conflict('SG_WHOLESALE_ORDER_EXISTS', `${caseId} already has its wholesale order (${existing.state}); one order per successful phase 2`, '/wholesaleOrder');
      }
      const agcom = row.procedure === 'agcom' ? (row.data as unknown as StoredAgcomCase) : undefined;
      if (!agcom && !this.#d.config) throw conflict('SG_WHOLESALE_NOT_CONFIGURED', 'no wholesale provider is configured (config key "wholesale")');
      const s = row.data as unknown as WbciCaseState;
      const r = agcom ? this.#agcomReadiness(agcom) : wbciOrderReadiness(s, this.#ctx());
      if (!r.due) {
        const e = conflict(r.code, r.message, '', 'phase2Succeeded');
        if (r.dueAfter) e.issues[0] = { ...e.issues[0]!, message: `${r.message}; due after ${r.dueAfter}` };
        throw e;
      }
      const placed =
        agcom && this.#d.agcomPhase3
          ? ((await this.#d.agcomPhase3.place(trx, agcom, 'manual')) as WholesaleOrderRecord)
          : agcom
            ? await this.#placeBuilt(trx, caseId, this.#buildAgcom(agcom), 'manual')
            : await this.#place(trx, s, 'manual');
      const after = await loadCase(trx, caseId);
      // the Idempotency-Key is marked with the order: a retry after a crash is answered, not refused as a second order
      await opts.beforeCommit?.(trx, caseId);
      return { order: placed!, caseVersion: after!.version };
    });
  }

  /**
   * The hook the WBCI service calls inside the transaction of a committed case change. It only
   * needs the changes that can make an order due (RUEM-VA, AKM-TR, an answered Storno) or touch a
   * placed one (Storno agreed, new date, late ABBM-TR); the service skips it for the others.
   */
  readonly onCaseChanged: CaseChangeHook = Object.assign(
    async (trx: Tx, { prev, next, effects }: { prev: WbciCaseState | null; next: WbciCaseState; effects: Effect[] }) => {
      if (!this.#d.config || next.role !== 'recipient' || prev === null) return;
      const row = await loadCase(trx, next.vaId);
      const order = (row?.wholesale_order ?? null) as WholesaleOrderRecord | null;
      if (order) {
        await this.#propagate(trx, next, order, effects);
        return;
      }
      if (this.#d.config.placeOrders === 'auto' && wbciOrderReadiness(next, this.#ctx()).due) {
        await this.#place(trx, next, 'auto');
      }
    },
    { effects: HOOK_EFFECTS },
  );

  /**
   * The AGCOM service's hook, same contract as `onCaseChanged`: the managerial OK (xml3 with the
   * CodiceSessione) places the order; an accepted annullamento cancels it, an accepted
   * rimodulazione reschedules it.
   */
  readonly onAgcomCaseChanged: AgcomCaseChangeHook = Object.assign(
    async (trx: Tx, { prev, next, effects }: { prev: StoredAgcomCase | null; next: StoredAgcomCase; effects: AgcomEffect[] }) => {
      if (next.role !== 'recipient' || prev === null) return;
      if (this.#d.np && effects.some((e) => e.kind === 'managerial-validated' && e.result === 'OK')) {
        await this.#d.np.queue(trx, next, NP_NOTICE_TYPES.preNotice, { at: this.#d.clock.now().toISOString() });
      }
      const phase3 = this.#d.agcomPhase3;
      if (phase3) {
        const row = await loadCase(trx, next.orderId);
        const order = row?.wholesale_order ?? null;
        if (order) {
          if (phase3.owns(order)) await phase3.propagate(trx, next, order as never, effects);
          return;
        }
        if (phase3.placeOrders === 'auto' && this.#agcomReadiness(next).due) await phase3.place(trx, next, 'auto');
        return;
      }
      if (!this.#d.config) return;
      const row = await loadCase(trx, next.orderId);
      const order = (row?.wholesale_order ?? null) as WholesaleOrderRecord | null;
      if (order) {
        await this.#propagateAgcom(trx, next, order, effects);
        return;
      }
      if (this.#d.config.placeOrders === 'auto' && this.#agcomReadiness(next).due) {
        await this.#placeBuilt(trx, next.orderId, this.#buildAgcom(next), 'auto');
      }
    },
    { effects: AGCOM_HOOK_EFFECTS },
  );

  /**
   * Orders due by time alone: a KUE whose AKM-TR rejection window has just passed. Only cases
   * whose AKM-TR is at least that many calendar days old are looked at (n working days are never
   * fewer calendar days); the exact check is `wbciOrderReadiness`.
   */
  async tickDue(limit = 100): Promise<number> {
    const agcomAuto = this.#d.agcomPhase3 ? this.#d.agcomPhase3.placeOrders === 'auto' : this.#d.config?.placeOrders === 'auto';
    if (this.#d.config?.placeOrders !== 'auto') return agcomAuto ? this.#tickAgcom(limit) : 0;
    const now = this.#d.clock.now();
    const oldest = new Date(now.getTime() - this.#d.rules.akmTrRejectionTimeoutWorkingDays * 86_400_000).toISOString();
    const candidates = await casesAwaitingOrder(this.#d.db, { procedure: 'wbci', state: 'TR_NOTIFIED', akmTrAtOrBefore: oldest, limit });
    let placed = 0;
    await forEachLockedCase(this.#d.db, candidates.map((c) => c.id), async (trx, row) => {
      if (row.wholesale_order !== null) return;
      const s = row.data as unknown as WbciCaseState;
      if (!wbciOrderReadiness(s, this.#ctx()).due) return;
      if (await this.#place(trx, s, 'tick')) placed++;
    });
    if (agcomAuto) placed += await this.#tickAgcom(limit);
    return placed;
  }

  /** Validated AGCOM cases without an order (e.g. validated while the hook was not wired): placed now. */
  async #tickAgcom(limit: number): Promise<number> {
    const candidates = await casesAwaitingOrder(this.#d.db, { procedure: 'agcom', state: 'VALIDATED', limit });
    let placed = 0;
    await forEachLockedCase(this.#d.db, candidates.map((c) => c.id), async (trx, row) => {
      if (row.wholesale_order !== null) return;
      const s = row.data as unknown as StoredAgcomCase;
      if (!this.#agcomReadiness(s).due) return;
      const done = this.#d.agcomPhase3 ? await this.#d.agcomPhase3.place(trx, s, 'tick') : await this.#placeBuilt(trx, row.id, this.#buildAgcom(s), 'tick');
      if (done) placed++;
    });
    return placed;
  }

  // -------------------------------------------------------------------------------------------
  // Phase-2 changes after the order

  async #propagate(trx: Tx, s: WbciCaseState, order: WholesaleOrderRecord, effects: Effect[]): Promise<void> {
    let current = order;
    for (const e of effects) {
      if (e.kind === 'change-closed' && e.result === 'accepted' && (e.change.kind === 'STR-AUF' || e.change.kind === 'STR-AEN')) {
        current = await this.#request(trx, s.vaId, current, {
          kind: 'cancellationRequested',
          requestId: e.change.id,
          reason: `${e.change.kind} ${e.change.id} agreed (ERLM 8004)`,
          messageId: newMessageId(),
        });
      } else if (e.kind === 'switch-date-changed') {
        const tv = effects.find((x): x is Extract<Effect, { kind: 'change-closed' }> => x.kind === 'change-closed' && x.change.kind === 'TVS-VA');
        const requestId = tv?.change.id ?? `${s.vaId}:${e.to}`;
        current = await this.#request(trx, s.vaId, current, {
          kind: 'rescheduleRequested',
          requestId,
          date: e.to,
          reason: `TVS-VA ${requestId} agreed (ERLM 8003): ${e.from} → ${e.to}`,
          messageId: newMessageId(),
        });
      } else if (e.kind === 'tr-rejected') {
        // The AKM-TR already counted as accepted when the order went out: a person decides.
        await appendEvents(trx, [
          { type: 'wholesale.attention', caseId: s.vaId, data: { reason: 'ABBM-TR after the wholesale order was placed', codes: e.codes, orderState: current.state } },
        ]);
      }
    }
  }

  async #propagateAgcom(trx: Tx, s: StoredAgcomCase, order: WholesaleOrderRecord, effects: AgcomEffect[]): Promise<void> {
    let current = order;
    for (const e of effects) {
      if (e.kind === 'change-closed' && e.result === 'accepted' && e.change.kind === 'ANNULLAMENTO') {
        current = await this.#request(trx, s.orderId, current, {
          kind: 'cancellationRequested',
          requestId: `${s.orderId}:ANNULLAMENTO`,
          reason: `annullamento of ${s.orderId} accepted`,
          messageId: newMessageId(),
        });
      } else if (e.kind === 'dac-changed') {
        current = await this.#request(trx, s.orderId, current, {
          kind: 'rescheduleRequested',
          requestId: `${s.orderId}:${e.to}`,
          date: e.to,
          reason: `rimodulazione of ${s.orderId} accepted: ${e.from ?? '-'} → ${e.to}`,
          messageId: newMessageId(),
        });
      }
    }
  }

  async #request(
    trx: Tx,
    caseId: string,
    order: WholesaleOrderRecord,
    event: Extract<OrderEvent, { kind: 'cancellationRequested' | 'rescheduleRequested' }>,
  ): Promise<WholesaleOrderRecord> {
    const d = applyOrderEvent(order, event, { at: this.#d.clock.now().toISOString() });
    if (!d.ok) {
      await appendEvents(trx, [
        {
          type: 'wholesale.not-propagated',
          caseId,
          data: { change: event.kind, requestId: event.requestId, code: d.issue.code, message: d.issue.message, orderState: order.state },
        },
      ]);
      return order;
    }
    const productOrder = { externalId: order.externalId, ...(order.providerOrderId ? { id: order.providerOrderId } : {}) };
    const [type, body] =
      event.kind === 'cancellationRequested'
        ? [WHOLESALE_MESSAGE_TYPES.cancel, { externalId: event.requestId, productOrder, cancellationReason: event.reason } satisfies CancelOrderRequest]
        : [
            WHOLESALE_MESSAGE_TYPES.reschedule,
            { externalId: event.requestId, productOrder, requestedCompletionDate: event.date, reason: event.reason } satisfies RescheduleOrderRequest,
          ];
    await this.#queue(trx, caseId, event.messageId, type, body);
    await setWholesaleOrder(trx, caseId, d.order);
    await appendEvents(trx, [
      { type: 'message.queued', caseId, data: { messageId: event.messageId, type, businessId: null } },
      { type: WHOLESALE_EVENT_NAMES[event.kind], caseId, data: eventData(d.order, d.entry) },
    ]);
    return d.order;
  }

  /** `POST /v1/switches/{id}/wholesale-order/resume`: only orders in the FTTH model are suspended and resumed. */
  async resumeOrder(caseId: string, reason?: string, opts: CommandOptions = {}): Promise<unknown> {
    if (!this.#d.agcomPhase3) {
      throw conflict('SG_WHOLESALE_RESUME_NOT_SUPPORTED', 'a desospensione exists only for orders in the FTTH model (agcom.wholesale with protocol agcom-ftth)', '/wholesaleOrder', 'ftthOrder');
    }
    return this.#d.agcomPhase3.resume(caseId, reason, opts);
  }

  // -------------------------------------------------------------------------------------------
  // Callbacks

  /**
   * Applies one provider notification (schema-valid). Throws 404 for an unknown order, 409 for a
   * transition the lifecycle refuses or an event id reused with other content, 422 for missing
   * content; a refused notification writes nothing.
   */
  async receiveNotification(n: Notification, raw: string): Promise<NotificationOutcome> {
    const mapped = eventFromNotification(n);
    if (!mapped.ok) throw new AppError(422, mapped.issue.code, mapped.issue.message, [mapped.issue]);
    const dates = [n.event.productOrder.expectedCompletionDate].filter((d): d is string => d !== undefined);
    for (const d of dates) {
      try {
        toEpochDay(d);
      } catch {
        const issue: Issue = { path: '/event/productOrder/expectedCompletionDate', rule: 'calendarDate', code: 'SG_WHOLESALE_INVALID_DATE', message: `${d} is not a calendar date` };
        throw new AppError(422, issue.code, issue.message, [issue]);
      }
    }
    const caseId = mapped.ref.externalId;
    const key = `wholesale:${n.eventId}`;
    return this.#d.db.transaction().execute(async (trx) => {
      const row = await loadCase(trx, caseId, { forUpdate: true });
      const stored = row?.role === 'recipient' ? row.wholesale_order : null;
      // an FTTH order hears from its network operator as N4–N7 only, never through this callback
      const order = (stored && !this.#d.agcomPhase3?.owns(stored) ? stored : null) as WholesaleOrderRecord | null;
      if (!row || !order) {
        throw new AppError(404, 'SG_WHOLESALE_ORDER_UNKNOWN', `no wholesale order with externalId ${JSON.stringify(caseId)}`, [
          { path: '/event/productOrder/externalId', rule: 'knownOrder', code: 'SG_WHOLESALE_ORDER_UNKNOWN', message: `no order ${caseId} was placed by this gateway` },
        ]);
      }
      const seen = await findByDedupeKey(trx, key);
      if (seen) {
        if (seen.case_id === caseId && hashOf(seen.body) === hashOf(n)) return { status: 'duplicate', order };
        throw conflict('SG_WHOLESALE_EVENT_ID_REUSED', `event ${n.eventId} was already received with other content`, '/eventId', 'uniqueEventId');
      }
      const d = applyOrderEvent(order, mapped.event, { at: this.#d.clock.now().toISOString(), eventId: n.eventId });
      if (!d.ok) {
        this.#d.log.info({ caseId, eventId: n.eventId, code: d.issue.code }, 'wholesale notification refused');
        throw new AppError(CONTENT_CODES.has(d.issue.code) ? 422 : 409, d.issue.code, d.issue.message, [d.issue]);
      }
      const messageId = newMessageId();
      await insertMessage(trx, {
        messageId,
        caseId,
        type: WHOLESALE_MESSAGE_TYPES.notification,
        direction: 'in',
        peer: WHOLESALE_DESTINATION,
        businessId: null,
        status: 'accepted',
        body: n,
        raw,
        rawFormat: 'json',
        dedupeKey: key,
      });
      await setWholesaleOrder(trx, caseId, d.order);
      if (this.#d.np && row.procedure === 'agcom' && d.order.state !== order.state) {
        const type = d.order.state === 'completed' ? NP_NOTICE_TYPES.executed : d.order.state === 'failed' || d.order.state === 'rejected' ? NP_NOTICE_TYPES.failed : undefined;
        if (type) {
          await this.#d.np.queue(trx, row.data as unknown as StoredAgcomCase, type, {
            at: this.#d.clock.now().toISOString(),
            ...(d.order.providerOrderId ? { wholesaleOrderId: d.order.providerOrderId } : {}),
            ...(type === NP_NOTICE_TYPES.failed ? { note: `wholesale order ${d.order.state}` } : {}),
          });
        }
      }
      const events: NewDomainEvent[] = [
        { type: 'message.received', caseId, data: { messageId, type: WHOLESALE_MESSAGE_TYPES.notification, eventType: n.eventType } },
        { type: WHOLESALE_EVENT_NAMES[mapped.event.kind], caseId, data: eventData(d.order, d.entry) },
      ];
      await appendEvents(trx, events);
      return { status: 'accepted', order: d.order };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Verification (donating side)

  async verify(req: VerificationRequest, meta: { orderId?: string } = {}): Promise<VerificationAnswer> {
    return this.#d.db.transaction().execute(async (trx) => {
      let row: CaseRow | undefined = await loadCase(trx, req.id);
      if (!row || row.procedure !== 'wbci') row = await this.#agcomBySessionCode(trx, req.id);
      const answer =
        row?.procedure === 'agcom'
          ? decideVerification(this.#agcomSubject(row.data as unknown as StoredAgcomCase), req, italianNumber)
          : decideVerification(row ? wbciVerificationSubject(row.data as unknown as WbciCaseState) : undefined, req);
      if (row && row.role === 'donating') {
        const messageId = newMessageId();
        await insertMessage(trx, {
          messageId,
          caseId: row.id,
          type: WHOLESALE_MESSAGE_TYPES.verification,
          direction: 'in',
          peer: WHOLESALE_DESTINATION,
          businessId: null,
          status: 'answered',
          body: { request: req, ...(meta.orderId ? { orderId: meta.orderId } : {}), answer },
        });
        await appendEvents(trx, [
          {
            type: 'wholesale.verification-answered',
            caseId: row.id,
            data: { messageId, result: answer.result, ...(answer.result === 'KO' ? { code: answer.code } : {}), numbers: req.numbers.length },
          },
        ]);
      }
      this.#d.log.info({ id: req.id, result: answer.result, code: answer.result === 'KO' ? answer.code : undefined }, 'wholesale verification answered');
      return answer;
    });
  }

  #agcomSubject(s: StoredAgcomCase) {
    return agcomVerificationSubject(s, this.#d.agcomSessionValidUntil?.(s) ?? null, this.#d.clock.now());
  }

  /** The Donating's AGCOM case of a codice sessione (unique per Donating in practice; newest wins). */
  async #agcomBySessionCode(trx: Tx, sessionCode: string): Promise<CaseRow | undefined> {
    return agcomDonatingCaseBySessionCode(trx, sessionCode);
  }

  /**
   * The answer to the network operator's N8 (italy.md §10.3): the same verification as the REST
   * one, plus the COR, which the FTTH model sends with the code. Read-only: the caller records it.
   */
  async verifyFtthSession(trx: Tx, q: { sessionCode: string; cor: string; numbers: string[] }): Promise<{ row: CaseRow | undefined; answer: VerificationAnswer; corMatches: boolean }> {
    const row = await this.#agcomBySessionCode(trx, q.sessionCode);
    const s = row?.procedure === 'agcom' ? (row.data as unknown as StoredAgcomCase) : undefined;
    const answer = decideVerification(s ? this.#agcomSubject(s) : undefined, { id: q.sessionCode, numbers: q.numbers }, italianNumber);
    const corMatches = s !== undefined && s.request.resources.some((r) => r.cor === q.cor);
    return { row, answer, corMatches };
  }

  // -------------------------------------------------------------------------------------------
  // Views

  /** The order with its deliveries (outbox state of each WHOLESALE-* request); undefined without one. */
  async orderView(caseId: string): Promise<{ order: WholesaleOrderRecord; deliveries: unknown[]; caseVersion: number } | undefined> {
    const row = await loadCase(this.#d.db, caseId);
    if (!row) throw notFound('switch', caseId);
    const order = row.wholesale_order as WholesaleOrderRecord | null;
    if (!order) return undefined;
    const rows = await this.#d.db
      .selectFrom('outbox as o')
      .innerJoin('messages as m', 'm.message_id', 'o.message_id')
      .leftJoin('dead_letters as d', (j) => j.onRef('d.outbox_id', '=', 'o.id').on('d.replayed_at', 'is', null).on('d.set_aside_at', 'is', null))
      .select(['o.message_id', 'm.type', 'o.status', 'o.attempts', 'o.last_error', 'o.delivered_at', 'd.id as dead_letter_id', 'd.reason'])
      .where('o.case_id', '=', caseId)
      .where('o.kind', '=', 'wholesale')
      .orderBy('o.id')
      .execute();
    return {
      order,
      caseVersion: row.version,
      deliveries: rows.map((r) => ({
        messageId: r.message_id,
        type: r.type,
        status: r.status,
        attempts: r.attempts,
        lastError: r.last_error,
        deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
        deadLetter: r.dead_letter_id !== null ? { id: String(r.dead_letter_id), reason: r.reason } : null,
      })),
    };
  }
}

/** Feed data of one lifecycle step. */
function eventData(order: WholesaleOrderRecord, entry: OrderHistoryEntry): Record<string, unknown> {
  return {
    externalId: order.externalId,
    providerOrderId: order.providerOrderId,
    from: entry.from,
    state: entry.to,
    dac: order.dac,
    ...(entry.eventId !== undefined ? { eventId: entry.eventId } : {}),
    ...(entry.previousDac !== undefined ? { previousDac: entry.previousDac } : {}),
    ...(entry.code !== undefined ? { code: entry.code } : {}),
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.requestId !== undefined ? { requestId: entry.requestId } : {}),
    ...(entry.event === 'rescheduleRequested' && entry.dac ? { requestedCompletionDate: entry.dac } : {}),
  };
}
