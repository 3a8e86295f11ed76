/**
 * A wholesale provider for onboarding, demos and tests (`switchgate simulate wholesale`): a real
 * HTTP server on 127.0.0.1 that takes orders over REST (TMF/MEF style) and SOAP, asks the
 * donating operator's gateway to verify phase 2, assigns a delivery date (DAC) on the
 * working-day calendar, and reports every state through callbacks to the buyer's gateway.
 *
 * Scripted behaviours, chosen per order (header `x-sim-behaviour` on a REST order, else the
 * `behaviours` map by externalId, else `behaviourFor`, else `defaultBehaviour`):
 * - `accept`: acknowledged → (verification) → accepted(DAC) → inProgress → completed
 * - `reject`: acknowledged → rejected
 * - `delay`: like accept, but waits `timings.delayMs` after the acceptance
 * - `reschedule`: like accept, with a new DAC (`rescheduleByWorkingDays` later) after the acceptance
 * - `ko`: acknowledged → accepted → inProgress → failed (KO)
 * - `hold`: acknowledged → accepted, then nothing until the test drives it (`sim.notify`)
 * A negative verification rejects the order (`VERIFICATION_KO`). Cancellation and reschedule
 * requests are answered as a provider would: honoured while the order is open, refused after.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { request } from 'undici';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../domain/clock.js';
import { createCalendar, parseHolidayRegion, type WorkingDayCalendar } from '../domain/calendar.js';
import { bearerToken } from '../net/bearer.js';
import { checkWholesale } from './schemas.js';
import { verificationQueryOf } from './order.js';
import type { Notification, NotificationEventType, ProviderOrderState } from './notification.js';
import { decodeWholesaleSoap, encodeWholesaleSoapFault, encodeWholesaleSoapResponse, escapeXml, type SoapAck, type SoapOperation } from './soap.js';
import type { CancelOrderRequest, IsoDate, RescheduleOrderRequest, WholesaleOrderRequest } from './types.js';

export const SIM_BEHAVIOURS = ['accept', 'reject', 'delay', 'reschedule', 'ko', 'hold'] as const;
export type SimBehaviour = (typeof SIM_BEHAVIOURS)[number];

export interface SimCarrier {
  /** the buyer's gateway: POST …/wholesale/v1/notifications */
  notificationUrl?: string;
  /** the donating gateway: POST …/wholesale/v1/verifications */
  verificationUrl?: string;
  /** bearer token the simulator presents to that gateway */
  token: string;
}

export interface SimTimings {
  /** before the first callback (acknowledged) */
  ackMs: number;
  /** between two later steps */
  stepMs: number;
  /** the extra wait of `delay` */
  delayMs: number;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** carrier code → its gateway's callback and verification endpoints */
  carriers: Record<string, SimCarrier>;
  /** bearer tokens accepted from buyers; empty or absent: no check */
  inboundTokens?: string[];
  defaultBehaviour?: SimBehaviour;
  behaviours?: Record<string, SimBehaviour>;
  behaviourFor?: (order: WholesaleOrderRequest) => SimBehaviour | undefined;
  timings?: Partial<SimTimings>;
  clock?: Clock;
  holidayRegion?: string;
  /** the DAC is at least this many working days after today */
  minLeadWorkingDays?: number;
  rescheduleByWorkingDays?: number;
  /** callbacks and verifications: attempts on transport errors and 5xx */
  callbackAttempts?: number;
  callbackRetryMs?: number;
  log?: Logger;
}

export interface SimNotificationRecord {
  eventId: string;
  eventType: NotificationEventType;
  state?: string;
  dac?: IsoDate;
  /** HTTP status of the final attempt, or `unreachable` */
  status: number | 'unreachable';
  attempts: number;
  answer: unknown;
}

export interface SimOrder {
  id: string;
  externalId: string;
  protocol: 'rest' | 'soap';
  behaviour: SimBehaviour;
  body: WholesaleOrderRequest;
  state: ProviderOrderState;
  requestedCompletionDate: IsoDate;
  dac: IsoDate | null;
  verification: { result: string; code?: string; message?: string } | { result: 'unavailable'; message: string } | null;
  /** how often the order itself arrived (resends are answered DUPLICATE) */
  received: number;
  cancellations: CancelOrderRequest[];
  reschedules: RescheduleOrderRequest[];
  notifications: SimNotificationRecord[];
}

export interface SimRequestRecord {
  op: SoapOperation;
  protocol: 'rest' | 'soap';
  externalId: string;
  status: number;
  at: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

const TERMINAL: readonly ProviderOrderState[] = ['completed', 'failed', 'rejected', 'cancelled'];

export class WholesaleSimulator {
  readonly #o: Required<Omit<SimulatorOptions, 'behaviourFor' | 'port' | 'log' | 'timings'>> & Pick<SimulatorOptions, 'behaviourFor'>;
  readonly #timings: SimTimings;
  readonly #calendar: WorkingDayCalendar;
  readonly #log: Logger;
  readonly #orders = new Map<string, SimOrder>();
  readonly #requestIds = new Set<string>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #seq = 0;
  #eventSeq = 0;
  /** keeps event ids unique across simulator restarts (the gateway deduplicates on them) */
  readonly #instance = randomUUID().slice(0, 8);
  #app: FastifyInstance | undefined;
  /** every order-side request, resends and refusals included (`externalId` is empty for a simulated failure) */
  readonly requests: SimRequestRecord[] = [];
  /** while set, every order-side request is answered with this HTTP status (provider down / broken) */
  failWith: number | null = null;
  url = '';

  constructor(opts: SimulatorOptions) {
    this.#o = {
      host: '127.0.0.1',
      inboundTokens: [],
      defaultBehaviour: 'accept',
      behaviours: {},
      clock: systemClock,
      holidayRegion: 'DE-BY',
      minLeadWorkingDays: 1,
      rescheduleByWorkingDays: 2,
      callbackAttempts: 20,
      callbackRetryMs: 50,
      ...opts,
    };
    this.#timings = { ackMs: 20, stepMs: 20, delayMs: 2_000, ...opts.timings };
    this.#calendar = createCalendar(parseHolidayRegion(this.#o.holidayRegion));
    this.#log = opts.log ?? pino({ level: 'silent' });
  }

  /** The REST base URL (`wholesale.url` with protocol `rest`). */
  get restUrl(): string {
    return this.url;
  }

  /** The SOAP endpoint (`wholesale.url` with protocol `soap`); WSDL at `?wsdl`. */
  get soapUrl(): string {
    return `${this.url}/soap`;
  }

  orders(): SimOrder[] {
    return [...this.#orders.values()];
  }

  order(externalId: string): SimOrder | undefined {
    return this.#orders.get(externalId);
  }

  setBehaviour(externalId: string, b: SimBehaviour): void {
    this.#o.behaviours[externalId] = b;
  }

  /** Resolves once no order has a step or callback in flight. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  async start(port = 0): Promise<string> {
    const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
    app.addContentTypeParser(['text/xml', 'application/soap+xml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.addHook('onRequest', async (req, reply) => {
      if (req.method !== 'POST') return;
      if (this.failWith !== null) {
        const path = req.url.split('?')[0]!;
        const op: SoapOperation = path.endsWith('cancelProductOrder') ? 'cancelOrder' : path.endsWith('DeliveryDate') ? 'rescheduleOrder' : 'placeOrder';
        this.#record(op, path === '/soap' ? 'soap' : 'rest', '', this.failWith);
        return reply.code(this.failWith).header('retry-after', '0').send({ code: 'SIMULATED_FAILURE', reason: `simulator answers ${this.failWith}` });
      }
      const tokens = this.#o.inboundTokens;
      if (tokens.length && !tokens.includes(bearerToken(req.headers.authorization) ?? '')) {
        return reply.code(401).send({ code: 'UNAUTHENTICATED', reason: 'bearer token required' });
      }
    });
    app.post('/productOrder', (req, reply) => this.#rest(req, reply, 'placeOrder'));
    app.post('/cancelProductOrder', (req, reply) => this.#rest(req, reply, 'cancelOrder'));
    app.post('/modifyProductOrderItemRequestedDeliveryDate', (req, reply) => this.#rest(req, reply, 'rescheduleOrder'));
    app.post('/soap', (req, reply) => this.#soap(req, reply));
    app.get('/soap', async (req, reply) => {
      const q = req.query as Record<string, string>;
      if ('wsdl' in q) return reply.type('text/xml; charset=utf-8').send(renderSimWsdl(`http://${req.host}/soap`));
      if (q.xsd === 'wholesale.xsd') return reply.type('text/xml; charset=utf-8').send(readFileSync(new URL('../../schemas/wholesale/wholesale.xsd', import.meta.url), 'utf8'));
      return reply.code(400).send({ code: 'BAD_REQUEST', reason: 'use ?wsdl' });
    });
    app.get('/sim/orders', async () => ({ items: this.orders().map(({ body: _b, ...o }) => o) }));
    this.#app = app;
    const address = await app.listen({ port, host: this.#o.host });
    this.url = address.replace('localhost', '127.0.0.1');
    return this.url;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#app?.close();
    await Promise.allSettled([...this.#pending]);
  }

  // -------------------------------------------------------------------------------------------
  // Order-side endpoints

  #record(op: SoapOperation, protocol: 'rest' | 'soap', externalId: string, status: number) {
    this.requests.push({ op, protocol, externalId, status, at: new Date().toISOString() });
  }

  async #rest(req: FastifyRequest, reply: FastifyReply, op: SoapOperation) {
    const schema = op === 'placeOrder' ? 'order' : op === 'cancelOrder' ? 'cancel' : 'reschedule';
    const issues = checkWholesale(schema, req.body);
    const externalId = String((req.body as { externalId?: unknown } | null)?.externalId ?? '');
    if (issues.length) {
      this.#record(op, 'rest', externalId, 400);
      return reply.code(400).send({ code: 'INVALID_REQUEST', errorMessage: issues.slice(0, 10).map((i) => ({ code: i.rule, reason: `${i.path} ${i.message}`.slice(0, 255) })) });
    }
    const header = req.headers['x-sim-behaviour'];
    const forced = typeof header === 'string' && (SIM_BEHAVIOURS as readonly string[]).includes(header) ? (header as SimBehaviour) : undefined;
    const out = this.#handle(op, req.body as never, 'rest', forced);
    this.#record(op, 'rest', externalId, out.status);
    return reply.code(out.status).send(out.json);
  }

  async #soap(req: FastifyRequest, reply: FastifyReply) {
    const xml = typeof req.body === 'string' ? req.body : '';
    const decoded = decodeWholesaleSoap(xml);
    const fault = (code: 'Client' | 'Server', message: string, status = 500) => reply.code(status).type('text/xml; charset=utf-8').send(encodeWholesaleSoapFault(code, message));
    if (!decoded.ok) return fault('Client', `${decoded.issue.path}: ${decoded.issue.message}`);
    const schema = decoded.op === 'placeOrder' ? 'order' : decoded.op === 'cancelOrder' ? 'cancel' : 'reschedule';
    const issues = checkWholesale(schema, decoded.body);
    if (issues.length) {
      this.#record(decoded.op, 'soap', decoded.body.externalId, 500);
      return fault('Client', `${issues[0]!.path}: ${issues[0]!.message}`);
    }
    const out = this.#handle(decoded.op, decoded.body as never, 'soap');
    this.#record(decoded.op, 'soap', decoded.body.externalId, out.status);
    if (out.status === 404) return fault('Client', `unknown order ${decoded.body.externalId}`);
    const ack: SoapAck = { result: out.status === 409 ? 'DUPLICATE' : 'OK', ...(out.id ? { id: out.id } : {}), state: 'acknowledged' };
    return reply.type('text/xml; charset=utf-8').send(encodeWholesaleSoapResponse(decoded.op, ack));
  }

  #handle(op: SoapOperation, body: WholesaleOrderRequest | CancelOrderRequest | RescheduleOrderRequest, protocol: 'rest' | 'soap', forced?: SimBehaviour): { status: number; json: unknown; id?: string } {
    if (op === 'placeOrder') {
      const o = body as WholesaleOrderRequest;
      const existing = this.#orders.get(o.externalId);
      if (existing) {
        existing.received++;
        return { status: 409, json: { code: 'DUPLICATE_EXTERNAL_ID', id: existing.id, externalId: o.externalId }, id: existing.id };
      }
      const order: SimOrder = {
        id: `WS${String(++this.#seq).padStart(6, '0')}`,
        externalId: o.externalId,
        protocol,
        behaviour: forced ?? this.#o.behaviours[o.externalId] ?? this.#o.behaviourFor?.(o) ?? this.#o.defaultBehaviour,
        body: o,
        state: 'acknowledged',
        requestedCompletionDate: o.requestedCompletionDate,
        dac: null,
        verification: null,
        received: 1,
        cancellations: [],
        reschedules: [],
        notifications: [],
      };
      this.#orders.set(o.externalId, order);
      this.#log.info({ id: order.id, externalId: order.externalId, behaviour: order.behaviour }, 'order received');
      this.#track(this.#run(order));
      return { status: 201, json: { id: order.id, externalId: order.externalId, state: 'acknowledged' }, id: order.id };
    }
    const r = body as CancelOrderRequest | RescheduleOrderRequest;
    const order = this.#orders.get(r.productOrder.externalId);
    if (!order) return { status: 404, json: { code: 'UNKNOWN_ORDER', reason: `no order ${r.productOrder.externalId}` } };
    const key = `${op}:${r.externalId}`;
    if (this.#requestIds.has(key)) return { status: 409, json: { code: 'DUPLICATE_EXTERNAL_ID', externalId: r.externalId }, id: order.id };
    this.#requestIds.add(key);
    if (op === 'cancelOrder') this.#cancel(order, r as CancelOrderRequest);
    else this.#reschedule(order, r as RescheduleOrderRequest);
    return { status: 201, json: { id: `${order.id}-${op === 'cancelOrder' ? 'C' : 'M'}${this.#requestIds.size}`, externalId: r.externalId, state: 'acknowledged' }, id: order.id };
  }

  #cancel(order: SimOrder, r: CancelOrderRequest): void {
    order.cancellations.push(r);
    if (TERMINAL.includes(order.state)) {
      this.#emit(order, 'CancelProductOrderStateChangeEvent', {
        request: { externalId: r.externalId, state: 'rejected', errorMessage: [{ code: 'ORDER_CLOSED', reason: `the order is ${order.state}` }] },
      });
      return;
    }
    order.state = 'cancelled';
    this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'cancelled' });
  }

  #reschedule(order: SimOrder, r: RescheduleOrderRequest): void {
    order.reschedules.push(r);
    const refuse = (code: string, reason: string) =>
      this.#emit(order, 'ModifyProductOrderItemRequestedDeliveryDateStateChangeEvent', {
        request: { externalId: r.externalId, state: 'rejected', errorMessage: [{ code, reason }] },
      });
    if (TERMINAL.includes(order.state)) return refuse('ORDER_CLOSED', `the order is ${order.state}`);
    order.requestedCompletionDate = r.requestedCompletionDate;
    // Not accepted yet: the new date simply becomes the one the acceptance will carry.
    if (order.dac === null) return;
    const dac = this.#dacFor(r.requestedCompletionDate);
    if (dac === order.dac) return refuse('DATE_UNCHANGED', `the delivery date is already ${dac}`);
    order.dac = dac;
    this.#emit(order, 'ProductOrderExpectedCompletionDateSetEvent', { dac, note: `rescheduled on request ${r.externalId}` });
  }

  /** The delivery date for a requested date: a working day, at least `minLeadWorkingDays` ahead. */
  #dacFor(requested: IsoDate): IsoDate {
    const cal = this.#calendar;
    const earliest = cal.addWorkingDays(cal.today(this.#o.clock.now()), this.#o.minLeadWorkingDays);
    let d = requested < earliest ? earliest : requested;
    if (!cal.isWorkingDay(d)) d = cal.addWorkingDays(d, 1);
    return d;
  }

  // -------------------------------------------------------------------------------------------
  // The scripted life of an order

  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }

  async #run(order: SimOrder): Promise<void> {
    const signal = this.#abort.signal;
    const t = this.#timings;
    const open = () => !signal.aborted && !TERMINAL.includes(order.state);
    await sleep(t.ackMs, signal);
    if (!open()) return;
    this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'acknowledged' });
    if (order.behaviour === 'reject') {
      await sleep(t.stepMs, signal);
      if (!open()) return;
      order.state = 'rejected';
      this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'rejected', errorMessage: [{ code: 'REJECTED', reason: 'order rejected by the provider (scripted)' }] });
      return;
    }
    // acknowledged first, then the check with the donating side
    await this.#chains.get(order.externalId);
    const verified = await this.#verify(order);
    if (!open()) return;
    if (!verified) {
      order.state = 'rejected';
      const v = order.verification;
      const detail = v && 'code' in v && v.code ? `${v.code}: ${v.message ?? ''}` : (v?.message ?? 'no answer');
      this.#emit(order, 'ProductOrderStateChangeEvent', {
        state: 'rejected',
        errorMessage: [{ code: v?.result === 'unavailable' ? 'VERIFICATION_UNAVAILABLE' : 'VERIFICATION_KO', reason: `verification with the donating operator failed: ${detail}`.slice(0, 255) }],
      });
      return;
    }
    await sleep(t.stepMs, signal);
    if (!open()) return;
    order.state = 'accepted';
    order.dac = this.#dacFor(order.requestedCompletionDate);
    this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'accepted', dac: order.dac });
    if (order.behaviour === 'hold') return;
    if (order.behaviour === 'delay') await sleep(t.delayMs, signal);
    if (order.behaviour === 'reschedule') {
      await sleep(t.stepMs, signal);
      if (!open()) return;
      order.dac = this.#calendar.addWorkingDays(order.dac, this.#o.rescheduleByWorkingDays);
      this.#emit(order, 'ProductOrderExpectedCompletionDateSetEvent', { dac: order.dac, note: 'technician not available (scripted)' });
    }
    await sleep(t.stepMs, signal);
    if (!open()) return;
    order.state = 'inProgress';
    this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'inProgress' });
    await sleep(t.stepMs, signal);
    if (!open()) return;
    if (order.behaviour === 'ko') {
      order.state = 'failed';
      this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'failed', errorMessage: [{ code: 'KO_TECHNICAL', reason: 'the line could not be switched (scripted)' }] });
      return;
    }
    order.state = 'completed';
    this.#emit(order, 'ProductOrderStateChangeEvent', { state: 'completed' });
  }

  async #verify(order: SimOrder): Promise<boolean> {
    const carrier = this.#o.carriers[order.body.donatingProvider];
    if (!carrier?.verificationUrl) {
      // e.g. the incumbent itself donates: nobody to ask
      this.#log.info({ id: order.id, donating: order.body.donatingProvider }, 'no verification endpoint for the donating carrier: skipped');
      return true;
    }
    const body = { ...verificationQueryOf(order.body), orderId: order.id };
    const res = await this.#post(carrier.verificationUrl, carrier.token, body);
    if (res.status === 200 && res.json && typeof res.json === 'object' && 'result' in res.json) {
      order.verification = res.json as SimOrder['verification'];
      return (res.json as { result: string }).result === 'OK';
    }
    order.verification = { result: 'unavailable', message: `verification answered ${res.status}` };
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Callbacks

  /** Sends a callback for `externalId` now (tests: hand-made, duplicate or out-of-order events). */
  async notify(externalId: string, n: Omit<Notification, 'eventTime'> & { eventTime?: string }): Promise<SimNotificationRecord> {
    const order = this.#orders.get(externalId);
    const carrier = order ? this.#o.carriers[order.body.buyer] : undefined;
    if (!order || !carrier?.notificationUrl) throw new Error(`no order ${externalId} or no notification URL for its buyer`);
    const full: Notification = { eventTime: this.#o.clock.now().toISOString(), ...n };
    return this.#deliver(order, full, carrier);
  }

  #emit(
    order: SimOrder,
    eventType: NotificationEventType,
    e: { state?: ProviderOrderState; dac?: IsoDate; note?: string; errorMessage?: { code: string; reason?: string }[]; request?: NonNullable<Notification['event']['request']> },
  ): void {
    const carrier = this.#o.carriers[order.body.buyer];
    if (!carrier?.notificationUrl) {
      this.#log.warn({ buyer: order.body.buyer }, 'no notification URL for the buyer');
      return;
    }
    const n: Notification = {
      eventId: `${order.id}-${this.#instance}-${++this.#eventSeq}`,
      eventTime: this.#o.clock.now().toISOString(),
      eventType,
      event: {
        productOrder: {
          externalId: order.externalId,
          id: order.id,
          ...(e.state ? { state: e.state } : {}),
          ...(e.dac ? { expectedCompletionDate: e.dac } : {}),
          ...(e.errorMessage ? { errorMessage: e.errorMessage } : {}),
          ...(e.note ? { note: e.note } : {}),
        },
        ...(e.request ? { request: e.request } : {}),
      },
    };
    // One chain per order: callbacks leave in the order the simulator decided them.
    const prev = this.#chains.get(order.externalId) ?? Promise.resolve();
    const next = prev.then(async () => {
      await this.#deliver(order, n, carrier);
    });
    this.#chains.set(order.externalId, next);
    this.#track(next);
  }

  async #deliver(order: SimOrder, n: Notification, carrier: SimCarrier): Promise<SimNotificationRecord> {
    const res = await this.#post(carrier.notificationUrl!, carrier.token, n);
    const po = n.event.productOrder;
    const rec: SimNotificationRecord = {
      eventId: n.eventId,
      eventType: n.eventType,
      ...(po.state ? { state: po.state } : {}),
      ...(po.expectedCompletionDate ? { dac: po.expectedCompletionDate } : {}),
      status: res.status,
      attempts: res.attempts,
      answer: res.json,
    };
    order.notifications.push(rec);
    if (res.status !== 200) this.#log.warn({ id: order.id, eventType: n.eventType, status: res.status, answer: res.json }, 'callback not accepted');
    return rec;
  }

  /** POST JSON with retries on transport errors and 5xx; 4xx answers are final. */
  async #post(url: string, token: string, body: unknown): Promise<{ status: number | 'unreachable'; json: unknown; attempts: number }> {
    let delay = this.#o.callbackRetryMs;
    let last: { status: number | 'unreachable'; json: unknown } = { status: 'unreachable', json: null };
    for (let attempt = 1; attempt <= this.#o.callbackAttempts; attempt++) {
      if (this.#abort.signal.aborted) return { ...last, attempts: attempt - 1 };
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
          headersTimeout: 5_000,
          bodyTimeout: 5_000,
        });
        const text = await res.body.text();
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // keep the text
        }
        last = { status: res.statusCode, json };
        if (res.statusCode < 500) return { ...last, attempts: attempt };
      } catch (err) {
        last = { status: 'unreachable', json: (err as Error).message };
      }
      await sleep(delay, this.#abort.signal);
      delay = Math.min(delay * 2, 1_000);
    }
    return { ...last, attempts: this.#o.callbackAttempts };
  }
}

/** wsdl/wholesale.wsdl with the simulator's address and its XSD served next to it. */
export function renderSimWsdl(address: string): string {
  const wsdl = readFileSync(new URL('../../wsdl/wholesale.wsdl', import.meta.url), 'utf8');
  return wsdl
    .replace('https://wholesale.invalid/soap', escapeXml(address))
    .replace('schemaLocation="../schemas/wholesale/wholesale.xsd"', 'schemaLocation="?xsd=wholesale.xsd"');
}

export async function startWholesaleSimulator(opts: SimulatorOptions): Promise<WholesaleSimulator> {
  const sim = new WholesaleSimulator(opts);
  await sim.start(opts.port ?? 0);
  return sim;
}
