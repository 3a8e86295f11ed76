/**
 * Interconnection billing over real HTTP on 127.0.0.1 (profile "interconnect"): the traffic CSV
 * streamed in chunks, netting and payment imputation, and every bad input answered with an RFC 9457
 * problem naming the field path, rule and code — a refused import keeps nothing.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { configChecks } from '../../src/config/checks.js';
import { silentLog } from '../support/gateway-pair.js';
import { TARIFFS } from '../support/interconnect-pair.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const BILLING_KEY = 'billing-key';
const READER_KEY = 'reader-key';
const OTHER_KEY = 'switches-key';

const BANDS = [
  { name: 'peak', days: ['weekday'], from: '08:00', to: '18:30' },
  { name: 'offpeak', days: ['weekday'], from: '00:00', to: '08:00' },
  { name: 'offpeak', days: ['weekday'], from: '18:30', to: '24:00' },
  { name: 'weekend', days: ['saturday', 'holiday'], from: '00:00', to: '24:00' },
];

function config(profiles: string[]) {
  return parseConfig(
    {
      self: { carrierCode: 'ITA.OAO', profiles, holidayRegion: 'IT' },
      apiKeys: [
        { name: 'billing', keySha256: sha(BILLING_KEY), scopes: ['interconnect:read', 'interconnect:write'] },
        { name: 'reader', keySha256: sha(READER_KEY), scopes: ['interconnect:read'] },
        { name: 'crm', keySha256: sha(OTHER_KEY), scopes: ['switches:read', 'switches:write'] },
      ],
      ...(profiles.includes('interconnect') ? { interconnect: { tariffs: TARIFFS, timeBands: BANDS }, peers: [{ carrierCode: 'ITA.TIM', protocol: 'interconnect-json', url: 'http://127.0.0.1:9/interconnect/v1', auth: { type: 'none' } }] } : {}),
    },
    'test',
    {},
    configChecks,
  );
}

interface Answer {
  status: number;
  contentType: string;
  body: any;
}

async function call(base: string, method: 'POST' | 'GET', path: string, opts: { key?: string; json?: unknown; csv?: string | AsyncIterable<Buffer>; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.key ?? BILLING_KEY}` };
  let body: string | Readable | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.csv !== undefined) {
    headers['content-type'] = opts.contentType ?? 'text/csv';
    body = typeof opts.csv === 'string' ? opts.csv : Readable.from(opts.csv);
  }
  const res = await request(base + path, { method, headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: text ? JSON.parse(text) : undefined };
}

/** The CSV in small chunks, as a client streaming a large file would send it. */
async function* chunked(text: string, size = 7): AsyncIterable<Buffer> {
  for (let i = 0; i < text.length; i += size) yield Buffer.from(text.slice(i, i + size));
}

const CSV = [
  'callId,start,durationSeconds,service',
  'a,2026-01-14T07:59:30+01:00,90,M-M', // Wednesday: 30 s offpeak, 60 s peak
  'b,2026-01-31T23:59:30+01:00,90', // Saturday → Sunday, January
  'c,2026-02-02T18:29:00+01:00,120', // Monday: 60 peak, 60 offpeak
  '',
].join('\n');

const EXPECTED = {
  calls: 3,
  months: [
    { month: '2026-01', bands: { peak: { seconds: 60, calls: 1 }, offpeak: { seconds: 30, calls: 1 }, weekend: { seconds: 90, calls: 1 } } },
    { month: '2026-02', bands: { peak: { seconds: 60, calls: 1 }, offpeak: { seconds: 60, calls: 1 }, weekend: { seconds: 0, calls: 0 } } },
  ],
};

function expectProblem(res: Answer, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.contentType).toContain('application/problem+json');
  expect(res.body.code).toBe(code);
}

describe('interconnection billing over HTTP', () => {
  let gw: Gateway;
  let base: string;

  beforeAll(async () => {
    gw = await createGateway({ config: config(['interconnect']), inMemory: true, background: false, log: silentLog() });
    base = await gw.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await gw?.close();
  });

  describe('POST /v1/interconnect/traffic', () => {
    it('rates a streamed CSV by month and band', async () => {
      const res = await call(base, 'POST', '/v1/interconnect/traffic', { csv: chunked(CSV) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual(EXPECTED);
    });

    it('accepts text/csv with a charset parameter', async () => {
      const res = await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV, contentType: 'text/csv; charset=utf-8' });
      expect(res.body).toEqual(EXPECTED);
    });

    it('refuses a malformed line by number, field, rule and code; nothing of the import is kept', async () => {
      const bad = CSV.replace('c,2026-02-02T18:29:00+01:00,120', 'c,2026-02-29T18:29:00+01:00,120');
      const res = await call(base, 'POST', '/v1/interconnect/traffic', { csv: chunked(bad, 5) });
      expectProblem(res, 422, 'SG_CSV_INVALID');
      expect(res.body).toMatchObject({ lines: 4, invalidLines: 1, detail: expect.stringContaining('line 4: start') });
      expect(res.body.errors).toEqual([{ path: '/lines/4/start', line: 4, field: 'start', rule: 'date', code: 'SG_CSV_START', message: 'is not a calendar date (from 1970)' }]);
      // the refused import left nothing behind: the next import is rated on its own
      const again = await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV });
      expect(again.body).toEqual(EXPECTED);
    });

    it('streams a body far beyond the JSON body limit (1 MiB) and counts it in the metrics', async () => {
      const n = 250_000;
      async function* big(): AsyncIterable<Buffer> {
        for (let i = 0; i < n; i += 10_000) {
          let part = '';
          for (let k = i; k < i + 10_000; k++) part += `call-${k},2026-03-02T10:00:00+01:00,${k % 7}\n`;
          yield Buffer.from(part);
        }
      }
      const res = await call(base, 'POST', '/v1/interconnect/traffic', { csv: big() });
      expect(res.status).toBe(200);
      expect(res.body.calls).toBe(n);
      // every call (those of 0 s too) counts in the band of its start
      const seconds = Array.from({ length: n }, (_, k) => k % 7).reduce((a, b) => a + b, 0);
      expect(res.body.months).toEqual([{ month: '2026-03', bands: { peak: { seconds, calls: n }, offpeak: { seconds: 0, calls: 0 }, weekend: { seconds: 0, calls: 0 } } }]);
      const metrics = await (await request(`${base}/metrics`)).body.text();
      expect(metrics).toMatch(/switchgate_interconnect_traffic_imports_total\{outcome="rated"\} [1-9]/);
      expect(metrics).toMatch(/switchgate_interconnect_rated_calls_total [1-9]/);
    });

    it.each<[string, string, { path: string; line: number; field: string; rule: string; code: string }]>([
      ['too few fields', 'x,2026-01-14T10:00:00+01:00', { path: '/lines/2', line: 2, field: 'line', rule: 'fieldCount', code: 'SG_CSV_FIELD_COUNT' }],
      ['a negative duration', 'x,2026-01-14T10:00:00+01:00,-3', { path: '/lines/2/durationSeconds', line: 2, field: 'durationSeconds', rule: 'format', code: 'SG_CSV_DURATION' }],
      ['a start without offset', 'x,2026-01-14T10:00:00,3', { path: '/lines/2/start', line: 2, field: 'start', rule: 'format', code: 'SG_CSV_START' }],
      ['an empty call id', ',2026-01-14T10:00:00Z,3', { path: '/lines/2/callId', line: 2, field: 'callId', rule: 'minLength', code: 'SG_CSV_CALL_ID' }],
      ['a quoted service', 'x,2026-01-14T10:00:00Z,3,"M-M"', { path: '/lines/2/service', line: 2, field: 'service', rule: 'pattern', code: 'SG_CSV_SERVICE' }],
      ['a blank line', '', { path: '/lines/2', line: 2, field: 'line', rule: 'notBlank', code: 'SG_CSV_BLANK_LINE' }],
      ['a line of 600 characters', `x,2026-01-14T10:00:00Z,3,${'s'.repeat(570)}`, { path: '/lines/2', line: 2, field: 'line', rule: 'maxLength', code: 'SG_CSV_LINE_TOO_LONG' }],
    ])('refuses %s with its line, field, rule and code', async (_title, line, issue) => {
      const res = await call(base, 'POST', '/v1/interconnect/traffic', { csv: chunked(`a,2026-01-14T07:59:30+01:00,90\n${line}\nb,2026-01-14T07:59:30+01:00,90\n`, 64) });
      expectProblem(res, 422, 'SG_CSV_INVALID');
      expect(res.body.errors).toEqual([expect.objectContaining(issue)]);
      expect(res.body).toMatchObject({ lines: 3, invalidLines: 1 });
    });

    it('refuses another media type', async () => {
      expectProblem(await call(base, 'POST', '/v1/interconnect/traffic', { json: { calls: [] } }), 415, 'SG_UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV, contentType: 'text/plain' }), 415, 'SG_UNSUPPORTED_MEDIA_TYPE');
    });

    it('needs an API key with interconnect:write', async () => {
      expectProblem(await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV, key: 'nope' }), 401, 'SG_UNAUTHENTICATED');
      expectProblem(await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV, key: READER_KEY }), 403, 'SG_FORBIDDEN');
      expectProblem(await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV, key: OTHER_KEY }), 403, 'SG_FORBIDDEN');
    });
  });

  describe('POST /v1/interconnect/netting', () => {
    const invoices = [
      { number: 'TIM-1', direction: 'payable', issueDate: '2026-04-01', dueDate: '2026-05-15', amount: '1200.00', residual: '1200.00', disputed: '200.00' },
      { number: 'OAO-7', direction: 'receivable', issueDate: '2026-02-01', dueDate: '2026-03-31', amount: '900.50', residual: '300.25', creditNotes: [{ number: 'NC-1', invoiceRef: 'OAO-7' }] },
      { number: 'TIM-2', direction: 'payable', issueDate: '2026-01-01', dueDate: '2026-02-01', amount: '50', residual: '50', repaymentPlan: true },
    ];

    it('answers the statement with decimal strings and the last working day', async () => {
      const res = await call(base, 'POST', '/v1/interconnect/netting', { key: READER_KEY, json: { month: '2026-05', invoices } });
      expect(res.status).toBe(200);
      expect(res.body.lines.map((l: any) => [l.invoiceNumber, l.residual, l.disputed, l.netting])).toEqual([
        ['TIM-1', '1200.00', '200.00', '1000.00'],
        ['OAO-7', '300.25', '0.00', '300.25'],
      ]);
      expect(res.body).toMatchObject({ receivables: '300.25', payables: '1000.00', netBalance: '-699.75', nettingValueDate: '2026-05-29', excluded: [{ invoiceNumber: 'TIM-2', reason: 'repayment-plan' }] });
    });

    it.each<[string, unknown, number, string, string, string]>([
      ['an unknown field', { month: '2026-05', invoices: [{ ...invoices[0], vat: '22' }] }, 400, 'SG_INVALID_REQUEST', '/invoices/0/vat', 'additionalProperties'],
      ['a missing month', { invoices }, 400, 'SG_INVALID_REQUEST', '/month', 'required'],
      ['month 13', { month: '2026-13', invoices }, 400, 'SG_INVALID_REQUEST', '/month', 'pattern'],
      ['an amount as a number', { month: '2026-05', invoices: [{ ...invoices[0], amount: 1200 }] }, 400, 'SG_INVALID_REQUEST', '/invoices/0/amount', 'type'],
      ['an amount with three decimals', { month: '2026-05', invoices: [{ ...invoices[0], residual: '1.001' }] }, 400, 'SG_INVALID_REQUEST', '/invoices/0/residual', 'pattern'],
      ['a negative amount', { month: '2026-05', invoices: [{ ...invoices[0], disputed: '-1.00' }] }, 400, 'SG_INVALID_REQUEST', '/invoices/0/disputed', 'pattern'],
      ['31 April', { month: '2026-05', invoices: [{ ...invoices[0], dueDate: '2026-04-31' }] }, 422, 'SG_BAD_DATE', '/invoices/0/dueDate', 'date'],
      ['disputed above residual', { month: '2026-05', invoices: [{ ...invoices[0], disputed: '1200.01' }] }, 422, 'SG_NETTING_DISPUTED', '/invoices/0/disputed', 'notAboveResidual'],
      ['a repeated invoice', { month: '2026-05', invoices: [invoices[0], invoices[0]] }, 422, 'SG_NETTING_DUPLICATE', '/invoices/1/number', 'unique'],
      ['no invoices', { month: '2026-05', invoices: [] }, 400, 'SG_INVALID_REQUEST', '/invoices', 'minItems'],
      ['an unknown direction', { month: '2026-05', invoices: [{ ...invoices[0], direction: 'both' }] }, 400, 'SG_INVALID_REQUEST', '/invoices/0/direction', 'enum'],
      ['residual above amount', { month: '2026-05', invoices: [{ ...invoices[0], residual: '1200.01', disputed: '0' }] }, 422, 'SG_NETTING_RESIDUAL', '/invoices/0/residual', 'notAboveAmount'],
      ['a due date before the issue date', { month: '2026-05', invoices: [{ ...invoices[0], dueDate: '2026-03-31' }] }, 422, 'SG_NETTING_DUE_DATE', '/invoices/0/dueDate', 'notBeforeIssueDate'],
    ])('refuses %s', async (_title, body, status, code, path, rule) => {
      const res = await call(base, 'POST', '/v1/interconnect/netting', { json: body });
      expectProblem(res, status, code);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
    });
  });

  describe('POST /v1/interconnect/payments/allocate', () => {
    const debts = [
      { id: 'INV-1', amount: '100.00', dueDate: '2026-06-02', security: 0, burden: 1, issuedAt: '2026-05-01' }, // Republic Day: term moves to 3 June
      { id: 'INV-2', amount: '100.00', dueDate: '2026-05-29', security: 1, burden: 1, issuedAt: '2026-04-01' },
      { id: 'INV-3', amount: '200.00', dueDate: '2026-05-29', security: 1, burden: 1, issuedAt: '2026-04-01' },
    ];

    it('imputes overdue debts first, then pro rata among the tied, to the cent', async () => {
      const res = await call(base, 'POST', '/v1/interconnect/payments/allocate', { key: READER_KEY, json: { amount: '100.00', asOf: '2026-06-03', debts } });
      expect(res.status).toBe(200);
      expect(res.body.allocations.map((a: any) => [a.id, a.amount])).toEqual([
        ['INV-1', '0.00'],
        ['INV-2', '33.33'],
        ['INV-3', '66.67'],
      ]);
      expect(res.body).toMatchObject({ allocated: '100.00', unallocated: '0.00' });
    });

    it('once the moved term has passed, the least secured comes first', async () => {
      const res = await call(base, 'POST', '/v1/interconnect/payments/allocate', { json: { amount: '150', asOf: '2026-06-04', debts } });
      expect(res.body.allocations.map((a: any) => a.amount)).toEqual(['100.00', '16.67', '33.33']);
    });

    it.each<[string, unknown, number, string, string, string]>([
      ['a negative security', { amount: '1', asOf: '2026-06-03', debts: [{ ...debts[0], security: -1 }] }, 400, 'SG_INVALID_REQUEST', '/debts/0/security', 'minimum'],
      ['security as a string', { amount: '1', asOf: '2026-06-03', debts: [{ ...debts[0], security: '1' }] }, 400, 'SG_INVALID_REQUEST', '/debts/0/security', 'type'],
      ['no debts', { amount: '1', asOf: '2026-06-03', debts: [] }, 400, 'SG_INVALID_REQUEST', '/debts', 'minItems'],
      ['a missing burden', { amount: '1', asOf: '2026-06-03', debts: [{ id: 'x', amount: '1', dueDate: '2026-06-01', security: 0, issuedAt: '2026-06-01' }] }, 400, 'SG_INVALID_REQUEST', '/debts/0/burden', 'required'],
      ['an amount with a comma', { amount: '1,00', asOf: '2026-06-03', debts }, 400, 'SG_INVALID_REQUEST', '/amount', 'pattern'],
      ['30 February', { amount: '1', asOf: '2026-02-30', debts }, 422, 'SG_BAD_DATE', '/asOf', 'date'],
      ['a repeated id', { amount: '1', asOf: '2026-06-03', debts: [debts[0], debts[0]] }, 422, 'SG_DUPLICATE_DEBT', '/debts/1/id', 'unique'],
    ])('refuses %s', async (_title, body, status, code, path, rule) => {
      const res = await call(base, 'POST', '/v1/interconnect/payments/allocate', { json: body });
      expectProblem(res, status, code);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ path, rule }));
    });

    it('needs interconnect:read', async () => {
      expectProblem(await call(base, 'POST', '/v1/interconnect/payments/allocate', { key: OTHER_KEY, json: { amount: '1', asOf: '2026-06-03', debts } }), 403, 'SG_FORBIDDEN');
    });
  });
});

describe('interconnection billing without the "interconnect" profile', () => {
  it('has no billing routes', async () => {
    const gw = await createGateway({ config: config(['wbci']), inMemory: true, background: false, log: silentLog() });
    try {
      const base = await gw.listen(0, '127.0.0.1');
      expectProblem(await call(base, 'POST', '/v1/interconnect/traffic', { csv: CSV }), 404, 'SG_ROUTE_NOT_FOUND');
    } finally {
      await gw.close();
    }
  });
});
