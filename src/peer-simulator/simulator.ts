/**
 * A partner operator for CRM developers and tests (`switchgate simulate peer`): a real switchgate
 * gateway on its own in-memory database, speaking the partner's wire on 127.0.0.1 — WBCI SOAP or
 * JSON, or one of the AGCOM Fase 2 variants (servlet file upload, JSON, SOAP) — whose CRM is a
 * script: every VA (WBCI) or migration request (AGCOM) it receives is answered by the behaviour
 * chosen per case or per number (behaviours.ts, wbci-script.ts, agcom-script.ts). Because the
 * partner is the product itself, what it sends is exactly what a real switchgate peer sends.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { createGateway, type Gateway } from '../gateway.js';
import { parseConfig } from '../config/load.js';
import type { PeerProtocol } from '../config/types.js';
import { isAgcomProtocol, type AgcomPeerProtocol } from '../config/agcom-config.js';
import { resolveAgcomSettings } from '../app/agcom/settings.js';
import { createAgcomTransport } from '../delivery/agcom-transport.js';
import { createPeerTransport } from '../delivery/peer-transport.js';
import type { Transport } from '../delivery/transport.js';
import { openDatabase } from '../store/connect.js';
import { readEvents, START, decodeCursor, type Cursor } from '../store/repos/events.js';
import { sha256Hex } from '../http/auth.js';
import type { BehaviourTable, SimulatedProcedure } from './behaviours.js';
import type { Script, ScriptContext, SimulatorAction } from './script.js';
import { wbciScript } from './wbci-script.js';
import { agcomScript } from './agcom-script.js';

export type { SimulatorAction } from './script.js';

export type SimulatorProtocol = Extract<PeerProtocol, 'wbci-soap' | 'wbci-json' | AgcomPeerProtocol>;

export interface PeerSimulatorOptions {
  /** the carrier the simulator plays, e.g. DEU.EKPB or ITA.OLB */
  self: string;
  partner: {
    carrierCode: string;
    /** the partner gateway's endpoint, e.g. http://127.0.0.1:8080/wbci/v1 or …/agcom/v1/upload */
    url: string;
    /** the wire; it also decides the procedure (default wbci-soap) */
    protocol?: SimulatorProtocol;
    /** bearer token the simulator presents to the partner (none: no Authorization header) */
    token?: string;
    /** bearer token the partner presents to the simulator (none: its calls are not checked) */
    inboundToken?: string;
  };
  behaviours: BehaviourTable;
  /**
   * An API key for the simulator's own REST API: with it a tester plays the Recipient side by hand
   * (starts VAs or migration requests toward the partner, cancels, reschedules). None: no REST access.
   */
  apiKey?: string;
  port?: number;
  host?: string;
  holidayRegion?: string;
  log: Logger;
  /** tests: the simulator's notion of today (default: the system clock) */
  clock?: Clock;
  /**
   * AGCOM: the FTTH network operator (italy.md §10.3) the simulated Donating answers: its gateway then
   * hosts DonatingMigrationNotify_OLO (N8, N10) and sends its N9 to `url` — for a phase 3 in the FTTH
   * model against `simulate wholesale --protocol agcom-ftth`.
   */
  ftthNetworkOperator?: { url: string; token: string; inboundToken: string };
}

export interface PeerSimulator {
  procedure: SimulatedProcedure;
  url: string;
  /** the endpoint the partner delivers to (its peer `url` for this simulator) */
  endpoint: string;
  /** the same as `endpoint` (its name from when only WBCI was simulated) */
  wbciUrl: string;
  gateway: Gateway;
  /** what the script has done, in order */
  actions: SimulatorAction[];
  close(): Promise<void>;
}

const TOKEN_ENV = 'SWITCHGATE_SIM_PARTNER_TOKEN';
const FTTH_TOKEN_ENV = 'SWITCHGATE_SIM_FTTH_TOKEN';

/** Where a gateway receives each wire (src/http/routes/wbci-wire.ts, agcom-wire.ts). */
export const ENDPOINT_PATH: Readonly<Record<SimulatorProtocol, string>> = {
  'wbci-soap': '/wbci/v1',
  'wbci-json': '/wbci/v1/json',
  'agcom-file': '/agcom/v1/upload',
  'agcom-json': '/agcom/v1/json',
  'agcom-soap': '/agcom/v1',
};

export const procedureOf = (p: SimulatorProtocol): SimulatedProcedure => (isAgcomProtocol(p) ? 'agcom' : 'wbci');

/** Sends the answer of the cases it is told to twice, as a partner whose acknowledgement got lost would. */
function duplicating(inner: Transport, answerType: string, twiceCases: Set<string>): Transport {
  return {
    async send(item, signal) {
      const first = await inner.send(item, signal);
      if (first.ok && item.type === answerType && twiceCases.delete(item.caseId)) await inner.send(item, signal);
      return first;
    },
  };
}

export async function startPeerSimulator(o: PeerSimulatorOptions): Promise<PeerSimulator> {
  const protocol = o.partner.protocol ?? 'wbci-soap';
  const procedure = procedureOf(protocol);
  const env: NodeJS.ProcessEnv = { ...(o.partner.token ? { [TOKEN_ENV]: o.partner.token } : {}), ...(o.ftthNetworkOperator ? { [FTTH_TOKEN_ENV]: o.ftthNetworkOperator.token } : {}) };
  const ftth = procedure === 'agcom' ? o.ftthNetworkOperator : undefined;
  const config = parseConfig(
    {
      self: { carrierCode: o.self, profiles: [procedure], holidayRegion: o.holidayRegion ?? (procedure === 'agcom' ? 'IT' : 'DE-BY') },
      apiKeys: o.apiKey ? [{ name: 'simulator', keySha256: sha256Hex(o.apiKey), scopes: ['switches:write', 'switches:read', 'events:read'] }] : [],
      peers: [
        {
          carrierCode: o.partner.carrierCode,
          protocol,
          url: o.partner.url,
          auth: o.partner.token ? { type: 'bearer', tokenEnv: TOKEN_ENV } : { type: 'none' },
          ...(o.partner.inboundToken ? { inboundTokenSha256: sha256Hex(o.partner.inboundToken) } : {}),
        },
      ],
      ...(ftth
        ? { agcom: { wholesale: { url: ftth.url, protocol: 'agcom-ftth', placeOrders: 'manual', auth: { type: 'bearer', tokenEnv: FTTH_TOKEN_ENV }, inboundTokenSha256: sha256Hex(ftth.inboundToken) } } }
        : {}),
    },
    'peer simulator',
    env,
  );
  const log = o.log.child({ component: 'peer-simulator', self: o.self });
  const twice = new Set<string>();
  const peerTransport = createPeerTransport(config, log, { env });
  const store = await openDatabase({ inMemory: true, logger: log });
  const clock = o.clock;
  // AGCOM answers travel as xml3 files: the file transport is built here so that `twice` can wrap it
  const agcomTransport =
    procedure === 'agcom' ? createAgcomTransport({ settings: resolveAgcomSettings(config, 'peer simulator'), db: store.db, log, env, now: clock ? () => clock.now() : undefined }) : undefined;
  const gateway = await createGateway({
    config,
    store,
    clock,
    log,
    env,
    transport: procedure === 'wbci' ? duplicating(peerTransport, 'RUEM-VA', twice) : peerTransport,
    ...(agcomTransport ? { agcomTransport: duplicating(agcomTransport, 'VALIDAZIONE_GESTIONALE', twice) } : {}),
    retryPolicy: { maxAttempts: 50, baseMs: 200, capMs: 5_000 },
    outboxPollMs: 200,
  });
  const actions: SimulatorAction[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const abort = new AbortController();
  const ctx: ScriptContext = {
    gateway,
    log,
    actions,
    twice,
    later(seconds, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!abort.signal.aborted) void fn();
      }, seconds * 1000);
      timers.add(t);
    },
  };
  const script: Script = procedure === 'agcom' ? agcomScript(ctx, gateway.agcom!, o.behaviours) : wbciScript(ctx, o.behaviours);

  // the script reads its gateway's event feed, as a CRM would
  const loop = (async () => {
    let cursor: Cursor = START;
    while (!abort.signal.aborted) {
      try {
        const events = await readEvents(gateway.store.db, cursor, 100);
        for (const e of events) {
          await script.handle(e);
          cursor = decodeCursor(e.cursor) ?? cursor;
        }
        if (events.length === 100) continue;
      } catch (err) {
        if (!abort.signal.aborted) log.error({ err }, 'peer simulator: reading the feed failed');
      }
      await gateway.bus.wait(500, abort.signal);
    }
  })();

  const address = await gateway.listen(o.port ?? 0, o.host ?? '127.0.0.1');
  const url = address.replace('localhost', '127.0.0.1');
  const endpoint = `${url}${ENDPOINT_PATH[protocol]}`;
  return {
    procedure,
    url,
    endpoint,
    wbciUrl: endpoint,
    gateway,
    actions,
    async close() {
      abort.abort();
      for (const t of timers) clearTimeout(t);
      await loop;
      await gateway.close();
      await peerTransport.close();
      await agcomTransport?.close();
    },
  };
}
