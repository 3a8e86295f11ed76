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
  deadlines: {
    wbci: WbciRulesInput;
    agcom?: AgcomRulesInput;
    /** a requested date (KWT, Wechseltermin, DAC) more than this many days ahead is refused (default 730) */
    maxRequestedDateHorizonDays?: number;
  };
  /** the Italian procedure (with "agcom" in self.profiles) */
  agcom?: AgcomConfig;
  /** load shedding and request time limits (README "Input limits and error formats") */
  limits?: LimitsConfig;
}

export interface LimitsConfig {
  /** shed load (503 + Retry-After) while the mean event-loop delay is above this (default 3000) */
  maxEventLoopDelayMs?: number;
  /** how often the event-loop delay is sampled (default 1000) */
  eventLoopSampleIntervalMs?: number;
  /** shed only while more requests than this are being handled (default 8) */
  shedMinInFlight?: number;
  /** Retry-After of a shed or timed-out request (default 5) */
  retryAfterSeconds?: number;
  /** a handler still running after this long is answered 503 SG_TIMEOUT (default 90000) */
  handlerTimeoutMs?: number;
}
