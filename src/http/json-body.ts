/**
 * The one JSON body parser of every JSON endpoint (REST, JSON wire, wholesale callbacks):
 * UTF-8 only and strictly (an invalid byte sequence is refused, not replaced by U+FFFD), a leading
 * UTF-8 BOM tolerated (RFC 8259 §8.1 allows ignoring it), and no `__proto__` / `constructor` key —
 * a body that could poison an object on its way through the code is refused outright.
 */
import type { FastifyRequest } from 'fastify';

type ParseError = Error & { statusCode: number; code: string };

const parseError = (code: string, message: string): ParseError => Object.assign(new Error(message), { statusCode: 400, code });

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const SUSPICIOUS_KEY = /"(?:__proto__|constructor|prototype)"\s*:/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseJsonBody(raw: Buffer): unknown {
  let text: string;
  try {
    // the fatal decoder refuses bad sequences; ignoreBOM: false strips a leading BOM
    text = utf8.decode(raw);
  } catch {
    throw parseError('SG_INVALID_ENCODING', 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw parseError('SG_MALFORMED_BODY', 'the body is empty; a JSON document is expected');
  let forbidden: string | undefined;
  try {
    // the reviver costs a second look only when the raw text names such a key at all
    const reviver = SUSPICIOUS_KEY.test(text)
      ? function (this: unknown, key: string, value: unknown) {
          if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
          return value;
        }
      : undefined;
    const value: unknown = JSON.parse(text, reviver);
    if (forbidden === undefined) return value;
  } catch {
    throw parseError('SG_MALFORMED_BODY', 'the body is not valid JSON');
  }
  throw parseError('SG_FORBIDDEN_KEY', `the body contains the key "${forbidden}", which no message has`);
}

/** As a fastify content-type parser (`parseAs: 'buffer'`). */
export function jsonBodyParser(_req: FastifyRequest, body: Buffer | string, done: (err: Error | null, value?: unknown) => void): void {
  try {
    done(null, parseJsonBody(typeof body === 'string' ? Buffer.from(body) : body));
  } catch (err) {
    done(err as Error, undefined);
  }
}
