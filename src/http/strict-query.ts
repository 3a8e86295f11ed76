/**
 * Unknown query parameters on the REST API (`/v1/…`) are refused like unknown body fields: 400
 * `SG_INVALID_REQUEST` with `errors[].path` `/query/<name>` and rule `additionalProperties`.
 * A route that declares no query parameters gets an empty, closed querystring schema; a declared
 * one is closed unless it says otherwise. The wire (`?wsdl`, `?xsd=`), the console and the docs
 * are not under `/v1` and keep their own rules.
 */
import type { FastifyInstance } from 'fastify';

interface QuerySchema {
  type?: string;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  $ref?: string;
}

export function strictQuery(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const schema = (route.schema ??= {}) as { querystring?: QuerySchema };
    if (schema.querystring === undefined) {
      schema.querystring = { type: 'object', additionalProperties: false, properties: {} };
    } else if (schema.querystring.$ref === undefined && schema.querystring.additionalProperties === undefined) {
      schema.querystring = { ...schema.querystring, additionalProperties: false };
    }
  });
}
