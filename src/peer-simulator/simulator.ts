/**
 * A partner operator for CRM developers and tests (`switchgate simulate peer`): a real switchgate
 * gateway on its own in-memory database, speaking WBCI SOAP (or JSON) on 127.0.0.1, whose CRM is
 * a script: every VA it receives is answered by the behaviour chosen per case or per number
 * (behaviours.ts), every TVS-VA and Storno by the change behaviour. Because the partner is the
 * product itself, what it sends is exactly what a real switchgate peer sends.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { createGateway, type Gateway } from '../gateway.js';
import { parseConfig } from '../config/load.js';
import type { PeerProtocol } from '../config/types.js';
import { createPeerTransport } from '../delivery/peer-transport.js';
import type { Transport } from '../delivery/transport.js';
import { readEvents, START, decodeCursor, type Cursor, type FeedEvent } from '../store/repos/events.js';
import { loadCase } from '../store/repos/cases.js';
import { sha256Hex } from '../http/auth.js';
import { behaviourFor, type BehaviourTable, type VaBehaviour } from './behaviours.js';

export interface PeerSimulatorOptions {
  /** the carrier the simulator plays, e.g. DEU.EKPB */
  self: string;
  partner: {
    carrierCode: string;
    /** the partner gateway's WBCI endpoint, e.g. http://127.0.0.1:8080/wbci/v1 */
    url: string;
    protocol?: Extract<PeerProtocol, 'wbci-soap' | 'wbci-json'>;
    /** bearer token the simulator presents to the partner (none: no Authorization header) */
    token?: string;
    /** bearer token the partner presents to the simulator (none: its calls are not checked) */
    inboundToken?: string;
  };
  behaviours: BehaviourTable;
  port?: number;
  host?: string;
  holidayRegion?: string;
  log: Logger;
  /** tests: the simulator's notion of today (default: the system clock) */
  clock?: Clock;
}

export interface SimulatorAction {
  caseId: string;
  /** what the script did: answer, answer-change, resource-handover-answer, duplicate */
  action: string;
  behaviour: string;
  ok: boolean;
  error?: string;
}

export interface PeerSimulator {
  url: string;
  /** the WBCI endpoint the partner delivers to */
  wbciUrl: string;
  gateway: Gateway;
  /** what the script has done, in order */
  actions: SimulatorAction[];
  close(): Promise<void>;
}

const VA_TYPES = new Set(['VA-KUE-MRN', 'VA-KUE-ORN', 'VA-RRNP']);
const CHANGE_TYPES = new Set(['TVS-VA', 'STR-AUF', 'STR-AEN']);
const TOKEN_ENV = 'SWITCHGATE_SIM_PARTNER_TOKEN';

const describe = (b: VaBehaviour): string =>
  b.kind === 'reject' || b.kind === 'reject-akm-tr' ? `${b.kind}:${b.code}` : b.kind === 'accept-after' ? `accept-after:${b.seconds}` : b.kind;

/** Sends the answer (RUEM-VA) of the cases it is told to twice, as a partner whose acknowledgement got lost would. */
function duplicating(inner: Transport, twiceCases: Set<string>): Transport {
  return {
    async send(item, signal) {
      const first = await inner.send(item, signal);
      if (first.ok && item.type === 'RUEM-VA' && twiceCases.delete(item.caseId)) await inner.send(item, signal);
      return first;
    },
  };
}

export async function startPeerSimulator(o: PeerSimulatorOptions): Promise<PeerSimulator> {
  const env: NodeJS.ProcessEnv = o.partner.token ? { [TOKEN_ENV]: o.partner.token } : {};
  const config = parseConfig(
    {
      self: { carrierCode: o.self, profiles: ['wbci'], holidayRegion: o.holidayRegion ?? 'DE-BY' },
      apiKeys: [],
      peers: [
        {
          carrierCode: o.partner.carrierCode,
          protocol: o.partner.protocol ?? 'wbci-soap',
          url: o.partner.url,
          auth: o.partner.token ? { type: 'bearer', tokenEnv: TOKEN_ENV } : { type: 'none' },
          ...(o.partner.inboundToken ? { inboundTokenSha256: sha256Hex(o.partner.inboundToken) } : {}),
        },
      ],
    },
    'peer simulator',
    env,
  );
  const log = o.log.child({ component: 'peer-simulator', self: o.self });
  const twice = new Set<string>();
  const peerTransport = createPeerTransport(config, log, { env });
  const gateway = await createGateway({
    config,
    inMemory: true,
    clock: o.clock,
    log,
    env,
    transport: duplicating(peerTransport, twice),
    retryPolicy: { maxAttempts: 50, baseMs: 200, capMs: 5_000 },
    outboxPollMs: 200,
  });
  const actions: SimulatorAction[] = [];
  const chosen = new Map<string, VaBehaviour>();
  const timers = new Set<NodeJS.Timeout>();
  const abort = new AbortController();
  const { wbci } = gateway;

  const record = async (caseId: string, action: string, behaviour: string, run: () => Promise<{ messageId: string }>) => {
    try {
      const sent = await run();
      actions.push({ caseId, action, behaviour, ok: true });
      log.info({ caseId, action, behaviour }, 'peer simulator answered');
      return sent;
    } catch (err) {
      actions.push({ caseId, action, behaviour, ok: false, error: (err as Error).message });
      log.warn({ caseId, action, behaviour, err: (err as Error).message }, 'peer simulator could not answer');
      return undefined;
    }
  };

  const accept = async (caseId: string, behaviour: VaBehaviour) => {
    const row = await loadCase(gateway.store.db, caseId);
    if (!row?.requested_date) return;
    return record(caseId, 'answer', describe(behaviour), () =>
      wbci.answer(caseId, { result: 'accept', code: 'ZWA', switchDate: row.requested_date!, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D001' }),
    );
  };

  const onVa = async (caseId: string) => {
    const row = await loadCase(gateway.store.db, caseId);
    if (!row || row.role !== 'donating') return;
    const va = (row.data as { va?: { numbers?: { list?: { areaCode: string; number: string }[] } } }).va;
    const numbers = (va?.numbers?.list ?? []).map((n) => `0${n.areaCode}${n.number}`);
    const b = behaviourFor(o.behaviours, caseId, numbers);
    chosen.set(caseId, b);
    switch (b.kind) {
      case 'accept':
      case 'reject-akm-tr':
        await accept(caseId, b);
        return;
      case 'reject':
        await record(caseId, 'answer', describe(b), () => wbci.answer(caseId, { result: 'reject', codes: [{ code: b.code }] }));
        return;
      case 'accept-after': {
        const t = setTimeout(() => {
          timers.delete(t);
          void accept(caseId, b);
        }, b.seconds * 1000);
        timers.add(t);
        return;
      }
      case 'twice':
        twice.add(caseId);
        await accept(caseId, b);
        return;
      case 'silent':
        actions.push({ caseId, action: 'none', behaviour: 'silent', ok: true });
        log.info({ caseId }, 'peer simulator stays silent');
        return;
    }
  };

  const onChange = async (caseId: string) => {
    const b = o.behaviours.changes;
    if (b.kind === 'silent') {
      actions.push({ caseId, action: 'none', behaviour: 'silent', ok: true });
      return;
    }
    const row = await loadCase(gateway.store.db, caseId);
    const open = row?.open_change as { id?: string } | null | undefined;
    if (!open?.id) return;
    await record(caseId, 'answer-change', b.kind === 'reject' ? `reject:${b.code}` : 'accept', () =>
      wbci.answerChange(caseId, open.id!, b.kind === 'reject' ? { result: 'reject', codes: [{ code: b.code }] } : { result: 'accept' }),
    );
  };

  const onAkmTr = async (caseId: string) => {
    const b = chosen.get(caseId);
    if (b?.kind !== 'reject-akm-tr') return;
    await record(caseId, 'resource-handover-answer', describe(b), () => wbci.answerResourceHandover(caseId, { result: 'reject', codes: [{ code: b.code }] }));
  };

  const handle = async (e: FeedEvent) => {
    if (e.type !== 'message.received' || !e.caseId) return;
    const type = (e.data as { type?: string }).type ?? '';
    if (VA_TYPES.has(type)) await onVa(e.caseId);
    else if (CHANGE_TYPES.has(type)) await onChange(e.caseId);
    else if (type === 'AKM-TR') await onAkmTr(e.caseId);
  };

  // the script reads its gateway's event feed, as a CRM would
  const loop = (async () => {
    let cursor: Cursor = START;
    while (!abort.signal.aborted) {
      try {
        const events = await readEvents(gateway.store.db, cursor, 100);
        for (const e of events) {
          await handle(e);
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
  return {
    url,
    wbciUrl: `${url}/wbci/v1${o.partner.protocol === 'wbci-json' ? '/json' : ''}`,
    gateway,
    actions,
    async close() {
      abort.abort();
      for (const t of timers) clearTimeout(t);
      await loop;
      await gateway.close();
      await peerTransport.close();
    },
  };
}
