/**
 * The opaque cursor of every case list (REST `/v1/switches`, the interconnect lists, the console):
 * the keyset position (creation time in epoch microseconds, id) as base64url JSON.
 */
import { AppError } from '../app/errors.js';

export interface ListPosition {
  createdUs: string;
  id: string;
}

export function encodeListCursor(createdUs: string, id: string): string {
  return Buffer.from(JSON.stringify([createdUs, id])).toString('base64url');
}

/** The position, or undefined when `s` is not a cursor this API handed out. */
export function readListCursor(s: string): ListPosition | undefined {
  try {
    const [createdUs, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdUs === 'string' && /^\d{1,18}$/.test(createdUs) && typeof id === 'string' && id.length <= 64) return { createdUs, id };
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

/** The position, or a 400 `SG_INVALID_CURSOR` naming the query parameter. */
export function decodeListCursor(s: string): ListPosition {
  const position = readListCursor(s);
  if (position) return position;
  throw new AppError(400, 'SG_INVALID_CURSOR', 'the cursor is not one this API returned', [
    { path: '/querystring/cursor', rule: 'cursor', code: 'SG_INVALID_CURSOR', message: 'is not a cursor returned by this API' },
  ]);
}
