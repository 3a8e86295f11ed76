/**
 * The Recipient (A) side of the FTTH model (italy.md §10.3–§10.4): the Italian phase-3 order goes
 * to the network operator as N1, the Recipient's annullamento / desospensione as N2 and its
 * rimodulazione as N3, all through the outbox (destination `agcom-ftth`, retries, dead letters);
 * the operator's N4–N7 arrive at our RecipientMigrationNotify_OLO and are answered N12 at once.
 *
 * The order lives where every phase-3 order lives, `cases.wholesale_order`, in the generic shape
 * (state, dac, providerOrderId, history…) so the case view and the console show it like any other,
 * with the FTTH machine's own state under `ftth` (protocols/agcom/ftth/machine.ts decides every
 * transition; this module only records them). Events reuse the wholesale.* names.
 *
 * Inbound messages are correlated on CODICE_ORDINE_REC until the first N4 and on CODICE_ORDINE_WHS
 * after it, deduplicated on ID_NOTIFICA (ftth-once.ts); a refused one (wrong state, unknown order)
 * is recorded on the case as `refused` and answered NACK, and changes nothing else.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { Database } from '../../store/schema.js';
import { loadCase, setWholesaleOrder } from '../../store/repos/cases.js';
import { insertMessage } from '../../store/repos/messages.js';
import { enqueue } from '../../store/repos/outbox.js';
import { appendEvents, type NewDomainEvent } from '../../store/repos/events.js';
import { AppError, notFound } from '../errors.js';
import type { N12 } from '../../protocols/agcom/ftth/codec.js';
import { REASONS, type FtthCodes } from '../../protocols/agcom/ftth/codes.js';
import { applyOrderEvent, newOrder, type FtthOrder, type OrderEffect, type OrderEvent, type OrderState } from '../../protocols/agcom/ftth/machine.js';
import type { FtthMessage, Operation } from '../../protocols/agcom/ftth/messages.js';
import { orderEventOf } from '../../protocols/agcom/ftth/order-events.js';
import { buildN1, buildN2, buildN3, genericState, type RecipientSettings } from '../../protocols/agcom/ftth/recipient.js';
import type { Effect as AgcomEffect } from '../../protocols/agcom/machine.js';
import { NP_NOTICE_TYPES } from '../../protocols/agcom/number-portability.js';
import type { StoredAgcomCase } from './service.js';
import type { NumberPortabilityNotifier } from './number-portability.js';
import type { AgcomPhase3 } from '../wholesale/service.js';
import { FTTH_DESTINATION, type FtthOutbound } from './ftth-donating.js';
import { answerOnce, ftthDedupeKey } from './ftth-once.js';
import type { CommandOptions } from '../case-unit.js';
import { newMessageId } from '../../domain/message-id.js';

type Tx = Transaction<Database>;

export const RECIPIENT_MESSAGE_TYPES = {
  N1: 'FTTH-N1',
  N2: 'FTTH-N2',
  N3: 'FTTH-N3',
  N4: 'FTTH-N4',
  N5: 'FTTH-N5',
  N6: 'FTTH-N6',
  N7: 'FTTH-N7',
} as const;

const INBOUND_TYPE: Partial<Record<Operation, string>> = {
  WHS_StatusUpdateMig: RECIPIENT_MESSAGE_TYPES.N4,
  WHS_RescheduleMig: RECIPIENT_MESSAGE_TYPES.N5,
  WHS_Event: RECIPIENT_MESSAGE_TYPES.N6,
  WHS_CompletionOrderMig: RECIPIENT_MESSAGE_TYPES.N7,
};

/** One step of the order as the console lists it. */
export interface FtthHistoryEntry {
  at: string;
  /** N1 … N7, with the N4 state / N2 action */
  event: string;
  from: string | null;
  to: string;
  ftthFrom: OrderState | null;
  ftthTo: OrderState;
  notificationId?: string;
  dac?: string;
  code?: string;
  reason?: string;
  /** our N2/N3: the message that carried it, and the DAC and appointment it replaced (an N12 NACK puts them back) */
  messageId?: string;
  before?: { dac: string | null; appointment: string | null };
  /** our N3: the appointment it asked for */
  appointment?: string;
}

interface ChangeRequest {
  id: string;
  status: 'requested' | 'done' | 'rejected';
  requestedAt: string;
  reason: string;
  requestedDate?: string;
  messageId: string;
  answeredAt?: string;
}

/** What `cases.wholesale_order` holds for an FTTH order: the generic order's fields plus `ftth`. */
export interface FtthOrderRecord {
  protocol: 'agcom-ftth';
  /** CODICE_ORDINE_REC */
  externalId: string;
  /** CODICE_ORDINE_WHS, from the first N4 */
  providerOrderId: string | null;
  procedure: 'agcom';
  orderType: 'PROVIDERWECHSEL';
  orderTypeBasis: string;
  requestedCompletionDate: string | null;
  state: string;
  dac: string | null;
  appointment: string | null;
  failure: { state: string; code: string; reason: string | null } | null;
  cancellation: ChangeRequest | null;
  reschedule: ChangeRequest | null;
  /** the FTTH-N1 message */
  messageId: string;
  placedAt: string;
  updatedAt: string;
  history: FtthHistoryEntry[];
  ftth: FtthOrder;
}

export const isFtthOrder = (o: unknown): o is FtthOrderRecord => typeof o === 'object' && o !== null && (o as { protocol?: unknown }).protocol === 'agcom-ftth';

export interface FtthRecipientDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  codes: FtthCodes;
  settings: RecipientSettings;
  /** `agcom.wholesale.placeOrders` (default auto) */
  placeOrders: 'auto' | 'manual';
  /** number-portability notices; the `01` already went at the managerial OK when present */
  np?: NumberPortabilityNotifier;
  /** closes the AGCOM case on N7 OK, in the same transaction (AgcomService.completeByNetwork) */
  completeCase: (trx: Tx, caseId: string, note: string) => Promise<boolean>;
  /** told the outcome of every N4–N7 (switchgate_inbound_messages_total) */
  onReceived?: (peer: string, type: string, outcome: 'accepted' | 'refused' | 'invalid' | 'duplicate') => void;
}

const ack = (id: string): N12 => ({ ID_NOTIFICA: id, ESITO: '0' });
const nack = (id: string, code: string, reason: string): N12 => ({ ID_NOTIFICA: id, ESITO: '1', CODICE_MOTIVAZIONE: code, MOTIVAZIONE: [...reason].slice(0, 255).join('') });
const str = (m: FtthMessage, k: string): string => m[k] as string;

/** Feed event of a step, by the FTTH state it reached (and the one it left). */
function eventName(e: OrderEvent, from: OrderState, to: OrderState): string {
  switch (e.kind) {
    case 'N4':
      if (to === 'acquisito' || (to === 'cancelPending' && e.state === 'acquisito')) return 'wholesale.acknowledged';
      if (to === 'accettato') return from === 'sospeso' || e.desospensione === true ? 'wholesale.resumed' : 'wholesale.accepted';
      if (to === 'sospeso') return 'wholesale.suspended';
      if (to === 'annullato') return 'wholesale.cancelled';
      return 'wholesale.rejected';
    case 'N5':
      return 'wholesale.rescheduled';
    case 'N6':
      return 'wholesale.in-progress';
    case 'N7':
      return to === 'espletatoOk' ? 'wholesale.completed' : 'wholesale.failed';
    case 'N2':
      return e.azione === '1' ? 'wholesale.cancellation-queued' : 'wholesale.resume-queued';
    case 'N3':
      return 'wholesale.reschedule-queued';
    case 'N12':
      return 'wholesale.rejected';
    case 'refused':
      return e.request === 'N3' ? 'wholesale.reschedule-rejected' : e.request === 'N2 annullamento' ? 'wholesale.cancellation-rejected' : 'wholesale.resume-rejected';
  }
}

/** The operator's code and reason from a dead letter's reason, as the transport writes it: `N12 NACK <CODICE_MOTIVAZIONE>: <MOTIVAZIONE>`. */
function nackOf(reason: string): { code: string; reason: string } {
  const m = /^N12 NACK (\S*): ([\s\S]*)$/.exec(reason);
  return { code: m?.[1] ?? '', reason: m?.[2] ?? reason };
}

const label = (e: OrderEvent): string =>
  e.kind === 'N4' ? `N4 ${e.state}` : e.kind === 'N2' ? `N2 ${e.azione === '1' ? 'annullamento' : 'desospensione'}` : e.kind === 'refused' ? `N12 NACK to ${e.request}` : e.kind;

export class FtthRecipientService implements AgcomPhase3 {
  readonly #d: FtthRecipientDeps;

  constructor(deps: FtthRecipientDeps) {
    this.#d = deps;
  }

  get placeOrders(): 'auto' | 'manual' {
    return this.#d.placeOrders;
  }

  owns(order: unknown): boolean {
    return isFtthOrder(order);
  }

  #notification(kind: string) {
    return { id: `${this.#d.settings.operatorCode}-${kind}-${randomUUID()}`, at: this.#d.clock.now().toISOString() };
  }

  async #queue(trx: Tx, caseId: string, type: string, op: Operation, msg: FtthMessage): Promise<string> {
    const messageId = newMessageId();
    const body: FtthOutbound = { service: 'RecipientMigrationService', op, msg };
    await insertMessage(trx, { messageId, caseId, type, direction: 'out', peer: FTTH_DESTINATION, businessId: str(msg, 'CODICE_ORDINE_REC'), status: 'queued', body });
    await enqueue(trx, { messageId, caseId, kind: 'wholesale', destination: FTTH_DESTINATION });
    return messageId;
  }

  // -------------------------------------------------------------------------------------------
  // N1: the order

  /**
   * Queues the N1 of a validated case (the caller checked readiness and holds the case's lock).
   * An N1 that cannot be built is refused (409) when asked for by the API, and announced as
   * `wholesale.order-blocked` when automatic.
   */
  async place(trx: Tx, s: StoredAgcomCase, trigger: 'auto' | 'manual' | 'tick'): Promise<FtthOrderRecord | undefined> {
    const caseId = s.orderId;
    const built = buildN1(s, this.#d.settings, this.#notification('N1'));
    if (!built.ok) {
      if (trigger === 'manual') throw new AppError(409, 'SG_WHOLESALE_ORDER_INCOMPLETE', `the N1 for ${caseId} cannot be built: ${built.issues[0]!.message}`, built.issues);
      await appendEvents(trx, [{ type: 'wholesale.order-blocked', caseId, data: { issues: built.issues } }]);
      this.#d.log.warn({ caseId, paths: built.issues.map((i) => i.path) }, 'FTTH N1 cannot be built');
      return undefined;
    }
    const messageId = await this.#queue(trx, caseId, RECIPIENT_MESSAGE_TYPES.N1, 'Rec_MigrationSetup', built.msg);
    const at = this.#d.clock.now().toISOString();
    const ftth = newOrder(caseId, { npAnnounced: this.#d.np !== undefined });
    const record: FtthOrderRecord = {
      protocol: 'agcom-ftth',
      externalId: caseId,
      providerOrderId: null,
      procedure: 'agcom',
      orderType: 'PROVIDERWECHSEL',
      orderTypeBasis: `${s.procedure}: N1 Rec_MigrationSetup with the codice sessione (COR ${s.request.resources[0]?.cor ?? ''})`,
      requestedCompletionDate: s.dac,
      state: 'submitted',
      dac: null,
      appointment: null,
      failure: null,
      cancellation: null,
      reschedule: null,
      messageId,
      placedAt: at,
      updatedAt: at,
      history: [{ at, event: 'N1', from: null, to: 'submitted', ftthFrom: null, ftthTo: 'submitted', notificationId: str(built.msg, 'ID_NOTIFICA') }],
      ftth,
    };
    await setWholesaleOrder(trx, caseId, record);
    await appendEvents(trx, [
      { type: 'message.queued', caseId, data: { messageId, type: RECIPIENT_MESSAGE_TYPES.N1, businessId: caseId } },
      {
        type: 'wholesale.order-queued',
        caseId,
        data: { externalId: caseId, protocol: 'agcom-ftth', orderType: record.orderType, orderTypeBasis: record.orderTypeBasis, requestedCompletionDate: s.dac, messageId, trigger },
      },
    ]);
    this.#d.log.info({ caseId, trigger }, 'FTTH N1 queued');
    return record;
  }

  /**
   * The network operator's N12 NACK to our N1 (the outbox dead-lettered it, in this transaction):
   * §10.4 ends the order `rejectedSync`, with the operator's reason. Replaying the dead letter is a
   * new attempt: if the operator takes the N1 in this time, its first N4 reopens the order (#reopened).
   */
  async n1Refused(trx: Tx, caseId: string, messageId: string, reason: string): Promise<void> {
    const row = await loadCase(trx, caseId, { forUpdate: true });
    const order = row?.wholesale_order;
    if (!row || !isFtthOrder(order) || order.messageId !== messageId) return;
    const event: OrderEvent = { kind: 'N12', esito: '1' };
    const t = applyOrderEvent(order.ftth, event);
    if (!t.ok) return;
    const refusal = nackOf(reason);
    const next = this.#advance(order, event, t.order, t.effects, this.#d.clock.now().toISOString(), refusal);
    await setWholesaleOrder(trx, caseId, next);
    await appendEvents(trx, [{ type: eventName(event, order.ftth.state, t.order.state), caseId, data: eventData(next, next.history.at(-1)!) }]);
    await this.#effects(trx, row.data as unknown as StoredAgcomCase, next, t.effects);
    this.#d.log.info({ caseId, code: refusal.code }, 'FTTH N1 refused by the network operator (N12 NACK)');
  }

  /**
   * The network operator's N12 NACK to our N2 or N3 (the outbox dead-lettered it, in this
   * transaction): the operator did not take the request, so §10.4's order goes back to what it was
   * before it — unless the operator has moved the order since, which is then left as it is and
   * reported for a person to look at (`wholesale.attention`). The change the request carried is
   * marked `rejected` with the operator's reason either way.
   */
  async requestRefused(trx: Tx, caseId: string, messageId: string, reason: string): Promise<void> {
    const row = await loadCase(trx, caseId, { forUpdate: true });
    const stored = row?.wholesale_order;
    if (!row || !isFtthOrder(stored)) return;
    const order: FtthOrderRecord = stored;
    const sent = order.history.find((h) => h.messageId === messageId);
    // refused again after a replay that never reached the operator: it was undone the first time
    if (!sent || order.history.findLast((h) => h.messageId === messageId)!.event.startsWith('N12 NACK')) return;
    const event: OrderEvent | undefined =
      sent.event === 'N3'
        ? { kind: 'refused', request: 'N3', dac: sent.dac ?? '', before: sent.before ?? { dac: null, appointment: null } }
        : sent.event === 'N2 annullamento' && sent.ftthFrom !== null
          ? { kind: 'refused', request: 'N2 annullamento', before: sent.ftthFrom }
          : sent.event === 'N2 desospensione'
            ? { kind: 'refused', request: 'N2 desospensione' }
            : undefined;
    if (!event) return;
    const refusal = nackOf(reason);
    const at = this.#d.clock.now().toISOString();
    const answered = (c: ChangeRequest | null | undefined) => (c?.messageId === messageId ? { ...c, status: 'rejected' as const, answeredAt: at } : c);
    const patch: Partial<FtthOrderRecord> = { cancellation: answered(order.cancellation) ?? null, reschedule: answered(order.reschedule) ?? null };
    const t = applyOrderEvent(order.ftth, event);
    if (!t.ok) {
      await setWholesaleOrder(trx, caseId, { ...order, ...patch, updatedAt: at });
      await appendEvents(trx, [{ type: 'wholesale.attention', caseId, data: { reason: `${label(event)} ${refusal.code}: ${refusal.reason} — not undone: ${t.message}`, codes: [refusal.code], orderState: order.state } }]);
      this.#d.log.warn({ caseId, code: refusal.code, ftthState: order.ftth.state }, 'FTTH request refused by the network operator after the order moved');
      return;
    }
    // the DAC asked for is the one in force again
    if (event.request === 'N3' && event.before.dac !== null) patch.requestedCompletionDate = event.before.dac;
    const next = this.#advance(order, event, t.order, t.effects, at, { ...refusal, messageId }, patch);
    await setWholesaleOrder(trx, caseId, next);
    await appendEvents(trx, [{ type: eventName(event, order.ftth.state, t.order.state), caseId, data: eventData(next, next.history.at(-1)!) }]);
    this.#d.log.info({ caseId, code: refusal.code, request: event.request }, 'FTTH request refused by the network operator (N12 NACK): undone');
  }

  /**
   * An order refused by N12 whose N1 was replayed and delivered since: a new attempt, which starts
   * over from `submitted` (the Donor was told `03`, so portability is announced again at Accettato).
   */
  async #reopened(trx: Tx, order: FtthOrderRecord): Promise<FtthOrderRecord> {
    if (order.ftth.state !== 'rejectedSync') return order;
    const n1 = await trx.selectFrom('messages').select('status').where('message_id', '=', order.messageId).executeTakeFirst();
    if (n1?.status !== 'delivered') return order;
    const at = this.#d.clock.now().toISOString();
    return {
      ...order,
      state: 'submitted',
      failure: null,
      updatedAt: at,
      history: [...order.history, { at, event: 'N1 replayed', from: order.state, to: 'submitted', ftthFrom: order.ftth.state, ftthTo: 'submitted' }],
      ftth: newOrder(order.ftth.codiceOrdineRec, { npAnnounced: false }),
    };
  }

  /**
   * Our N2/N3 the operator refused (N12 NACK, undone by `requestRefused`) whose dead letter was
   * replayed and delivered since: the operator took the request this time, so it applies again
   * before the operator's next message is (as a replayed N1 reopens its order, #reopened).
   */
  async #resent(trx: Tx, caseId: string, order: FtthOrderRecord): Promise<FtthOrderRecord> {
    const undone = order.history.filter((h) => h.event.startsWith('N12 NACK to ') && h.messageId !== undefined);
    let current = order;
    for (const refusal of undone) {
      if (current.history.some((h) => h.messageId === refusal.messageId && h.event.endsWith(' replayed'))) continue;
      const message = await trx.selectFrom('messages').select('status').where('message_id', '=', refusal.messageId!).executeTakeFirst();
      if (message?.status !== 'delivered') continue;
      const sent = current.history.find((h) => h.messageId === refusal.messageId && !h.event.startsWith('N12 NACK'));
      const again: OrderEvent | undefined =
        sent?.event === 'N3' && sent.dac && sent.appointment
          ? { kind: 'N3', dac: sent.dac, appointment: sent.appointment }
          : sent?.event === 'N2 annullamento'
            ? { kind: 'N2', azione: '1' }
            : sent?.event === 'N2 desospensione'
              ? { kind: 'N2', azione: '0' }
              : undefined;
      if (!sent || !again) continue;
      const t = applyOrderEvent(current.ftth, again);
      const at = this.#d.clock.now().toISOString();
      if (!t.ok) {
        await appendEvents(trx, [{ type: 'wholesale.attention', caseId, data: { reason: `${sent.event} replayed and taken by the operator, but ${t.message}`, codes: [], orderState: current.state } }]);
        current = { ...current, history: [...current.history, { at, event: `${sent.event} replayed`, from: current.state, to: current.state, ftthFrom: current.ftth.state, ftthTo: current.ftth.state, messageId: refusal.messageId! }] };
        continue;
      }
      const answered = (c: ChangeRequest | null): ChangeRequest | null => (c !== null && c.messageId === refusal.messageId ? { ...c, status: again.kind === 'N3' ? 'done' : 'requested' } : c);
      const patch: Partial<FtthOrderRecord> = { cancellation: answered(current.cancellation), reschedule: answered(current.reschedule), ...(again.kind === 'N3' ? { requestedCompletionDate: again.dac } : {}) };
      const from = current.ftth.state;
      current = this.#advance(current, again, t.order, t.effects, at, { event: `${sent.event} replayed`, messageId: refusal.messageId! }, patch);
      await appendEvents(trx, [{ type: eventName(again, from, t.order.state), caseId, data: eventData(current, current.history.at(-1)!) }]);
    }
    if (current !== order) await setWholesaleOrder(trx, caseId, current);
    return current;
  }

  // -------------------------------------------------------------------------------------------
  // N2 / N3: the Recipient's changes

  /** Fase 2 changes after the order: an accepted annullamento → N2 AZIONE=1, a new DAC → N3. */
  async propagate(trx: Tx, s: StoredAgcomCase, order: FtthOrderRecord, effects: readonly AgcomEffect[]): Promise<void> {
    let current = order;
    for (const e of effects) {
      if (e.kind === 'change-closed' && e.result === 'accepted' && e.change.kind === 'ANNULLAMENTO') {
        current = await this.#request(trx, s.orderId, current, { kind: 'N2', azione: '1' }, `annullamento of ${s.orderId} accepted`);
      } else if (e.kind === 'dac-changed') {
        const appointment = current.ftth.appointment ?? this.#d.settings.rimodulazione.appointmentTime;
        current = await this.#request(trx, s.orderId, current, { kind: 'N3', dac: e.to, appointment }, `rimodulazione of ${s.orderId} accepted: ${e.from ?? '-'} → ${e.to}`);
      }
    }
  }

  /** `POST /v1/switches/{id}/wholesale-order/resume`: the desospensione of a suspended order (N2 AZIONE=0). */
  async resume(caseId: string, reason: string | undefined, opts: CommandOptions = {}): Promise<FtthOrderRecord> {
    return this.#d.db.transaction().execute(async (trx) => {
      const row = await loadCase(trx, caseId, { forUpdate: true });
      if (!row) throw notFound('switch', caseId);
      const order = row.wholesale_order;
      if (!isFtthOrder(order)) {
        throw new AppError(409, 'SG_WHOLESALE_RESUME_NOT_SUPPORTED', `${caseId} has no FTTH order: only an FTTH order is suspended and resumed`, [
          { path: '/wholesaleOrder', rule: 'ftthOrder', code: 'SG_WHOLESALE_RESUME_NOT_SUPPORTED', message: 'a desospensione (N2 AZIONE=0) exists only in the FTTH model' },
        ]);
      }
      const t = applyOrderEvent(order.ftth, { kind: 'N2', azione: '0' });
      if (!t.ok) {
        throw new AppError(409, 'SG_WHOLESALE_NOT_SUSPENDED', `the order of ${caseId} is ${order.ftth.state}: ${t.message}`, [
          { path: '/wholesaleOrder/ftth/state', rule: 'sospeso', code: 'SG_WHOLESALE_NOT_SUSPENDED', message: t.message },
        ]);
      }
      const resumed = await this.#request(trx, caseId, order, { kind: 'N2', azione: '0' }, reason ?? `desospensione of ${caseId}`);
      await opts.beforeCommit?.(trx, caseId);
      return resumed;
    });
  }

  async #request(trx: Tx, caseId: string, order: FtthOrderRecord, e: Extract<OrderEvent, { kind: 'N2' | 'N3' }>, reason: string): Promise<FtthOrderRecord> {
    const t = applyOrderEvent(order.ftth, e);
    if (!t.ok) {
      await appendEvents(trx, [{ type: 'wholesale.not-propagated', caseId, data: { change: label(e), message: t.message, orderState: order.state, ftthState: order.ftth.state } }]);
      return order;
    }
    const n = this.#notification(e.kind);
    const [type, op, msg] =
      e.kind === 'N2'
        ? ([RECIPIENT_MESSAGE_TYPES.N2, 'Rec_StatusUpdateMig', buildN2(order.ftth, this.#d.settings, n, e.azione, reason)] as const)
        : ([RECIPIENT_MESSAGE_TYPES.N3, 'Rec_RescheduleMig', buildN3(order.ftth, this.#d.settings, n, e.dac, reason)] as const);
    const messageId = await this.#queue(trx, caseId, type, op, msg);
    const at = this.#d.clock.now().toISOString();
    const change: ChangeRequest = { id: n.id, status: 'requested', requestedAt: at, reason, messageId, ...(e.kind === 'N3' ? { requestedDate: e.dac } : {}) };
    const patch: Partial<FtthOrderRecord> =
      e.kind === 'N3' ? { reschedule: { ...change, status: 'done', answeredAt: at }, requestedCompletionDate: e.dac } : e.azione === '1' ? { cancellation: change } : {};
    const sent: Partial<FtthHistoryEntry> = {
      notificationId: n.id,
      reason,
      messageId,
      ...(e.kind === 'N3' ? { before: { dac: order.ftth.dac, appointment: order.ftth.appointment }, appointment: e.appointment } : {}),
    };
    const next = this.#advance(order, e, t.order, t.effects, at, sent, patch);
    await setWholesaleOrder(trx, caseId, next);
    await appendEvents(trx, [
      { type: 'message.queued', caseId, data: { messageId, type, businessId: caseId } },
      { type: eventName(e, order.ftth.state, t.order.state), caseId, data: eventData(next, next.history.at(-1)!) },
    ]);
    return next;
  }

  /** The record after a transition the machine allowed. */
  #advance(order: FtthOrderRecord, e: OrderEvent, ftth: FtthOrder, effects: OrderEffect[], at: string, extra: Partial<FtthHistoryEntry>, patch: Partial<FtthOrderRecord> = {}): FtthOrderRecord {
    const state = genericState(ftth.state, order.state);
    const entry: FtthHistoryEntry = { at, event: label(e), from: order.state, to: state, ftthFrom: order.ftth.state, ftthTo: ftth.state, ...extra };
    const dacEffect = effects.find((x): x is Extract<OrderEffect, { kind: 'dac' }> => x.kind === 'dac');
    if (dacEffect) entry.dac = dacEffect.dac;
    const failed = state === 'rejected' || state === 'failed';
    return {
      ...order,
      ...patch,
      state,
      providerOrderId: ftth.codiceOrdineWhs,
      dac: ftth.dac,
      appointment: ftth.appointment,
      failure: failed ? { state, code: extra.code ?? '', reason: extra.reason ?? null } : order.failure,
      cancellation: ftth.state === 'annullato' && order.cancellation ? { ...order.cancellation, status: 'done', answeredAt: at } : (patch.cancellation ?? order.cancellation),
      updatedAt: at,
      history: [...order.history, entry],
      ftth,
    };
  }

  // -------------------------------------------------------------------------------------------
  // N4–N7 from the network operator

  /** One N4–N7 (already checked against its XSD table): N12 now, the order moved if the machine allows. */
  async receive(op: Operation, msg: FtthMessage): Promise<N12> {
    const id = str(msg, 'ID_NOTIFICA');
    const whsCode = str(msg, 'CODICE_OPERATORE_WHS');
    const type = INBOUND_TYPE[op]!;
    const own = this.#d.settings.networkOperatorCode;
    const count = (outcome: 'accepted' | 'refused' | 'invalid' | 'duplicate') => this.#d.onReceived?.(FTTH_DESTINATION, type, outcome);
    if (own !== undefined && whsCode !== own) {
      count('invalid');
      return nack(id, REASONS.unknownOrder, `CODICE_OPERATORE_WHS: ${whsCode} is not this gateway's network operator (${own})`);
    }
    let replayed = false;
    const n12 = await answerOnce(this.#d.db, ftthDedupeKey(whsCode, id), (trx) => this.#apply(trx, op, msg, type), () => (replayed = true));
    count(replayed ? 'duplicate' : n12.ESITO === '0' ? 'accepted' : 'refused');
    return n12;
  }

  async #apply(trx: Tx, op: Operation, msg: FtthMessage, type: string): Promise<{ n12: N12 }> {
    const id = str(msg, 'ID_NOTIFICA');
    const whsCode = str(msg, 'CODICE_OPERATORE_WHS');
    const whs = str(msg, 'CODICE_ORDINE_WHS');
    const rec = str(msg, 'CODICE_ORDINE_REC');
    const caseId = (await this.#caseOfWhs(trx, whs)) ?? rec;
    const row = await loadCase(trx, caseId, { forUpdate: true });
    const stored = row?.role === 'recipient' ? row.wholesale_order : null;
    if (!row || !isFtthOrder(stored)) return { n12: nack(id, REASONS.unknownOrder, `CODICE_ORDINE_REC: no FTTH order ${rec} (nor CODICE_ORDINE_WHS ${whs}) was placed by this gateway`) };
    const order = await this.#resent(trx, caseId, await this.#reopened(trx, stored));
    const event = orderEventOf(op, msg, this.#d.codes)!;
    const t = applyOrderEvent(order.ftth, event);
    const messageId = newMessageId();
    const record = (status: string, n12: N12) =>
      insertMessage(trx, { messageId, caseId, type, direction: 'in', peer: FTTH_DESTINATION, businessId: whs, status, body: { msg, n12 }, dedupeKey: ftthDedupeKey(whsCode, id) });
    if (!t.ok) {
      const n12 = nack(id, REASONS[t.reason], t.field ? `${t.field}: ${t.message}` : t.message);
      await record('refused', n12);
      await appendEvents(trx, [
        { type: 'message.received', caseId, data: { messageId, type } },
        { type: 'agcom.ftth.refused', caseId, data: { messageId, type, code: n12.CODICE_MOTIVAZIONE, reason: n12.MOTIVAZIONE, ftthState: order.ftth.state } },
      ]);
      this.#d.log.info({ caseId, op, code: n12.CODICE_MOTIVAZIONE, ftthState: order.ftth.state }, 'FTTH message refused by the order state machine');
      return { n12 };
    }
    const n12 = ack(id);
    await record('accepted', n12);
    const at = this.#d.clock.now().toISOString();
    const extra: Partial<FtthHistoryEntry> = { notificationId: id };
    if (typeof msg.CODICE_MOTIVAZIONE === 'string') extra.code = msg.CODICE_MOTIVAZIONE;
    if (typeof msg.MOTIVAZIONE === 'string') extra.reason = msg.MOTIVAZIONE;
    const patch: Partial<FtthOrderRecord> = event.kind === 'N5' ? { requestedCompletionDate: event.dac } : {};
    const next = this.#advance(order, event, t.order, t.effects, at, extra, patch);
    await setWholesaleOrder(trx, caseId, next);
    const events: NewDomainEvent[] = [{ type: 'message.received', caseId, data: { messageId, type } }];
    const from = order.ftth.state;
    // an N6 or an N4 Acquisito after our annullamento: recorded, nothing moved for the feed but the event
    events.push({ type: eventName(event, from, t.order.state), caseId, data: eventData(next, next.history.at(-1)!) });
    await appendEvents(trx, events);
    await this.#effects(trx, row.data as unknown as StoredAgcomCase, next, t.effects);
    this.#d.log.info({ caseId, op, from, to: t.order.state }, 'FTTH message applied');
    return { n12 };
  }

  /** The case of a CODICE_ORDINE_WHS: the one whose accepted N4 first carried it (business-id index). */
  async #caseOfWhs(trx: Tx, whs: string): Promise<string | undefined> {
    const hit = await trx
      .selectFrom('messages')
      .select('case_id')
      .where('business_id', '=', whs)
      .where('direction', '=', 'in')
      .where('type', '=', RECIPIENT_MESSAGE_TYPES.N4)
      .where('status', '=', 'accepted')
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return hit?.case_id ?? undefined;
  }

  async #effects(trx: Tx, s: StoredAgcomCase, order: FtthOrderRecord, effects: OrderEffect[]): Promise<void> {
    for (const e of effects) {
      if (e.kind === 'np' && this.#d.np) {
        const type = e.tipoNotifica === '01' ? NP_NOTICE_TYPES.preNotice : e.tipoNotifica === '02' ? NP_NOTICE_TYPES.executed : NP_NOTICE_TYPES.failed;
        await this.#d.np.queue(trx, s, type, {
          at: this.#d.clock.now().toISOString(),
          ...(order.providerOrderId ? { wholesaleOrderId: order.providerOrderId } : {}),
          ...(e.tipoNotifica === '03' ? { note: `FTTH order ${order.ftth.state}` } : {}),
        });
      } else if (e.kind === 'final' && e.state === 'espletatoOk') {
        await this.#d.completeCase(trx, s.orderId, 'FTTH N7 OK');
      }
    }
  }
}

/** Feed data of one step (the generic wholesale event's fields plus the FTTH state). */
function eventData(order: FtthOrderRecord, entry: FtthHistoryEntry): Record<string, unknown> {
  return {
    externalId: order.externalId,
    providerOrderId: order.providerOrderId,
    protocol: 'agcom-ftth',
    from: entry.from,
    state: entry.to,
    ftthState: entry.ftthTo,
    dac: order.dac,
    message: entry.event,
    ...(entry.notificationId !== undefined ? { notificationId: entry.notificationId } : {}),
    ...(entry.code !== undefined ? { code: entry.code } : {}),
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.event === 'N3' && entry.dac ? { requestedCompletionDate: entry.dac } : {}),
  };
}
