/** The configuration file (architecture.md "Configuration file"), after validation and defaults. */
import type { WbciRulesInput } from './wbci-rules-input.js';
import type { AgcomConfig, AgcomPeerConfig } from './agcom-config.js';
import type { AgcomRulesInput } from '../protocols/agcom/rules.js';
import type { InterconnectConfig } from './interconnect-config.js';
import type { RetryConfig } from './retry-schema.js';

export type { RetryConfig } from './retry-schema.js';

export type { AgcomConfig, AgcomPeerConfig } from './agcom-config.js';

export type Scope =
  | 'switches:read'
  | 'switches:write'
  | 'events:read'
  | 'dead-letters:read'
  | 'dead-letters:write'
  | 'tools:use'
  | 'interconnect:read'
  | 'interconnect:write';

export const ALL_SCOPES: readonly Scope[] = [
  'switches:read',
  'switches:write',
  'events:read',
  'dead-letters:read',
  'dead-letters:write',
  'tools:use',
  'interconnect:read',
  'interconnect:write',
];

export interface ApiKeyConfig {
  name: string;
  /** hex SHA-256 of the key; the key itself is never stored */
  keySha256: string;
  scopes: Scope[];
}

export type PeerProtocol = 'wbci-soap' | 'wbci-json' | 'agcom-soap' | 'agcom-json' | 'agcom-file' | 'interconnect-json';

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

/** Our WS-Security signing material (PEM files): every outbound SOAP message is signed with it. */
export interface SelfWsSecurityConfig {
  keyFile: string;
  certFile: string;
}

/** A peer's WS-Security settings: its pinned signing certificate(s) and the algorithm we sign with towards it. */
export interface PeerWsSecurityConfig {
  /** PEM file of the certificate the peer signs with, or several during a rollover */
  certFile?: string | string[];
  /** refuse (SOAP fault) every message from this peer that is not signed by a pinned certificate */
  required?: boolean;
  algorithm?: 'rsa-sha256' | 'rsa-sha1';
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
  wsSecurity?: PeerWsSecurityConfig;
  /** delivery retries to this peer (README "Delivery, retries and recovery") */
  retry?: RetryConfig;
}

export interface WholesaleConfig {
  url: string;
  protocol: 'rest' | 'soap';
  placeOrders: 'auto' | 'manual';
  auth?: AuthConfig;
  inboundTokenSha256?: string | string[];
  inboundCertSha256?: string[];
  /** delivery retries of orders (README "Delivery, retries and recovery") */
  retry?: RetryConfig;
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
  profiles: ('wbci' | 'agcom' | 'interconnect')[];
  holidayRegion: string;
  wsSecurity?: SelfWsSecurityConfig;
}

export interface GatewayConfig {
  self: SelfConfig;
  server?: ServerConfig;
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
  /** WBCI behaviour that is not a deadline */
  wbci?: { akmTrChecks?: 'auto' | 'event' };
  /** the Italian procedure (with "agcom" in self.profiles) */
  agcom?: AgcomConfig;
  /** VoLTE-VoIP/IP interconnection with TIM (with "interconnect" in self.profiles) */
  interconnect?: InterconnectConfig;
  /** load shedding and request time limits (README "Input limits and error formats") */
  limits?: LimitsConfig;
  /** the operations console at /console */
  console?: ConsoleConfig;
  /** `Idempotency-Key` on the commands (README "Idempotency, ETags and warnings") */
  idempotency?: { ttlHours?: number };
  /** retention of delivered outbox rows (README "Storage and retention") */
  outbox?: { deliveredRetentionHours?: number };
}

export interface ConsoleConfig {
  /** environment variable holding the secret that signs console sessions (the same on every replica) */
  sessionSecretEnv?: string;
  /** how long a console login lasts (default 480) */
  sessionTtlMinutes?: number;
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
