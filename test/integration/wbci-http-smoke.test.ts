import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { eventually, http, startHttpPair } from '../support/http-pair.js';
import { ManualClock } from '../../src/domain/clock.js';

const va = {
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  donating: 'DEU.EKPB',
  requestedDate: '2026-12-15',
  customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
  location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
};

describeEachBackend('wbci over HTTP smoke', ({ open }) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  for (const protocol of ['wbci-soap', 'wbci-json'] as const) {
    it(`VA and RUEM-VA cross real HTTP (${protocol})`, async () => {
      const clock = new ManualClock('2026-11-23T09:00:00+01:00');
      const pair = await startHttpPair(open, open, { protocol, clock });
      close = pair.close;
      const created = await http(pair.a, 'POST', '/v1/switches', va);
      expect(created.status, created.text).toBe(201);
      const id = created.data.id as string;
      await eventually(async () => expect((await http(pair.b, 'GET', `/v1/switches/${id}`)).status).toBe(200));
      const ans = await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' });
      expect(ans.status, ans.text).toBe(202);
      await eventually(async () => expect((await http(pair.a, 'GET', `/v1/switches/${id}`)).data.state).toBe('AGREED'));
      // A marks its VA delivered (and keeps the wire form sent) when B's answer to it is back
      const msgs = await eventually(async () => {
        const m = await http(pair.a, 'GET', `/v1/switches/${id}/messages?raw=true`);
        expect(m.data.items.map((x: { type: string; direction: string; status: string }) => `${x.direction}:${x.type}:${x.status}`)).toEqual([
          'out:VA-KUE-MRN:delivered',
          'in:RUEM-VA:accepted',
        ]);
        return m;
      });
      expect(msgs.data.items[1].rawFormat).toBe(protocol === 'wbci-soap' ? 'soap' : 'json');
      // the wire form is kept both ways: as received, and as sent (recorded on delivery)
      expect(msgs.data.items[0].rawFormat).toBe(protocol === 'wbci-soap' ? 'soap' : 'json');
      expect(msgs.data.items[0].raw).toContain(id);
    });
  }
});
