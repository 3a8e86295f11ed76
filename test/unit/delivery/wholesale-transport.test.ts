import pino from 'pino';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyRest, classifySoapAnswer, WholesaleTransport } from '../../../src/delivery/wholesale-transport.js';
import { decodeWholesaleSoap, encodeWholesaleSoapFault, encodeWholesaleSoapResponse } from '../../../src/wholesale/soap.js';
import type { OutboundItem } from '../../../src/delivery/transport.js';
import type { WholesaleConfig } from '../../../src/config/types.js';

describe('classifyRest', () => {
  it.each([
    [201, '{"id":"WS1","state":"acknowledged"}', { ok: true }],
    [202, '', { ok: true }],
    [200, '<html>proxy</html>', { ok: false, permanent: false, reason: 'HTTP 200 without a JSON answer' }],
    [409, '{"code":"DUPLICATE_EXTERNAL_ID","id":"WS1"}', { ok: true }],
    [409, '{"code":"CONFLICT"}', { ok: false, permanent: true, reason: 'HTTP 409 CONFLICT' }],
    [400, '{"code":"INVALID_REQUEST","errorMessage":[{"code":"required"}]}', { ok: false, permanent: true, reason: 'HTTP 400 INVALID_REQUEST' }],
    [422, '{"errorMessage":[{"code":"BAD_DATE"}]}', { ok: false, permanent: true, reason: 'HTTP 422 BAD_DATE' }],
    [401, '', { ok: false, permanent: true, reason: 'HTTP 401' }],
    [404, 'not here', { ok: false, permanent: true, reason: 'HTTP 404: not here' }],
    [429, '', { ok: false, permanent: false, reason: 'HTTP 429' }],
    [503, '{"code":"MAINTENANCE"}', { ok: false, permanent: false, reason: 'HTTP 503 MAINTENANCE' }],
    [500, '', { ok: false, permanent: false, reason: 'HTTP 500' }],
  ])('HTTP %i %s', (status, body, expected) => expect(classifyRest(status, body)).toEqual(expected));
});

describe('classifySoapAnswer', () => {
  it.each([
    ['OK', 200, encodeWholesaleSoapResponse('placeOrder', { result: 'OK', id: 'WS1' }), { ok: true }],
    ['DUPLICATE', 200, encodeWholesaleSoapResponse('placeOrder', { result: 'DUPLICATE' }), { ok: true }],
    ['Client fault', 500, encodeWholesaleSoapFault('Client', 'bad'), { ok: false, permanent: true, reason: 'SOAP fault Client: bad' }],
    ['Server fault', 500, encodeWholesaleSoapFault('Server', 'busy'), { ok: false, permanent: false, reason: 'SOAP fault Server: busy' }],
    ['2xx without envelope', 200, 'OK', { ok: false, permanent: false, reason: 'HTTP 200 without a readable answer' }],
    ['503 without envelope', 503, '', { ok: false, permanent: false, reason: 'HTTP 503' }],
    ['400 without envelope', 400, '', { ok: false, permanent: true, reason: 'HTTP 400' }],
  ])('%s', (_name, status, body, expected) => expect(classifySoapAnswer(status, body)).toEqual(expected));
});

describe('WholesaleTransport', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => agent?.close());

  const item = (type: string, body: unknown): OutboundItem => ({ outboxId: 1, messageId: 'msg-1', caseId: 'DEU.EKPA.V000000001', kind: 'wholesale', destination: 'wholesale', type, body });
  const config = (protocol: 'rest' | 'soap'): WholesaleConfig => ({
    url: protocol === 'rest' ? 'http://wholesale.test/tmf/' : 'http://wholesale.test/soap',
    protocol,
    placeOrders: 'auto',
    auth: { type: 'bearer', tokenEnv: 'WS_TOKEN' },
  });
  const transport = (protocol: 'rest' | 'soap') => {
    agent = new MockAgent();
    agent.disableNetConnect();
    return { t: new WholesaleTransport(config(protocol), pino({ level: 'silent' }), { env: { WS_TOKEN: 'secret' }, dispatcher: agent }), pool: agent.get('http://wholesale.test') };
  };
  const signal = () => AbortSignal.timeout(5_000);

  it.each([
    ['WHOLESALE-ORDER', '/tmf/productOrder'],
    ['WHOLESALE-CANCEL', '/tmf/cancelProductOrder'],
    ['WHOLESALE-RESCHEDULE', '/tmf/modifyProductOrderItemRequestedDeliveryDate'],
  ])('REST: %s goes to %s with the bearer token, an idempotency key and the body as stored', async (type, path) => {
    const { t, pool } = transport('rest');
    let seen: { headers: Record<string, string>; body: string } | undefined;
    pool.intercept({ path, method: 'POST' }).reply(201, (opts) => {
      seen = { headers: opts.headers as Record<string, string>, body: String(opts.body) };
      return { id: 'WS1' };
    });
    const body = { externalId: 'X', hello: 'wörld' };
    expect(await t.send(item(type, body), signal())).toEqual({ ok: true, raw: JSON.stringify(body) });
    expect(seen!.headers.authorization).toBe('Bearer secret');
    expect(seen!.headers['idempotency-key']).toBe('msg-1');
    expect(JSON.parse(seen!.body)).toEqual(body);
  });

  it('REST: Retry-After of a transient answer is passed on; a network error is transient', async () => {
    const { t, pool } = transport('rest');
    pool.intercept({ path: '/tmf/productOrder', method: 'POST' }).reply(503, '', { headers: { 'retry-after': '7' } });
    expect(await t.send(item('WHOLESALE-ORDER', {}), signal())).toEqual({ ok: false, permanent: false, reason: 'HTTP 503', retryAfterMs: 7000 });
    pool.intercept({ path: '/tmf/productOrder', method: 'POST' }).replyWithError(new Error('connect ECONNREFUSED'));
    expect(await t.send(item('WHOLESALE-ORDER', {}), signal())).toMatchObject({ ok: false, permanent: false, reason: expect.stringContaining('transport:') });
  });

  it('a message type that is not a wholesale request is a permanent failure', async () => {
    const { t } = transport('rest');
    expect(await t.send(item('RUEM-VA', {}), signal())).toEqual({ ok: false, permanent: true, reason: 'RUEM-VA is not a wholesale request' });
  });

  it('SOAP: one endpoint, SOAPAction per operation, the body as the XSD describes it', async () => {
    const { t, pool } = transport('soap');
    let seen: { headers: Record<string, string>; body: string } | undefined;
    pool.intercept({ path: '/soap', method: 'POST' }).reply(200, (opts) => {
      seen = { headers: opts.headers as Record<string, string>, body: String(opts.body) };
      return encodeWholesaleSoapResponse('cancelOrder', { result: 'OK' });
    });
    const body = { externalId: 'DEU.EKPA.S000000001', productOrder: { externalId: 'DEU.EKPA.V000000001' }, cancellationReason: 'STR-AUF agreed' };
    expect((await t.send(item('WHOLESALE-CANCEL', body), signal())).ok).toBe(true);
    expect(seen!.headers.soapaction).toBe('"cancelOrder"');
    expect(seen!.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(decodeWholesaleSoap(seen!.body)).toEqual({ ok: true, op: 'cancelOrder', body });
  });
});
