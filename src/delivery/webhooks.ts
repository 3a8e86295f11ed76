/**
 * Webhooks: every feed event is POSTed, in feed order, to each configured URL, signed with
 * HMAC-SHA256 over `<timestamp>.<body>` (header `switchgate-signature: t=<unix s>,v1=<hex>`).
 * A failing endpoint is retried with exponential backoff and full jitter; the cursor advances
 * only on a 2xx, so nothing is skipped. One replica at a time holds a webhook's lease.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { request } from 'undici';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { WebhookConfig } from '../config/types.js';
import { decodeCursor, encodeCursor, readEvents, type FeedEvent } from '../store/repos/events.js';
import type { EventBus } from '../app/event-bus.js';
import { backoffMs, type RetryPolicy } from './retry-policy.js';

export const SIGNATURE_HEADER = 'switchgate-signature';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export interface WebhookDispatcherOptions {
  db: Kysely<Database>;
  bus: EventBus;
  log: Logger;
  webhook: WebhookConfig;
  secret: string;
  policy?: RetryPolicy;
  leaseMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

const WEBHOOK_POLICY: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, baseMs: 500, capMs: 5 * 60_000 };

export class WebhookDispatcher {
  readonly #o: WebhookDispatcherOptions & { policy: RetryPolicy; leaseMs: number; timeoutMs: number };
  readonly #name: string;
  readonly #owner = randomUUID();
  #running = false;
  #loop: Promise<void> | undefined;
  readonly #stop = new AbortController();

  constructor(opts: WebhookDispatcherOptions) {
    this.#o = { ...opts, policy: opts.policy ?? WEBHOOK_POLICY, leaseMs: opts.leaseMs ?? 30_000, timeoutMs: opts.timeoutMs ?? 10_000 };
    this.#name = opts.webhook.name ?? opts.webhook.url;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#stop.abort();
    await this.#loop;
  }

  async #lease(): Promise<string | undefined> {
    const { db, leaseMs } = this.#o;
    await db
      .insertInto('webhook_cursors')
      .values({ name: this.#name, last_tx: '0', last_seq: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await db
      .updateTable('webhook_cursors')
      .set({ lease_owner: this.#owner, lease_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where('name', '=', this.#name)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', sql<Date>`now()`), eb('lease_owner', '=', this.#owner)]))
      .returning(['last_tx', 'last_seq'])
      .executeTakeFirst();
    return row ? encodeCursor({ tx: row.last_tx, seq: Number(row.last_seq) }) : undefined;
  }

  async #advance(cursor: string): Promise<void> {
    const c = decodeCursor(cursor)!;
    await this.#o.db
      .updateTable('webhook_cursors')
      .set({ last_tx: c.tx, last_seq: c.seq, updated_at: sql<Date>`now()` })
      .where('name', '=', this.#name)
      .where('lease_owner', '=', this.#owner)
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
        const events = await readEvents(this.#o.db, decodeCursor(cursor)!, 20);
        if (events.length === 0) {
          await this.#sleep(1_000);
          continue;
        }
        for (const e of events) {
          if (!this.#running) return;
          await this.#deliverWithRetry(e);
          await this.#advance(e.cursor);
        }
      } catch (err) {
        if (this.#running) log.error({ err, webhook: this.#name }, 'webhook dispatcher cycle failed');
        await this.#sleep(1_000);
      }
    }
  }

  async #deliverWithRetry(e: FeedEvent): Promise<void> {
    for (let attempt = 1; this.#running; attempt++) {
      const error = await this.deliver(e);
      if (!error) return;
      const delay = backoffMs(this.#o.policy, attempt);
      this.#o.log.warn({ webhook: this.#name, event: e.cursor, attempt, retryInMs: delay, error }, 'webhook delivery failed');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        this.#stop.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** One POST; returns an error text, or undefined on a 2xx. */
  async deliver(e: FeedEvent): Promise<string | undefined> {
    const body = JSON.stringify({ id: e.cursor, type: e.type, caseId: e.caseId, at: e.at, data: e.data });
    const t = Math.floor((this.#o.now?.() ?? Date.now()) / 1000);
    try {
      const res = await request(this.#o.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'switchgate-event-id': e.cursor,
          [SIGNATURE_HEADER]: signWebhook(this.#o.secret, t, body),
        },
        body,
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
        signal: this.#stop.signal,
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? undefined : `HTTP ${res.statusCode}`;
    } catch (err) {
      return (err as Error).message || String(err);
    }
  }
}
