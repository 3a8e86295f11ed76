/**
 * How a message's dedupe key is stored: `#` and 128 bits of its SHA-256, base64url — 23 characters
 * where the keys themselves are up to ~60 (`wbci:<peer>:delivery:<uuid>`). Only equality is ever
 * asked of a dedupe key, and the unique index guards it all the same.
 *
 * Why: every inbound message carries one: 37 bytes less per inbound row and a unique index half the
 * size; with the signature values stored apart (`wire-codec.ts`) the messages heap went from 7 rows
 * a page to 8 (docs/capacity.md).
 *
 * Rows written before keep the key as it was. A lookup therefore asks for both forms (`keyForms`);
 * a key stored plainly never starts with `#` (every key the gateway makes starts with its
 * procedure), so the two forms of different keys cannot meet.
 */
import { createHash } from 'node:crypto';

export function storedDedupeKey(key: string): string;
export function storedDedupeKey(key: string | null | undefined): string | null;
export function storedDedupeKey(key: string | null | undefined): string | null {
  if (key == null) return null;
  return `#${createHash('sha256').update(key, 'utf8').digest().subarray(0, 16).toString('base64url')}`;
}

/** The forms a key may be stored in: as written since hashing, and as written before. */
export function keyForms(key: string): [string, string] {
  return [storedDedupeKey(key), key];
}
