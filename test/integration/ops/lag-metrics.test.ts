/** switchgate_webhook_lag_seconds and switchgate_feed_lag_seconds move with what holds them back. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { createTestDatabase, describeEachBackend, pgAdminUrl } from '../../support/backends.js';
import { eventually as eventuallyWithin } from '../../support/http-pair.js';
import { API_KEY, silentLog, testConfig, quickStartVa } from '../../support/gateway-pair.js';
import { sample } from '../../support/prometheus.js';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import { kwtAhead } from '../../support/dates.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, 60_000, 100);

const va = quickStartVa({ requestedDate: kwtAhead() });

const scrape = async (gw: Gateway) => (await gw.app.inject({ method: 'GET', url: '/metrics' })).body;
const startSwitch = async (gw: Gateway) => {
  const res = await gw.app.inject({ method: 'POST', url: '/v1/switches', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, payload: JSON.stringify(va) });
  expect(res.statusCode, res.body).toBe(201);
};

describeEachBackend('webhook lag', ({ open }) => {
  let gw: Gateway | undefined;
  afterEach(async () => gw?.close());

  it('grows while the CRM endpoint is down', async () => {
    const env = { WEBHOOK_SECRET: 'webhook-secret' };
    const config = testConfig('DEU.EKPA', 'DEU.EKPB', { webhooks: [{ url: 'http://127.0.0.1:9/events', secretEnv: 'WEBHOOK_SECRET', name: 'crm' }] }, env);
    gw = await createGateway({ config, store: await open(), log: silentLog(), env, tickIntervalMs: 3_600_000 });
    await eventually(async () => expect(sample(await scrape(gw!), 'switchgate_webhook_lag_seconds', { webhook: 'crm' })).toBe(0));
    await startSwitch(gw);
    await eventually(async () => expect(sample(await scrape(gw!), 'switchgate_webhook_lag_seconds', { webhook: 'crm' })).toBeGreaterThan(1));
  });
});

describe.skipIf(!pgAdminUrl())('feed lag on PostgreSQL', () => {
  it('grows while another transaction holds the snapshot horizon back, and returns to 0 after it ends', async () => {
    const database = await createTestDatabase();
    const gw = await createGateway({ config: testConfig('DEU.EKPA', 'DEU.EKPB'), databaseUrl: database.url, log: silentLog(), background: false });
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      expect(sample(await scrape(gw), 'switchgate_feed_lag_seconds')).toBe(0);
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_current_xact_id()');
      await startSwitch(gw);
      await eventually(async () => expect(sample(await scrape(gw), 'switchgate_feed_lag_seconds')).toBeGreaterThan(1));
      await blocker.query('COMMIT');
      await eventually(async () => expect(sample(await scrape(gw), 'switchgate_feed_lag_seconds')).toBe(0));
    } finally {
      await blocker.end();
      await gw.close();
      await database.drop();
    }
  });
});
