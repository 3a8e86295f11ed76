/**
 * `switchgate simulate peer`: options from the command line or a JSON file
 * (config/peer-simulator.example.json); secrets by environment variable name.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { parseChangeBehaviour, parseVaBehaviour, numberKey, type BehaviourTable, type ChangeBehaviour, type VaBehaviour } from './behaviours.js';
import { ENDPOINT_PATH, procedureOf, type PeerSimulatorOptions, type SimulatorProtocol } from './simulator.js';

export const PEER_SIMULATOR_USAGE = `usage: switchgate simulate peer [options]
  plays a partner operator (the Donating) by a script: for WBCI it answers every VA, TVS-VA and
  Storno it receives; for AGCOM (--protocol agcom-*) the managerial validation of every migration
  request (its gateway sends the formal validation itself)
  --config <file>              JSON file with the options below (see config/peer-simulator.example.json,
                               config/peer-simulator.agcom.example.json)
  --protocol <p>               wbci-soap (default), wbci-json, agcom-file, agcom-json or agcom-soap
  --self <carrier>             the carrier it plays (default DEU.EKPB; AGCOM: ITA.OLB)
  --port <n>                   where it listens on 127.0.0.1 (default 8081)
  --partner <carrier>          the gateway under test (default DEU.EKPA; AGCOM: ITA.OLA)
  --partner-url <url>          its endpoint for the protocol (default http://127.0.0.1:8080 with /wbci/v1,
                               /wbci/v1/json, /agcom/v1/upload, /agcom/v1/json or /agcom/v1)
  --token-env <NAME>           variable with the bearer token sent to the partner (default: none)
  --inbound-token-env <NAME>   variable with the token the partner must present (default: not checked)
  --api-key-env <NAME>         variable with an API key for the simulator's own REST API, to play the
                               Recipient side by hand (POST /v1/switches toward the partner; default: none)
  --behaviour <b>              WBCI answer to a VA: accept (default), reject[:code], accept-after:<s>,
                               silent, twice, reject-akm-tr[:code]
                               AGCOM answer to a request: accept (OK), reject[:category|reasonCode]
                               (KO, default ALTRO), accept-after:<s>, silent, twice
  --number <number>=<b>        behaviour for requests that carry this number (repeatable), e.g. 0891234567=silent
  --case <id>=<b>              behaviour for one case, by VA-ID or CodiceOrdineRecipient (repeatable)
  --change-behaviour <b>       WBCI only: answer to TVS-VA / STR-AUF / STR-AEN: accept (default), reject[:code], silent
  --help                       this text
`;

export class PeerSimulatorUsageError extends Error {}

interface FileConfig {
  self?: string;
  port?: number;
  partner?: { carrierCode?: string; url?: string; protocol?: string; tokenEnv?: string; inboundTokenEnv?: string };
  apiKeyEnv?: string;
  behaviour?: string;
  changeBehaviour?: string;
  byNumber?: Record<string, string>;
  byCase?: Record<string, string>;
}

/** The simulator's options, or every problem found (each naming its option). */
export function peerSimulatorOptions(argv: string[], env: NodeJS.ProcessEnv, log: Logger): { help: true } | { help: false; options: PeerSimulatorOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        self: { type: 'string' },
        port: { type: 'string' },
        partner: { type: 'string' },
        'partner-url': { type: 'string' },
        protocol: { type: 'string' },
        'token-env': { type: 'string' },
        'inbound-token-env': { type: 'string' },
        'api-key-env': { type: 'string' },
        behaviour: { type: 'string' },
        number: { type: 'string', multiple: true },
        case: { type: 'string', multiple: true },
        'change-behaviour': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new PeerSimulatorUsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  let file: FileConfig = {};
  if (v.config) {
    try {
      file = JSON.parse(readFileSync(resolve(v.config), 'utf8')) as FileConfig;
    } catch (err) {
      throw new PeerSimulatorUsageError(`--config ${v.config}: ${(err as Error).message}`);
    }
  }
  const problems: string[] = [];
  const protocolText = v.protocol ?? file.partner?.protocol ?? 'wbci-soap';
  const known = (p: string): p is SimulatorProtocol => p in ENDPOINT_PATH;
  if (!known(protocolText)) problems.push(`--protocol: ${protocolText} is not one of ${Object.keys(ENDPOINT_PATH).join(', ')}`);
  const protocol: SimulatorProtocol = known(protocolText) ? protocolText : 'wbci-soap';
  const procedure = procedureOf(protocol);
  const va = (where: string, text: string): VaBehaviour => {
    const b = parseVaBehaviour(text, procedure);
    if (typeof b === 'string') problems.push(`${where}: ${b}`);
    return typeof b === 'string' ? { kind: 'accept' } : b;
  };
  const change = (where: string, text: string): ChangeBehaviour => {
    const b = parseChangeBehaviour(text);
    if (typeof b === 'string') problems.push(`${where}: ${b}`);
    return typeof b === 'string' ? { kind: 'accept' } : b;
  };
  const pairs = (where: string, list: string[] | undefined, fromFile: Record<string, string> | undefined, key: (s: string) => string) => {
    const out = new Map<string, VaBehaviour>();
    for (const [k, b] of Object.entries(fromFile ?? {})) out.set(key(k), va(`${where} ${k}`, b));
    for (const item of list ?? []) {
      const eq = item.lastIndexOf('=');
      if (eq <= 0) problems.push(`--${where} ${item}: expected <key>=<behaviour>`);
      else out.set(key(item.slice(0, eq)), va(`--${where} ${item.slice(0, eq)}`, item.slice(eq + 1)));
    }
    return out;
  };
  const behaviours: BehaviourTable = {
    default: va('--behaviour', v.behaviour ?? file.behaviour ?? 'accept'),
    byNumber: pairs('number', v.number, file.byNumber, numberKey),
    byCase: pairs('case', v.case, file.byCase, (s) => s.trim()),
    changes: change('--change-behaviour', v['change-behaviour'] ?? file.changeBehaviour ?? 'accept'),
  };
  if (procedure === 'agcom' && (v['change-behaviour'] ?? file.changeBehaviour) !== undefined) {
    problems.push('--change-behaviour: WBCI only (an AGCOM annullamento or rimodulazione is answered by the simulator\'s gateway itself)');
  }
  const port = Number(v.port ?? file.port ?? 8081);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port: ${v.port ?? file.port} is not a port number`);
  const carrier = /^[0-9A-Z]{3}\.[0-9A-Z]{1,6}$/;
  const self = v.self ?? file.self ?? (procedure === 'agcom' ? 'ITA.OLB' : 'DEU.EKPB');
  const partner = v.partner ?? file.partner?.carrierCode ?? (procedure === 'agcom' ? 'ITA.OLA' : 'DEU.EKPA');
  if (!carrier.test(self)) problems.push(`--self: ${self} is not a carrier code like DEU.EKPB`);
  if (!carrier.test(partner)) problems.push(`--partner: ${partner} is not a carrier code like DEU.EKPA`);
  const url = v['partner-url'] ?? file.partner?.url ?? `http://127.0.0.1:8080${ENDPOINT_PATH[protocol]}`;
  if (!/^https?:\/\//.test(url)) problems.push(`--partner-url: ${url} is not an http(s) URL`);
  const secret = (flag: string, name: string | undefined) => {
    if (name === undefined) return undefined;
    if (!env[name]) problems.push(`${flag}: environment variable ${name} is not set`);
    return env[name];
  };
  const token = secret('--token-env', v['token-env'] ?? file.partner?.tokenEnv);
  const inboundToken = secret('--inbound-token-env', v['inbound-token-env'] ?? file.partner?.inboundTokenEnv);
  const apiKey = secret('--api-key-env', v['api-key-env'] ?? file.apiKeyEnv);
  if (problems.length) throw new PeerSimulatorUsageError(problems.join('\n'));
  return {
    help: false,
    options: {
      self,
      port,
      partner: { carrierCode: partner, url, protocol, token, inboundToken },
      behaviours,
      ...(apiKey ? { apiKey } : {}),
      log,
    },
  };
}
