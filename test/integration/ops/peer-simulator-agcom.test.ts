/**
 * `switchgate simulate peer` for AGCOM, from the CRM side: a Recipient gateway (ITA.OLA) sends its
 * migration requests over real HTTP on 127.0.0.1 — as servlet file uploads, JSON or SOAP — to the
 * simulator playing the Donating (ITA.OLB), whose managerial answer is chosen per number.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { createPeerTransport } from '../../../src/delivery/peer-transport.js';
import { buildMigrationCode } from '../../../src/protocols/agcom/migration-code.js';
import { startPeerSimulator, type PeerSimulator } from '../../../src/peer-simulator/simulator.js';
import { numberKey, parseVaBehaviour, type VaBehaviour } from '../../../src/peer-simulator/behaviours.js';
import { agcomRejection } from '../../../src/peer-simulator/agcom-script.js';
import { peerSimulatorOptions, PeerSimulatorUsageError } from '../../../src/peer-simulator/cli.js';
import { agcomConfig, agcomEnv, agcomMigration, NOW, type AgcomProtocol } from '../../support/agcom-pair.js';
import { silentLog } from '../../support/gateway-pair.js';
import { eventually as eventuallyWithin, freePort, http, type HttpNode } from '../../support/http-pair.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, 60_000, 50);

const b = (text: string): VaBehaviour => {
  const parsed = parseVaBehaviour(text, 'agcom');
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

const migration = (cor: string) => agcomMigration(cor);

const SIM_KEY = 'simulator-key-for-tests';

interface World {
  clock: ManualClock;
  crm: HttpNode & { gw: Gateway };
  sim: PeerSimulator;
  close(): Promise<void>;
}

async function startWorld(protocol: AgcomProtocol): Promise<World> {
  const env = agcomEnv();
  const clock = new ManualClock(NOW);
  const portA = await freePort();
  const sim = await startPeerSimulator({
    clock,
    self: 'ITA.OLB',
    partner: {
      carrierCode: 'ITA.OLA',
      url: `http://127.0.0.1:${portA}${protocol === 'agcom-file' ? '/agcom/v1/upload' : protocol === 'agcom-json' ? '/agcom/v1/json' : '/agcom/v1'}`,
      protocol,
      token: env.TOKEN_OLB_TO_OLA,
      inboundToken: env.TOKEN_OLA_TO_OLB,
    },
    behaviours: {
      default: b('accept'),
      byCase: new Map(),
      byNumber: new Map([
        [numberKey('06 9234553'), b('reject:RISORSA')],
        [numberKey('+39 069234554'), b('reject:E04')],
        [numberKey('069234555'), b('silent')],
        [numberKey('069234556'), b('twice')],
        [numberKey('069234557'), b('accept-after:1')],
      ]),
      changes: { kind: 'accept' },
    },
    apiKey: SIM_KEY,
    log: silentLog(),
  });
  // KQG is the CRM side's own pool: the simulator, as Recipient, may address requests to it
  const config = agcomConfig('OLA', [{ op: 'OLB', url: sim.endpoint, protocol }], { agcom: { cowOwner: { '2ZZ': 'OLB', KQG: 'OLA' } } });
  const log = silentLog();
  const gw = await createGateway({ config, inMemory: true, log, clock, env, transport: createPeerTransport(config, log, { env }), retryPolicy: { maxAttempts: 20, baseMs: 50, capMs: 500 }, outboxPollMs: 50 });
  await gw.listen(portA, '127.0.0.1');
  return {
    clock,
    sim,
    crm: { gw, url: `http://127.0.0.1:${portA}` },
    async close() {
      await sim.close();
      await gw.close();
    },
  };
}

describe('simulate peer for AGCOM, from the CRM side', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  const start = async (cor: string) => {
    const created = await http(world!.crm, 'POST', '/v1/switches', migration(cor));
    expect(created.status, created.text).toBe(201);
    return created.data.id as string;
  };
  const caseOf = async (id: string) => (await http(world!.crm, 'GET', `/v1/switches/${id}`)).data;
  const timeline = async (id: string) =>
    ((await http(world!.crm, 'GET', `/v1/switches/${id}/messages`)).data.items as { direction: string; type: string }[]).map((m) => `${m.direction}:${m.type}`);

  for (const protocol of ['agcom-file', 'agcom-json', 'agcom-soap'] as const) {
    it(`accepts, rejects with the scripted category, and stays silent until the deadline passes (${protocol})`, async () => {
      world = await startWorld(protocol);
      const accepted = await start('069234552');
      const rejected = await start('069234553');
      const silent = await start('069234555');

      await eventually(async () => expect((await caseOf(accepted)).state).toBe('VALIDATED'));
      const ok = await caseOf(accepted);
      expect(ok.agcom.sessionCode).toMatch(/\S/);
      expect(await timeline(accepted)).toEqual(['out:RICHIESTA', 'in:VALIDAZIONE_FORMALE', 'in:VALIDAZIONE_GESTIONALE']);

      await eventually(async () => expect((await caseOf(rejected)).state).toBe('REJECTED'));
      expect((await caseOf(rejected)).agcom.rejection).toMatchObject({ category: 'RISORSA', stage: 'managerial' });

      // silence: the formal validation (the simulator's gateway) arrives, the managerial one never does
      await eventually(async () => expect(world!.sim.actions).toContainEqual({ caseId: silent, action: 'none', behaviour: 'silent', ok: true }));
      await eventually(async () => expect((await caseOf(silent)).state).toBe('AWAITING_MANAGERIAL'));
      expect(await timeline(silent)).toEqual(['out:RICHIESTA', 'in:VALIDAZIONE_FORMALE']);
      const due = ((await caseOf(silent)).deadlines as { name: string; dueAt: string }[]).find((d) => d.name === 'managerialAnswer')!;
      world.clock.set(new Date(Date.parse(due.dueAt) + 60_000).toISOString());
      expect(await world.crm.gw.tick()).toBeGreaterThan(0);
      const late = await caseOf(silent);
      expect(late.overdue).toBe(true);
      expect(late.deadlines.find((d: { name: string }) => d.name === 'managerialAnswer').overdue).toBe(true);
      const overdue = await http(world.crm, 'GET', '/v1/switches?overdue=true&procedure=agcom');
      expect(overdue.data.items.map((c: { id: string }) => c.id)).toContain(silent);
    });
  }

  it('rejects with a reason code, answers twice (the second is a duplicate to the CRM side) and answers late', async () => {
    world = await startWorld('agcom-file');
    const coded = await start('069234554');
    const dup = await start('069234556');
    const late = await start('069234557');

    await eventually(async () => expect((await caseOf(coded)).state).toBe('REJECTED'));
    // E04 is the default wire values' reason code of NUMERAZIONI
    expect((await caseOf(coded)).agcom.rejection).toMatchObject({ category: 'NUMERAZIONI', reasonCode: 'E04' });

    await eventually(async () => expect((await caseOf(dup)).state).toBe('VALIDATED'));
    await eventually(async () => {
      const text = await (await request(`${world!.crm.url}/metrics`)).body.text();
      expect(text).toMatch(/switchgate_inbound_messages_total\{peer="ITA.OLB",type="VALIDAZIONE_GESTIONALE",outcome="duplicate"\} 1/);
    });
    expect(await timeline(dup)).toEqual(['out:RICHIESTA', 'in:VALIDAZIONE_FORMALE', 'in:VALIDAZIONE_GESTIONALE']);

    await eventually(async () => expect((await caseOf(late)).state).toBe('VALIDATED'));
    expect(world.sim.actions).toContainEqual({ caseId: late, action: 'answer', behaviour: 'accept-after:1', ok: true });
  });
});

describe('simulate peer for AGCOM, the Recipient side by hand', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a request started through the simulator\'s REST API reaches the CRM side as Donating, and its answer comes back', async () => {
    world = await startWorld('agcom-json');
    const simNode = { url: world.sim.url, key: SIM_KEY };
    const asSim = (method: 'GET' | 'POST', path: string, body?: unknown) =>
      request(simNode.url + path, { method, headers: { authorization: `Bearer ${SIM_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined }).then(async (r) => ({ status: r.statusCode, data: (await r.body.json()) as any }));
    const started = await asSim('POST', '/v1/switches', { ...migration('069234560'), donating: 'ITA.OLA', migrationCode: buildMigrationCode({ cow: 'KQG', cor: '069234560', cos: '001' }) });
    expect(started.status, JSON.stringify(started.data)).toBe(201);
    const id = started.data.id as string;
    // the CRM side holds it as Donating, formally validated by its own gateway
    await eventually(async () => expect((await http(world!.crm, 'GET', `/v1/switches/${id}`)).data).toMatchObject({ role: 'donating', state: 'AWAITING_MANAGERIAL' }));
    // the script leaves the simulator's own requests alone: the CRM side's answer decides
    expect(world.sim.actions.filter((a) => a.caseId === id)).toEqual([]);
    expect((await http(world.crm, 'POST', `/v1/switches/${id}/answer`, { result: 'KO', category: 'CODICE_SEGRETO' })).status).toBe(202);
    await eventually(async () => expect((await asSim('GET', `/v1/switches/${id}`)).data.state).toBe('REJECTED'));
    // without the key the simulator's REST API is closed
    expect((await request(`${simNode.url}/v1/switches`)).statusCode).toBe(401);
  });
});

describe('AGCOM behaviour texts', () => {
  it('parse categories and reason codes, and refuse what AGCOM has not', () => {
    expect(parseVaBehaviour('reject', 'agcom')).toEqual({ kind: 'reject', code: 'ALTRO' });
    expect(parseVaBehaviour('reject:CODICE_SEGRETO', 'agcom')).toEqual({ kind: 'reject', code: 'CODICE_SEGRETO' });
    expect(parseVaBehaviour('reject:E03', 'agcom')).toEqual({ kind: 'reject', code: 'E03' });
    expect(parseVaBehaviour('reject:not a code', 'agcom')).toMatch(/neither a KO category/);
    expect(parseVaBehaviour('reject-akm-tr', 'agcom')).toMatch(/WBCI behaviour/);
    expect(parseVaBehaviour('reject', 'wbci')).toEqual({ kind: 'reject', code: '8117' });
    expect(agcomRejection('DUPLICATO')).toEqual({ result: 'KO', category: 'DUPLICATO' });
    expect(agcomRejection('E02')).toEqual({ result: 'KO', category: 'CODICE_SEGRETO', reasonCode: 'E02' });
    expect(agcomRejection('X77')).toEqual({ result: 'KO', category: 'ALTRO', reasonCode: 'X77' });
    expect(numberKey('+39 06 9234552')).toBe(numberKey('069234552'));
  });
});

describe('simulate peer options for AGCOM', () => {
  const parse = (argv: string[]) => {
    const r = peerSimulatorOptions(argv, {}, silentLog());
    if (r.help) throw new Error('help');
    return r.options;
  };

  it('take the AGCOM defaults from the protocol and read the example file', () => {
    const o = parse(['--protocol', 'agcom-json', '--number', '069234553=reject:RISORSA']);
    expect(o.self).toBe('ITA.OLB');
    expect(o.partner).toMatchObject({ carrierCode: 'ITA.OLA', url: 'http://127.0.0.1:8080/agcom/v1/json', protocol: 'agcom-json' });
    expect(o.behaviours.byNumber.get(numberKey('069234553'))).toEqual({ kind: 'reject', code: 'RISORSA' });
    const file = parse(['--config', 'config/peer-simulator.agcom.example.json']);
    expect(file.partner.protocol).toBe('agcom-file');
    expect(file.behaviours.byNumber.get(numberKey('+39 069234555'))).toEqual({ kind: 'silent' });
    expect(file.behaviours.byNumber.get(numberKey('069234554'))).toEqual({ kind: 'reject', code: 'E04' });
  });

  it('refuse what AGCOM has not, naming the option', () => {
    expect(() => parse(['--protocol', 'agcom-file', '--behaviour', 'reject-akm-tr'])).toThrow(/--behaviour: .*WBCI behaviour/);
    expect(() => parse(['--protocol', 'agcom-file', '--change-behaviour', 'accept'])).toThrow(/--change-behaviour: WBCI only/);
    expect(() => parse(['--protocol', 'agcom-ftp'])).toThrow(PeerSimulatorUsageError);
    expect(() => parse(['--protocol', 'agcom-ftp'])).toThrow(/--protocol: agcom-ftp is not one of wbci-soap, wbci-json, agcom-file, agcom-json, agcom-soap/);
  });
});
