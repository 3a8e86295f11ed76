import { sql, type Kysely } from 'kysely';

/**
 * A dead letter an operator sets aside is closed without being sent again (src/delivery/dead-letters.ts):
 * its outbox row and message become `set_aside`, which the outbox's per-case order no longer waits
 * for — before, a message the receiver refuses for good (an FTTH N12 NACK, a SOAP fault) held back
 * every later message of its case until a replay that would be refused again. `set_aside_note` is the
 * operator's reason, kept with the letter. Open dead letters are those neither replayed nor set aside:
 * the partial index of 0008 is recreated with that predicate.
 */
const UP = [
  `alter table outbox drop constraint outbox_status_check`,
  `alter table outbox add constraint outbox_status_check check (status in ('pending', 'delivered', 'dead', 'set_aside'))`,
  `alter table dead_letters add column set_aside_at timestamptz, add column set_aside_note text`,
  `drop index dead_letters_open_dest_idx`,
  `create index dead_letters_open_dest_idx on dead_letters (destination, id) where replayed_at is null and set_aside_at is null`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

/** Rows set aside become dead letters again: the code before this migration holds their cases' later messages back. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `update outbox set status = 'dead' where status = 'set_aside'`,
    `update messages set status = 'failed' where status = 'set_aside'`,
    `drop index dead_letters_open_dest_idx`,
    `create index dead_letters_open_dest_idx on dead_letters (destination, id) where replayed_at is null`,
    `alter table dead_letters drop column set_aside_note, drop column set_aside_at`,
    `alter table outbox drop constraint outbox_status_check`,
    `alter table outbox add constraint outbox_status_check check (status in ('pending', 'delivered', 'dead'))`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
