import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyAuth, sha256Hex } from '../../../src/http/auth.js';
import { errorHandler } from '../../../src/http/problem.js';
import { migrationCodeRoutes } from '../../../src/http/routes/migration-code.js';
import { createValidatorCompiler, loadRestSchemas } from '../../../src/http/schemas.js';
import { buildSecretCode } from '../../../src/protocols/agcom/secret-code.js';

const TOOLS_KEY = 'tools-key';
const OTHER_KEY = 'other-key';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify();
  const shared = loadRestSchemas();
  for (const s of shared) app.addSchema(s);
  app.setValidatorCompiler(createValidatorCompiler(shared));
  app.setErrorHandler(errorHandler);
  app.addHook(
    'onRequest',
    apiKeyAuth([
      { name: 'crm', keySha256: sha256Hex(TOOLS_KEY), scopes: ['tools:use'] },
      { name: 'reader', keySha256: sha256Hex(OTHER_KEY), scopes: ['switches:read'] },
    ]),
  );
  await app.register(migrationCodeRoutes, { options: { unknownCos: 'warning' } });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

const post = (payload: unknown, key: string | null = TOOLS_KEY) =>
  app.inject({
    method: 'POST',
    url: '/v1/tools/migration-code/validate',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    payload: payload as Record<string, unknown>,
  });

describe('POST /v1/tools/migration-code/validate', () => {
  it('answers a valid code with its parts', async () => {
    const res = await post({ code: '2ZZ 069234552 001 K' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      valid: true,
      normalized: '2ZZ069234552001K',
      layout: 'with-cos',
      parts: { cow: '2ZZ', cor: '069234552', cos: '001', checkChar: 'K' },
      service: { network: 'TIM', service: 'legacy copper (ULL / shared access / WLR / bitstream); exact mapping not public', family: 'copper' },
      errors: [],
      warnings: [],
    });
  });

  it('answers an invalid code with 200, valid false and the failure', async () => {
    const res = await post({ code: 'WIN0612345678001H' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.valid).toBe(false);
    expect(body.parts).toEqual({ cow: 'WIN', cor: '0612345678', cos: '001', checkChar: 'H' });
    expect(body.errors).toEqual([
      {
        code: 'SG_MC_CHECK_CHAR',
        message: 'check character H does not match: computed over COW+COR (WIN+0612345678) it is Z',
        part: 'checkChar',
        path: '/code',
        rule: 'checkChar',
        severity: 'error',
        expected: 'Z',
        found: 'H',
      },
    ]);
  });

  it('null parts stay null in the answer', async () => {
    const res = await post({ code: 'AB' });
    expect(res.json()).toMatchObject({ valid: false, layout: null, parts: { cow: null, cor: null, cos: null, checkChar: null } });
    expect(res.json().errors[0].code).toBe('SG_MC_LENGTH');
  });

  it('validates a TIM codice segreto in the same shape', async () => {
    const code = buildSecretCode('X7K', '0612345678');
    const res = await post({ code, kind: 'secret' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      valid: true,
      normalized: code,
      layout: 'without-cos',
      parts: { cow: 'X7K', cor: '0612345678', cos: null, checkChar: code.at(-1) },
      errors: [],
      warnings: [],
    });
    const bad = await post({ code: 'X7K06123A5678Q', kind: 'secret' });
    expect(bad.json().errors[0]).toMatchObject({ code: 'SG_SC_PHONE_CHARSET', part: 'cor' });
  });

  it('refuses a body that does not match the schema, naming the field', async () => {
    const extra = await post({ code: '2ZZ069234552001K', codice: 'x' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toMatchObject({ code: 'SG_INVALID_REQUEST', errors: [{ path: '/codice', rule: 'additionalProperties', code: 'SG_SCHEMA' }] });
    const missing = await post({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0]).toMatchObject({ path: '/code', rule: 'required' });
    const wrongType = await post({ code: 42 });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().errors[0]).toMatchObject({ path: '/code', rule: 'type' });
    const kind = await post({ code: 'x', kind: 'pin' });
    expect(kind.json().errors[0]).toMatchObject({ path: '/kind', rule: 'enum' });
  });

  it('needs an API key with the tools:use scope', async () => {
    expect((await post({ code: '2ZZ069234552001K' }, null)).statusCode).toBe(401);
    const forbidden = await post({ code: '2ZZ069234552001K' }, OTHER_KEY);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('SG_FORBIDDEN');
  });
});
