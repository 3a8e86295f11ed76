/**
 * Delivers outbox rows. Workers in any number of replicas claim rows with
 * `FOR UPDATE SKIP LOCKED` and a lease (a crashed worker's rows come back when the lease ends);
 * per case and channel (kind and destination: peer, wholesale, number-portability) only the
 * oldest undelivered row is ever claimable, so message n+1 never overtakes n, and a wholesale
 * outage does not hold back the peer messages.
 * Woken by NOTIFY, with polling as the fallback.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/connect.js';
import { OUTBOX_CHANNEL } from '../store/repos/outbox.js';
import { appendEvents, EVENTS_CHANNEL } from '../store/repos/events.js';
import type { OutboundItem, SendResult, Transport } from './transport.js';
import { backoffMs, defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';

export interface OutboxWorkerOptions {
  store: Store;
  transport: Transport;
  log: Logger;
  policy?: RetryPolicy;
  leaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /** per-send timeout */
  sendTimeoutMs?: number;
  workerId?: string;
  onDelivered?: (item: OutboundItem) => void;
  /** told about every delivery attempt (metrics) */
  observer?: DeliveryObserver;
}

export interface DeliveryObserver {
  attempt(item: OutboundItem, result: SendResult, seconds: number): void;
}

interface ClaimedRow {
  id: number | string;
  message_id: string;
  case_id: string;
  kind: 'peer' | 'wholesale';
  destination: string;
  attempts: number;
  type: string;
  body: unknown;
}

export class OutboxWorker {
  readonly #o: Required<Omit<OutboxWorkerOptions, 'onDelivered' | 'observer'>> & Pick<OutboxWorkerOptions, 'onDelivered' | 'observer'>;
  readonly #db: Kysely<Database>;
  #running = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  readonly #abort = new AbortController();
  #kicked = false;

  constructor(opts: OutboxWorkerOptions) {
    // explicit `??`: an option passed as undefined must not erase its default
    this.#o = {
      ...opts,
      policy: opts.policy ?? defaultRetryPolicy,
      leaseMs: opts.leaseMs ?? 30_000,
      batchSize: opts.batchSize ?? 32,
      pollMs: opts.pollMs ?? 1_000,
      sendTimeoutMs: opts.sendTimeoutMs ?? 15_000,
      workerId: opts.workerId ?? randomUUID(),
    };
    this.#db = opts.store.db;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    if (this.#o.store.listen) this.#unlisten = await this.#o.store.listen(OUTBOX_CHANNEL, () => this.kick());
    this.#loop = this.#run();
  }

  /** Something was enqueued: look now rather than at the next poll. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    this.#wake?.();
    await this.#unlisten?.();
    await this.#loop;
  }

  /**
   * Keeps up to `batchSize` deliveries in flight: a slot that frees up is refilled at once, so one
   * slow peer does not hold back the rows claimed after it.
   */
  async #run(): Promise<void> {
    const inflight = new Set<Promise<void>>();
    while (this.#running) {
      const capacity = this.#o.batchSize - inflight.size;
      let claimed = 0;
      if (capacity > 0) {
        try {
          const rows = await this.#claim(capacity);
          claimed = rows.length;
          for (const r of rows) {
            const p: Promise<void> = this.#deliver(r)
              .catch((err: unknown) => this.#o.log.error({ err, outboxId: r.id }, 'outbox worker: delivery failed'))
              .finally(() => {
                inflight.delete(p);
                this.kick();
              });
            inflight.add(p);
          }
        } catch (err) {
          if (this.#running) this.#o.log.error({ err }, 'outbox worker: claim failed');
        }
      }
      if (!this.#running) break;
      if (claimed > 0 && claimed === capacity) continue;
      if (this.#kicked) {
        this.#kicked = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.#o.pollMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
      this.#kicked = false;
    }
    await Promise.all(inflight);
  }

  /** One claim-and-deliver cycle; returns the number of rows handled. Public for tests. */
  async runOnce(): Promise<number> {
    const rows = await this.#claim(this.#o.batchSize);
    await Promise.all(rows.map((r) => this.#deliver(r)));
    return rows.length;
  }

  async #claim(limit: number): Promise<ClaimedRow[]> {
    const { workerId, leaseMs } = this.#o;
    const { rows } = await sql<ClaimedRow>`
      WITH next AS (
        SELECT o.id FROM outbox o
         WHERE o.status = 'pending'
           AND o.next_attempt_at <= now()
           AND (o.lease_until IS NULL OR o.lease_until < now())
           AND NOT EXISTS (
             SELECT 1 FROM outbox p
              WHERE p.case_id = o.case_id AND p.kind = o.kind AND p.destination = o.destination AND p.id < o.id AND p.status <> 'delivered')
         ORDER BY o.id
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED
      )
      UPDATE outbox
         SET lease_owner = ${workerId},
             lease_until = now() + ${`${leaseMs} milliseconds`}::interval,
             attempts = outbox.attempts + 1
        FROM next, messages m
       WHERE outbox.id = next.id AND m.message_id = outbox.message_id
      RETURNING outbox.id, outbox.message_id, outbox.case_id, outbox.kind, outbox.destination, outbox.attempts, m.type, m.body`.execute(this.#db);
    return rows;
  }

  async #deliver(row: ClaimedRow): Promise<void> {
    const item: OutboundItem = {
      outboxId: Number(row.id),
      messageId: row.message_id,
      caseId: row.case_id,
      kind: row.kind,
      destination: row.destination,
      type: row.type,
      body: row.body,
    };
    const timeout = AbortSignal.timeout(this.#o.sendTimeoutMs);
    const signal = AbortSignal.any([timeout, this.#abort.signal]);
    let result: SendResult;
    const started = performance.now();
    try {
      result = await this.#o.transport.send(item, signal);
    } catch (err) {
      result = { ok: false, permanent: false, reason: (err as Error).message || String(err) };
    }
    if (this.#abort.signal.aborted && !result.ok) {
      // shutting down: leave the row to the lease, another worker (or we, after restart) retries
      return;
    }
    this.#o.observer?.attempt(item, result, (performance.now() - started) / 1000);
    if (!result.ok) await this.#recordFailure(item.destination, result.reason);
    const log = this.#o.log.child({ caseId: item.caseId, messageId: item.messageId, type: item.type, destination: item.destination });
    if (result.ok) {
      // one statement: outbox row, message status and wire form, event — or nothing if the lease was lost
      const raw = result.raw ?? null;
      await sql`
        WITH o AS (
          UPDATE outbox SET status = 'delivered', delivered_at = now(), lease_owner = NULL, lease_until = NULL, last_error = NULL
           WHERE id = ${item.outboxId} AND lease_owner = ${this.#o.workerId}
          RETURNING message_id, case_id),
        m AS (
          UPDATE messages SET status = 'delivered', delivered_at = now(),
                 raw = COALESCE(${raw}::text, raw), raw_format = COALESCE(${raw === null ? null : (result.rawFormat ?? null)}::text, raw_format)
           WHERE message_id = (SELECT message_id FROM o)),
        e AS (
          INSERT INTO events (type, case_id, data)
          SELECT 'message.delivered', case_id, ${JSON.stringify({ messageId: item.messageId, type: item.type })}::jsonb FROM o)
        SELECT pg_notify(${EVENTS_CHANNEL}, '') FROM o`.execute(this.#db);
      log.info({ attempts: row.attempts }, 'message delivered');
      this.#o.onDelivered?.(item);
      return;
    }
    const exhausted = row.attempts >= this.#o.policy.maxAttempts;
    if (result.permanent || exhausted) {
      const reason = result.permanent ? result.reason : `gave up after ${row.attempts} attempts: ${result.reason}`;
      await this.#db.transaction().execute(async (trx) => {
        const dead = await trx
          .updateTable('outbox')
          .set({ status: 'dead', lease_owner: null, lease_until: null, last_error: reason })
          .where('id', '=', item.outboxId)
          .where('lease_owner', '=', this.#o.workerId)
          .executeTakeFirst();
        if (Number(dead.numUpdatedRows) === 0) return;
        await trx
          .insertInto('dead_letters')
          .values({ outbox_id: item.outboxId, message_id: item.messageId, case_id: item.caseId, destination: item.destination, reason, attempts: row.attempts })
          .execute();
        await trx.updateTable('messages').set({ status: 'failed' }).where('message_id', '=', item.messageId).execute();
        await appendEvents(trx, [{ type: 'delivery.dead-lettered', caseId: item.caseId, data: { messageId: item.messageId, type: item.type, reason } }]);
      });
      log.warn({ attempts: row.attempts, reason }, 'delivery dead-lettered');
      return;
    }
    const delay = Math.max(result.retryAfterMs ?? 0, backoffMs(this.#o.policy, row.attempts));
    await this.#db
      .updateTable('outbox')
      .set({
        lease_owner: null,
        lease_until: null,
        last_error: result.reason,
        next_attempt_at: sql<Date>`now() + ${`${delay} milliseconds`}::interval`,
      })
      .where('id', '=', item.outboxId)
      .where('lease_owner', '=', this.#o.workerId)
      .execute();
    log.info({ attempts: row.attempts, retryInMs: delay, reason: result.reason }, 'delivery failed, will retry');
  }

  /**
   * The failure log the console counts per hour (every replica's failures, from one table); the
   * same statement drops that destination's entries older than a day, so it stays small.
   */
  async #recordFailure(destination: string, reason: string): Promise<void> {
    try {
      await sql`
        WITH pruned AS (DELETE FROM delivery_failures WHERE destination = ${destination} AND at < now() - interval '1 day')
        INSERT INTO delivery_failures (destination, reason) VALUES (${destination}, ${reason.slice(0, 1000)})`.execute(this.#db);
    } catch (err) {
      this.#o.log.error({ err, destination }, 'outbox worker: could not record a delivery failure');
    }
  }
}

/** Puts a dead letter's message back into delivery; returns false when it was already replayed or is unknown. */
export async function replayDeadLetter(db: Kysely<Database>, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const dl = await trx.selectFrom('dead_letters').selectAll().where('id', '=', id).where('replayed_at', 'is', null).forUpdate().executeTakeFirst();
    if (!dl) return false;
    await trx.updateTable('dead_letters').set({ replayed_at: sql<Date>`now()` }).where('id', '=', id).execute();
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
