/** The configuration file (architecture.md "Configuration file"), after validation and defaults. */
import type { WbciRulesInput } from './wbci-rules-input.js';
import type { AgcomConfig, AgcomPeerConfig } from './agcom-config.js';
import type { AgcomRulesInput } from '../protocols/agcom/rules.js';

export type { AgcomConfig, AgcomPeerConfig } from './agcom-config.js';

export type Scope =
  | 'switches:read'
  | 'switches:write'
  | 'events:read'
  | 'dead-letters:read'
  | 'dead-letters:write'
  | 'tools:use';

export const ALL_SCOPES: readonly Scope[] = [
  'switches:read',
  'switches:write',
  'events:read',
  'dead-letters:read',
  'dead-letters:write',
  'tools:use',
];

export interface ApiKeyConfig {
  name: string;
  /** hex SHA-256 of the key; the key itself is never stored */
  keySha256: string;
  scopes: Scope[];
}

export type PeerProtocol = 'wbci-soap' | 'wbci-json' | 'agcom-soap' | 'agcom-json' | 'agcom-file';

export interface AuthConfig {
  type: 'bearer' | 'none';
  /** name of the environment variable holding the token */
  tokenEnv?: string;
}

export interface TlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  rejectUnauthorized?: boolean;
}

export interface PeerConfig {
  carrierCode: string;
  protocol: PeerProtocol;
  url: string;
  auth?: AuthConfig;
  /** hex SHA-256 of the bearer token this peer presents to us (old and new during a rollover) */
  inboundTokenSha256?: string | string[];
  /** hex SHA-256 of the DER client certificate this peer must present (mutual TLS) */
  inboundCertSha256?: string[];
  tls?: TlsConfig;
  /** WBCI version this partner speaks */
  version?: { major: string; minor: string };
  /** AGCOM partners only: operator code, file naming, wire values, rules */
  agcom?: AgcomPeerConfig;
}

export interface WholesaleConfig {
  url: string;
  protocol: 'rest' | 'soap';
  placeOrders: 'auto' | 'manual';
  auth?: AuthConfig;
  inboundTokenSha256?: string | string[];
  inboundCertSha256?: string[];
}

export interface RetryConfig {
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface WebhookConfig {
  url: string;
  secretEnv: string;
  name?: string;
  /** the secret being replaced, during a rollover: both signatures are sent */
  previousSecretEnv?: string;
  retry?: RetryConfig;
}

export interface ServerConfig {
  /** HTTPS with client certificates requested (mutual TLS on the east-west routes) */
  tls?: { certFile: string; keyFile: string };
}

/** A string-or-list hash setting as a list. */
export const hashList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export interface SelfConfig {
  carrierCode: string;
  profiles: ('wbci' | 'agcom')[];
  holidayRegion: string;
}

export interface GatewayConfig {
  self: SelfConfig;
  server?: ServerConfig;
  apiKeys: ApiKeyConfig[];
  peers: PeerConfig[];
  wholesale?: WholesaleConfig;
  webhooks: WebhookConfig[];
  deadlines: { wbci: WbciRulesInput; agcom?: AgcomRulesInput };
  /** the Italian procedure (with "agcom" in self.profiles) */
  agcom?: AgcomConfig;
}
