/**
 * The stored streams' inflater (fflate into a reused buffer) against Node's zlib: the same text for
 * every stream zlib writes, and a loud failure wherever zlib's inflate would fail.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adler32Of, inflateText, ZlibStreamError } from '../../../src/store/zlib-inflate.js';

/** zlib's own Adler-32 of `bytes`: the trailer of a stored (level 0) stream */
function zlibAdler(bytes: Uint8Array): number {
  const stored = deflateSync(bytes, { level: 0 });
  return stored.readUInt32BE(stored.length - 4);
}

describe('adler32Of', () => {
  it('is zlib\'s Adler-32, also over blocks longer than 5,552 bytes and continued from an earlier sum', () => {
    for (const n of [0, 1, 5551, 5552, 5553, 70_000]) {
      const bytes = n === 70_000 ? Buffer.alloc(n, 0xff) : randomBytes(n);
      expect(adler32Of(bytes)).toBe(zlibAdler(bytes));
      const cut = Math.floor(n / 3);
      expect(adler32Of(bytes.subarray(cut), adler32Of(bytes.subarray(0, cut)))).toBe(zlibAdler(bytes));
    }
  });
});

describe('inflateText', () => {
  const dict = Buffer.from('<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><ds:SignatureValue></ds:SignatureValue>München'.repeat(8));

  it('gives the text Node\'s zlib gives, with and without a dictionary, at every level and window', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), fc.boolean(), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 9, max: 15 }), (s, withDict, level, windowBits) => {
        const text = `<SOAP-ENV:Envelope>${s}München${s}</SOAP-ENV:Envelope>`;
        const z = deflateSync(text, withDict ? { dictionary: dict, level, windowBits } : { level, windowBits });
        expect(inflateText(z, withDict ? dict : null, withDict ? adler32Of(dict) : null)).toBe(inflateSync(z, withDict ? { dictionary: dict } : {}).toString('utf8'));
      }),
      { numRuns: 300 },
    );
  });

  it('inflates a text larger than its buffer through Node\'s zlib', () => {
    const text = randomBytes(400 * 1024).toString('base64');
    expect(inflateText(deflateSync(text), null, null)).toBe(text);
    expect(inflateText(deflateSync(text, { dictionary: dict }), dict, adler32Of(dict))).toBe(text);
  });

  it('refuses what zlib refuses: a damaged header, a missing or wrong dictionary, damaged data, a damaged trailer', () => {
    const z = deflateSync('Kundenwunschtermin 2026-12-28 '.repeat(20), { dictionary: dict });
    const damaged = (at: number) => {
      const d = Buffer.from(z);
      d[at] = d[at]! ^ 0x55;
      return d;
    };
    const other = Buffer.from('another dictionary of another kind'.repeat(4));
    expect(() => inflateText(damaged(0), dict, adler32Of(dict))).toThrow(/incorrect header check/);
    expect(() => inflateText(z, null, null)).toThrow(/missing dictionary/);
    expect(() => inflateText(z, other, adler32Of(other))).toThrow(/bad dictionary/);
    expect(() => inflateText(damaged(z.length - 1), dict, adler32Of(dict))).toThrow(/incorrect data check/);
    expect(() => inflateText(z.subarray(0, 5), dict, adler32Of(dict))).toThrow(ZlibStreamError);
    // a flipped byte in the compressed data: invalid codes or other bytes, never the text
    for (let at = 6; at < z.length - 4; at++) {
      let text: string | undefined;
      try {
        text = inflateText(damaged(at), dict, adler32Of(dict));
      } catch (err) {
        expect(err).toBeInstanceOf(ZlibStreamError);
      }
      expect(text).toBeUndefined();
    }
  });

  it('answers each call with its own text although the buffer is reused', () => {
    const a = deflateSync('first '.repeat(100));
    const b = deflateSync('second');
    const first = inflateText(a, null, null);
    const second = inflateText(b, null, null);
    expect([first, second]).toEqual(['first '.repeat(100), 'second']);
  });
});
