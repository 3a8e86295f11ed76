/** JSON Schema of the configuration file. Unknown keys are errors: a typo must not be silently ignored. */
import { agcomPeerSchema, agcomRulesSchema, agcomSchema } from './agcom-config.js';
import { interconnectSchema } from './interconnect-config.js';
import { retrySchema } from './retry-schema.js';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const carrierCode = { type: 'string', pattern: '^[0-9A-Z]{3}\\.[0-9A-Z]{1,6}$' } as const;
const envName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
const url = { type: 'string', pattern: '^https?://' } as const;
const filePath = { type: 'string', minLength: 1 } as const;
/** one value, or old and new during a rollover */
const hex64OrPair = {
  description: 'a hex SHA-256 (64 lowercase hex digits), or a list of one or two of them (old and new during a rollover)',
  anyOf: [hex64, { type: 'array', items: hex64, minItems: 1, maxItems: 2, uniqueItems: true }],
} as const;
const certDigests = { type: 'array', items: hex64, minItems: 1, maxItems: 2, uniqueItems: true } as const;
const auth = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: ['bearer', 'none'] },
    tokenEnv: envName,
  },
} as const;

export const configSchema = {
  $id: 'switchgate-config',
  type: 'object',
  additionalProperties: false,
  required: ['self'],
  properties: {
    $schema: { type: 'string' },
    self: {
      type: 'object',
      additionalProperties: false,
      required: ['carrierCode'],
      properties: {
        carrierCode,
        profiles: { type: 'array', items: { enum: ['wbci', 'agcom', 'interconnect'] }, minItems: 1, uniqueItems: true, default: ['wbci'] },
        holidayRegion: { type: 'string', pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$', default: 'DE-BY' },
        wsSecurity: {
          type: 'object',
          additionalProperties: false,
          required: ['keyFile', 'certFile'],
          properties: { keyFile: filePath, certFile: filePath },
        },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['certFile', 'keyFile'],
          properties: { certFile: { type: 'string', minLength: 1 }, keyFile: { type: 'string', minLength: 1 } },
        },
      },
    },
    apiKeys: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'keySha256', 'scopes'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64 },
          keySha256: hex64,
          scopes: {
            type: 'array',
            uniqueItems: true,
            items: {
              enum: ['switches:read', 'switches:write', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use', 'interconnect:read', 'interconnect:write'],
            },
          },
        },
      },
    },
    peers: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['carrierCode', 'protocol', 'url'],
        properties: {
          carrierCode,
          protocol: { enum: ['wbci-soap', 'wbci-json', 'agcom-soap', 'agcom-json', 'agcom-file', 'interconnect-json'] },
          url,
          auth,
          inboundTokenSha256: hex64OrPair,
          inboundCertSha256: certDigests,
          tls: {
            type: 'object',
            additionalProperties: false,
            properties: {
              caFile: { type: 'string' },
              certFile: { type: 'string' },
              keyFile: { type: 'string' },
              rejectUnauthorized: { type: 'boolean' },
            },
          },
          version: {
            type: 'object',
            additionalProperties: false,
            required: ['major', 'minor'],
            properties: { major: { type: 'string', pattern: '^[0-9]{2}$' }, minor: { type: 'string', pattern: '^[0-9]{2}$' } },
          },
          agcom: agcomPeerSchema,
          wsSecurity: {
            type: 'object',
            additionalProperties: false,
            properties: {
              certFile: { anyOf: [filePath, { type: 'array', items: filePath, minItems: 1, maxItems: 4, uniqueItems: true }] },
              required: { type: 'boolean', default: false },
              algorithm: { enum: ['rsa-sha256', 'rsa-sha1'], default: 'rsa-sha256' },
            },
          },
          retry: retrySchema,
        },
      },
    },
    wholesale: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url,
        protocol: { enum: ['rest', 'soap'], default: 'rest' },
        placeOrders: { enum: ['auto', 'manual'], default: 'auto' },
        auth,
        inboundTokenSha256: hex64OrPair,
        inboundCertSha256: certDigests,
        retry: retrySchema,
      },
    },
    webhooks: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secretEnv'],
        properties: { url, secretEnv: envName, name: { type: 'string', minLength: 1, maxLength: 64 }, previousSecretEnv: envName, retry: retrySchema },
      },
    },
    deadlines: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        wbci: {
          type: 'object',
          default: {},
          additionalProperties: { anyOf: [{ type: 'integer', minimum: 0, maximum: 365 }, { type: 'boolean' }] },
        },
        agcom: agcomRulesSchema,
        maxRequestedDateHorizonDays: { type: 'integer', minimum: 1, maximum: 3650, default: 730 },
      },
    },
    agcom: agcomSchema,
    interconnect: interconnectSchema,
    wbci: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // a received AKM-TR with lines the RUEM-VA did not name: answer ABBM-TR itself, or ask the CRM
        akmTrChecks: { enum: ['auto', 'event'], default: 'auto' },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxEventLoopDelayMs: { type: 'integer', minimum: 1, maximum: 60000, default: 3000 },
        eventLoopSampleIntervalMs: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
        shedMinInFlight: { type: 'integer', minimum: 0, maximum: 100000, default: 8 },
        retryAfterSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 5 },
        handlerTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000, default: 90000 },
      },
    },
    console: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sessionSecretEnv: envName,
        sessionTtlMinutes: { type: 'integer', minimum: 1, maximum: 10080 },
      },
    },
    idempotency: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // how long an Idempotency-Key and its stored answer are kept (1 hour to 30 days)
        ttlHours: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
      },
    },
    outbox: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // how long a delivered outbox row is kept before the sweep deletes it (1 hour to 1 year)
        deliveredRetentionHours: { type: 'integer', minimum: 1, maximum: 8760, default: 168 },
      },
    },
  },
} as const;
