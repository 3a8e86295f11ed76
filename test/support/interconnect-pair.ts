/**
 * An operator's gateway (`ITA.OLA`, interconnect role `operator`) and TIM's (`ITA.TIM`, role
 * `tim`) over real HTTP on 127.0.0.1, each on its own database, delivering through the production
 * interconnect client with bearer tokens both ways. Both run their outbox workers as in
 * production; time is a shared ManualClock and deadline ticks are driven by the test.
 */
import { createHash } from 'node:crypto';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/connect.js';
import { API_KEY, silentLog } from './gateway-pair.js';
import { eventually, freePort, http, type HttpNode } from './http-pair.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export const OPERATOR = 'ITA.OLA';
export const TIM = 'ITA.TIM';
/** Tuesday 1 Dec 2026, 10:00 in Rome */
export const IC_NOW = '2026-12-01T09:00:00Z';

export const TARIFFS = {
  portActivationFee: '1200.00',
  portMonthlyFee: '310.00',
  cacModuleMonthlyFee: '45.50',
  linkMonthlyFee: '620.00',
  linkAnnulmentCharge: '850.00',
  setupCost: '275.00',
};

const tokenName = (from: string, to: string) => `TOKEN_${from.replace('.', '_')}_TO_${to.replace('.', '_')}`;
const tokenOf = (from: string, to: string) => `ic-token-${from}-to-${to}`;

export function interconnectEnv(): NodeJS.ProcessEnv {
  return { [tokenName(OPERATOR, TIM)]: tokenOf(OPERATOR, TIM), [tokenName(TIM, OPERATOR)]: tokenOf(TIM, OPERATOR) };
}

export function interconnectConfig(self: string, peer: string, peerUrl: string, role: 'operator' | 'tim', extra: Record<string, unknown> = {}): GatewayConfig {
  const { interconnect, ...rest } = extra as { interconnect?: Record<string, unknown> };
  return parseConfig(
    {
      self: { carrierCode: self, profiles: ['interconnect'], holidayRegion: 'IT' },
      apiKeys: [{ name: 'noc', keySha256: sha(API_KEY), scopes: ['interconnect:read', 'interconnect:write', 'events:read', 'dead-letters:read', 'dead-letters:write'] }],
      peers: [{ carrierCode: peer, protocol: 'interconnect-json', url: peerUrl, auth: { type: 'bearer', tokenEnv: tokenName(self, peer) }, inboundTokenSha256: sha(tokenOf(peer, self)) }],
      interconnect: { role, tariffs: { ...TARIFFS }, ...interconnect },
      ...rest,
    },
    'test',
    interconnectEnv(),
  );
}

export interface InterconnectPair {
  clock: ManualClock;
  op: HttpNode;
  tim: HttpNode;
  close(): Promise<void>;
}

export async function startInterconnectPair(
  openOp: () => Promise<Store>,
  openTim: () => Promise<Store>,
  opts: { op?: Record<string, unknown>; tim?: Record<string, unknown> } = {},
): Promise<InterconnectPair> {
  const clock = new ManualClock(IC_NOW);
  const [po, pt] = [await freePort(), await freePort()];
  const env = interconnectEnv();
  const log = silentLog();
  const retryPolicy = { maxAttempts: 4, baseMs: 20, capMs: 100 };
  const start = async (self: string, peer: string, port: number, peerPort: number, role: 'operator' | 'tim', store: Store, extra?: Record<string, unknown>): Promise<Gateway> => {
    const config = interconnectConfig(self, peer, `http://127.0.0.1:${peerPort}/interconnect/v1`, role, extra);
    const gw = await createGateway({ config, store, log, clock, env, transport: createPeerTransport(config, log, { env }), retryPolicy, outboxPollMs: 50, tickIntervalMs: 3_600_000 });
    await gw.listen(port, '127.0.0.1');
    return gw;
  };
  const op = await start(OPERATOR, TIM, po, pt, 'operator', await openOp(), opts.op);
  const tim = await start(TIM, OPERATOR, pt, po, 'tim', await openTim(), opts.tim);
  return {
    clock,
    op: { gw: op, url: `http://127.0.0.1:${po}` },
    tim: { gw: tim, url: `http://127.0.0.1:${pt}` },
    async close() {
      await tim.close();
      await op.close();
    },
  };
}

export const icGet = async (node: HttpNode, path: string) => (await http(node, 'GET', `/v1/interconnect/${path}`)).data;

/** Waits until `node` has the object in `state` (delivery between the gateways is asynchronous). */
export function untilState(node: HttpNode, path: string, state: string, timeoutMs = 30_000) {
  return eventually(async () => {
    const got = await icGet(node, path);
    if (got?.state !== state) throw new Error(`${path} is ${got?.state ?? 'absent'} on ${node.url}, waiting for ${state}`);
    return got;
  }, timeoutMs, 30);
}

const site = (name: string) => ({ name, address: 'Via Roma 1', city: 'Roma' });

/** An R2 order on PDI-RM-01: 4 CAC modules, 1 beyond TIM's dimensioning. */
export const r2Body = (ips = ['192.0.2.10', '2001:db8::10']) => ({
  type: 'joint-activation',
  counterpart: TIM,
  pdi: 'PDI-RM-01',
  timSite: site('TIM Roma Inviolatella'),
  operatorSite: site('OLA Roma DC'),
  cacModules: 4,
  cacModulesBeyondDimensioning: 1,
  bgIpAddresses: ips,
  directionality: 'bidirectional',
  codecs: ['AMR-WB', 'G.711'],
  linkSpeed: '10G',
});

/** An R1 order on PDI-RM-01: 3 CAC modules, 2 beyond TIM's dimensioning. */
export const r1Body = (ips = ['192.0.2.20']) => ({
  type: 'port-activation',
  counterpart: TIM,
  pdi: 'PDI-RM-01',
  timSite: site('TIM Roma Inviolatella'),
  operatorSite: site('OLA cage 4'),
  cacModules: 3,
  cacModulesBeyondDimensioning: 2,
  bgIpAddresses: ips,
  directionality: 'incoming',
  codecs: ['EVS'],
  rdc: { td: 'RDC-7781', positions: ['A1-01', 'A1-02'] },
});
