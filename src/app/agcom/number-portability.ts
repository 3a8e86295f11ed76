/**
 * Queues the number-portability notices of an AGCOM case (italy.md §10.3 N11) as outbox rows of
 * the southbound channel (kind `wholesale`, destination `number-portability`), in the caller's
 * transaction: the notice commits with the case change or order step that caused it.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { AgcomCaseState } from '../../protocols/agcom/case-state.js';
import { npNotices, type NpNoticeType, type NumberPortabilityRules } from '../../protocols/agcom/number-portability.js';
import type { Database } from '../../store/schema.js';
import { appendEvents } from '../../store/repos/events.js';
import { insertMessage } from '../../store/repos/messages.js';
import { enqueue } from '../../store/repos/outbox.js';

export const NP_DESTINATION = 'number-portability';
export const NP_MESSAGE_TYPE = 'NP-NOTICE';

export class NumberPortabilityNotifier {
  constructor(
    private readonly rules: NumberPortabilityRules,
    private readonly log: Logger,
  ) {}

  /** Queues one notice per Donor; returns how many. */
  async queue(trx: Transaction<Database>, s: AgcomCaseState, type: NpNoticeType, ctx: { at: string; wholesaleOrderId?: string; note?: string }): Promise<number> {
    if (s.role !== 'recipient') return 0;
    const { notices, unknown } = npNotices(s, type, { rules: this.rules, ...ctx });
    for (const notice of notices) {
      const messageId = randomUUID();
      await insertMessage(trx, { messageId, caseId: s.orderId, type: NP_MESSAGE_TYPE, direction: 'out', peer: NP_DESTINATION, businessId: null, status: 'queued', body: notice });
      await enqueue(trx, { messageId, caseId: s.orderId, kind: 'wholesale', destination: NP_DESTINATION });
      await appendEvents(trx, [
        { type: 'message.queued', caseId: s.orderId, data: { messageId, type: NP_MESSAGE_TYPE, businessId: null } },
        { type: 'np.notice-queued', caseId: s.orderId, data: { messageId, tipoNotifica: type, donor: notice.codiceOperatoreDonor, numbers: notice.numerazioni.length } },
      ]);
    }
    if (unknown.length) {
      await appendEvents(trx, [{ type: 'np.donor-unknown', caseId: s.orderId, data: { tipoNotifica: type, numbers: unknown.length } }]);
      this.log.warn({ caseId: s.orderId, count: unknown.length }, 'no Donor configured for some numbers: no portability notice');
    }
    return notices.length;
  }
}
