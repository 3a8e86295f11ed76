/**
 * Number portability over the FTTH services (italy.md §10.3 N11/N13), the parts both roles share
 * and the Recipient's side.
 *
 * Counterparts are configured one by one (`agcom.numberPortability.donors`): each has its own
 * outbox destination `agcom-np:<code>` (its own retries, backoff, recovery and dead letters) and
 * its own token, by which our NP services know who is calling.
 *
 * As Recipient: our N11 leave through the outbox (NumberPortabilityNotifier asks `n11Rows`), and
 * a Donor's N13 KO arrives at our `OLO_NPNotificationService`: recorded on the case the N11 was
 * sent for as an `NP-KO` message and announced as `np.rejected`, exactly as the JSON N13 of
 * `POST /agcom/v1/np-notifications` (one dedupe key for both channels: a KO is recorded once).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { NpDonorConfig } from '../../config/agcom-config.js';
import type { N12 } from '../../protocols/agcom/ftth/codec.js';
import { checkMessage } from '../../protocols/agcom/ftth/codec.js';
import { REASONS } from '../../protocols/agcom/ftth/codes.js';
import type { FtthMessage } from '../../protocols/agcom/ftth/messages.js';
import { n11Of, NP_REASONS } from '../../protocols/agcom/ftth/np.js';
import type { NpNotice } from '../../protocols/agcom/number-portability.js';
import type { Database } from '../../store/schema.js';
import { appendEvents } from '../../store/repos/events.js';
import { insertMessage } from '../../store/repos/messages.js';
import { answerOnce as answerFtthOnce } from './ftth-once.js';
import { enqueue } from '../../store/repos/outbox.js';
import type { FtthOutbound } from './ftth-donating.js';
import { newMessageId } from '../../domain/message-id.js';

/** Outbox destinations of the counterparts: `agcom-np:<operator code>`. */
export const NP_DONOR_DESTINATION_PREFIX = 'agcom-np:';
export const npDonorDestination = (code: string): string => `${NP_DONOR_DESTINATION_PREFIX}${code}`;
export const isNpDonorDestination = (destination: string): boolean => destination.startsWith(NP_DONOR_DESTINATION_PREFIX);

export const NP_FTTH_MESSAGE_TYPES = { N11: 'FTTH-N11', N13: 'FTTH-N13', KO: 'NP-KO' } as const;
export const NP_SERVICES = { request: 'O2ONPFibra.OLO_NPRequestService', notification: 'OLO_NPNotificationService' } as const;

/** Who called one of our NP services, and the request as received (stored as the message's raw form). */
export interface NpCaller {
  sender: string;
  raw: string;
}

/** The configured counterparts, by code and by token. */
export class NpDonors {
  readonly #byCode: ReadonlyMap<string, NpDonorConfig>;
  readonly #tokens: { code: string; hash: Buffer }[];

  constructor(donors: readonly NpDonorConfig[]) {
    this.#byCode = new Map(donors.map((d) => [d.code, d]));
    this.#tokens = donors.map((d) => ({ code: d.code, hash: Buffer.from(d.inboundTokenSha256, 'hex') }));
  }

  get size(): number {
    return this.#byCode.size;
  }

  get(code: string): NpDonorConfig | undefined {
    return this.#byCode.get(code);
  }

  all(): NpDonorConfig[] {
    return [...this.#byCode.values()];
  }

  protocolOf(code: string): 'ftth-soap' | 'json' | undefined {
    const d = this.#byCode.get(code);
    return d ? (d.protocol ?? 'ftth-soap') : undefined;
  }

  /** The operator whose token this is (every entry compared, in constant time each), or undefined. */
  authenticate(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const got = createHash('sha256').update(token).digest();
    let found: string | undefined;
    for (const t of this.#tokens) if (t.hash.length === got.length && timingSafeEqual(t.hash, got)) found = t.code;
    return found;
  }
}

export const npAck = (id: string): N12 => ({ ID_NOTIFICA: id, ESITO: '0' });
export const npNack = (id: string, code: string, reason: string): N12 => ({ ID_NOTIFICA: id, ESITO: '1', CODICE_MOTIVAZIONE: code, MOTIVAZIONE: reason.slice(0, 255) });

/**
 * Runs `work` unless `key` was answered before: a resend gets the first answer and changes
 * nothing. A NACK that `work` did not record (nothing written) is decided again on a resend.
 */
export function answerOnce(db: Kysely<Database>, id: string, key: string, work: (trx: Transaction<Database>) => Promise<N12>): Promise<N12> {
  // a KO first recorded through the JSON endpoint has no N12 of its own: it was accepted
  return answerFtthOnce(db, key, async (trx) => ({ n12: await work(trx) }), undefined, (body) => (body as { n12?: N12 }).n12 ?? npAck(id));
}

/**
 * Queues the N11 of one notice to a Donor spoken to over SOAP, in the caller's transaction.
 * Returns the message ids, or why the notice cannot be an N11 (the caller reports it).
 */
export async function queueN11(trx: Transaction<Database>, caseId: string, notice: NpNotice): Promise<{ messageIds: string[] } | { invalid: string }> {
  const messages = n11Of(notice);
  for (const msg of messages) {
    const p = checkMessage('N11', msg);
    if (p) return { invalid: p.message };
  }
  const destination = npDonorDestination(notice.codiceOperatoreDonor);
  const messageIds: string[] = [];
  for (const msg of messages) {
    const messageId = newMessageId();
    const body: FtthOutbound = { service: NP_SERVICES.request, op: 'OLO_NPRequest', msg };
    // the business id is what the Donor's N13 will name the order by
    await insertMessage(trx, { messageId, caseId, type: NP_FTTH_MESSAGE_TYPES.N11, direction: 'out', peer: destination, businessId: notice.codiceOrdineWHS, status: 'queued', body });
    await enqueue(trx, { messageId, caseId, kind: 'wholesale', destination });
    messageIds.push(messageId);
  }
  return { messageIds };
}

export interface FtthNpRecipientDeps {
  db: Kysely<Database>;
  log: Logger;
}

/** The Recipient's `OLO_NPNotificationService`: a Donor's N13 KO. */
export class FtthNpRecipientService {
  readonly #d: FtthNpRecipientDeps;

  constructor(deps: FtthNpRecipientDeps) {
    this.#d = deps;
  }

  async notification(msg: FtthMessage, caller: NpCaller): Promise<N12> {
    const id = msg.idNotifica as string;
    const donor = msg.codiceOperatoreDonor as string;
    const order = msg.codiceOrdineWHS as string;
    // an authenticated Donor speaking for another is refused, and nothing is recorded
    if (donor !== caller.sender) return npNack(id, NP_REASONS.senderMismatch, `codiceOperatoreDonor: ${donor} is not the authenticated Donor (${caller.sender})`);
    return answerOnce(this.#d.db, id, `np-ko:${donor}:${id}`, async (trx) => {
      const caseId = await this.#caseOfOrder(trx, order);
      if (!caseId) return npNack(id, REASONS.unknownOrder, `codiceOrdineWHS: no number-portability notice of ours names the order ${order}`);
      const n12 = npAck(id);
      const numbers = msg.numerazioniScartate as string[];
      const messageId = newMessageId();
      const ko = {
        codiceOperatoreDonor: donor,
        codiceOrdineWHS: order,
        idNotifica: id,
        dataNotifica: msg.dataNotifica,
        tipoNotifica: msg.tipoNotifica,
        numerazioni: numbers,
        causale: msg.codiceMotivazione,
        motivazione: msg.motivazione,
        ...(msg.note !== undefined ? { note: msg.note } : {}),
        n12,
      };
      await insertMessage(trx, {
        messageId,
        caseId,
        type: NP_FTTH_MESSAGE_TYPES.KO,
        direction: 'in',
        peer: `np:${donor}`,
        businessId: id,
        status: 'accepted',
        body: ko,
        raw: caller.raw,
        rawFormat: 'soap',
        dedupeKey: `np-ko:${donor}:${id}`,
      });
      await appendEvents(trx, [
        {
          type: 'np.rejected',
          caseId,
          data: { donor, numbers, causale: msg.codiceMotivazione as string, motivazione: msg.motivazione as string, tipoNotifica: msg.tipoNotifica as string, idNotifica: id, messageId },
        },
      ]);
      this.#d.log.info({ caseId, messageId, donor, code: msg.codiceMotivazione, count: numbers.length }, 'number-portability KO (N13) recorded');
      return n12;
    });
  }

  /** The case an N11 of ours was sent for under this codiceOrdineWHS, else the Recipient case of that id. */
  async #caseOfOrder(trx: Transaction<Database>, order: string): Promise<string | undefined> {
    const sent = await trx
      .selectFrom('messages')
      .select('case_id')
      .where('business_id', '=', order)
      .where('direction', '=', 'out')
      .where('type', '=', NP_FTTH_MESSAGE_TYPES.N11)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (sent) return sent.case_id;
    const own = await trx.selectFrom('cases').select('id').where('id', '=', order).where('procedure', '=', 'agcom').where('role', '=', 'recipient').executeTakeFirst();
    return own?.id;
  }
}
