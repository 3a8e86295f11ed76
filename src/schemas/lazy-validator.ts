/**
 * A validate function that compiles its schema on the first call instead of at start-up.
 *
 * Compiling every JSON Schema with ajv is most of what a gateway spends on start-up (each route's
 * body, query and path schemas, the wire schemas), while a given gateway answers only some of those
 * routes. The wrapper behaves like the ajv function it stands for: same result, `errors` of the
 * last call, and `schemaEnv` (fastify checks it to pass `parentData`, so that ajv may replace a
 * coerced root value). A schema that does not compile throws on that first call, which the
 * surrounding error handling turns into a 500 — test/integration/lazy-schemas.test.ts compiles every
 * route's schemas with `compileNow` so that cannot reach production unnoticed.
 */
import type { ValidateFunction } from 'ajv';

type DataContext = Parameters<ValidateFunction>[1];

export interface LazyValidator extends ValidateFunction {
  /** compiles now (idempotent); returns the compiled function */
  compileNow(): ValidateFunction;
  readonly compiled: boolean;
}

export function lazyValidator(compile: () => ValidateFunction): LazyValidator {
  let compiled: ValidateFunction | undefined;
  const get = (): ValidateFunction => (compiled ??= compile());
  const validate = function (data: unknown, dataCtx?: DataContext): boolean {
    const fn = get();
    const ok = fn(data, dataCtx);
    validate.errors = fn.errors;
    return ok;
  } as LazyValidator;
  Object.defineProperty(validate, 'schemaEnv', { get: () => get().schemaEnv, enumerable: false });
  Object.defineProperty(validate, 'schema', { get: () => get().schema, enumerable: false });
  Object.defineProperty(validate, 'compileNow', { value: get, enumerable: false });
  Object.defineProperty(validate, 'compiled', { get: () => compiled !== undefined, enumerable: false });
  return validate;
}
