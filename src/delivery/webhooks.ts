/**
 * Webhooks: every feed event is POSTed, in feed order, to each configured URL, signed with
 * HMAC-SHA256 over `<timestamp>.<body>` (header `switchgate-signature: t=<unix s>,v1=<hex>`; during
 * a secret rollover a second `v1=` with the previous secret follows the new one).
 *
 * One replica at a time holds a webhook's lease, and renews it while it works: a replica that
 * cannot renew (or finds the lease taken) stops at once, before sending anything more, so a second
 * replica never re-sends events out of order behind its back. A failing endpoint is retried with
 * exponential backoff and full jitter (`webhooks[].retry`); an event it still refuses after
 * `maxAttempts` becomes a dead letter of kind `webhook` and the dispatcher goes on with the next
 * event. The cursor advances only on a 2xx or with that dead letter, in one transaction.
 *
 * Semantics: at least once, in feed order. A duplicate happens only when a replica dies (or loses
 * its lease) after the endpoint answered and before the cursor moved: the next holder re-sends
 * that one event. Receivers deduplicate by `switchgate-event-id`. A replayed dead letter is sent
 * again later, out of feed order, with its original event id.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { request } from 'undici';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { RetryConfig, WebhookConfig } from '../config/types.js';
import { decodeCursor, encodeCursor, readEventAt, readEvents, type FeedEvent } from '../store/repos/events.js';
import type { EventBus } from '../store/event-bus.js';
import { backoffMs, type RetryPolicy } from './retry-policy.js';
import { RETRY_DEFAULTS } from '../config/retry-schema.js';

export const SIGNATURE_HEADER = 'switchgate-signature';

/** `t=<ts>,v1=<mac with secret>` and, during a rollover, `,v1=<mac with the previous secret>`. */
export function signWebhook(secret: string, timestamp: number, body: string, previousSecret?: string): string {
  const mac = (key: string) => createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac(secret)}${previousSecret ? `,v1=${mac(previousSecret)}` : ''}`;
}

export interface WebhookDispatcherOptions {
  db: Kysely<Database>;
  bus: EventBus;
  log: Logger;
  webhook: WebhookConfig;
  secret: string;
  /** the secret being replaced (`previousSecretEnv`), during a rollover */
  previousSecret?: string;
  /** overrides `webhook.retry` (tests) */
  policy?: RetryPolicy;
  leaseMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** Defaults of `webhooks[].retry`: about an hour of tries before an event is dead-lettered. */
export const WEBHOOK_RETRY_DEFAULTS = RETRY_DEFAULTS;

export function webhookPolicy(retry: RetryConfig | undefined): RetryPolicy {
  return {
    maxAttempts: retry?.maxAttempts ?? WEBHOOK_RETRY_DEFAULTS.maxAttempts,
    baseMs: retry?.initialDelayMs ?? WEBHOOK_RETRY_DEFAULTS.initialDelayMs,
    capMs: retry?.maxDelayMs ?? WEBHOOK_RETRY_DEFAULTS.maxDelayMs,
  };
}

/** The lease was lost (taken over, or not renewable in time): stop before sending anything more. */
class LeaseLost extends Error {}

export class WebhookDispatcher {
  readonly #o: WebhookDispatcherOptions & { policy: RetryPolicy; leaseMs: number; timeoutMs: number };
  readonly #name: string;
  readonly #owner = randomUUID();
  #running = false;
  #loop: Promise<void> | undefined;
  readonly #stop = new AbortController();
  /** local deadline of the lease, with margin: past it, this replica no longer counts as holder */
  #heldUntil = 0;
  #renewer: NodeJS.Timeout | undefined;
  /** aborted when the lease is lost: ends the POST or backoff in progress */
  #batch: AbortController | undefined;

  constructor(opts: WebhookDispatcherOptions) {
    this.#o = { ...opts, policy: opts.policy ?? webhookPolicy(opts.webhook.retry), leaseMs: opts.leaseMs ?? 30_000, timeoutMs: opts.timeoutMs ?? 10_000 };
    this.#name = opts.webhook.name ?? opts.webhook.url;
  }

  get name(): string {
    return this.#name;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#stop.abort();
    this.#stopRenewing();
    await this.#loop;
  }

  async #lease(): Promise<string | undefined> {
    const { db, leaseMs } = this.#o;
    await db
      .insertInto('webhook_cursors')
      .values({ name: this.#name, last_tx: '0', last_seq: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const asked = Date.now();
    const row = await db
      .updateTable('webhook_cursors')
      .set({ lease_owner: this.#owner, lease_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where('name', '=', this.#name)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`), eb('lease_owner', '=', this.#owner)]))
      .returning(['last_tx', 'last_seq'])
      .executeTakeFirst();
    if (row) this.#held(asked);
    return row ? encodeCursor({ tx: row.last_tx, seq: Number(row.last_seq) }) : undefined;
  }

  /** Counts the lease from when it was asked for, less a third: clocks and latency never make two holders. */
  #held(askedAt: number): void {
    this.#heldUntil = askedAt + Math.floor((this.#o.leaseMs * 2) / 3);
  }

  #assertHeld(): void {
    if (Date.now() >= this.#heldUntil || this.#batch?.signal.aborted) throw new LeaseLost();
  }

  /** Renews the lease every third of its length while a batch is being worked on. */
  #startRenewing(): void {
    this.#batch = new AbortController();
    const batch = this.#batch;
    this.#renewer = setInterval(() => {
      const asked = Date.now();
      this.#o.db
        .updateTable('webhook_cursors')
        .set({ lease_until: sql<Date>`now() + ${`${this.#o.leaseMs} milliseconds`}::interval` })
        .where('name', '=', this.#name)
        .where('lease_owner', '=', this.#owner)
        .returning('name')
        .executeTakeFirst()
        .then((row) => {
          if (row) this.#held(asked);
          else batch.abort();
        })
        .catch((err: unknown) => this.#o.log.warn({ err, webhook: this.#name }, 'webhook lease renewal failed'));
    }, Math.max(10, Math.floor(this.#o.leaseMs / 3)));
    this.#renewer.unref();
  }

  #stopRenewing(): void {
    if (this.#renewer) clearInterval(this.#renewer);
    this.#renewer = undefined;
  }

  /** Moves the cursor past `cursor`, with a dead letter when the event was given up; only while holding the lease. */
  async #advance(e: FeedEvent, deadLetter?: { reason: string; attempts: number }): Promise<void> {
    const c = decodeCursor(e.cursor)!;
    await this.#o.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('webhook_cursors')
        .set({ last_tx: c.tx, last_seq: c.seq, updated_at: sql<Date>`now()` })
        .where('name', '=', this.#name)
        .where('lease_owner', '=', this.#owner)
        .where('lease_until', '>', sql<Date>`now()`)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw new LeaseLost();
      if (deadLetter) await this.#insertDeadLetter(trx, e, deadLetter);
    });
  }

  async #insertDeadLetter(db: Kysely<Database>, e: FeedEvent, d: { reason: string; attempts: number }): Promise<void> {
    await db
      .insertInto('dead_letters')
      .values({ kind: 'webhook', webhook: this.#name, event_id: e.cursor, event_type: e.type, case_id: e.caseId, destination: this.#o.webhook.url, reason: d.reason, attempts: d.attempts })
      .execute();
  }

  async #sleep(ms: number): Promise<void> {
    await this.#o.bus.wait(ms, this.#stop.signal);
  }

  async #run(): Promise<void> {
    const { log } = this.#o;
    while (this.#running) {
      try {
        const cursor = await this.#lease();
        if (!cursor) {
          await new Promise((r) => setTimeout(r, Math.min(this.#o.leaseMs / 2, 5_000)));
          continue;
        }
        this.#startRenewing();
        try {
          const replays = await this.#replays();
          const events = replays > 0 ? [] : await readEvents(this.#o.db, decodeCursor(cursor)!, 20);
          if (replays === 0 && events.length === 0) {
            this.#stopRenewing();
            await this.#sleep(1_000);
            continue;
          }
          for (const e of events) {
            if (!this.#running) return;
            this.#assertHeld();
            const failure = await this.#deliverWithRetry(e);
            this.#assertHeld();
            await this.#advance(e, failure);
            if (failure) log.warn({ webhook: this.#name, event: e.cursor, attempts: failure.attempts, reason: failure.reason }, 'webhook event dead-lettered; going on with the next');
          }
        } finally {
          this.#stopRenewing();
        }
      } catch (err) {
        if (err instanceof LeaseLost) {
          if (this.#running) log.warn({ webhook: this.#name }, 'webhook lease lost: stopped before sending more');
          continue;
        }
        if (this.#running) log.error({ err, webhook: this.#name }, 'webhook dispatcher cycle failed');
        await this.#sleep(1_000);
      }
    }
  }

  /** Replayed webhook dead letters of this webhook, sent again (out of feed order); how many were due. */
  async #replays(): Promise<number> {
    const { db } = this.#o;
    const due = await db
      .selectFrom('dead_letters')
      .select(['id', 'event_id'])
      .where('kind', '=', 'webhook')
      .where('webhook', '=', this.#name)
      .where('replayed_at', 'is not', null)
      .where('redelivered_at', 'is', null)
      .orderBy('id')
      .limit(20)
      .execute();
    for (const dl of due) {
      if (!this.#running) return due.length;
      this.#assertHeld();
      const e = await readEvent(db, dl.event_id ?? '');
      const failure = e ? await this.#deliverWithRetry(e) : { reason: `event ${dl.event_id} no longer exists`, attempts: 0 };
      this.#assertHeld();
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('dead_letters').set({ redelivered_at: sql<Date>`now()` }).where('id', '=', dl.id).execute();
        if (failure && e) await this.#insertDeadLetter(trx, e, failure);
      });
      this.#o.log.info({ webhook: this.#name, event: dl.event_id, deadLetter: dl.id, delivered: !failure }, 'webhook dead letter replayed');
    }
    return due.length;
  }

  /** Tries until a 2xx, the policy's last attempt, or the lease is lost; the failure when given up. */
  async #deliverWithRetry(e: FeedEvent): Promise<{ reason: string; attempts: number } | undefined> {
    const { policy } = this.#o;
    for (let attempt = 1; ; attempt++) {
      this.#assertHeld();
      const error = await this.deliver(e);
      if (!error) return undefined;
      if (!this.#running) throw new LeaseLost();
      if (attempt >= policy.maxAttempts) return { reason: error, attempts: attempt };
      const delay = backoffMs(policy, attempt);
      this.#o.log.warn({ webhook: this.#name, event: e.cursor, attempt, retryInMs: delay, error }, 'webhook delivery failed');
      const signals = [this.#stop.signal, ...(this.#batch ? [this.#batch.signal] : [])];
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          // a long-running dispatcher retries often: leave no listener behind
          for (const s of signals) s.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, delay);
        for (const s of signals) s.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** One POST; returns an error text, or undefined on a 2xx. */
  async deliver(e: FeedEvent): Promise<string | undefined> {
    const body = JSON.stringify({ id: e.cursor, type: e.type, caseId: e.caseId, at: e.at, data: e.data });
    const t = Math.floor((this.#o.now?.() ?? Date.now()) / 1000);
    const signals = [this.#stop.signal, ...(this.#batch ? [this.#batch.signal] : [])];
    try {
      const res = await request(this.#o.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'switchgate-event-id': e.cursor,
          [SIGNATURE_HEADER]: signWebhook(this.#o.secret, t, body, this.#o.previousSecret),
        },
        body,
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
        signal: AbortSignal.any(signals),
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `HTTP ${res.statusCode}`;
    } catch (err) {
      return (err as Error).message || String(err);
    }
  }
}

/** One feed event by its id (cursor), whatever the snapshot: it was committed when it was dead-lettered. */
async function readEvent(db: Kysely<Database>, id: string): Promise<FeedEvent | undefined> {
  const c = decodeCursor(id);
  return c ? readEventAt(db, c) : undefined;
}
