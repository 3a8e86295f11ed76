/**
 * "Once in effect" for inbound FTTH messages (italy.md §10.4: deduplicate on ID_NOTIFICA): the
 * message row written by `work` carries the dedupe key and the N12 it was answered with, so a
 * resend finds it and gets the same N12 without running `work` again. Two copies arriving at once
 * race on the key's unique index; the loser answers as the winner did.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/schema.js';
import { findByDedupeKey } from '../../store/repos/messages.js';
import { isUniqueViolation } from '../case-unit.js';
import type { N12 } from '../../protocols/agcom/ftth/codec.js';

/** The dedupe key of an inbound message: the sender's operator code and its ID_NOTIFICA. */
export const ftthDedupeKey = (senderCode: string, notificationId: string): string => `ftth:${senderCode}:${notificationId}`;

/**
 * Runs `work` unless `key` was answered before; `work` stores `{ n12 }` in the body of the row
 * with that key. `onReplay` is told when the stored answer is given instead; `answerOf` reads it
 * from a row a path other than this one may have written (default: the body's `n12`).
 */
export async function answerOnce(
  db: Kysely<Database>,
  key: string,
  work: (trx: Transaction<Database>) => Promise<{ n12: N12 }>,
  onReplay?: () => void,
  answerOf: (body: unknown) => N12 = (body) => (body as { n12: N12 }).n12,
): Promise<N12> {
  for (let attempt = 0; ; attempt++) {
    const seen = await findByDedupeKey(db, key);
    if (seen) {
      onReplay?.();
      return answerOf(seen.body);
    }
    try {
      return (await db.transaction().execute((trx) => work(trx))).n12;
    } catch (err) {
      if (attempt === 0 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}
