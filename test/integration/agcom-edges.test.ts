/** AGCOM edges: a Donor's KO on numbers to port (italy.md §10.3 N13); WBCI-only steps on an AGCOM case. */
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { request } from 'undici';
import { describeEachBackend } from '../support/backends.js';
import { http } from '../support/http-pair.js';
import { DAC, startAgcomPair, timeline, type AgcomPair } from '../support/agcom-pair.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';

const DONOR_TOKEN = 'donor-token';

const migration = (cor: string) => ({
  procedure: 'agcom',
  donating: 'ITA.OLB',
  migrationCode: buildMigrationCode({ cow: '2ZZ', cor, cos: '001' }),
  numbers: [cor],
  requestedDate: DAC,
  customer: { firstName: 'Mario', lastName: 'Rossi' },
  contact: { phone: '+39 333 1234567' },
});

async function postKo(pair: AgcomPair, body: unknown, token: string | null = DONOR_TOKEN) {
  const res = await request(`${pair.a.url}/agcom/v1/np-notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, data: (await res.body.json()) as any };
}

describeEachBackend('agcom: number-portability KO from the Donor (N13)', ({ open }) => {
  let pair: AgcomPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('is recorded on the Recipient case once, announced to the CRM, and refused precisely otherwise', async () => {
    pair = await startAgcomPair(open, open, {
      configA: {
        agcom: {
          cowOwner: { '2ZZ': 'OLB', KQG: 'OLB', X7K: 'TIM' },
          numberPortability: { enabled: false, url: 'http://127.0.0.1:9/np', inboundTokenSha256: createHash('sha256').update(DONOR_TOKEN).digest('hex') },
        },
      },
    });
    const created = await http(pair.a, 'POST', '/v1/switches', migration('069234552'));
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    const before = await timeline(pair.a, id);
    const ko = { codiceOperatoreDonor: 'TIM', codiceOrdineRecipient: id, idNotifica: 'KO-1', numerazioni: ['069234552'], causale: '03', note: 'numero non attivo' };

    expect((await postKo(pair, ko)).data.status).toBe('accepted');
    expect((await postKo(pair, ko)).data.status).toBe('duplicate');
    expect(await timeline(pair.a, id)).toEqual([...before, 'in:NP-KO:accepted']);
    // the feed shows an event once every older transaction on the (shared) cluster has ended
    let rejected: { type: string; caseId: string; data: Record<string, unknown> }[] = [];
    for (const until = Date.now() + 10_000; rejected.length === 0 && Date.now() < until; await new Promise((r) => setTimeout(r, 25))) {
      const items = (await http(pair.a, 'GET', '/v1/events?limit=1000')).data.items as typeof rejected;
      rejected = items.filter((e) => e.type === 'np.rejected');
    }
    expect(rejected).toMatchObject([{ caseId: id, data: { donor: 'TIM', numbers: ['069234552'], causale: '03', idNotifica: 'KO-1' } }]);

    // refusals change nothing
    expect((await postKo(pair, ko, null)).status).toBe(401);
    expect((await postKo(pair, ko, 'guessed')).status).toBe(401);
    const bad = await postKo(pair, { ...ko, numerazioni: ['abc'] });
    expect([bad.status, bad.data.code, bad.data.errors[0].path]).toEqual([400, 'SG_INVALID_REQUEST', '/numerazioni/0']);
    expect((await postKo(pair, { ...ko, codiceOrdineRecipient: 'OLA_V999999999', idNotifica: 'KO-2' })).status).toBe(404);
    expect(await timeline(pair.a, id)).toEqual([...before, 'in:NP-KO:accepted']);
  });
});

describeEachBackend('agcom: WBCI-only steps on an AGCOM case', ({ open }) => {
  let pair: AgcomPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('are refused with 409 SG_WRONG_PROCEDURE, not as an unknown case', async () => {
    pair = await startAgcomPair(open, open);
    const created = await http(pair.a, 'POST', '/v1/switches', migration('069234553'));
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    const before = await timeline(pair.a, id);
    for (const [path, body] of [
      [`/v1/switches/${id}/resource-handover`, { takeOver: true }],
      [`/v1/switches/${id}/changes/X/answer`, { result: 'accept' }],
    ] as const) {
      const res = await http(pair.a, 'POST', path, body);
      expect([res.status, res.data.code], res.text).toEqual([409, 'SG_WRONG_PROCEDURE']);
    }
    expect(await timeline(pair.a, id)).toEqual(before);
    expect((await http(pair.a, 'POST', '/v1/switches/OLA_V999999999/resource-handover', { takeOver: true })).status).toBe(404);
  });
});
