/**
 * Wire forms compressed with the smallest window that reaches the dictionary read back byte for
 * byte, on both sides of each window size, with and without a dictionary.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database, MessageRow } from '../../../src/store/schema.js';
import { packWire, withRawWire } from '../../../src/store/wire-codec.js';

// the dictionaries stay in the process's cache: nothing here reaches a database
const db = {} as Kysely<Database>;

/** A SOAP-like message of about `size` characters whose text does not repeat (a customer's data). */
function message(size: number, seed: string): string {
  const head = `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><m:VA xmlns:m="urn:wbci">`;
  const tail = '</m:VA></S:Body></S:Envelope>';
  let body = '';
  while (head.length + body.length + tail.length < size) body += `<name>${seed}${randomBytes(12).toString('base64url')}</name>`;
  return head + body + tail;
}

async function roundTrip(raw: string, packed: ReturnType<typeof packWire>): Promise<string | null> {
  const row = { raw: null, raw_z: packed.z, raw_dict: packed.dictId } as unknown as MessageRow;
  return (await withRawWire(db, [row]))[0]!.raw;
}

/** deflate's window, from the zlib header's CINFO nibble */
const windowBitsOf = (z: Buffer): number => (z[0]! >> 4) + 8;

describe('packWire', () => {
  it.each([600, 4_000, 4_100, 8_000, 8_300, 16_000, 16_500, 40_000])('reads a %i-character message back byte for byte, first without then with a dictionary', async (size) => {
    const key = { peer: `DEU.T${size}`, direction: 'in' as const, format: 'soap', type: 'VA-KUE-MRN' };
    const first = message(size, 'Ä');
    const p1 = packWire(db, first, key);
    expect(p1.dictId).toBeNull();
    expect(await roundTrip(first, p1)).toBe(first);
    const second = message(size, 'ß');
    const p2 = packWire(db, second, key);
    expect(p2.dictId).not.toBeNull();
    expect(await roundTrip(second, p2)).toBe(second);
  });

  it('uses the smallest window that reaches back over message and dictionary', () => {
    const key = { peer: 'DEU.WIN', direction: 'in' as const, format: 'soap', type: 'VA-KUE-MRN' };
    expect(windowBitsOf(packWire(db, message(1_400, 'a'), key).z)).toBe(13);
    // the dictionary is the first message without its Body's text: a few hundred bytes
    expect(windowBitsOf(packWire(db, message(1_400, 'b'), key).z)).toBe(13);
    expect(windowBitsOf(packWire(db, message(8_150, 'c'), key).z)).toBe(14);
    expect(windowBitsOf(packWire(db, message(30_000, 'd'), { ...key, type: 'AKM-TR' }).z)).toBe(15);
  });
});
