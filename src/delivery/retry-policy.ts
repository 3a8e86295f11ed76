/** Exponential backoff with full jitter (AWS architecture blog), capped; a bounded number of tries. */
import { RETRY_DEFAULTS, type RetryConfig } from '../config/retry-schema.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: RETRY_DEFAULTS.maxAttempts,
  baseMs: RETRY_DEFAULTS.initialDelayMs,
  capMs: RETRY_DEFAULTS.maxDelayMs,
};

/** A destination's `retry` configuration over a fallback policy: keys it leaves out keep the fallback's. */
export function retryPolicyOf(retry: RetryConfig | undefined, fallback: RetryPolicy = defaultRetryPolicy): RetryPolicy {
  return {
    maxAttempts: retry?.maxAttempts ?? fallback.maxAttempts,
    baseMs: retry?.initialDelayMs ?? fallback.baseMs,
    capMs: retry?.maxDelayMs ?? fallback.capMs,
  };
}

/** Delay before the next attempt after `attempts` failed ones (1-based). */
export function backoffMs(policy: RetryPolicy, attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(random() * ceiling);
}
