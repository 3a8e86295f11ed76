/**
 * The one retry shape every outbound destination takes: `peers[].retry`, `wholesale.retry`,
 * `agcom.numberPortability.retry` and `webhooks[].retry`. All keys are optional; a missing key
 * takes its default (README "Delivery, retries and recovery").
 */
export interface RetryConfig {
  /** attempts in all, the first included; the last failure becomes a dead letter */
  maxAttempts?: number;
  /** ceiling of the first backoff (full jitter: the actual wait is random below the ceiling) */
  initialDelayMs?: number;
  /** the ceiling doubles per attempt up to this */
  maxDelayMs?: number;
}

export const RETRY_DEFAULTS: Required<RetryConfig> = { maxAttempts: 12, initialDelayMs: 1_000, maxDelayMs: 600_000 };

/** JSON Schema fragment of `RetryConfig`; reuse it wherever a destination gets a `retry` key. */
export const retrySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAttempts: { type: 'integer', minimum: 1, maximum: 1000 },
    initialDelayMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
    maxDelayMs: { type: 'integer', minimum: 1, maximum: 7 * 86_400_000 },
  },
} as const;

/** `maxDelayMs` below `initialDelayMs` is a contradiction, not a preference: refuse it by key. */
export function retryProblems(key: string, retry: RetryConfig | undefined): { key: string; problem: string }[] {
  if (!retry) return [];
  const initial = retry.initialDelayMs ?? RETRY_DEFAULTS.initialDelayMs;
  const max = retry.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
  return max < initial ? [{ key: `${key}.maxDelayMs`, problem: `must be at least initialDelayMs (${initial}), is ${max}` }] : [];
}
