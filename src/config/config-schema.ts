/** JSON Schema of the configuration file. Unknown keys are errors: a typo must not be silently ignored. */
import { agcomPeerSchema, agcomRulesSchema, agcomSchema } from './agcom-config.js';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const carrierCode = { type: 'string', pattern: '^[0-9A-Z]{3}\\.[0-9A-Z]{1,6}$' } as const;
const envName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
const url = { type: 'string', pattern: '^https?://' } as const;

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
        profiles: { type: 'array', items: { enum: ['wbci', 'agcom'] }, minItems: 1, uniqueItems: true, default: ['wbci'] },
        holidayRegion: { type: 'string', pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$', default: 'DE-BY' },
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
              enum: ['switches:read', 'switches:write', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use'],
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
          protocol: { enum: ['wbci-soap', 'wbci-json', 'agcom-soap', 'agcom-json', 'agcom-file'] },
          url,
          auth,
          inboundTokenSha256: hex64,
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
        inboundTokenSha256: hex64,
      },
    },
    webhooks: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secretEnv'],
        properties: { url, secretEnv: envName, name: { type: 'string', minLength: 1, maxLength: 64 } },
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
      },
    },
    agcom: agcomSchema,
    console: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sessionSecretEnv: envName,
        sessionTtlMinutes: { type: 'integer', minimum: 1, maximum: 10080 },
      },
    },
  },
} as const;
