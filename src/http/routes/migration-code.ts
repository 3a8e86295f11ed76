/**
 * CRM tool: `POST /v1/tools/migration-code/validate` (architecture.md, "CRM tools").
 *
 * A validation result is the answer, not an error: an invalid code is `200` with `valid: false`
 * and one error per failure; only a body that does not match the schema is a `400` problem.
 */
import type { FastifyInstance } from 'fastify';
import { validateMigrationCode, type MigrationCodeOptions, type MigrationCodeResult } from '../../protocols/agcom/migration-code.js';
import { validateSecretCode, type SecretCodeOptions } from '../../protocols/agcom/secret-code.js';

export interface MigrationCodeRoutesDeps {
  /** COS table and severities from the configuration; the defaults of italy.md otherwise */
  options?: MigrationCodeOptions;
  secretOptions?: SecretCodeOptions;
}

interface Body {
  code: string;
  kind?: 'migration' | 'secret';
}

const issue = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    part: { type: 'string', enum: ['code', 'cow', 'cor', 'cos', 'checkChar'] },
    path: { type: 'string' },
    rule: { type: 'string' },
    severity: { type: 'string', enum: ['error', 'warning'] },
    expected: { type: 'string' },
    found: { type: 'string' },
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

const answer = {
  type: 'object',
  required: ['valid', 'parts', 'errors', 'warnings'],
  properties: {
    valid: { type: 'boolean' },
    normalized: { type: 'string' },
    layout: { type: ['string', 'null'], enum: ['with-cos', 'without-cos', null] },
    parts: {
      type: 'object',
      properties: { cow: nullableString, cor: nullableString, cos: nullableString, checkChar: nullableString },
    },
    service: { type: 'object', properties: { network: { type: 'string' }, service: { type: 'string' }, family: { type: 'string' } } },
    errors: { type: 'array', items: issue },
    warnings: { type: 'array', items: issue },
  },
} as const;

/** The secret-code answer in the migration-code shape: CS in `cow`, the number in `cor`. */
function secretAnswer(code: string, opts: SecretCodeOptions | undefined): MigrationCodeResult {
  const r = validateSecretCode(code, opts);
  const part = (p: string) => (p === 'secret' ? 'cow' : p === 'phoneNumber' ? 'cor' : p) as MigrationCodeResult['errors'][number]['part'];
  const out: MigrationCodeResult = {
    valid: r.valid,
    layout: r.valid ? 'without-cos' : null,
    parts: { cow: r.parts.secret, cor: r.parts.phoneNumber, cos: null, checkChar: r.parts.checkChar },
    errors: r.errors.map((e) => ({ ...e, part: part(e.part) })),
    warnings: r.warnings.map((e) => ({ ...e, part: part(e.part) })),
  };
  if (r.normalized !== undefined) out.normalized = r.normalized;
  return out;
}

export async function migrationCodeRoutes(app: FastifyInstance, deps: MigrationCodeRoutesDeps = {}): Promise<void> {
  app.post<{ Body: Body }>(
    '/v1/tools/migration-code/validate',
    {
      config: { scope: 'tools:use' },
      schema: {
        tags: ['tools'],
        summary: 'Validate an Italian migration code (COW, COR, COS, check character) or a TIM codice segreto',
        body: { $ref: 'migration-code-validate.json' },
        response: {
          200: answer,
          400: { $ref: 'common.json#/definitions/problem' },
          401: { $ref: 'common.json#/definitions/problem' },
          403: { $ref: 'common.json#/definitions/problem' },
        },
      },
    },
    async (request) => {
      const { code, kind } = request.body;
      return kind === 'secret' ? secretAnswer(code, deps.secretOptions) : validateMigrationCode(code, deps.options);
    },
  );
}
