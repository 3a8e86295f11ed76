/**
 * Slows down guessing API keys at the login form: after `limit` failed logins from one address
 * within `windowMs`, that address is refused (429) until the window has passed. Per process —
 * a guesser spread over replicas still meets each replica's limit — and bounded in memory.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;

  constructor(opts: { limit?: number; windowMs?: number; maxAddresses?: number } = {}) {
    this.#limit = opts.limit ?? 10;
    this.#windowMs = opts.windowMs ?? 5 * 60_000;
    this.#maxAddresses = opts.maxAddresses ?? 10_000;
  }

  /** Seconds until `address` may try again, or 0. */
  retryAfter(address: string, now: number): number {
    const recent = this.#recent(address, now);
    if (recent.length < this.#limit) return 0;
    return Math.ceil((recent[0]! + this.#windowMs - now) / 1000);
  }

  failed(address: string, now: number): void {
    const recent = this.#recent(address, now);
    recent.push(now);
    this.#failures.delete(address);
    this.#failures.set(address, recent.slice(-this.#limit));
    // the oldest addresses go first when too many are tracked
    while (this.#failures.size > this.#maxAddresses) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }

  #recent(address: string, now: number): number[] {
    return (this.#failures.get(address) ?? []).filter((t) => t > now - this.#windowMs);
  }
}
