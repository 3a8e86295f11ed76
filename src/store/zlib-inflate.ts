/**
 * Inflates one stored zlib stream (RFC 1950) to text, with the checks zlib makes: the header's
 * check bits and method, the dictionary it names (FDICT: the Adler-32 of the preset dictionary)
 * and the Adler-32 of the data in its trailer — a wrong dictionary or a damaged row fails loudly.
 *
 * Why not `zlib.inflateSync`: Node makes a stream object and a native handle per call and lets
 * none be reused. A read inflates dozens of small rows (a feed page ~45, ~80 bytes each); the
 * set-up cost more than the inflating, and V8 processed the handles' weak references in every
 * young-generation collection (~6 ms of a ~7 ms scavenge under sequential feed reads). fflate's
 * raw inflate into one reused output buffer took 0.9–2.8 µs per event row against 7–19 µs.
 * A stream whose text does not fit that buffer goes to Node's zlib as before.
 */
import { inflateSync as inflateRaw } from 'fflate';
import { inflateSync as zlibInflate } from 'node:zlib';

/** Texts up to this size are inflated into one reused buffer; larger ones by Node's zlib. */
const SCRATCH_BYTES = 256 * 1024;
let scratch: Uint8Array | undefined;

/**
 * RFC 1950's Adler-32, summed in blocks so the modulo runs once per 5,552 bytes; `from` the
 * Adler-32 of bytes that come before these (the sum of their concatenation).
 */
export function adler32Of(bytes: Uint8Array, from = 1): number {
  let a = from & 0xffff;
  let b = from >>> 16;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const end = Math.min(n, i + 5552);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const readU32 = (z: Uint8Array, at: number): number => ((z[at]! << 24) | (z[at + 1]! << 16) | (z[at + 2]! << 8) | z[at + 3]!) >>> 0;

export class ZlibStreamError extends Error {
  readonly code = 'SG_STORED_STREAM_INVALID';
}

/**
 * The text of zlib stream `z`; `dict` the preset dictionary it was compressed against (null: none)
 * and `dictAdler` that dictionary's Adler-32 (the caller has it cached).
 */
export function inflateText(z: Uint8Array, dict: Uint8Array | null, dictAdler: number | null): string {
  if (z.length < 6) throw new ZlibStreamError('stored stream too short');
  const cmf = z[0]!;
  const flg = z[1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw new ZlibStreamError('incorrect header check');
  let start = 2;
  if (flg & 0x20) {
    if (dict === null) throw new ZlibStreamError('missing dictionary');
    if (z.length < 10 || readU32(z, 2) !== dictAdler) throw new ZlibStreamError('bad dictionary');
    start = 6;
  }
  const body = z.subarray(start, z.length - 4);
  const out = (scratch ??= new Uint8Array(SCRATCH_BYTES));
  let text: Uint8Array;
  try {
    text = inflateRaw(body, { out, dictionary: flg & 0x20 ? dict! : undefined });
  } catch (err) {
    throw new ZlibStreamError(`invalid stored stream: ${(err as Error).message}`);
  }
  // a full buffer may have been cut short: Node's zlib inflates without a limit
  if (text.length === out.length) return zlibInflate(z, dict ? { dictionary: dict } : {}).toString('utf8');
  if (adler32Of(text) !== readU32(z, z.length - 4)) throw new ZlibStreamError('incorrect data check');
  return Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8');
}
