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

const invalidCursor = () =>
  new AppError(400, 'SG_INVALID_CURSOR', 'the cursor is not one this API returned', [
    { path: '/query/cursor', rule: 'cursor', code: 'SG_INVALID_CURSOR', message: 'is not a cursor returned by this API' },
  ]);

/** The position, or a 400 `SG_INVALID_CURSOR` naming the query parameter. */
export function decodeListCursor(s: string): ListPosition {
  const position = readListCursor(s);
  if (position) return position;
  throw invalidCursor();
}

/**
 * Lists in the order of a bigint id alone (dead letters, newest first): the cursor is the last id
 * handed out, in the same opaque envelope, tagged so that a case-list cursor is not taken for one.
 */
export function encodeIdCursor(id: string): string {
  return Buffer.from(JSON.stringify(['id', id])).toString('base64url');
}

/** The id, or a 400 `SG_INVALID_CURSOR` naming the query parameter. */
export function decodeIdCursor(s: string): string {
  try {
    const [tag, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [unknown, unknown];
    if (tag === 'id' && typeof id === 'string' && /^[0-9]{1,18}$/.test(id)) return id;
  } catch {
    // not JSON: not ours
  }
  throw invalidCursor();
}
