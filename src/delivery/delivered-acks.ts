/**
 * Group commit for "delivered": the acknowledgements of deliveries that finish while one is being
 * written share the next statement — outbox rows, their messages' status and wire form, and the
 * `message.delivered` events — so a busy outbox pays one durable commit for many deliveries
 * instead of one each. A delivery is reported done only after its acknowledgement committed, so
 * the next message of its case (claimable only once this one is `delivered`) never overtakes it.
 *
 * Chaining: an acknowledgement that asks for it (`next`) also leases, in the same statement, the
 * case's next undelivered row for the same destination when it is due and free — the row the
 * delivery just unblocked, which a claim would otherwise have to find. A drained backlog's second
 * messages (a STR-AUF behind its VA) go out without a claim of their own.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { EVENTS_CHANNEL } from '../store/repos/events.js';
import { confirmWire, ensureDictionariesSql, packWire, wireContext } from '../store/wire-codec.js';
import { packEventRows } from '../store/event-groups.js';
import { bodySourceCode, type BodySource } from '../store/wire-bodies.js';
import { CLAIMED, HOLDS_BACK, withClaimBodies, type ClaimedRow, type StoredClaim } from '../store/repos/outbox.js';

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
  /** lease the case's next row for this destination to this worker, if it is due and free */
  next?: boolean;
}

export interface AckOutcome {
  /** committed; false when the lease was lost meanwhile (nothing written for it) */
  acked: boolean;
  /** the case's next row, leased to this worker by the same statement (asked for with `next`) */
  next: ClaimedRow | undefined;
}

interface Pending {
  ack: DeliveredAck;
  resolve: (outcome: AckOutcome) => void;
  reject: (err: unknown) => void;
}

export class DeliveredAcks {
  readonly #db: Kysely<Database>;
  readonly #workerId: string;
  readonly #maxBatch: number;
  readonly #leaseMs: number;
  #queue: Pending[] = [];
  #writing = false;

  constructor(db: Kysely<Database>, workerId: string, opts: { maxBatch?: number; leaseMs?: number } = {}) {
    this.#db = db;
    this.#workerId = workerId;
    this.#maxBatch = opts.maxBatch ?? 64;
    this.#leaseMs = opts.leaseMs ?? 30_000;
  }

  /** Resolves once committed. */
  ack(ack: DeliveredAck): Promise<AckOutcome> {
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
        ({ acked, next }) => batch.forEach((p) => p.resolve({ acked: acked.has(p.ack.outboxId), next: next.get(channelKey(p.ack.caseId, p.ack.destination)) })),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.#writing = false;
        this.#pump();
      });
  }

  /** One statement: every row still leased by this worker becomes delivered, with its message (and wire form, compressed once: src/store/wire-codec.ts) and event. */
  async #write(acks: DeliveredAck[]): Promise<{ acked: Set<number>; next: Map<string, ClaimedRow> }> {
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
      return sql`(${i}::int, ${a.outboxId}::bigint, ${p?.z ?? null}::bytea, ${p?.dictId ?? null}::bigint, ${p ? a.rawFormat : null}::text, ${from}::smallint, ${e.z}::bytea, ${e.dictId}::bigint, ${a.next === true}::boolean)`;
    });
    const chain = acks.some((a) => a.next === true);
    // the case's oldest row still undelivered after the one acknowledged: leased if it is pending, due and free
    const nx = sql`,
      nx AS (
        UPDATE outbox SET lease_owner = ${this.#workerId}, lease_until = now() + ${this.#leaseMs}::int * interval '1 millisecond', attempts = outbox.attempts + 1
          FROM (SELECT (SELECT p.id FROM outbox p
                         WHERE p.case_id = o.case_id AND p.kind = o.kind AND p.destination = o.destination AND p.id > o.id AND ${HOLDS_BACK}
                         ORDER BY p.id LIMIT 1) AS id
                  FROM o WHERE o.next) n, messages m
         WHERE outbox.id = n.id AND outbox.status = 'pending' AND outbox.next_attempt_at <= now()
           AND (outbox.lease_until IS NULL OR outbox.lease_until < now()) AND m.message_id = outbox.message_id
        RETURNING ${CLAIMED})`;
    const { rows: done } = await sql<{ id: string | number; next: StoredClaimJson[] | null }>`
      WITH ${dictionaries ? sql`wd AS (${dictionaries}),` : sql``} v(ord, id, z, dict, raw_format, body_from, ez, edict, next) AS (VALUES ${sql.join(rows)}),
      o AS (
        UPDATE outbox SET status = 'delivered', delivered_at = now(), lease_owner = NULL, lease_until = NULL, last_error = NULL
          FROM v
         WHERE outbox.id = v.id AND outbox.lease_owner = ${this.#workerId}
        RETURNING outbox.id, outbox.message_id, outbox.case_id, outbox.kind, outbox.destination, v.ord, v.z, v.dict, v.raw_format, v.body_from, v.ez, v.edict, v.next),
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
        SELECT o.case_id, 1, o.ez, o.edict, NULL::jsonb FROM o ORDER BY o.ord)${chain ? nx : sql``}
      SELECT o.id, pg_notify(${EVENTS_CHANNEL}, ''),
             ${chain ? sql`(SELECT json_agg(json_build_object('id', id, 'message_id', message_id, 'case_id', case_id, 'kind', kind, 'destination', destination, 'attempts', attempts,
                 'type', type, 'direction', direction, 'body', body, 'body_z', encode(body_z, 'base64'), 'body_dict', body_dict, 'body_from', body_from,
                 'raw', raw, 'raw_z', encode(raw_z, 'base64'), 'raw_dict', raw_dict)) FROM nx)` : sql`NULL::json`} AS next
        FROM o`.execute(this.#db);
    confirmWire(this.#db, [...packed, ...events]);
    const next = await withClaimBodies(this.#db, (done[0]?.next ?? []).map(fromJson));
    return { acked: new Set(done.map((r) => Number(r.id))), next: new Map(next.map((r) => [channelKey(r.case_id, r.destination), r])) };
  }
}

const channelKey = (caseId: string, destination: string): string => `${caseId}\u0000${destination}`;

/** A leased row as the statement's JSON carries it: its bytes as base64. */
type StoredClaimJson = Omit<StoredClaim, 'body_z' | 'raw_z'> & { body_z: string | null; raw_z: string | null };

const fromJson = (r: StoredClaimJson): StoredClaim => ({
  ...r,
  body_z: r.body_z === null ? null : Buffer.from(r.body_z, 'base64'),
  raw_z: r.raw_z === null ? null : Buffer.from(r.raw_z, 'base64'),
});
