/** A replayed Idempotency-Key answers from the store and does not run the command again. */
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { rest, startPair, type Pair } from '../support/gateway-pair.js';

const va = {
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating: 'DEU.EKPB',
  requestedDate: '2026-12-15',
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
};

describeEachBackend('Idempotency-Key replay', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('the second request with the key is answered from the store; the command runs once', async () => {
    pair = await startPair(open);
    const service = pair.a.wbci;
    const original = service.startSwitch.bind(service);
    let runs = 0;
    service.startSwitch = (...args: Parameters<typeof original>) => {
      runs++;
      return original(...args);
    };
    const first = await rest(pair.a, 'POST', '/v1/switches', va, { 'idempotency-key': 'k-1' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await rest(pair.a, 'POST', '/v1/switches', va, { 'idempotency-key': 'k-1' });
    expect([again.statusCode, again.headers['idempotent-replayed'], again.data.id]).toEqual([201, 'true', first.data.id]);
    expect(runs).toBe(1);
    // the next switch gets the next id: the replay burned none
    const next = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(next.data.id).toBe('DEU.EKPA.V000000002');
  });
});
