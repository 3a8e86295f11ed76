/**
 * Route schemas compile on first use (src/http/lazy-schemas.ts), not at start-up: a fresh gateway
 * has compiled none, every schema of a gateway with every profile still compiles, and the first
 * request to a route validates, coerces and serializes exactly as before — over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { ManualClock } from '../../src/domain/clock.js';
import { contractConfig, CONTRACT_ENV } from '../../src/http/openapi/full-config.js';
import { compileAllSchemas, pendingSchemas } from '../../src/http/lazy-schemas.js';
import { decodeJsonRequest } from '../../src/protocols/wbci/json-codec.js';
import { openTestPglite } from '../support/backends.js';
import { API_KEY, quickStartVa, silentLog, testConfig } from '../support/gateway-pair.js';

describe('route schemas compiled on first use', () => {
  it('a gateway with every profile starts with none compiled, and every one of them compiles', async () => {
    const gw = await createGateway({ config: contractConfig(), store: await openTestPglite({}), clock: new ManualClock('2026-12-01T08:00:00Z'), background: false, log: silentLog(), env: CONTRACT_ENV });
    try {
      await gw.app.ready();
      const before = pendingSchemas(gw.app);
      // request validators and response serializers of ~100 routes
      expect(before).toBeGreaterThan(100);
      expect(compileAllSchemas(gw.app)).toBe(before);
      expect(pendingSchemas(gw.app)).toBe(0);
      expect(compileAllSchemas(gw.app)).toBe(0);
    } finally {
      await gw.close();
    }
  });

  describe('the first request to a route, over HTTP', () => {
    let gw: Gateway;
    let base: string;
    beforeAll(async () => {
      gw = await createGateway({ config: testConfig('DEU.EKPA', 'DEU.EKPB'), store: await openTestPglite({}), clock: new ManualClock('2026-11-23T09:00:00+01:00'), background: false, log: silentLog(), env: {} });
      base = await gw.listen(0, '127.0.0.1');
    });
    afterAll(async () => gw?.close());

    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const res = await request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, type: res.headers['content-type'], data: (await res.body.json()) as any };
    };

    it('a body is validated strictly: a wrong type is refused naming the field, not coerced', async () => {
      const pending = pendingSchemas(gw.app);
      const res = await call('POST', '/v1/switches', { ...quickStartVa(), requestedDate: 20261215 });
      expect(res.status).toBe(400);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.data.code).toBe('SG_INVALID_REQUEST');
      expect(res.data.errors).toContainEqual(expect.objectContaining({ path: '/requestedDate', rule: 'type' }));
      // that route's body validator (and its 400 serializer) compiled; the others still wait
      expect(pendingSchemas(gw.app)).toBeLessThan(pending);
      expect(pendingSchemas(gw.app)).toBeGreaterThan(0);
    });

    it('a valid body is accepted and the answer serialized by its response schema', async () => {
      const res = await call('POST', '/v1/switches', quickStartVa());
      expect(res.status).toBe(201);
      expect(res.data).toMatchObject({ procedure: 'wbci', state: expect.any(String) });
      expect(typeof res.data.id).toBe('string');
    });

    it('a query string is coerced on its first request (limit is a number) and an out-of-range one refused', async () => {
      const ok = await call('GET', '/v1/switches?limit=1');
      expect(ok.status).toBe(200);
      expect(ok.data.items).toHaveLength(1);
      const refused = await call('GET', '/v1/switches?limit=0');
      expect(refused.status).toBe(400);
      expect(refused.data.errors).toContainEqual(expect.objectContaining({ path: expect.stringContaining('limit') }));
    });
  });

  it('the WBCI-JSON wire schema compiles on the first message read and refuses a malformed one with TEQ 0995', () => {
    const res = decodeJsonRequest({ control: { timestamp: '2026-11-23T09:00:00Z', major: '02', minor: '00' }, message: { sender: 'DEU.EKPB' } });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.teqCode).toBe('0995');
      expect(res.issues.length).toBeGreaterThan(0);
      expect(res.hint.sender).toBe('DEU.EKPB');
    }
  });
});
