/**
 * fast-check generators that mutate valid VAs (issue #9, point 4): whatever the mutation, the
 * answer is a success or a precise refusal in the endpoint's format — never a 5xx other than a
 * SOAP Client fault — and a refusal writes nothing (a positive TEQ may record a business refusal).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../support/backends.js';
import type { WireNode } from '../../support/wire-stubs.js';
import { REST_STRINGS, jsonVa, restVa, setAt, soapVa } from './corpus.js';
import { alive, jsonWireHeaders, restHeaders, rowCounts, rowDelta, send, soapHeadersFrom, startWbciEdge, type Answer } from './world.js';

const RUNS = 40;
const REST_PATHS = [...REST_STRINGS, 'customer', 'location', 'numbers', 'numbers/list', 'numbers/list/0'];
const JSON_PATHS = ['message/vaId', 'message/requestedDate', 'message/donating', 'message/customer', 'message/customer/lastName', 'message/location', 'message/location/city', 'control/major', 'control', 'message'];

/** Any JSON value, strings with any code point (control characters and lone surrogates included). */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\u007f', '\ufeff', '\ud800', 'é', 'a', '"', '\\'), maxLength: 10 }),
  fc.constantFrom(undefined, '9999-12-31', '0001-01-01', '2026-02-30', 1e308, -0, ''),
);

type Mutation = { kind: 'insert'; at: number; text: string } | { kind: 'delete'; at: number; length: number } | { kind: 'duplicate'; at: number; length: number } | { kind: 'byte'; at: number; value: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('<', '>', '&', ']]>', '<!--', '<![CDATA[', '&#0;', '<!DOCTYPE x>', '</', '"', "'")) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(xml: string, ms: Mutation[]): Buffer {
  let b = Buffer.from(xml);
  for (const m of ms) {
    const at = m.at % (b.length + 1);
    if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
    else if (m.kind === 'duplicate') b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at)]);
    else if (at < b.length) {
      b = Buffer.from(b);
      b[at] = m.value;
    }
  }
  return b;
}

function expectNoServerError(a: Answer, context: string): void {
  if (a.status >= 500) {
    expect(a.format, context).toBe('soap-fault');
    expect(a.text, context).toMatch(/<faultcode>SOAP-ENV:Client<\/faultcode>/);
  }
  // a refusal always carries its code; a REST success (201, a case view) has none
  if (a.status >= 400 || a.format !== 'json-teq') {
    expect(a.format, context).not.toBe('other');
    expect(a.code, context).toBeDefined();
  }
}

describeEachBackend('mutated VAs', ({ open }) => {
  let node: WireNode;
  beforeAll(async () => {
    node = await startWbciEdge(await open());
  });
  afterAll(async () => node?.gw.close());

  const judged = async (send_: () => Promise<Answer>, accepted: (a: Answer) => boolean) => {
    const db = node.gw.store.db as never;
    const before = await rowCounts(db);
    const a = await send_();
    const context = `${a.status} ${a.format} ${a.code}: ${a.text.slice(0, 300)}`;
    expectNoServerError(a, context);
    if (!accepted(a)) expect(rowDelta(before, await rowCounts(db)), context).toEqual({});
    return a;
  };

  it('REST: a VA with one field replaced by anything', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...REST_PATHS), anyValue, async (path, value) => {
        const a = await judged(
          () => send(node.url, { path: '/v1/switches', headers: restHeaders(), body: JSON.stringify(setAt(restVa(), path, value)) }),
          (x) => x.status === 201,
        );
        expect([201, 400, 409, 422], `${path}=${JSON.stringify(value)}: ${a.text.slice(0, 200)}`).toContain(a.status);
        if (a.status !== 201) expect(a.format).toBe('problem');
      }),
      { numRuns: RUNS },
    );
    await alive(node.url);
  });

  it('SOAP: a VA with bytes inserted, deleted, duplicated or flipped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        const a = await judged(
          () => send(node.url, { path: '/wbci/v1', headers: soapHeadersFrom(), body: mutate(soapVa(), ms) }),
          (x) => x.format === 'soap-teq' && x.code === 'OK',
        );
        expect(['soap-fault', 'soap-teq', 'problem']).toContain(a.format);
      }),
      { numRuns: RUNS },
    );
    await alive(node.url);
  });

  it('JSON wire: a VA with one field replaced by anything', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...JSON_PATHS), anyValue, async (path, value) => {
        const a = await judged(
          () => send(node.url, { path: '/wbci/v1/json', headers: jsonWireHeaders(), body: JSON.stringify(setAt(jsonVa(), path, value)) }),
          (x) => x.format === 'json-teq' && x.code === 'OK',
        );
        expect(['json-teq', 'problem']).toContain(a.format);
        expect(a.status < 500).toBe(true);
      }),
      { numRuns: RUNS },
    );
    await alive(node.url);
  });
});
