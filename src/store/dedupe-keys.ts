/**
 * How a message's dedupe key is stored: the first 128 bits of its SHA-256 as a `uuid` (16 bytes),
 * where the keys themselves are up to ~60 characters (`wbci:<peer>:delivery:<uuid>`). Only equality
 * is ever asked of a dedupe key, and the unique index guards it all the same.
 *
 * Why: every inbound message carries one. Since session 8 the hash was stored as `#` and 22
 * base64url characters; 0028 turned those, and the keys stored plainly before them, into this form
 * (the same bits), so a lookup asks for one form.
 */
import { createHash } from 'node:crypto';

export function storedDedupeKey(key: string): string;
export function storedDedupeKey(key: string | null | undefined): string | null;
export function storedDedupeKey(key: string | null | undefined): string | null {
  if (key == null) return null;
  const hex = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
