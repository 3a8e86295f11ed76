/**
 * The Donating (E) side of the FTTH model (italy.md §10.3): the network operator asks us to
 * verify a codice sessione (N8) and notifies us of the DAC, the outcome and cancellations (N10).
 *
 * N8 is answered at once with the N12 (transport acceptance) and the verdict follows as N9
 * through the outbox, written in the same transaction as the N8 itself: a crash in between either
 * loses both (the operator resends, we verify again) or keeps both. The verdict is the REST
 * verification's (one decision for both channels, wholesale/verification.ts) plus the COR.
 * Every accepted message is stored on the Donating's case, deduplicated on the sender's
 * ID_NOTIFICA: a resend gets the first answer and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { Database } from '../../store/schema.js';
import { insertMessage } from '../../store/repos/messages.js';
import { enqueue } from '../../store/repos/outbox.js';
import { appendEvents } from '../../store/repos/events.js';
import { answerOnce } from './ftth-once.js';
import type { WholesaleService } from '../wholesale/service.js';
import type { N12 } from '../../protocols/agcom/ftth/codec.js';
import type { FtthCodes } from '../../protocols/agcom/ftth/codes.js';
import { REASONS } from '../../protocols/agcom/ftth/codes.js';
import type { FtthMessage } from '../../protocols/agcom/ftth/messages.js';
import type { VerificationAnswer } from '../../wholesale/verification.js';
import { newMessageId } from '../../domain/message-id.js';

/** Outbox destination of the messages to the network operator (delivery/agcom-ftth-transport.ts). */
export const FTTH_DESTINATION = 'agcom-ftth';
export const FTTH_MESSAGE_TYPES = { N8: 'FTTH-N8', N9: 'FTTH-N9', N10: 'FTTH-N10' } as const;

/** What an outbox row of FTTH_DESTINATION carries: the service and operation to call, and the message. */
export interface FtthOutbound {
  service: string;
  op: string;
  msg: FtthMessage;
}

export interface FtthDonatingDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  wholesale: WholesaleService;
  codes: FtthCodes;
  /** our operator code, prefix of our notification ids */
  operatorCode: string;
}

const ack = (id: string): N12 => ({ ID_NOTIFICA: id, ESITO: '0' });
const nack = (id: string, code: string, reason: string): N12 => ({ ID_NOTIFICA: id, ESITO: '1', CODICE_MOTIVAZIONE: code, MOTIVAZIONE: reason.slice(0, 255) });

/** N9 ESITO and reason of a verification (REASONS of codes.ts). */
function verdict(answer: VerificationAnswer, corMatches: boolean): { ESITO: 'OK' } | { ESITO: 'KO'; CODICE_MOTIVAZIONE: string; MOTIVAZIONE: string } {
  if (answer.result === 'KO') {
    const code = { UNKNOWN_ID: REASONS.sessionUnknown, CANCELLED: REASONS.sessionNotValid, NOT_AGREED: REASONS.sessionNotValid, EXPIRED: REASONS.sessionExpired, NUMBERS_MISMATCH: REASONS.numbersMismatch }[answer.code];
    return { ESITO: 'KO', CODICE_MOTIVAZIONE: code, MOTIVAZIONE: answer.message.slice(0, 255) };
  }
  if (!corMatches) return { ESITO: 'KO', CODICE_MOTIVAZIONE: REASONS.corMismatch, MOTIVAZIONE: 'the COR is not the one agreed in Fase 2' };
  return { ESITO: 'OK' };
}

const str = (m: FtthMessage, k: string): string => m[k] as string;

export class FtthDonatingService {
  readonly #d: FtthDonatingDeps;

  constructor(deps: FtthDonatingDeps) {
    this.#d = deps;
  }

  /** N8 WHS_Check_sessione → N12 now, N9 through the outbox. */
  async checkSession(msg: FtthMessage): Promise<N12> {
    const id = str(msg, 'ID_NOTIFICA');
    const key = `ftth:${str(msg, 'CODICE_OPERATORE_WHS')}:${id}`;
    return this.#once(key, async (trx) => {
      const numbers = (msg.NUMERAZIONI as readonly string[] | undefined) ?? [];
      const v = await this.#d.wholesale.verifyFtthSession(trx, { sessionCode: str(msg, 'CODICE_SESSIONE'), cor: str(msg, 'COR'), numbers: [...numbers] });
      // a code we never issued as Donating has no case to record on: refused at once, never revealing a Recipient's case
      if (!v.row || v.row.role !== 'donating') return { n12: nack(id, REASONS.sessionUnknown, 'codice sessione unknown to the Donating') };
      const n12 = ack(id);
      const caseId = v.row.id;
      const result = verdict(v.answer, v.corMatches);
      const inId = newMessageId();
      await insertMessage(trx, { messageId: inId, caseId, type: FTTH_MESSAGE_TYPES.N8, direction: 'in', peer: FTTH_DESTINATION, businessId: str(msg, 'CODICE_ORDINE_WHS'), status: 'answered', body: { msg, n12 }, dedupeKey: key });
      const n9: FtthMessage = { CODICE_ORDINE_WHS: str(msg, 'CODICE_ORDINE_WHS'), ID_NOTIFICA: `${this.#d.operatorCode}-N9-${randomUUID()}`, DATA_NOTIFICA: this.#d.clock.now().toISOString(), ...result };
      const outId = newMessageId();
      const body: FtthOutbound = { service: 'DonatingMigrationService', op: 'Don_Check_sessione', msg: n9 };
      await insertMessage(trx, { messageId: outId, caseId, type: FTTH_MESSAGE_TYPES.N9, direction: 'out', peer: FTTH_DESTINATION, businessId: str(msg, 'CODICE_ORDINE_WHS'), status: 'queued', body });
      await enqueue(trx, { messageId: outId, caseId, kind: 'wholesale', destination: FTTH_DESTINATION });
      await appendEvents(trx, [
        { type: 'message.received', caseId, data: { messageId: inId, type: FTTH_MESSAGE_TYPES.N8 } },
        { type: 'agcom.ftth.session-checked', caseId, data: { messageId: outId, esito: result.ESITO, ...(result.ESITO === 'KO' ? { code: result.CODICE_MOTIVAZIONE } : {}), numbers: numbers.length } },
      ]);
      this.#d.log.info({ caseId, esito: result.ESITO, code: result.ESITO === 'KO' ? result.CODICE_MOTIVAZIONE : undefined }, 'FTTH N8 answered, N9 queued');
      return { n12 };
    });
  }

  /** N10 WHS_Msg_Donating: recorded on the case the N8 of the same CODICE_ORDINE_WHS was, announced on the feed. */
  async donatingNotice(msg: FtthMessage): Promise<N12> {
    const id = str(msg, 'ID_NOTIFICA');
    const key = `ftth:${str(msg, 'CODICE_OPERATORE_WHS')}:${id}`;
    return this.#once(key, async (trx) => {
      const n8 = await trx
        .selectFrom('messages')
        .select('case_id')
        .where('business_id', '=', str(msg, 'CODICE_ORDINE_WHS'))
        .where('direction', '=', 'in')
        .where('type', '=', FTTH_MESSAGE_TYPES.N8)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!n8) return { n12: nack(id, REASONS.unknownOrder, `CODICE_ORDINE_WHS ${str(msg, 'CODICE_ORDINE_WHS')}: no codice sessione was checked for this order`) };
      const n12 = ack(id);
      const evento = msg.EVENTO === undefined ? undefined : this.#d.codes.n10Evento[str(msg, 'EVENTO')];
      const messageId = newMessageId();
      await insertMessage(trx, { messageId, caseId: n8.case_id, type: FTTH_MESSAGE_TYPES.N10, direction: 'in', peer: FTTH_DESTINATION, businessId: str(msg, 'CODICE_ORDINE_WHS'), status: 'accepted', body: { msg, n12 }, dedupeKey: key });
      await appendEvents(trx, [
        { type: 'message.received', caseId: n8.case_id, data: { messageId, type: FTTH_MESSAGE_TYPES.N10 } },
        { type: 'agcom.ftth.donating-notified', caseId: n8.case_id, data: { messageId, event: evento ?? null, date: msg.DATA ?? null, time: msg.ORA ?? null } },
      ]);
      return { n12 };
    });
  }

  #once(key: string, work: (trx: Transaction<Database>) => Promise<{ n12: N12 }>): Promise<N12> {
    return answerOnce(this.#d.db, key, work);
  }
}
