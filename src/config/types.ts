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
  /** hex SHA-256 of the bearer token this peer presents to us */
  inboundTokenSha256?: string;
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
  inboundTokenSha256?: string;
}

export interface WebhookConfig {
  url: string;
  secretEnv: string;
  name?: string;
}

export interface SelfConfig {
  carrierCode: string;
  profiles: ('wbci' | 'agcom')[];
  holidayRegion: string;
}

export interface GatewayConfig {
  self: SelfConfig;
  apiKeys: ApiKeyConfig[];
  peers: PeerConfig[];
  wholesale?: WholesaleConfig;
  webhooks: WebhookConfig[];
  deadlines: { wbci: WbciRulesInput; agcom?: AgcomRulesInput };
  /** the Italian procedure (with "agcom" in self.profiles) */
  agcom?: AgcomConfig;
  /** the operations console at /console */
  console?: ConsoleConfig;
}

export interface ConsoleConfig {
  /** environment variable holding the secret that signs console sessions (the same on every replica) */
  sessionSecretEnv?: string;
  /** how long a console login lasts (default 480) */
  sessionTtlMinutes?: number;
}
