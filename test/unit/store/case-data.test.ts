/**
 * A WBCI case's data split for storage (src/store/case-data.ts) and merged back: the partly hot keys'
 * members in their order, a list page's head alone, and an agreement too large for the head's length
 * field kept whole.
 */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/store/schema.js';
import { mergedCaseData, packCaseData } from '../../../src/store/case-data.js';
import { unpackText } from '../../../src/store/wire-codec.js';

// the dictionaries stay in the process's cache: nothing here reaches a database
const db = {} as Kysely<Database>;
const inflate = (dictId: number | null) => (stream: Uint8Array) => unpackText(stream, dictId);

const agreement = (numbers: number) => ({
  technology: '001 TAL ISDN',
  resources: [{ contractNumber: 'C1' }],
  numbers: { kind: 'block', list: Array.from({ length: numbers }, () => ({ areaCode: '89', number: String(randomInt(1e9, 1e10)) })) },
  takeOver: true,
});
const data = (numbers: number) => ({ va: { vaId: 'DEU.EKPA.V000000001', customer: { lastName: 'Muster' } }, agreement: agreement(numbers), akmTr: { status: 'sent', at: '2026-12-01T00:00:00.000Z', count: 1 }, terminationDate: null });

describe('packCaseData', () => {
  it('keeps of the agreement and the AKM-TR only what SQL reads in data, and merges them back in their members\' order', () => {
    const d = data(2);
    const packed = packCaseData(db, { procedure: 'wbci', role: 'recipient', data: d });
    expect(packed.data).toEqual({ agreement: { resources: d.agreement.resources }, akmTr: { at: d.akmTr.at }, terminationDate: null });
    const z = packed.cold!.z;
    expect(z[0]).toBe(2);
    const back = mergedCaseData(packed.data, z, inflate(packed.cold!.dictId));
    expect(JSON.stringify(back)).toBe(JSON.stringify({ agreement: d.agreement, akmTr: d.akmTr, terminationDate: null, va: d.va }));
    // the head alone (what a list page reads): the projected keys whole, nothing of the VA
    const head = z.subarray(0, 3 + ((z[1]! << 8) | z[2]!));
    expect(mergedCaseData({ agreement: { resources: d.agreement.resources } }, head, inflate(packed.cold!.dictId))).toEqual({ agreement: d.agreement });
  });

  it('keeps an agreement whole in data when its cold half does not fit the 16-bit length, and reads it back', () => {
    const d = data(30_000);
    const packed = packCaseData(db, { procedure: 'wbci', role: 'donating', data: d });
    expect(packed.data).toEqual({ agreement: d.agreement, akmTr: d.akmTr, terminationDate: null });
    expect(packed.cold!.z[0]).not.toBe(2);
    expect(mergedCaseData(packed.data, packed.cold!.z, inflate(packed.cold!.dictId))).toEqual(d);
  });

  it('keeps an object whose members are all hot, or none, whole', () => {
    const d = { va: { vaId: 'X' }, agreement: { resources: [] }, akmTr: { status: 'sent' } };
    const packed = packCaseData(db, { procedure: 'wbci', role: 'recipient', data: d });
    expect(packed.data).toEqual({ agreement: { resources: [] }, akmTr: { status: 'sent' } });
    expect(mergedCaseData(packed.data, packed.cold!.z, inflate(packed.cold!.dictId))).toEqual(d);
  });
});
