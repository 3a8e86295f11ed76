/**
 * Queues the number-portability notices of an AGCOM case (italy.md §10.3 N11) as outbox rows of
 * the southbound channel (kind `wholesale`), in the caller's transaction: the notice commits with
 * the case change or order step that caused it. A Donor with an `agcom.numberPortability.donors`
 * entry gets its own destination (`agcom-np:<code>`): an N11 over SOAP, or the JSON notice with
 * protocol "json"; any other Donor the JSON notice at the single `url` (destination
 * `number-portability`), when one is configured.
 */
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { AgcomCaseState } from '../../protocols/agcom/case-state.js';
import { npNotices, type NpNoticeType, type NumberPortabilityRules } from '../../protocols/agcom/number-portability.js';
import type { Database } from '../../store/schema.js';
import { appendEvents } from '../../store/repos/events.js';
import { insertMessage } from '../../store/repos/messages.js';
import { enqueue } from '../../store/repos/outbox.js';
import { npDonorDestination, queueN11, type NpDonors } from './ftth-np.js';
import { newMessageId } from '../../domain/message-id.js';

export const NP_DESTINATION = 'number-portability';
export const NP_MESSAGE_TYPE = 'NP-NOTICE';

export class NumberPortabilityNotifier {
  constructor(
    private readonly rules: NumberPortabilityRules,
    private readonly log: Logger,
    /** the Donors one by one, and whether the single JSON `url` takes the others */
    private readonly routes: { donors?: NpDonors; jsonEndpoint: boolean } = { jsonEndpoint: true },
  ) {}

  /** Queues one notice per Donor; returns how many. */
  async queue(trx: Transaction<Database>, s: AgcomCaseState, type: NpNoticeType, ctx: { at: string; wholesaleOrderId?: string; note?: string }): Promise<number> {
    if (s.role !== 'recipient') return 0;
    const { notices, unknown } = npNotices(s, type, { rules: this.rules, ...ctx });
    let queued = 0;
    for (const notice of notices) {
      const protocol = this.routes.donors?.protocolOf(notice.codiceOperatoreDonor);
      if (protocol === 'ftth-soap') {
        const r = await queueN11(trx, s.orderId, notice);
        if ('invalid' in r) {
          // our own data cannot make an N11 (a bug or an unusual case): reported, the case goes on
          await appendEvents(trx, [{ type: 'np.notice-invalid', caseId: s.orderId, data: { tipoNotifica: type, donor: notice.codiceOperatoreDonor, problem: r.invalid } }]);
          this.log.error({ caseId: s.orderId, donor: notice.codiceOperatoreDonor, problem: r.invalid }, 'number-portability N11 not sent: invalid');
          continue;
        }
        for (const messageId of r.messageIds) {
          await appendEvents(trx, [
            { type: 'message.queued', caseId: s.orderId, data: { messageId, type: 'FTTH-N11', businessId: notice.codiceOrdineWHS } },
            { type: 'np.notice-queued', caseId: s.orderId, data: { messageId, tipoNotifica: type, donor: notice.codiceOperatoreDonor, numbers: notice.numerazioni.length } },
          ]);
        }
        queued++;
        continue;
      }
      if (protocol === undefined && !this.routes.jsonEndpoint) {
        unknown.push(...notice.numerazioni);
        continue;
      }
      const destination = protocol === 'json' ? npDonorDestination(notice.codiceOperatoreDonor) : NP_DESTINATION;
      const messageId = newMessageId();
      await insertMessage(trx, { messageId, caseId: s.orderId, type: NP_MESSAGE_TYPE, direction: 'out', peer: destination, businessId: null, status: 'queued', body: notice });
      await enqueue(trx, { messageId, caseId: s.orderId, kind: 'wholesale', destination });
      await appendEvents(trx, [
        { type: 'message.queued', caseId: s.orderId, data: { messageId, type: NP_MESSAGE_TYPE, businessId: null } },
        { type: 'np.notice-queued', caseId: s.orderId, data: { messageId, tipoNotifica: type, donor: notice.codiceOperatoreDonor, numbers: notice.numerazioni.length } },
      ]);
      queued++;
    }
    if (unknown.length) {
      await appendEvents(trx, [{ type: 'np.donor-unknown', caseId: s.orderId, data: { tipoNotifica: type, numbers: unknown.length } }]);
      this.log.warn({ caseId: s.orderId, count: unknown.length }, 'no Donor configured for some numbers: no portability notice');
    }
    return queued;
  }
}
