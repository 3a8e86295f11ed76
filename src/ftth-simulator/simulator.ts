/**
 * The network operator B of the FTTH multi-operator model (italy.md §10.3–§10.5) as a simulator
 * (`switchgate simulate wholesale --protocol agcom-ftth`): a real HTTP server on 127.0.0.1 hosting
 * B's services at `/agcom/ftth/v1/RecipientMigrationService` (N1 Rec_MigrationSetup, N2
 * Rec_StatusUpdateMig, N3 Rec_RescheduleMig) and `/agcom/ftth/v1/DonatingMigrationService` (N9
 * Don_Check_sessione), WSDL at `?wsdl`, every call answered at once by N12.
 *
 * An N1 starts the order's script (options.ts FTTH_SIM_BEHAVIOURS, script.ts): N4 Acquisito,
 * N8 to the Donating, on its N9 N4 Accettato with the DAC (or Accettato KO with the N9's reason),
 * N10 to the Donating, N6, N7 and the N10 outcome. State lives in memory, like the generic
 * wholesale simulator's: a restart forgets the orders (it is a test counterpart, not a store).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../domain/clock.js';
import { createCalendar, parseHolidayRegion, type WorkingDayCalendar } from '../domain/calendar.js';
import { bearerToken, sha256Hex } from '../http/auth.js';
import { escapeXml } from '../protocols/wbci/wire-engine.js';
import { decodeRequest, DEFAULT_MAX_BYTES, encodeN12, type N12 } from '../protocols/agcom/ftth/codec.js';
import { NACK_CODE_OF_RULE, REASONS, resolveFtthCodes, type FtthCodes } from '../protocols/agcom/ftth/codes.js';
import { ADDRESS_PLACEHOLDER, renderFtthWsdl, renderFtthXsd } from '../protocols/agcom/ftth/contracts.js';
import { applyOrderEvent, newOrder, type OrderEvent } from '../protocols/agcom/ftth/machine.js';
import { serviceOperations, type FtthMessage, type Operation, type ServiceName } from '../protocols/agcom/ftth/messages.js';
import { orderEventOf } from '../protocols/agcom/ftth/order-events.js';
import { checkFtthSimulatorConfig, DEFAULT_TIMINGS, isFtthSimBehaviour, type FtthSimBehaviour, type FtthSimOperator, type FtthSimTimings, type FtthSimulatorConfig } from './options.js';
import { FtthSender, type SentRecord } from './outbound.js';
import { behaviourOf, dacFor, donatingOf, Latch, type N9Answer, type SimFtthOrder } from './order.js';
import { runScript, SIM_REASONS, type ScriptHost } from './script.js';

export const FTTH_SIM_BASE = '/agcom/ftth/v1';
const HOSTED: readonly ServiceName[] = ['RecipientMigrationService', 'DonatingMigrationService'];

const ack = (id: string): N12 => ({ ID_NOTIFICA: id, ESITO: '0' });
const nack = (id: string, code: string, reason: string): N12 => ({ ID_NOTIFICA: id.slice(0, 100), ESITO: '1', CODICE_MOTIVAZIONE: code, MOTIVAZIONE: reason.slice(0, 255) });
const str = (m: FtthMessage, k: string): string | undefined => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
/** an xsd:date may carry a zone; B's calendar works on the date */
const dateOf = (d: string | undefined): string | undefined => d?.slice(0, 10);

function soapFault(code: 'Client' | 'Server', message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
}

export class FtthSimulator implements ScriptHost {
  readonly self: string;
  readonly timings: FtthSimTimings;
  readonly codes: FtthCodes;
  readonly calendar: WorkingDayCalendar;
  readonly clock: Clock;
  readonly log: Logger;
  readonly minLeadWorkingDays: number;
  readonly rescheduleByWorkingDays: number;
  readonly #c: FtthSimulatorConfig;
  readonly #operators = new Map<string, FtthSimOperator>();
  readonly #byTokenHash = new Map<string, FtthSimOperator>();
  /** behaviour by CODICE_ORDINE_REC: the configuration's, then setBehaviour's */
  readonly #byOrder: Record<string, FtthSimBehaviour>;
  readonly #orders = new Map<string, SimFtthOrder>();
  /** `<operator>:<CODICE_ORDINE_REC>` → CODICE_ORDINE_WHS (the correlation until the first N4) */
  readonly #byRec = new Map<string, string>();
  /** `<operator>:<ID_NOTIFICA>` → the N12 it got (a resend gets the same, once in effect) */
  readonly #answered = new Map<string, N12>();
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  readonly #sender: FtthSender;
  /** keeps ids unique across restarts (receivers de-duplicate on ID_NOTIFICA, correlate on CODICE_ORDINE_WHS) */
  readonly #instance = Date.now().toString(36);
  #seq = 0;
  #app: FastifyInstance | undefined;
  /** base of the hosted services: what an operator puts in agcom.wholesale.url */
  url = '';

  constructor(config: FtthSimulatorConfig) {
    const problems = checkFtthSimulatorConfig(config);
    if (problems.length) throw new Error(`FTTH simulator configuration: ${problems.join('; ')}`);
    this.#c = config;
    this.self = config.operatorCode;
    this.timings = { ...DEFAULT_TIMINGS, ...config.timings };
    this.codes = resolveFtthCodes(config.codes);
    this.calendar = createCalendar(parseHolidayRegion(config.holidayRegion ?? 'IT'));
    this.clock = config.clock ?? systemClock;
    this.log = config.log ?? pino({ level: 'silent' });
    this.#byOrder = { ...config.byOrder };
    this.minLeadWorkingDays = config.minLeadWorkingDays ?? 5;
    this.rescheduleByWorkingDays = config.rescheduleByWorkingDays ?? 2;
    for (const o of config.operators) {
      this.#operators.set(o.code, o);
      this.#byTokenHash.set(sha256Hex(o.inboundToken), o);
    }
    this.#sender = new FtthSender(config.deliveryAttempts ?? 8, config.deliveryRetryMs ?? 100, this.#abort.signal);
  }

  orders(): SimFtthOrder[] {
    return [...this.#orders.values()];
  }

  /** The script of the N1 that will carry `codiceOrdineRec` (tests and demos that learn the order code late). */
  setBehaviour(codiceOrdineRec: string, behaviour: FtthSimBehaviour): void {
    if (!isFtthSimBehaviour(behaviour)) throw new Error(`not a behaviour: ${String(behaviour)}`);
    this.#byOrder[codiceOrdineRec] = behaviour;
  }

  /** An order by CODICE_ORDINE_WHS or by CODICE_ORDINE_REC. */
  order(code: string): SimFtthOrder | undefined {
    return this.#orders.get(code) ?? [...this.#orders.values()].find((o) => o.codiceOrdineRec === code);
  }

  /** Resolves once no script step and no notification is in flight. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = Fastify({ logger: false });
    app.addContentTypeParser(['text/xml', 'application/xml', 'application/soap+xml'], { parseAs: 'buffer', bodyLimit: DEFAULT_MAX_BYTES }, (_req, body, done) => done(null, body));
    for (const service of HOSTED) {
      const path = `${FTTH_SIM_BASE}/${service}`;
      const wsdl = renderFtthWsdl(service);
      app.get<{ Querystring: Record<string, string> }>(path, async (req, reply) => {
        if ('wsdl' in req.query) return xml(reply, 200, wsdl.replace(ADDRESS_PLACEHOLDER, escapeXml(`http://${req.host}${path}`)));
        if (req.query.xsd === 'ftth.xsd') return xml(reply, 200, renderFtthXsd());
        return xml(reply, 400, soapFault('Client', 'use ?wsdl or ?xsd=ftth.xsd, or POST a SOAP 1.1 request'));
      });
      app.post(path, (req, reply) => this.#call(service, req, reply));
    }
    app.get('/sim/orders', async () => ({ items: this.orders().map(({ n1: _n1, abort: _a, waiting: _w, ...o }) => o) }));
    this.#app = app;
    const address = await app.listen({ port, host });
    this.url = `${address.replace('localhost', '127.0.0.1')}${FTTH_SIM_BASE}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    for (const o of this.#orders.values()) o.abort.abort();
    await this.#app?.close();
    await Promise.allSettled([...this.#pending]);
    await this.#sender.close();
  }

  // -------------------------------------------------------------------------------------------
  // Inbound

  async #call(service: ServiceName, req: FastifyRequest, reply: FastifyReply) {
    const token = bearerToken(req.headers.authorization);
    const from = token ? this.#byTokenHash.get(sha256Hex(token)) : undefined;
    if (!from) {
      this.log.warn({ service }, 'FTTH call refused: not authenticated');
      reply.header('www-authenticate', 'Bearer realm="switchgate-ftth-simulator"');
      return xml(reply, 401, soapFault('Client', 'an operator\'s bearer token is required'));
    }
    const d = decodeRequest(req.body as Buffer, serviceOperations(service));
    if (!d.ok) {
      this.log.info({ service, from: from.code, op: d.op, field: d.problem.field, rule: d.problem.rule }, 'FTTH message refused');
      if (!d.op) return xml(reply, 400, soapFault('Client', d.problem.message));
      return xml(reply, 200, encodeN12(d.op, nack(d.notificationId ?? '', NACK_CODE_OF_RULE[d.problem.rule], d.problem.message)));
    }
    const id = str(d.msg, 'ID_NOTIFICA')!;
    const key = `${from.code}:${id}`;
    let n12 = this.#answered.get(key);
    if (!n12) {
      n12 = this.#handle(d.op, d.msg, from);
      this.#answered.set(key, n12);
    }
    this.log.info({ service, from: from.code, op: d.op, esito: n12.ESITO, code: n12.CODICE_MOTIVAZIONE }, 'FTTH message answered');
    return xml(reply, 200, encodeN12(d.op, n12));
  }

  #handle(op: Operation, m: FtthMessage, from: FtthSimOperator): N12 {
    switch (op) {
      case 'Rec_MigrationSetup':
        return this.#n1(m, from);
      case 'Rec_StatusUpdateMig':
      case 'Rec_RescheduleMig':
        return this.#recipientChange(op, m, from);
      case 'Don_Check_sessione':
        return this.#n9(m, from);
      default:
        return nack(str(m, 'ID_NOTIFICA') ?? '', REASONS.unexpected, `${op}: not an operation of the network operator`);
    }
  }

  /** Checks of the header every A → B message carries: who sends it, to whom, for which order. */
  #headerProblem(m: FtthMessage, from: FtthSimOperator): string | undefined {
    const rec = str(m, 'CODICE_OPERATORE_REC')!;
    if (rec !== from.code) return `CODICE_OPERATORE_REC: ${rec} is not the authenticated operator (${from.code})`;
    if (str(m, 'CODICE_OPERATORE_WHS') !== this.self) return `CODICE_OPERATORE_WHS: not this network operator (${this.self})`;
    if (!str(m, 'CODICE_ORDINE_REC')!.startsWith(`${rec}_`)) return `CODICE_ORDINE_REC: must be <CODICE_OPERATORE_REC>_<unique code> (${rec}_…)`;
    return undefined;
  }

  #n1(m: FtthMessage, from: FtthSimOperator): N12 {
    const id = str(m, 'ID_NOTIFICA')!;
    const problem = this.#headerProblem(m, from);
    if (problem) return nack(id, REASONS.invalid, problem);
    const rec = str(m, 'CODICE_ORDINE_REC')!;
    const existing = this.#byRec.get(`${from.code}:${rec}`);
    if (existing) return nack(id, REASONS.wrongState, `CODICE_ORDINE_REC ${rec} was already taken in as ${existing}`);
    // ≤18 characters (§10.3): code, '_', 8 of instance, the sequence in base 36
    const whs = `${this.self}_${this.#instance}${(++this.#seq).toString(36).padStart(4, '0')}`;
    const dm = m.DATI_MIGRAZIONE as Readonly<Record<string, string>>;
    const donating = donatingOf(this.#c.operators, dm.COW!);
    const behaviour: FtthSimBehaviour = behaviourOf(m, { defaultBehaviour: this.#c.defaultBehaviour ?? 'accept', byOrder: this.#byOrder, byNumber: this.#c.byNumber ?? {} });
    const order: SimFtthOrder = {
      codiceOrdineWhs: whs,
      codiceOrdineRec: rec,
      recipient: from.code,
      donating: donating?.code ?? null,
      behaviour,
      n1: m,
      view: newOrder(rec),
      dac: null,
      donatingAsked: false,
      n9: null,
      sent: [],
      received: [],
      abort: new AbortController(),
      waiting: {},
    };
    const moved = applyOrderEvent(order.view, { kind: 'N12', esito: '0' });
    if (moved.ok) order.view = moved.order;
    this.#orders.set(whs, order);
    this.#byRec.set(`${from.code}:${rec}`, whs);
    order.received.push({ op: 'Rec_MigrationSetup', id, esito: '0' });
    this.log.info({ whs, rec, recipient: from.code, donating: order.donating, behaviour }, 'FTTH order taken in');
    this.track(runScript(this, order));
    return ack(id);
  }

  /** N2 (desospensione / annullamento) and N3 (rimodulazione by the Recipient). */
  #recipientChange(op: 'Rec_StatusUpdateMig' | 'Rec_RescheduleMig', m: FtthMessage, from: FtthSimOperator): N12 {
    const id = str(m, 'ID_NOTIFICA')!;
    const problem = this.#headerProblem(m, from);
    if (problem) return nack(id, REASONS.invalid, problem);
    const rec = str(m, 'CODICE_ORDINE_REC')!;
    const order = this.#orders.get(this.#byRec.get(`${from.code}:${rec}`) ?? '');
    if (!order) return nack(id, REASONS.unknownOrder, `CODICE_ORDINE_REC ${rec}: no such order`);
    const dac = dateOf(str(m, 'DATA_PREVISTA_ATTIVAZIONE'));
    const event: OrderEvent = op === 'Rec_StatusUpdateMig' ? { kind: 'N2', azione: str(m, 'AZIONE') as '0' | '1' } : { kind: 'N3', dac: dac!, appointment: str(m, 'ORARIO_APPUNTAMENTO')! };
    const t = applyOrderEvent(order.view, event);
    if (!t.ok) return nack(id, t.reason === 'unknownOrder' ? REASONS.unknownOrder : REASONS.wrongState, t.message);
    order.view = t.order;
    order.received.push({ op, id, esito: '0' });
    if (event.kind === 'N2' && event.azione === '1') {
      this.log.info({ whs: order.codiceOrdineWhs }, 'FTTH order cancelled by the Recipient');
      order.abort.abort();
      this.emitRecipient(order, 'WHS_StatusUpdateMig', { STATO_ORDINE: this.codeOf('n4StatoOrdine', 'annullato') });
      if (order.donatingAsked) this.emitDonating(order, 'WHS_Msg_Donating', { EVENTO: this.codeOf('n10Evento', 'cancellation'), DATA: this.today() });
    } else if (event.kind === 'N2') {
      order.waiting.resume?.resolve('recipient');
    } else {
      const wanted = dacFor(this.calendar, this.clock.now(), this.minLeadWorkingDays, event.dac);
      order.dac = event.dac;
      // a date B cannot work (too soon, not a working day): B answers with its own (N5, §10.4)
      if (wanted !== event.dac) {
        this.emitRecipient(order, 'WHS_RescheduleMig', { DATA_PREVISTA_ATTIVAZIONE: wanted, CODICE_MOTIVAZIONE: SIM_REASONS.requestedDacAdjusted, MOTIVAZIONE: `the requested DAC ${event.dac} cannot be worked: the earliest working day is ${wanted}` });
        order.dac = wanted;
      }
      order.waiting.release?.resolve('n3');
    }
    return ack(id);
  }

  #n9(m: FtthMessage, from: FtthSimOperator): N12 {
    const id = str(m, 'ID_NOTIFICA')!;
    const whs = str(m, 'CODICE_ORDINE_WHS')!;
    const order = this.#orders.get(whs);
    // another operator's order is as unknown to the caller as one that does not exist
    if (!order || order.donating !== from.code) return nack(id, REASONS.unknownOrder, `CODICE_ORDINE_WHS ${whs}: no such order asked of ${from.code}`);
    const latch = order.waiting.n9;
    if (!latch || order.n9) return nack(id, REASONS.wrongState, `CODICE_ORDINE_WHS ${whs}: no session-code check is pending`);
    const answer: N9Answer = {
      ESITO: str(m, 'ESITO') as 'OK' | 'KO',
      ...(m.CODICE_MOTIVAZIONE !== undefined ? { CODICE_MOTIVAZIONE: str(m, 'CODICE_MOTIVAZIONE')! } : {}),
      ...(m.MOTIVAZIONE !== undefined ? { MOTIVAZIONE: str(m, 'MOTIVAZIONE')! } : {}),
    };
    order.n9 = answer;
    order.received.push({ op: 'Don_Check_sessione', id, esito: '0' });
    latch.resolve(answer);
    return ack(id);
  }

  // -------------------------------------------------------------------------------------------
  // Outbound (ScriptHost)

  track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }

  today(): string {
    return this.calendar.today(this.clock.now());
  }

  codeOf<K extends keyof FtthCodes>(table: K, meaning: FtthCodes[K][string]): string {
    for (const [code, m] of Object.entries(this.codes[table])) if (m === meaning) return code;
    throw new Error(`no ${table} code for ${meaning}`);
  }

  latch<T>(order: SimFtthOrder, timeoutMs = 0): Latch<T> {
    return new Latch<T>(order.abort.signal, timeoutMs);
  }

  #header(): { ID_NOTIFICA: string; DATA_NOTIFICA: string } {
    return { ID_NOTIFICA: `${this.self}-${this.#instance}-${++this.#seq}`, DATA_NOTIFICA: this.clock.now().toISOString() };
  }

  /**
   * Decides an N4–N7 for the Recipient now (its view of the order moves at once, so that what B
   * decides next is judged against it) and delivers it after the ones decided before.
   */
  emitRecipient(order: SimFtthOrder, op: 'WHS_StatusUpdateMig' | 'WHS_RescheduleMig' | 'WHS_Event' | 'WHS_CompletionOrderMig', fields: FtthMessage): Promise<SentRecord | undefined> {
    const msg: FtthMessage = {
      CODICE_OPERATORE_REC: order.recipient,
      CODICE_ORDINE_REC: order.codiceOrdineRec,
      CODICE_OPERATORE_WHS: this.self,
      CODICE_ORDINE_WHS: order.codiceOrdineWhs,
      ...this.#header(),
      ...fields,
    };
    const t = applyOrderEvent(order.view, orderEventOf(op, msg, this.codes)!);
    if (!t.ok) {
      // the script never asks for this; refusing here keeps B from sending what A must NACK
      this.log.error({ whs: order.codiceOrdineWhs, op, reason: t.message }, 'FTTH simulator: message not allowed by §10.4, not sent');
      return Promise.resolve(undefined);
    }
    order.view = t.order;
    return this.#deliver(order, order.recipient, 'RecipientMigrationNotify_OLO', op, msg);
  }

  /** N8 / N10 to the order's Donating, in the order's sequence. */
  emitDonating(order: SimFtthOrder, op: 'WHS_Check_sessione' | 'WHS_Msg_Donating', fields: FtthMessage): Promise<SentRecord | undefined> {
    if (!order.donating) return Promise.resolve(undefined);
    const dm = order.n1.DATI_MIGRAZIONE as Readonly<Record<string, string>>;
    const msg: FtthMessage = {
      CODICE_OPERATORE_REC: order.recipient,
      CODICE_OPERATORE_WHS: this.self,
      CODICE_ORDINE_WHS: order.codiceOrdineWhs,
      ...this.#header(),
      ...(op === 'WHS_Check_sessione' ? { CODICE_SESSIONE: dm.CODICE_SESSIONE!, COR: dm.COR!, ...(order.n1.NUMERAZIONI ? { NUMERAZIONI: order.n1.NUMERAZIONI } : {}) } : { COR: dm.COR! }),
      ...fields,
    };
    if (op === 'WHS_Check_sessione') order.donatingAsked = true;
    return this.#deliver(order, order.donating, 'DonatingMigrationNotify_OLO', op, msg);
  }

  #deliver(order: SimFtthOrder, to: string, service: ServiceName, op: Operation, msg: FtthMessage): Promise<SentRecord> {
    const operator = this.#operators.get(to)!;
    const prev = this.#chains.get(order.codiceOrdineWhs) ?? Promise.resolve();
    const next = prev.then(async () => {
      let rec: SentRecord;
      try {
        rec = await this.#sender.send(operator, service, op, msg);
      } catch (err) {
        // a bug of ours (e.g. a message its table refuses): recorded, and the order's later messages still leave
        rec = { op, id: String(msg.ID_NOTIFICA ?? ''), outcome: 'failed', attempts: 0, error: (err as Error).message };
      }
      order.sent.push({ ...rec, to });
      if (rec.outcome !== 'delivered') this.log.warn({ whs: order.codiceOrdineWhs, to, op, outcome: rec.outcome, code: rec.n12?.CODICE_MOTIVAZIONE, error: rec.error }, 'FTTH notification not taken in');
      return rec;
    });
    this.#chains.set(order.codiceOrdineWhs, next);
    return this.track(next);
  }
}

const xml = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/xml; charset=utf-8').send(body);

export interface StartedFtthSimulator {
  /** base of the simulator's services (`<url>/RecipientMigrationService`, `<url>/DonatingMigrationService`): an operator's `agcom.wholesale.url` */
  url: string;
  simulator: FtthSimulator;
  close(): Promise<void>;
}

/** Starts B on 127.0.0.1 (`config.port`, else a free port). Throws on an unusable configuration. */
export async function startFtthSimulator(config: FtthSimulatorConfig): Promise<StartedFtthSimulator> {
  const sim = new FtthSimulator(config);
  const url = await sim.start(config.port ?? 0, config.host ?? '127.0.0.1');
  return { url, simulator: sim, close: () => sim.close() };
}
