/**
 * Delivers outbox rows. Workers in any number of replicas claim rows with
 * `FOR UPDATE SKIP LOCKED` and a lease (a crashed worker's rows come back when the lease ends);
 * per case and channel (kind and destination: peer, wholesale, number-portability) only the
 * oldest undelivered row is ever claimable, so message n+1 never overtakes n, and a wholesale
 * outage does not hold back the peer messages.
 * Woken by NOTIFY, by the time the next row falls due (a backoff or a lost lease ending), and by
 * polling as the fallback. Rows this process writes can skip all of that: the worker is the
 * step writer's `OutboxHandoff` (store/repos/step-batcher.ts), so a row is leased to it as it is
 * inserted and handed over once committed — no wake-up, no claim statement in between.
 *
 * Recovery per destination (a circuit breaker closing): when a delivery to a destination succeeds
 * after failures, its other rows waiting on backoff become due at once — still one per case at a
 * time, and at most `batchSize` in flight. A destination with rows waiting on backoff is probed
 * every `probeIntervalMs` with its next waiting row, sent out of schedule: a failed probe leaves
 * the row's attempts and due time as they were, so probing never brings a dead letter closer.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/connect.js';
import { claimDue, claimProbe, FIRST_IN_QUEUE, OUTBOX_CHANNEL, type ClaimedRow } from '../store/repos/outbox.js';
import { appendEvents } from '../store/repos/events.js';
import type { OutboundItem, SendResult, Transport } from './transport.js';
import { backoffMs, defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';
import { DeliveredAcks } from './delivered-acks.js';
import type { HandedOffRow, OutboxHandoff } from '../store/repos/step-batcher.js';

export interface OutboxWorkerOptions {
  store: Store;
  transport: Transport;
  log: Logger;
  /** the policy of destinations without their own */
  policy?: RetryPolicy;
  /** per-destination policy (config `peers[].retry`, `wholesale.retry`, …); undefined → `policy` */
  policyFor?: (kind: OutboundItem['kind'], destination: string) => RetryPolicy | undefined;
  /** how often a destination with rows waiting on backoff is probed (0: never) */
  probeIntervalMs?: number;
  /** wait before claiming again after the database failed a claim */
  dbRetryMs?: number;
  /** the jitter's source of randomness (tests fix it) */
  random?: () => number;
  leaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /**
   * With deliveries in flight, how long a claim of less than a quarter batch waits for more of them
   * to end (default 5 ms): a backlog drains in fewer, larger claims
   */
  gatherMs?: number;
  /** per-send timeout */
  sendTimeoutMs?: number;
  workerId?: string;
  onDelivered?: (item: OutboundItem) => void;
  /**
   * Told, inside the dead-letter transaction, that a message gave up — `permanent` when the
   * destination refused it (an answer, not an outage): a procedure whose state machine has a
   * transition for that refusal takes it atomically with the dead letter.
   */
  onDeadLettered?: (trx: Transaction<Database>, item: OutboundItem, reason: string, permanent: boolean) => Promise<void>;
  /** told about every delivery attempt (metrics) */
  observer?: DeliveryObserver;
}

export interface DeliveryObserver {
  attempt(item: OutboundItem, result: SendResult, seconds: number): void;
}

export class OutboxWorker implements OutboxHandoff {
  readonly #o: Required<Omit<OutboxWorkerOptions, 'onDelivered' | 'onDeadLettered' | 'policyFor' | 'observer'>> & Pick<OutboxWorkerOptions, 'onDelivered' | 'onDeadLettered' | 'policyFor' | 'observer'>;
  readonly #db: Kysely<Database>;
  readonly #acks: DeliveredAcks;
  #running = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  readonly #abort = new AbortController();
  #kicked = false;
  /** destinations this worker saw fail since their last recovery (`kind destination`) */
  readonly #troubled = new Set<string>();
  /** when this worker last analyzed the outbox before a drain (performance.now()) */
  #analyzedAt = Number.NEGATIVE_INFINITY;
  /** when this worker last released a destination's waiting rows (performance.now()) */
  readonly #releasedAt = new Map<string, number>();
  /** destinations that asked for a pause (Retry-After): not probed before it ends (epoch ms) */
  readonly #pausedUntil = new Map<string, number>();
  #probeTimer: NodeJS.Timeout | undefined;
  #probing: Promise<number> | undefined;
  /** deliveries in flight, claimed or handed over */
  readonly #inflight = new Set<Promise<void>>();
  /** room promised to rows being written with a lease for this worker (`reserve`) */
  #reserved = 0;
  readonly #minClaim: number;

  constructor(opts: OutboxWorkerOptions) {
    // explicit `??`: an option passed as undefined must not erase its default
    this.#o = {
      ...opts,
      policy: opts.policy ?? defaultRetryPolicy,
      leaseMs: opts.leaseMs ?? 30_000,
      batchSize: opts.batchSize ?? 32,
      pollMs: opts.pollMs ?? 1_000,
      sendTimeoutMs: opts.sendTimeoutMs ?? 15_000,
      gatherMs: opts.gatherMs ?? 5,
      probeIntervalMs: opts.probeIntervalMs ?? 5_000,
      dbRetryMs: opts.dbRetryMs ?? 1_000,
      random: opts.random ?? Math.random,
      workerId: opts.workerId ?? randomUUID(),
    };
    this.#minClaim = Math.max(1, Math.floor(this.#o.batchSize / 4));
    this.#db = opts.store.db;
    this.#acks = new DeliveredAcks(this.#db, this.#o.workerId, { leaseMs: this.#o.leaseMs });
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    if (this.#o.store.listen) this.#unlisten = await this.#o.store.listen(OUTBOX_CHANNEL, () => this.kick());
    this.#loop = this.#run();
    if (this.#o.probeIntervalMs > 0) {
      this.#probeTimer = setInterval(() => {
        this.probe().catch((err: unknown) => this.#o.log.error({ err }, 'outbox worker: probe failed'));
      }, this.#o.probeIntervalMs);
      this.#probeTimer.unref();
    }
  }

  get owner(): string {
    return this.#o.workerId;
  }

  get leaseMs(): number {
    return this.#o.leaseMs;
  }

  reserve(n: number): number {
    if (!this.#running) return 0;
    const room = Math.max(0, Math.min(n, this.#o.batchSize - this.#inflight.size - this.#reserved));
    this.#reserved += room;
    return room;
  }

  adopt(rows: HandedOffRow[]): void {
    this.#reserved = Math.max(0, this.#reserved - rows.length);
    if (!this.#running) {
      this.#handBack(rows.map((r) => r.outboxId));
      return;
    }
    for (const r of rows) {
      this.#start({ id: r.outboxId, message_id: r.messageId, case_id: r.caseId, kind: r.kind, destination: r.destination, attempts: 1, type: r.type, body: r.body });
    }
  }

  /**
   * Rows leased to this worker while it stopped go back to the claim now rather than when the lease
   * ends (should that fail, the lease ends as a claimed row's would).
   */
  #handBack(ids: number[]): void {
    void this.#db
      .updateTable('outbox')
      .set({ lease_owner: null, lease_until: null, attempts: sql<number>`greatest(attempts - 1, 0)` })
      .where('id', 'in', ids)
      .where('lease_owner', '=', this.#o.workerId)
      .where('status', '=', 'pending')
      .execute()
      .catch((err: unknown) => this.#o.log.warn({ err }, 'outbox worker: could not hand back rows leased while it stopped'));
  }

  release(n: number): void {
    if (n <= 0) return;
    this.#reserved = Math.max(0, this.#reserved - n);
    this.kick();
  }

  /** Something was enqueued: look now rather than at the next poll. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#probeTimer);
    this.#abort.abort();
    this.#wake?.();
    await this.#unlisten?.();
    await this.#loop;
    await this.#probing;
  }

  /**
   * Keeps up to `batchSize` deliveries in flight: a slot that frees up is refilled within
   * `gatherMs`, so one slow peer does not hold back the rows claimed after it.
   */
  async #run(): Promise<void> {
    let deferredAt: number | undefined;
    while (this.#running) {
      const capacity = this.#o.batchSize - this.#inflight.size - this.#reserved;
      let claimed = 0;
      let waitMs = this.#o.pollMs;
      // With deliveries in flight, each one ending would be a claim of a row or two, and a claim is
      // a durable write: a backlog drains in claims of a quarter batch, or of what freed up within
      // `gatherMs` (a slow peer holding most slots does not keep the others' rows waiting longer).
      let claim = capacity > 0;
      if (claim && capacity < this.#minClaim && this.#inflight.size + this.#reserved > 0) {
        deferredAt ??= performance.now();
        const left = deferredAt + this.#o.gatherMs - performance.now();
        if (left > 0) {
          claim = false;
          waitMs = Math.ceil(left);
        }
      }
      if (claim) {
        deferredAt = undefined;
        try {
          const rows = await this.#claim(capacity);
          claimed = rows.length;
          for (const r of rows) this.#start(r);
          // with deliveries just started, their completion wakes the loop anyway; a short poll is
          // its own timer (and spares an embedded database a query per cycle)
          if (claimed === 0 && this.#o.pollMs > 1_000) waitMs = Math.min(waitMs, await this.#untilNextDue());
        } catch (err) {
          if (this.#running) this.#o.log.error({ err }, 'outbox worker: claim failed');
          waitMs = Math.min(waitMs, this.#o.dbRetryMs);
        }
      }
      if (!this.#running) break;
      if (claimed > 0 && claimed === capacity) continue;
      if (this.#kicked) {
        this.#kicked = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
      this.#kicked = false;
    }
    await Promise.all(this.#inflight);
  }

  /** A delivery in flight; its slot is refilled when it ends. */
  #start(row: ClaimedRow): void {
    const p: Promise<void> = this.#deliver(row)
      .catch((err: unknown) => this.#o.log.error({ err, outboxId: row.id }, 'outbox worker: delivery failed'))
      .finally(() => {
        this.#inflight.delete(p);
        this.kick();
      });
    this.#inflight.add(p);
  }

  /**
   * Milliseconds until the next claimable row falls due (its backoff or a lost lease ends); a row
   * behind an undelivered predecessor of its case does not count. Never below 10 ms, so a row
   * another worker is claiming right now cannot make this loop spin.
   */
  async #untilNextDue(): Promise<number> {
    const { rows } = await sql<{ ms: number | null }>`
      SELECT (extract(epoch FROM min(greatest(o.next_attempt_at, coalesce(o.lease_until, o.next_attempt_at)))) - extract(epoch FROM now())) * 1000 AS ms
        FROM outbox o
       WHERE o.status = 'pending'
         AND ${FIRST_IN_QUEUE}`.execute(this.#db);
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? Number.POSITIVE_INFINITY : Math.max(10, Math.ceil(Number(ms)));
  }

  /**
   * Probes every destination that has rows waiting on backoff and no attempt in flight: its next
   * waiting row is sent now, out of schedule. Returns the number of probes sent. Public for tests.
   */
  probe(): Promise<number> {
    if (this.#probing) return this.#probing;
    const run = (async () => {
      const { rows: waiting } = await sql<{ kind: ClaimedRow['kind']; destination: string }>`
        SELECT kind, destination FROM outbox
         WHERE status = 'pending'
         GROUP BY kind, destination
        HAVING bool_or(attempts > 0 AND next_attempt_at > now())
           AND NOT bool_or(lease_until IS NOT NULL AND lease_until >= now())
           -- a retry due within the probe interval anyway is probe enough
           AND min(next_attempt_at) FILTER (WHERE attempts > 0) > now() + ${`${this.#o.probeIntervalMs} milliseconds`}::interval`.execute(this.#db);
      const now = Date.now();
      const probes = await Promise.all(
        waiting.map(async ({ kind, destination }) => {
          const key = destinationKey(kind, destination);
          if ((this.#pausedUntil.get(key) ?? 0) > now) return 0;
          this.#pausedUntil.delete(key);
          const row = await this.#claimProbe(kind, destination);
          if (!row) return 0;
          this.#troubled.add(destinationKey(kind, destination));
          await this.#deliver(row, true);
          return 1;
        }),
      );
      return probes.reduce<number>((a, b) => a + b, 0);
    })();
    this.#probing = run;
    return run.finally(() => {
      this.#probing = undefined;
    });
  }

  /** The destination's row waiting longest to be tried, leased without counting an attempt. */
  #claimProbe(kind: ClaimedRow['kind'], destination: string): Promise<ClaimedRow | undefined> {
    return claimProbe(this.#db, { workerId: this.#o.workerId, leaseMs: this.#o.leaseMs, kind, destination });
  }

  /** The destination answers again: every row of it waiting on backoff is due now. */
  async #recover(kind: ClaimedRow['kind'], destination: string): Promise<void> {
    this.#troubled.delete(destinationKey(kind, destination));
    this.#releasedAt.set(destinationKey(kind, destination), performance.now());
    const { rows } = await sql<{ n: number }>`
      WITH r AS (
        UPDATE outbox SET next_attempt_at = now()
         WHERE status = 'pending' AND kind = ${kind} AND destination = ${destination} AND next_attempt_at > now()
        RETURNING 1)
      SELECT count(*)::int AS n FROM r`.execute(this.#db);
    const n = Number(rows[0]?.n ?? 0);
    if (n === 0) return;
    if (n >= BACKLOG_ANALYZE_ROWS) await this.#analyzeForBacklog(n);
    // other replicas' workers may hold these rows' cases next: wake them too
    await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(this.#db);
    this.#o.log.info({ destination, kind, released: n }, 'destination answers again: rows waiting on backoff are due now');
    this.kick();
  }

  /**
   * A backlog is about to be drained: the claims that drain it must walk the pending rows in id order
   * (outbox_pending_id_idx) and stop after a few. PostgreSQL picks that plan from the table's
   * statistics; without any — a database younger than autovacuum's first round (it looks every
   * minute), one just restored or upgraded with pg_upgrade — it estimates a handful of pending rows
   * and reads all of them, checks each and sorts them instead: 40–56 ms a claim with 10,000 pending
   * against 0.1–0.3 ms (EXPLAIN ANALYZE, 2026-12-06), and the burst drain of `npm run bench` ran at
   * 0.65–0.75 of the steady rate until autovacuum happened to analyze the table. One ANALYZE (a
   * sample of the table, milliseconds) before the drain, at most once a minute per process, gives
   * the planner the backlog it is about to claim from. Not fatal: without it claims are slower.
   */
  async #analyzeForBacklog(released: number): Promise<void> {
    const now = performance.now();
    if (now - this.#analyzedAt < ANALYZE_AGAIN_AFTER_MS) return;
    this.#analyzedAt = now;
    try {
      await sql`ANALYZE outbox`.execute(this.#db);
      this.#o.log.info({ released }, 'outbox analyzed before draining a backlog');
    } catch (err) {
      this.#o.log.warn({ err }, 'outbox worker: could not analyze the outbox before draining a backlog (claims may be slower)');
    }
  }

  #releasedLately(key: string): boolean {
    const at = this.#releasedAt.get(key);
    return at !== undefined && performance.now() - at < RELEASE_AGAIN_AFTER_MS;
  }

  /** One claim-and-deliver cycle; returns the number of rows handled. Public for tests. */
  async runOnce(): Promise<number> {
    const rows = await this.#claim(this.#o.batchSize);
    await Promise.all(rows.map((r) => this.#deliver(r)));
    return rows.length;
  }

  #claim(limit: number): Promise<ClaimedRow[]> {
    return claimDue(this.#db, { workerId: this.#o.workerId, leaseMs: this.#o.leaseMs, limit });
  }

  /** `probe`: sent out of schedule; a transient failure leaves attempts and due time as they were. */
  async #deliver(row: ClaimedRow, probe = false): Promise<void> {
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
    const policy = this.#o.policyFor?.(row.kind, row.destination) ?? this.#o.policy;
    const key = destinationKey(row.kind, row.destination);
    if (result.ok) {
      // outbox row, message status and wire form, event — or nothing if the lease was lost; shared
      // with the deliveries finishing meanwhile (one durable commit for all of them)
      // the case's next row for this destination, unblocked by this delivery, is leased with the
      // acknowledgement and goes out in this slot (not while stopping, nor after a probe: #recover releases those)
      const chain = !probe && this.#running;
      const { next } = await this.#acks.ack({ outboxId: item.outboxId, messageId: item.messageId, caseId: item.caseId, type: item.type, destination: item.destination, raw: result.raw ?? null, rawFormat: result.rawFormat ?? null, bodyFrom: result.bodyFrom ?? null, next: chain });
      if (next && this.#running) this.#start(next);
      else if (next) this.#handBack([Number(next.id)]);
      log.info({ attempts: row.attempts, probe }, 'message delivered');
      this.#o.onDelivered?.(item);
      // A row that failed before says the destination was down — for this worker or another one.
      // Draining a backlog, nearly every row did: releasing the waiting rows again for each of
      // them was an UPDATE over the destination's pending rows per delivered message. Once a
      // second is enough; what this worker saw fail since is in #troubled and released at once.
      if (probe || this.#troubled.has(key) || (row.attempts > 1 && !this.#releasedLately(key))) await this.#recover(row.kind, row.destination);
      return;
    }
    if (probe && !result.permanent) {
      await this.#db
        .updateTable('outbox')
        .set({ lease_owner: null, lease_until: null, last_error: result.reason })
        .where('id', '=', item.outboxId)
        .where('lease_owner', '=', this.#o.workerId)
        .execute();
      log.info({ attempts: row.attempts, reason: result.reason }, 'probe failed: destination still unavailable');
      return;
    }
    const exhausted = !probe && row.attempts >= policy.maxAttempts;
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
        await this.#o.onDeadLettered?.(trx, item, reason, result.permanent);
      });
      log.warn({ attempts: row.attempts, reason }, 'delivery dead-lettered');
      // a refusal is an answer: a probed destination is reachable again
      if (probe) await this.#recover(row.kind, row.destination);
      return;
    }
    this.#troubled.add(key);
    if (result.retryAfterMs) this.#pausedUntil.set(key, Date.now() + result.retryAfterMs);
    const delay = Math.max(result.retryAfterMs ?? 0, backoffMs(policy, row.attempts, this.#o.random));
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
    log.warn({ attempts: row.attempts, retryInMs: delay, reason: result.reason }, 'delivery failed, will retry');
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

const destinationKey = (kind: string, destination: string): string => `${kind} ${destination}`;

/** A success of a row that failed before releases the destination's waiting rows at most this often. */
const RELEASE_AGAIN_AFTER_MS = 1_000;
/** rows released at once from which a recovery analyzes the outbox first (#analyzeForBacklog) */
const BACKLOG_ANALYZE_ROWS = 1_000;
const ANALYZE_AGAIN_AFTER_MS = 60_000;
