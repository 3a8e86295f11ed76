/**
 * `npm run demo -- agcom`: the Italian Fase 2 against a partner played by `switchgate simulate peer`.
 * The Recipient ITA.OLA (a gateway on an embedded database) sends three migration requests as
 * xml1 files over the operators' upload servlet on 127.0.0.1 to the Donating ITA.OLB, a peer
 * simulator whose gateway answers each with the formal validation (xml2) and whose script decides
 * the managerial one (xml3) per number: OK with a CodiceSessione, KO RISORSA, and silence, which
 * the demo then shows turning overdue. Part 2 (agcom-ftth.ts) carries the accepted one through
 * phase 3 in the FTTH model, the network operator played by `simulate wholesale --protocol agcom-ftth`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createGateway } from '../gateway.js';
import { parseConfig } from '../config/load.js';
import { createPeerTransport } from '../delivery/peer-transport.js';
import { createCalendar } from '../domain/calendar.js';
import { freePort } from '../net/free-port.js';
import { buildMigrationCode } from '../protocols/agcom/migration-code.js';
import { numberKey, parseVaBehaviour, type VaBehaviour } from '../peer-simulator/behaviours.js';
import { startPeerSimulator } from '../peer-simulator/simulator.js';
import { demoLog, MovableClock, runScriptedPartnerPart, type DemoNode } from './scripted-partner.js';
import { startFtthSimulator } from '../ftth-simulator/simulator.js';
import { runFtthPhase3Part } from './agcom-ftth.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const script = (text: string): VaBehaviour => parseVaBehaviour(text, 'agcom') as VaBehaviour;

export async function runAgcomDemo(keep = false): Promise<void> {
  const [pa, pb, pw] = [await freePort(), await freePort(), await freePort()];
  const token = () => randomBytes(16).toString('hex');
  const env: NodeJS.ProcessEnv = { DEMO_TOKEN_OLA: token(), DEMO_TOKEN_OLB: token(), DEMO_FTTH_TOKEN_OLA: token() };
  /** what the network operator presents to each gateway, and what the Donating presents to it */
  const whsTo = { OLA: token(), OLB: token() };
  const olbToWhs = token();
  const whsUrl = `http://127.0.0.1:${pw}/agcom/ftth/v1`;
  const key = randomBytes(12).toString('hex');
  const partnerKey = randomBytes(12).toString('hex');
  const clock = new MovableClock();
  const log = demoLog();
  console.log('switchgate demo (agcom): a Recipient gateway and a Donating played by `switchgate simulate peer`,');
  console.log('Fase 2 files (xml1/xml2/xml3) over the upload servlet on 127.0.0.1\n');

  const partner = await startPeerSimulator({
    self: 'ITA.OLB',
    port: pb,
    partner: { carrierCode: 'ITA.OLA', url: `http://127.0.0.1:${pa}/agcom/v1/upload`, protocol: 'agcom-file', token: env.DEMO_TOKEN_OLB, inboundToken: env.DEMO_TOKEN_OLA },
    behaviours: {
      default: script('accept'),
      byCase: new Map(),
      byNumber: new Map([
        [numberKey('069234553'), script('reject:RISORSA')],
        [numberKey('069234555'), script('silent')],
      ]),
      changes: { kind: 'accept' },
    },
    apiKey: partnerKey,
    ftthNetworkOperator: { url: whsUrl, token: olbToWhs, inboundToken: whsTo.OLB },
    log,
  });
  const config = parseConfig(
    {
      self: { carrierCode: 'ITA.OLA', profiles: ['agcom'], holidayRegion: 'IT' },
      apiKeys: [{ name: 'crm', keySha256: sha(key), scopes: ['switches:write', 'switches:read', 'events:read'] }],
      peers: [
        { carrierCode: 'ITA.OLB', protocol: 'agcom-file', url: partner.endpoint, auth: { type: 'bearer', tokenEnv: 'DEMO_TOKEN_OLA' }, inboundTokenSha256: sha(env.DEMO_TOKEN_OLB!) },
      ],
      agcom: {
        cowOwner: { '2ZZ': 'OLB' },
        // phase 3 in the FTTH model, placed by the demo once phase 2 is shown (part 2)
        wholesale: { url: whsUrl, protocol: 'agcom-ftth', operatorCode: 'WHS', placeOrders: 'manual', auth: { type: 'bearer', tokenEnv: 'DEMO_FTTH_TOKEN_OLA' }, inboundTokenSha256: sha(whsTo.OLA) },
        ftth: { technicalContact: { name: 'Giulia', surname: 'Bianchi', phone: '+390612345678', email: 'noc@ola.example' } },
      },
    },
    'demo',
    env,
  );
  const gw = await createGateway({ config, inMemory: true, log, env, clock, transport: createPeerTransport(config, log, { env }), outboxPollMs: 100 });
  await gw.listen(pa, '127.0.0.1');
  const node: DemoNode = { code: 'ITA.OLA', url: `http://127.0.0.1:${pa}`, key, gw };
  const donating: DemoNode = { code: 'ITA.OLB', url: partner.url, key: partnerKey, gw: partner.gateway };
  const networkOperator = await startFtthSimulator({
    operatorCode: 'WHS',
    port: pw,
    operators: [
      { code: 'OLA', url: `${node.url}/agcom/ftth/v1`, token: whsTo.OLA, inboundToken: env.DEMO_FTTH_TOKEN_OLA! },
      { code: 'OLB', url: `${partner.url}/agcom/ftth/v1`, token: whsTo.OLB, inboundToken: olbToWhs, cows: ['2ZZ'] },
    ],
    timings: { stepMs: 200 },
    log,
  });
  console.log(`  ITA.OLA (Recipient)          ${node.url}`);
  console.log(`  ITA.OLB (simulate peer)      ${partner.url}  (Donating, scripted per number)`);
  console.log(`  WHS (network operator)       ${networkOperator.url}  (simulate wholesale --protocol agcom-ftth)\n`);
  const close = async () => {
    await gw.close();
    await networkOperator.close();
    await partner.close();
  };
  try {
    const cal = createCalendar({ country: 'IT' });
    const dac = cal.addWorkingDays(cal.today(clock.now()), 10);
    const request = (cor: string) => ({
      procedure: 'agcom',
      donating: 'ITA.OLB',
      migrationCode: buildMigrationCode({ cow: '2ZZ', cor, cos: '001' }),
      numbers: [cor],
      requestedDate: dac,
      customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
      contact: { phone: '+39 333 1234567', email: 'mario.rossi@example.it' },
    });
    console.log(`1. The Recipient's CRM starts three migrations (DAC ${dac}); the partner's script: 069234553 → reject:RISORSA,`);
    console.log('   069234555 → silent, any other number → accept:');
    const ids = await runScriptedPartnerPart({
      node,
      sim: partner,
      clock,
      deadline: 'managerialAnswer',
      requests: [
        { behaviour: 'accept', number: '069234552', body: request('069234552'), endState: 'VALIDATED' },
        { behaviour: 'reject:RISORSA', number: '069234553', body: request('069234553'), endState: 'REJECTED' },
        { behaviour: 'silent', number: '069234555', body: request('069234555'), endState: 'AWAITING_MANAGERIAL' },
      ],
      detail: (m) => {
        const b = m.body as { result?: string; sessionCode?: string; rejection?: { category?: string; reasonCode?: string }; dac?: string };
        const ko = b.rejection?.category && `KO ${b.rejection.category}${b.rejection.reasonCode ? ` (${b.rejection.reasonCode})` : ''}`;
        return [ko || b.result, b.sessionCode && `CodiceSessione ${b.sessionCode}`, m.type === 'RICHIESTA' && b.dac && `DAC ${b.dac}`]
          .filter(Boolean)
          .join(', ');
      },
    });
    await runFtthPhase3Part({ recipient: node, donating, caseId: ids[0]! });
    console.log('Done. Every record is stored with the file or SOAP envelope it travelled in (GET /v1/switches/{id}/messages?raw=true).');
  } catch (err) {
    await close();
    throw err;
  }
  if (keep) {
    console.log('\nThe gateway keeps running (--keep); Ctrl-C stops it:');
    console.log(`  ITA.OLA    ${node.url}   console ${node.url}/console   API key ${key}   (OpenAPI ${node.url}/docs)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  await close();
}
