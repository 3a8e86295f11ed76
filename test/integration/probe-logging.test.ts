/** Quiet and useful logs: probes (/health/*, /metrics) are not logged at info; ordinary requests are; a failing delivery warns with peer, case and reason. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { openTestPglite } from '../support/backends.js';
import { API_KEY, rest, startPair, testConfig, quickStartVa } from '../support/gateway-pair.js';

it('health and metrics probes leave no request log at info; an API request does', async () => {
  const lines: { msg?: string; req?: { url?: string } }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as never);
      done();
    },
  });
  const gw = await createGateway({ config: testConfig('DEU.EKPA', 'DEU.EKPB'), store: await openTestPglite({}), background: false, log: pino({ level: 'info' }, sink) });
  try {
    for (const url of ['/health/live', '/health/ready', '/metrics']) {
      expect((await gw.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect((await gw.app.inject({ method: 'GET', url: '/v1/switches', headers: { authorization: `Bearer ${API_KEY}` } })).statusCode).toBe(200);
    const logged = lines.filter((l) => l.msg === 'incoming request').map((l) => l.req?.url);
    expect(logged).toEqual(['/v1/switches']);
  } finally {
    await gw.close();
  }
});

it('a failing delivery logs at warn once per backoff step, with the peer, the case id and the reason', async () => {
  const lines: { level: number; msg?: string; destination?: string; caseId?: string; reason?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as never);
      done();
    },
  });
  const pair = await startPair(() => openTestPglite({}), { gateway: { log: pino({ level: 'warn' }, sink) } });
  try {
    pair.transport.down = true;
    const va = quickStartVa();
    const created = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(created.statusCode, created.body).toBe(201);
    await pair.a.deliver();
    const failures = lines.filter((l) => l.msg === 'delivery failed, will retry');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 40, destination: 'DEU.EKPB', caseId: created.data.id, reason: 'peer unreachable (test)' });
  } finally {
    await pair.close();
  }
});
