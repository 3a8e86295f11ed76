/**
 * Route schemas compiled on first use. Fastify compiles every route's request validators (ajv)
 * and response serializers (fast-json-stringify) when the route is added; for this gateway's
 * ~100 routes that was most of its start-up time and a good part of its idle heap, while a given
 * gateway answers only some of them (the console, the AGCOM and FTTH wire, the documentation...).
 * Here each one compiles on the first request that needs it, with the compiler fastify would have
 * used, so what it accepts, rejects and writes is unchanged.
 *
 * A schema that cannot compile would now fail its first request (a 500) instead of start-up, so
 * every app keeps its pending compilations: `compileAllSchemas(app)` compiles them all at once,
 * which the tests do for a gateway with every profile on (test/integration/lazy-schemas.test.ts).
 */
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

type SerializerFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer'] & {};

// fastify's own default serializer compiler, resolved from fastify's package so that it is always
// the version fastify ships with (it is fastify's dependency, not ours)
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultSerializerFactory = (fastifyRequire('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();

/** One lazily compiled schema: whether it is compiled yet, and how to compile it now (idempotent). */
export interface LazyCompilation {
  readonly compiled: boolean;
  compileNow(): unknown;
}

/** The lazily compiled schemas of one app. */
export class PendingCompilations {
  readonly #all: LazyCompilation[] = [];

  add(c: LazyCompilation): void {
    this.#all.push(c);
  }

  /** How many are not compiled yet. */
  get pending(): number {
    return this.#all.filter((c) => !c.compiled).length;
  }

  /** Compiles everything not compiled yet; returns how many that was. Throws the first compilation error. */
  compileAll(): number {
    let n = 0;
    for (const c of this.#all) {
      if (c.compiled) continue;
      c.compileNow();
      n++;
    }
    return n;
  }
}

/** `schemaController.compilersFactory.buildSerializer` for fastify: fast-json-stringify, on first use. */
export function lazySerializerFactory(pending: PendingCompilations): SerializerFactory {
  return (externalSchemas, options) => {
    const compile = defaultSerializerFactory(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      const get = () => (serialize ??= compile(route));
      pending.add({ compileNow: get, get compiled() { return serialize !== undefined; } });
      return (doc: unknown) => (serialize ?? get())(doc);
    };
  };
}

const byApp = new WeakMap<FastifyInstance, PendingCompilations>();

export function trackPendingCompilations(app: FastifyInstance, pending: PendingCompilations): void {
  byApp.set(app, pending);
}

/** Compiles every route schema of `app` not compiled yet; returns how many that was. */
export function compileAllSchemas(app: FastifyInstance): number {
  return byApp.get(app)?.compileAll() ?? 0;
}

/** How many route schemas of `app` are not compiled yet. */
export function pendingSchemas(app: FastifyInstance): number {
  return byApp.get(app)?.pending ?? 0;
}
