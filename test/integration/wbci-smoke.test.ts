import { afterEach, describe, expect, it } from 'vitest';
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

describeEachBackend('wbci smoke', ({ open }) => {
  let pair: Pair;
  afterEach(async () => pair?.close());

  it('KUE good case', async () => {
    pair = await startPair(open);
    const created = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.data.id;
    await pair.pump();
    const onB = await rest(pair.b, 'GET', `/v1/switches/${id}`);
    expect(onB.statusCode, onB.body).toBe(200);
    expect(onB.data.role).toBe('donating');
    const ans = await rest(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' });
    expect(ans.statusCode, ans.body).toBe(202);
    await pair.pump();
    const onA = await rest(pair.a, 'GET', `/v1/switches/${id}`);
    expect(onA.data.state).toBe('AGREED');
    const akm = await rest(pair.a, 'POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    expect(akm.statusCode, akm.body).toBe(202);
    await pair.pump();
    expect((await rest(pair.b, 'GET', `/v1/switches/${id}`)).data.state).toBe('TR_NOTIFIED');
  });
});
