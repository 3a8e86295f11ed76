/** Exponential backoff with full jitter (AWS architecture blog), capped; a bounded number of tries. */
export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 12, baseMs: 1_000, capMs: 10 * 60_000 };

/** Delay before the next attempt after `attempts` failed ones (1-based). */
export function backoffMs(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(random() * ceiling);
}
