/**
 * What an operator does with a delivery that gave up: replay it (back into the outbox, sent again) or
 * set it aside (closed without being sent: the receiver refuses it for good, or it was settled another
 * way). Both are one transaction on the letter, its outbox row and its message, and append an event.
 *
 * Setting aside matters because the outbox keeps each case's order per destination: a row waits while
 * an older row of its case for that destination is undelivered, and a dead one counts as undelivered
 * (store/repos/outbox.ts). A `set_aside` row no longer does, so the case's later messages go out.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, DeadLetterRow } from '../store/schema.js';
import { OUTBOX_CHANNEL } from '../store/repos/outbox.js';
import { appendEvents } from '../store/repos/events.js';

/** The longest note kept with a letter set aside (the REST body's schema, dead-letter-set-aside.json, says the same). */
export const SET_ASIDE_NOTE_MAX = 500;

export interface DeadLetterCommandOptions {
  /** runs in the command's transaction once it is sure to happen (the REST API marks its Idempotency-Key there) */
  beforeCommit?: (trx: Transaction<Database>) => Promise<void>;
}

/** The letter, locked, if it is open: neither replayed nor set aside. */
async function lockOpen(trx: Transaction<Database>, id: number): Promise<DeadLetterRow | undefined> {
  return trx.selectFrom('dead_letters').selectAll().where('id', '=', id).where('replayed_at', 'is', null).where('set_aside_at', 'is', null).forUpdate().executeTakeFirst();
}

/** Puts a dead letter's message back into delivery; false when it is unknown, replayed or set aside. */
export async function replayDeadLetter(db: Kysely<Database>, id: number, opts: DeadLetterCommandOptions = {}): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const dl = await lockOpen(trx, id);
    if (!dl) return false;
    await opts.beforeCommit?.(trx);
    await trx.updateTable('dead_letters').set({ replayed_at: sql<Date>`now()` }).where('id', '=', id).execute();
    // a webhook's letter: its dispatcher sends the event again (delivery/webhooks.ts)
    if (dl.kind === 'webhook') return true;
    await trx
      .updateTable('outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, last_error: null, lease_owner: null, lease_until: null })
      .where('id', '=', dl.outbox_id)
      .execute();
    await trx.updateTable('messages').set({ status: 'queued' }).where('message_id', '=', dl.message_id).execute();
    await appendEvents(trx, [{ type: 'delivery.replayed', caseId: dl.case_id, data: { deadLetterId: id, messageId: dl.message_id } }]);
    await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
    return true;
  });
}

/**
 * Closes a dead letter without sending its message again; false when it is unknown, replayed or set
 * aside already. The message keeps every byte it had and shows `set_aside`; the outbox is woken, since
 * the case's later rows for the destination may be due now.
 */
export async function setAsideDeadLetter(db: Kysely<Database>, id: number, note: string | null, opts: DeadLetterCommandOptions = {}): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const dl = await lockOpen(trx, id);
    if (!dl) return false;
    await opts.beforeCommit?.(trx);
    await trx.updateTable('dead_letters').set({ set_aside_at: sql<Date>`now()`, set_aside_note: note }).where('id', '=', id).execute();
    if (dl.kind === 'webhook') return true;
    await trx.updateTable('outbox').set({ status: 'set_aside', lease_owner: null, lease_until: null }).where('id', '=', dl.outbox_id).where('status', '=', 'dead').execute();
    await trx.updateTable('messages').set({ status: 'set_aside' }).where('message_id', '=', dl.message_id).execute();
    await appendEvents(trx, [{ type: 'delivery.set-aside', caseId: dl.case_id, data: { deadLetterId: id, messageId: dl.message_id, note } }]);
    await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
    return true;
  });
}
