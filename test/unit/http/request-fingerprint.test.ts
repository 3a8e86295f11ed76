import { describe, expect, it } from 'vitest';
import { legacyFingerprint, requestFingerprint } from '../../../src/http/request-fingerprint.js';

describe('request fingerprint (Idempotency-Key)', () => {
  it('ignores the order of keys at every depth', () => {
    const a = { type: 'VA-KUE-MRN', customer: { firstName: 'Max', lastName: 'Muster' }, numbers: { list: [{ areaCode: '89', number: '1' }] } };
    const b = { numbers: { list: [{ number: '1', areaCode: '89' }] }, customer: { lastName: 'Muster', firstName: 'Max' }, type: 'VA-KUE-MRN' };
    expect(requestFingerprint(b)).toBe(requestFingerprint(a));
    // the form stored before the rule tells them apart
    expect(legacyFingerprint(b)).not.toBe(legacyFingerprint(a));
  });

  it('keeps the order of array elements and tells values and types apart', () => {
    expect(requestFingerprint({ list: [1, 2] })).not.toBe(requestFingerprint({ list: [2, 1] }));
    expect(requestFingerprint({ n: 1 })).not.toBe(requestFingerprint({ n: '1' }));
    expect(requestFingerprint({ n: null })).not.toBe(requestFingerprint({}));
  });

  it('fingerprints a missing body as null, as the stored keys did', () => {
    expect(requestFingerprint(undefined)).toBe(requestFingerprint(null));
    expect(requestFingerprint(undefined)).toBe(legacyFingerprint(undefined));
    // a body whose keys are already in order has one fingerprint in both forms
    expect(requestFingerprint({ a: 1, b: { c: 2 } })).toBe(legacyFingerprint({ a: 1, b: { c: 2 } }));
  });
});
