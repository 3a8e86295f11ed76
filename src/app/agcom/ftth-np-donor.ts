/**
 * The Donor's `O2ONPFibra.OLO_NPRequestService` (italy.md §10.3 N11, §11): a Recipient tells us,
 * as holder of the numbers' ranges, that they will be ported (`01`), were (`02`) or were not
 * (`03`).
 *
 * The N11 is answered at once with the N12 and recorded — on our donating case of the same
 * migration when there is one (its id, the order an N8 named, or the numbers), else as a notice
 * of its own under `np:<sender>:<codiceOrdineWHS>` (announced on the feed, not a case). For the
 * numbers we cannot release (np.ts releaseRefusals) an N13 KO goes back to the sender's
 * `OLO_NPNotificationService` through the outbox, in the same transaction: both or neither.
 * Deduplicated on the sender's idNotifica: a resend gets the first answer and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { N12 } from '../../protocols/agcom/ftth/codec.js';
import type { FtthMessage } from '../../protocols/agcom/ftth/messages.js';
import { comparableNumber, NP_REASONS, releaseRefusals, type NpCaseView, type NpRefusal } from '../../protocols/agcom/ftth/np.js';
import type { AgcomCaseState } from '../../protocols/agcom/case-state.js';
import type { NumberPortabilityRules } from '../../protocols/agcom/number-portability.js';
import type { Database } from '../../store/schema.js';
import { appendEvents, type NewDomainEvent } from '../../store/repos/events.js';
import { insertMessage } from '../../store/repos/messages.js';
import { enqueue } from '../../store/repos/outbox.js';
import type { FtthOutbound } from './ftth-donating.js';
import { FTTH_MESSAGE_TYPES } from './ftth-donating.js';
import { answerOnce, npAck, npDonorDestination, npNack, NP_FTTH_MESSAGE_TYPES, NP_SERVICES, type NpCaller, type NpDonors } from './ftth-np.js';
import { newMessageId } from '../../domain/message-id.js';

/** How many of a Recipient's newest donating cases are searched for the N11's numbers. */
const NUMBER_SEARCH_LIMIT = 200;

export interface FtthNpDonorDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** our operator code */
  operatorCode: string;
  /** our view of the ranges (agcom.numberPortability.ranges): a number in another operator's range is not ours to release */
  rules: NumberPortabilityRules;
  donors: NpDonors;
  /** the AGCOM carrier code of an operator we have Fase 2 cases with, if any */
  carrierOf: (operatorCode: string) => string | undefined;
}

export class FtthNpDonorService {
  readonly #d: FtthNpDonorDeps;

  constructor(deps: FtthNpDonorDeps) {
    this.#d = deps;
  }

  async request(msg: FtthMessage, caller: NpCaller): Promise<N12> {
    const id = msg.idNotifica as string;
    const sender = msg.codiceOperatoreRec as string;
    // an authenticated operator speaking for another is refused, and nothing is recorded
    if (sender !== caller.sender) return npNack(id, NP_REASONS.senderMismatch, `codiceOperatoreRec: ${sender} is not the authenticated sender (${caller.sender})`);
    const key = `np-n11:${sender}:${id}`;
    return answerOnce(this.#d.db, id, key, async (trx) => {
      const order = msg.codiceOrdineWHS as string;
      const tipo = msg.tipoNotifica as string;
      const numbers = (msg.numerazioni as string[] | undefined) ?? [];
      const found = await this.#matchingCase(trx, sender, order, numbers);
      const caseId = found?.id ?? `np:${sender}:${order}`;
      const n12 = npAck(id);
      const messageId = newMessageId();
      await insertMessage(trx, {
        messageId,
        caseId,
        type: NP_FTTH_MESSAGE_TYPES.N11,
        direction: 'in',
        peer: `np:${sender}`,
        businessId: order,
        status: 'accepted',
        body: { msg, n12, matched: found !== undefined },
        raw: caller.raw,
        rawFormat: 'soap',
        dedupeKey: key,
      });
      const refusals = releaseRefusals(tipo, numbers, { self: this.#d.operatorCode, rules: this.#d.rules, ...(found ? { case: found } : {}) });
      const events: NewDomainEvent[] = [
        ...(found ? [{ type: 'message.received', caseId: found.id, data: { messageId, type: NP_FTTH_MESSAGE_TYPES.N11 } }] : []),
        {
          type: 'np.notice-received',
          caseId: found?.id ?? null,
          data: { messageId, recipient: sender, codiceOrdineWHS: order, tipoNotifica: tipo, idNotifica: id, numbers: numbers.length, ...(found ? {} : { notice: caseId }) },
        },
      ];
      for (const r of refusals) events.push(await this.#refuse(trx, caseId, found !== undefined, msg, r));
      await appendEvents(trx, events);
      this.#d.log.info({ caseId: found?.id, tipoNotifica: tipo, matched: found !== undefined, refused: refusals.map((r) => r.code) }, 'number-portability N11 recorded');
      return n12;
    });
  }

  /** Queues the N13 KO of one refusal to the sender (over SOAP: an N11 reached us over SOAP). */
  async #refuse(trx: Transaction<Database>, caseId: string, onCase: boolean, n11: FtthMessage, r: NpRefusal): Promise<NewDomainEvent> {
    const sender = n11.codiceOperatoreRec as string;
    const eventCase = onCase ? caseId : null;
    const base = { recipient: sender, code: r.code, numbers: r.numbers, idNotifica: n11.idNotifica as string };
    if (this.#d.donors.protocolOf(sender) !== 'ftth-soap') {
      // its entry names a JSON endpoint for notices, not an OLO_NPNotificationService to answer at
      this.#d.log.warn({ caseId: eventCase, recipient: sender, code: r.code }, 'number-portability KO not sent: the sender is configured with protocol json');
      return { type: 'np.release-refused', caseId: eventCase, data: { ...base, sent: false } };
    }
    const n13: FtthMessage = {
      codiceOperatoreDonor: this.#d.operatorCode,
      codiceOrdineWHS: n11.codiceOrdineWHS,
      idNotifica: `${this.#d.operatorCode}-N13-${randomUUID()}`,
      dataNotifica: this.#d.clock.now().toISOString(),
      tipoNotifica: n11.tipoNotifica,
      numerazioniScartate: r.numbers,
      codiceMotivazione: r.code,
      motivazione: r.reason.slice(0, 255),
    };
    const messageId = newMessageId();
    const destination = npDonorDestination(sender);
    const body: FtthOutbound = { service: NP_SERVICES.notification, op: 'OLO_NPNotification', msg: n13 };
    await insertMessage(trx, { messageId, caseId, type: NP_FTTH_MESSAGE_TYPES.N13, direction: 'out', peer: destination, businessId: n11.codiceOrdineWHS as string, status: 'queued', body });
    await enqueue(trx, { messageId, caseId, kind: 'wholesale', destination });
    return { type: 'np.release-refused', caseId: eventCase, data: { ...base, sent: true, messageId } };
  }

  /**
   * Our donating case of the migration the N11 belongs to: the case of that id (the Recipient
   * names its order so until the network operator's is known), the case an N8 of that order was
   * checked on, else the sender's newest case holding one of the numbers.
   */
  async #matchingCase(trx: Transaction<Database>, sender: string, order: string, numbers: readonly string[]): Promise<NpCaseView | undefined> {
    const byId = await trx.selectFrom('cases').select(['id', 'data']).where('id', '=', order).where('procedure', '=', 'agcom').where('role', '=', 'donating').executeTakeFirst();
    if (byId) return view(byId);
    const n8 = await trx
      .selectFrom('messages')
      .innerJoin('cases', 'cases.id', 'messages.case_id')
      .select(['cases.id', 'cases.data'])
      .where('messages.business_id', '=', order)
      .where('messages.direction', '=', 'in')
      .where('messages.type', '=', FTTH_MESSAGE_TYPES.N8)
      .orderBy('messages.seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (n8) return view(n8);
    const carrier = this.#d.carrierOf(sender);
    if (!carrier || numbers.length === 0) return undefined;
    const wanted = new Set(numbers.map(comparableNumber));
    const candidates = await trx
      .selectFrom('cases')
      .select(['id', 'data'])
      .where('peer', '=', carrier)
      .where('procedure', '=', 'agcom')
      .where('role', '=', 'donating')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(NUMBER_SEARCH_LIMIT)
      .execute();
    const hit = candidates.find((c) => (c.data as unknown as AgcomCaseState).request.numbers.some((n) => wanted.has(comparableNumber(n))));
    return hit ? view(hit) : undefined;
  }
}

function view(row: { id: string; data: unknown }): NpCaseView {
  const s = row.data as AgcomCaseState;
  const closed = s.state === 'CANCELLED' ? 'cancelled' : s.state === 'REJECTED' ? 'rejected' : undefined;
  return { id: row.id, numbers: s.request.numbers, ...(closed ? { closed } : {}) };
}
