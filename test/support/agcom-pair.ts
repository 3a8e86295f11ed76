/**
 * Two AGCOM gateways over real HTTP on 127.0.0.1: a Recipient OLO (`ITA.OLA`, operator OLA) and
 * a Donating, either another OLO (`ITA.OLB`) or TIM retail (`ITA.TIM`) for attivazione. Each has
 * its own database and delivers through the production AgcomTransport (undici) in the partner's
 * configured form: servlet file upload, JSON or SOAP.
 *
 * The Recipient runs without background workers: the test delivers its outbox by hand
 * (`deliverA()`), so requests created one after the other travel in one file, as a claim of the
 * worker batches them. The Donating runs as in production.
 */
import { createHash } from 'node:crypto';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/connect.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { API_KEY, silentLog } from './gateway-pair.js';
import { eventually, freePort, http, type HttpNode } from './http-pair.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export type AgcomProtocol = 'agcom-file' | 'agcom-json' | 'agcom-soap';
export type DonatingName = 'OLB' | 'TIM';

export const PATH_OF: Record<AgcomProtocol, string> = { 'agcom-file': '/agcom/v1/upload', 'agcom-json': '/agcom/v1/json', 'agcom-soap': '/agcom/v1' };

/** Tuesday 1 Dec 2026, 09:00 in Rome; 8 Dec (Immacolata) is a holiday. */
export const NOW = '2026-12-01T08:00:00Z';
/** 10 working days after NOW (9 needed by default). */
export const DAC = '2026-12-16';

const carrier = (op: string) => `ITA.${op}`;
const tokenName = (from: string, to: string) => `TOKEN_${from}_TO_${to}`;
const tokenOf = (from: string, to: string) => `agcom-token-${from}-to-${to}`;

export function agcomEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const a of ['OLA', 'OLB', 'TIM']) for (const b of ['OLA', 'OLB', 'TIM']) if (a !== b) env[tokenName(a, b)] = tokenOf(a, b);
  return env;
}

export interface AgcomPairOptions {
  donating?: DonatingName;
  protocol?: AgcomProtocol;
  /** extra keys of A's config (deep-merged only at the top level) */
  configA?: Partial<GatewayConfig> & Record<string, unknown>;
  configB?: Partial<GatewayConfig> & Record<string, unknown>;
  /** per-partner AGCOM settings of each side's view of the other */
  peerAgcomA?: Record<string, unknown>;
  peerAgcomB?: Record<string, unknown>;
  /** the ports to listen on, when the configurations must name each other's URL (default: free ones) */
  ports?: { a: number; b: number };
}

export function agcomConfig(self: string, partners: { op: string; url: string; protocol: AgcomProtocol; agcom?: Record<string, unknown> }[], extra: Record<string, unknown> = {}): GatewayConfig {
  return parseConfig(
    {
      self: { carrierCode: carrier(self), profiles: ['agcom'], holidayRegion: 'IT' },
      apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use'] }],
      peers: partners.map((p) => ({
        carrierCode: carrier(p.op),
        protocol: p.protocol,
        url: p.url,
        auth: { type: 'bearer', tokenEnv: tokenName(self, p.op) },
        inboundTokenSha256: sha(tokenOf(p.op, self)),
        ...(p.agcom ? { agcom: p.agcom } : {}),
      })),
      ...extra,
    },
    'test',
    agcomEnv(),
  );
}

export interface AgcomPair {
  clock: ManualClock;
  a: HttpNode;
  b: HttpNode;
  donating: DonatingName;
  /** one delivery cycle of the Recipient's outbox (everything due travels, batched per partner) */
  deliverA(): Promise<number>;
  close(): Promise<void>;
}

/** The REST body of an AGCOM migrazione from OLA to OLB for number `cor` (its migration code to match). */
export const agcomMigration = (cor = '069234552', over: Record<string, unknown> = {}) => ({
  procedure: 'agcom',
  donating: 'ITA.OLB',
  migrationCode: buildMigrationCode({ cow: '2ZZ', cor, cos: '001' }),
  numbers: [cor],
  requestedDate: DAC,
  customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
  contact: { phone: '+39 333 1234567', email: 'mario.rossi@example.it' },
  ...over,
});

export async function startAgcomPair(openA: () => Promise<Store>, openB: () => Promise<Store>, opts: AgcomPairOptions = {}): Promise<AgcomPair> {
  const donating = opts.donating ?? 'OLB';
  const protocol = opts.protocol ?? 'agcom-file';
  const clock = new ManualClock(NOW);
  const [pa, pb] = opts.ports ? [opts.ports.a, opts.ports.b] : [await freePort(), await freePort()];
  const urlB = `http://127.0.0.1:${pb}${PATH_OF[protocol]}`;
  const other = donating === 'OLB' ? 'TIM' : 'OLB';
  const configA = agcomConfig(
    'OLA',
    [
      { op: donating, url: urlB, protocol, agcom: opts.peerAgcomA },
      // the other Donating exists only in A's configuration (its pool, its name): nothing is sent to it
      { op: other, url: 'http://127.0.0.1:9/agcom/v1/upload', protocol: 'agcom-file' },
    ],
    { agcom: { cowOwner: { '2ZZ': 'OLB', KQG: 'OLB', X7K: 'TIM' } }, ...opts.configA },
  );
  const configB = agcomConfig(donating, [{ op: 'OLA', url: `http://127.0.0.1:${pa}${PATH_OF[protocol]}`, protocol, agcom: opts.peerAgcomB }], {
    agcom: { cowOwner: donating === 'OLB' ? { '2ZZ': 'OLB', KQG: 'OLB' } : { X7K: 'TIM' } },
    ...opts.configB,
  });
  const env = agcomEnv();
  const log = silentLog();
  const retryPolicy = { maxAttempts: 4, baseMs: 20, capMs: 100 };
  const gwA: Gateway = await createGateway({ config: configA, store: await openA(), log, clock, env, transport: createPeerTransport(configA, log, { env }), retryPolicy, background: false });
  await gwA.listen(pa, '127.0.0.1');
  const gwB: Gateway = await createGateway({ config: configB, store: await openB(), log, clock, env, transport: createPeerTransport(configB, log, { env }), retryPolicy, outboxPollMs: 50 });
  await gwB.listen(pb, '127.0.0.1');
  return {
    clock,
    donating,
    a: { gw: gwA, url: `http://127.0.0.1:${pa}` },
    b: { gw: gwB, url: `http://127.0.0.1:${pb}` },
    deliverA: () => gwA.deliver(),
    async close() {
      // the Donating first: its worker may be answering the Recipient right now, and a connection
      // that turns idle after the Recipient began closing would hold it open until keep-alive ends
      await gwB.close();
      await gwA.close();
    },
  };
}

/** Delivers A's outbox until `check` passes (B answers asynchronously through its own worker). */
export async function untilA<T>(pair: AgcomPair, check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  return eventually(async () => {
    await pair.deliverA();
    return check();
  }, timeoutMs, 50);
}

export const caseOf = async (node: HttpNode, id: string) => (await http(node, 'GET', `/v1/switches/${encodeURIComponent(id)}`)).data;
export const messagesOf = async (node: HttpNode, id: string, raw = false) =>
  (await http(node, 'GET', `/v1/switches/${encodeURIComponent(id)}/messages${raw ? '?raw=true' : ''}`)).data.items as {
    type: string;
    direction: string;
    status: string;
    raw?: string;
    rawFormat?: string;
    body: Record<string, unknown>;
  }[];
export const timeline = async (node: HttpNode, id: string) => (await messagesOf(node, id)).map((m) => `${m.direction}:${m.type}:${m.status}`);
