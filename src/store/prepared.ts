/**
 * Statements the gateway sends hundreds of times a second with the same text are prepared once per
 * PostgreSQL connection (parse and plan once, then bind and execute): the text starts with
 * `PREPARED`, and the connection's query wrapper (connect.ts) names it after its text. Only texts
 * that never vary may carry the mark — every distinct text is one prepared statement per
 * connection for the connection's life. PGlite ignores the mark (it is a comment).
 */
import { createHash } from 'node:crypto';

export const PREPARED = '/*sg:prepared*/';

const names = new Map<string, string>();

/** The statement's name if `text` is marked, else undefined. */
export function preparedName(text: string): string | undefined {
  if (!text.startsWith(PREPARED)) return undefined;
  let name = names.get(text);
  if (name === undefined) {
    name = `sg_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}
