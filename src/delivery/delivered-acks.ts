/**
 * Group commit for "delivered": the acknowledgements of deliveries that finish while one is being
 * written share the next statement — outbox rows, their messages' status and wire form, and the
 * `message.delivered` events — so a busy outbox pays one durable commit for many deliveries
 * instead of one each. A delivery is reported done only after its acknowledgement committed, so
 * the next message of its case (claimable only once this one is `delivered`) never overtakes it.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { EVENTS_CHANNEL } from '../store/repos/events.js';
import { confirmWire, ensureDictionariesSql, packWire, wireContext } from '../store/wire-codec.js';
import { packEventRows } from '../store/event-groups.js';
import { bodySourceCode, type BodySource } from '../store/wire-bodies.js';

export interface DeliveredAck {
  outboxId: number;
  messageId: string;
  /** the message's case: with its id, what the stored wire form is compressed with (`wireContext`) */
  caseId: string;
  type: string;
  /** the outbox destination: the wire form is compressed with that counterpart's dictionary */
  destination: string;
  /** the wire form as sent, kept with the message, compressed (null: keep what is stored) */
  raw: string | null;
  rawFormat: string | null;
  /** `raw` holds the body (checked by the transport): the stored body is dropped (src/store/wire-bodies.ts) */
  bodyFrom?: BodySource | null;
}

interface Pending {
  ack: DeliveredAck;
  resolve: (stillLeased: boolean) => void;
  reject: (err: unknown) => void;
}

export class DeliveredAcks {
  readonly #db: Kysely<Database>;
  readonly #workerId: string;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #writing = false;

  constructor(db: Kysely<Database>, workerId: string, maxBatch = 64) {
    this.#db = db;
    this.#workerId = workerId;
    this.#maxBatch = maxBatch;
  }

  /** Resolves once committed: true, or false when the lease was lost meanwhile (nothing written for it). */
  ack(ack: DeliveredAck): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ack, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#writing || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#writing = true;
    void this.#write(batch.map((p) => p.ack))
      .then(
        (acked) => batch.forEach((p) => p.resolve(acked.has(p.ack.outboxId))),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.#writing = false;
        this.#pump();
      });
  }

  /** One statement: every row still leased by this worker becomes delivered, with its message (and wire form, compressed once: src/store/wire-codec.ts) and event. */
  async #write(acks: DeliveredAck[]): Promise<Set<number>> {
    const packed = acks.map((a) =>
      a.raw === null ? null : packWire(this.#db, a.raw, { peer: a.destination, direction: 'out', format: a.rawFormat, type: a.type }, undefined, wireContext({ case_id: a.caseId, message_id: a.messageId })),
    );
    // each ack's event is a row of its own (its case is the outbox row's)
    const events = acks.map((a) => packEventRows(this.#db, [{ type: 'message.delivered', caseId: null, data: { messageId: a.messageId, type: a.type } }])[0]!.packed);
    const dictionaries = ensureDictionariesSql([...packed, ...events]);
    const rows = acks.map((a, i) => {
      const p = packed[i];
      const e = events[i]!;
      const from = p && a.bodyFrom ? bodySourceCode(a.bodyFrom) : null;
      return sql`(${i}::int, ${a.outboxId}::bigint, ${p?.z ?? null}::bytea, ${p?.dictId ?? null}::bigint, ${p ? a.rawFormat : null}::text, ${from}::smallint, ${e.z}::bytea, ${e.dictId}::bigint)`;
    });
    const { rows: done } = await sql<{ id: string | number }>`
      WITH ${dictionaries ? sql`wd AS (${dictionaries}),` : sql``} v(ord, id, z, dict, raw_format, body_from, ez, edict) AS (VALUES ${sql.join(rows)}),
      o AS (
        UPDATE outbox SET status = 'delivered', delivered_at = now(), lease_owner = NULL, lease_until = NULL, last_error = NULL
          FROM v
         WHERE outbox.id = v.id AND outbox.lease_owner = ${this.#workerId}
        RETURNING outbox.id, outbox.message_id, outbox.case_id, v.ord, v.z, v.dict, v.raw_format, v.body_from, v.ez, v.edict),
      m AS (
        UPDATE messages SET status = 'delivered', delivered_at = now(),
               raw = CASE WHEN o.z IS NULL THEN messages.raw ELSE NULL END,
               raw_z = COALESCE(o.z, messages.raw_z),
               raw_dict = CASE WHEN o.z IS NULL THEN messages.raw_dict ELSE o.dict END,
               raw_format = COALESCE(o.raw_format, messages.raw_format),
               -- the wire form just stored holds the body: the stored copy goes (0021)
               body = CASE WHEN o.body_from IS NULL THEN messages.body END,
               body_z = CASE WHEN o.body_from IS NULL THEN messages.body_z END,
               body_dict = CASE WHEN o.body_from IS NULL THEN messages.body_dict END,
               body_from = COALESCE(o.body_from, messages.body_from)
          FROM o
         WHERE messages.message_id = o.message_id),
      e AS (
        INSERT INTO events (case_id, n, data_z, data_dict, data)
        SELECT o.case_id, 1, o.ez, o.edict, NULL::jsonb FROM o ORDER BY o.ord)
      SELECT o.id, pg_notify(${EVENTS_CHANNEL}, '') FROM o`.execute(this.#db);
    confirmWire(this.#db, [...packed, ...events]);
    return new Set(done.map((r) => Number(r.id)));
  }
}
