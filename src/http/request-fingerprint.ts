/**
 * What makes two requests under one `Idempotency-Key` "the same": the SHA-256 of the body as JSON
 * with every object's keys in code-point order, so a client that retries with the same values in
 * another key order (a re-serialised map, another JSON library) is answered as a retry, not refused
 * as a reused key. Arrays keep their order: it carries meaning.
 *
 * Keys stored before this rule hash the body as it was parsed (`legacyFingerprint`); the claim
 * accepts that form too until such keys have expired (`idempotency.ttlHours`).
 */
import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = canonical((value as Record<string, unknown>)[key]);
  return sorted;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function requestFingerprint(body: unknown): string {
  return sha256(JSON.stringify(canonical(body ?? null)));
}

/** The fingerprint keys stored before `requestFingerprint` carry: the body's keys in the order received. */
export function legacyFingerprint(body: unknown): string {
  return sha256(JSON.stringify(body ?? null));
}
