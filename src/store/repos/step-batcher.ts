/**
 * Group commit for case steps: steps written concurrently (different requests, different cases)
 * share one statement, so under load N steps cost one round trip instead of N. No step waits for
 * a batch to fill: when no statement is in flight it is written at once; otherwise it joins the
 * next batch, which goes when the statement in flight is done (or has stalled, below). A batch that fails (a unique violation of one
 * step) is retried step by step, so each step gets its own outcome.
 *
 * One statement at a time makes the batches as large as the load: measured with `npm run bench`
 * on 2 cores at steady state, one in flight carried ~15–20 % more REST and SOAP intake than three,
 * with less CPU per step in both the gateway and PostgreSQL (fewer, larger statements). But a
 * statement can wait on a row lock (a transaction of a command or of the deadline tick holds the
 * case it updates), and nothing else should wait behind it: once every statement in flight has
 * been out for `stallMs`, the next batch goes anyway, up to `maxInFlight` at once (and so does a
 * full one: a load larger than a batch does not wait for the statement in flight).
 *
 * Handoff: with an `OutboxHandoff` (the outbox worker of this process), the outbox rows a batch
 * writes are leased to it in the same statement, as many as it has room for, and handed to it
 * once committed: a new message goes out without a NOTIFY, a wake-up and a claim statement between
 * its commit and its delivery (measured: `npm run bench` end to end, see docs/capacity.md).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { OutboxItem } from './outbox.js';
import { isCaseOpening, leasableMessages, writeCaseOpenings, writeCaseStep, writeCaseSteps, type CaseStep, type CaseStepResult, type OutboxLease } from './case-writes.js';

/** A row leased to the handoff's owner as it was written, with what delivering it takes. */
export type HandedOffRow = OutboxItem;

/** Who takes outbox rows leased at their insert (the outbox worker of this process). */
export interface OutboxHandoff {
  /** the lease owner written into the rows, and the lease's length */
  readonly owner: string;
  readonly leaseMs: number;
  /** Room for up to `n` more rows, held until `adopt` or `release`; 0 when it takes none now (stopped, full). */
  reserve(n: number): number;
  /** committed rows leased to it: deliver them (their reservation ends) */
  adopt(rows: HandedOffRow[]): void;
  /** reservations that came to nothing (not leased, or the statement failed) */
  release(n: number): void;
}

interface Pending {
  step: CaseStep;
  resolve: (r: CaseStepResult) => void;
  reject: (err: unknown) => void;
}

const caseOf = (s: CaseStep): string => s.snapshot?.id ?? s.messages[0]?.caseId ?? '';

export class StepBatcher {
  readonly #db: Kysely<Database>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #stallMs: number;
  #queue: Pending[] = [];
  /** start times (performance.now()) of the statements in flight, oldest first */
  #inFlight: number[] = [];
  #wake: NodeJS.Timeout | undefined;
  #handoff: OutboxHandoff | undefined;

  constructor(db: Kysely<Database>, opts: { maxBatch?: number; maxInFlight?: number; stallMs?: number } = {}) {
    this.#db = db;
    this.#maxBatch = opts.maxBatch ?? 32;
    this.#maxInFlight = opts.maxInFlight ?? 3;
    this.#stallMs = opts.stallMs ?? 50;
  }

  /** From now on the outbox rows of the steps written are leased to `handoff` where it has room. */
  handOffTo(handoff: OutboxHandoff | undefined): void {
    this.#handoff = handoff;
  }

  write(step: CaseStep): Promise<CaseStepResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ step, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight.length < this.#maxInFlight) {
      // a full batch waiting is worth a statement of its own
      const wait = this.#queue.length >= this.#maxBatch ? 0 : this.#stalledIn();
      if (wait > 0) {
        if (this.#wake === undefined) {
          this.#wake = setTimeout(() => {
            this.#wake = undefined;
            this.#pump();
          }, wait).unref();
        }
        return;
      }
      const batch = this.#take();
      const started = performance.now();
      this.#inFlight.push(started);
      void this.#run(batch).finally(() => {
        this.#inFlight.splice(this.#inFlight.indexOf(started), 1);
        this.#pump();
      });
    }
  }

  /** 0 when another statement may start; otherwise how long until the youngest one in flight counts as stalled. */
  #stalledIn(): number {
    const youngest = this.#inFlight.at(-1);
    if (youngest === undefined) return 0;
    return Math.max(0, Math.ceil(youngest + this.#stallMs - performance.now()));
  }

  /** Up to maxBatch steps of distinct cases (one statement must not update a row twice). */
  #take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const cases = new Set<string>();
    for (const p of this.#queue) {
      const id = caseOf(p.step);
      if (batch.length < this.#maxBatch && !cases.has(id)) {
        cases.add(id);
        batch.push(p);
      } else rest.push(p);
    }
    this.#queue = rest;
    return batch;
  }

  async #run(batch: Pending[]): Promise<void> {
    const steps = batch.map((p) => p.step);
    const lease = this.#lease(steps);
    try {
      if (steps.every(isCaseOpening)) {
        // new cases (a VA sent or received): one statement of fixed shape for any number of them
        try {
          const results = await writeCaseOpenings(this.#db, steps, lease);
          this.#settle(lease, steps, results);
          batch.forEach((p, i) => p.resolve(results[i]!));
          return;
        } catch (err) {
          if (batch.length > 1) return await this.#oneByOne(batch, lease);
          this.#settle(lease, steps);
          return batch[0]!.reject(err);
        }
      }
      if (batch.length === 1) return await this.#oneByOne(batch, lease);
      try {
        const results = await writeCaseSteps(this.#db, steps, lease);
        this.#settle(lease, steps, results);
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch {
        await this.#oneByOne(batch, lease);
      }
    } finally {
      // nothing is left by now; a throw between reserving and settling must not keep the room
      if (lease && lease.messageIds.size > 0) this.#handoff?.release(lease.messageIds.size);
    }
  }

  /** One bad step spoils the statement: give every step its own outcome. */
  async #oneByOne(batch: Pending[], lease: Lease | undefined): Promise<void> {
    await Promise.all(
      batch.map((p) =>
        writeCaseStep(this.#db, p.step, lease).then(
          (r) => {
            this.#settle(lease, [p.step], [r]);
            p.resolve(r);
          },
          (err: unknown) => {
            this.#settle(lease, [p.step]);
            p.reject(err);
          },
        ),
      ),
    );
  }

  /** The rows of these steps the handoff has room for, reserved until the steps settle. */
  #lease(steps: CaseStep[]): Lease | undefined {
    const handoff = this.#handoff;
    if (!handoff) return undefined;
    const candidates = steps.flatMap(leasableMessages);
    const room = candidates.length ? handoff.reserve(candidates.length) : 0;
    if (room === 0) return undefined;
    return { owner: handoff.owner, ms: handoff.leaseMs, messageIds: new Set(candidates.slice(0, room)) };
  }

  /**
   * Steps written (`results`) or failed: the rows leased are the handoff's to deliver, and the room
   * reserved for the others (not leased: an older row waits, or nothing was written) is given back
   * — before the steps' callers hear of it.
   */
  #settle(lease: Lease | undefined, steps: CaseStep[], results?: CaseStepResult[]): void {
    const handoff = this.#handoff;
    if (!lease || !handoff) return;
    const rows: HandedOffRow[] = [];
    steps.forEach((step, i) => {
      for (const l of results?.[i]?.leased ?? []) {
        const entry = step.outbox.find((o) => step.messages[o.message]!.messageId === l.messageId)!;
        const msg = step.messages[entry.message]!;
        rows.push({ outboxId: l.outboxId, messageId: l.messageId, caseId: msg.caseId, kind: entry.kind, destination: entry.destination, type: msg.type, body: storedForm(msg.body) });
        lease.messageIds.delete(l.messageId);
      }
    });
    let unused = 0;
    for (const id of steps.flatMap(leasableMessages)) if (lease.messageIds.delete(id)) unused++;
    if (rows.length) handoff.adopt(rows);
    if (unused) handoff.release(unused);
  }
}

/** The body as a claim would read it back: what JSON keeps of it, and not an object its writer still holds. */
const storedForm = (body: unknown): unknown => JSON.parse(JSON.stringify(body ?? null)) as unknown;

/** The lease of one statement; `messageIds` shrinks as its rows are handed off, what is left is released. */
type Lease = OutboxLease & { messageIds: Set<string> };
