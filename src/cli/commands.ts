/**
 * The commands of `switchgate`, each with its own options (node:util parseArgs form) and help.
 * Modules a command needs are imported when it runs, so `--help` and `--version` stay instant and
 * touch nothing.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/load.js';
import { configPathFrom, databaseUrlFrom, dataDirFrom, logLevelFrom } from './environment.js';
import { explainStartupError } from './startup-error.js';

type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** after `switchgate <name> ` in the usage line */
  usage: string;
  help?: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** how many positional arguments it takes at most */
  positionals?: number;
  /** subcommands that parse their own arguments (`simulate peer …`), by name */
  delegates?: Record<string, (argv: string[]) => Promise<void>>;
  run(values: Values, positionals: string[]): Promise<void>;
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
  }
}

async function loadConfig(path: string) {
  const [{ loadConfigFile }, { configChecks }] = await Promise.all([import('../config/load.js'), import('../config/checks.js')]);
  return loadConfigFile(path, process.env, configChecks);
}

/** Opens the database of DATABASE_URL / DATA_DIR for a one-shot command, with errors explained. */
async function openStoreForCommand() {
  const databaseUrl = databaseUrlFrom(process.env);
  const dataDir = dataDirFrom(process.env);
  const { openDatabase } = await import('../store/connect.js');
  try {
    return await openDatabase({ databaseUrl, dataDir });
  } catch (err) {
    throw explainStartupError(err, { databaseUrl, dataDir, host: '', port: 0 }) ?? err;
  }
}

const start: Command = {
  name: 'start',
  summary: 'run the gateway',
  usage: '',
  help: [
    'Configured by the environment: PORT, HOST, DATABASE_URL (unset: embedded PGlite in DATA_DIR),',
    'DATA_DIR, SWITCHGATE_CONFIG, LOG_LEVEL. SIGTERM or SIGINT stop it within a bounded time',
    '(SWITCHGATE_SHUTDOWN_TIMEOUT_MS, 10000 by default); a second signal stops it at once.',
  ].join('\n'),
  async run() {
    const { startGateway } = await import('./start.js');
    await startGateway(process.env);
  },
};

const migrate: Command = {
  name: 'migrate',
  summary: 'apply the database migrations and exit',
  usage: '',
  help: 'Uses DATABASE_URL, or the embedded database in DATA_DIR.',
  async run() {
    const store = await openStoreForCommand();
    try {
      const { migrateToLatest } = await import('../store/migrate.js');
      const { applied } = await migrateToLatest(store.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await store.close();
    }
  },
};

const checkConfig: Command = {
  name: 'check-config',
  summary: 'validate a configuration file and exit',
  usage: '[file]',
  help: 'Without a file, SWITCHGATE_CONFIG or config/default.json. Secrets named by *Env keys must be set.',
  positionals: 1,
  async run(_values, [file]) {
    const path = configPathFrom(process.env, file);
    await loadConfig(path);
    console.log(`${path}: ok`);
  },
};

const requestedDate: Command = {
  name: 'requested-date',
  summary: 'print the earliest requested date a VA-KUE may carry today (no refusal, no warning)',
  usage: '[file]',
  help: [
    'Counts the minimum lead (deadlines.wbci.minLeadWorkingDaysKue) and the short-lead warning window',
    'in working days of self.holidayRegion, from the configuration (SWITCHGATE_CONFIG or config/default.json).',
  ].join('\n'),
  positionals: 1,
  async run(_values, [file]) {
    const config = await loadConfig(configPathFrom(process.env, file));
    const { earliestRequestedDate } = await import('../app/wbci/requested-date.js');
    console.log(earliestRequestedDate(config, new Date()));
  },
};

const replay: Command = {
  name: 'replay',
  summary: 'put dead-lettered deliveries back into the outbox',
  usage: '<dead-letter id> | --all',
  options: { all: { type: 'boolean' } },
  positionals: 1,
  async run(values, [id]) {
    if (!values.all && id === undefined) throw new UsageError('replay needs a dead-letter id or --all', replay);
    if (values.all && id !== undefined) throw new UsageError('give a dead-letter id or --all, not both', replay);
    if (id !== undefined && !/^\d+$/.test(id)) throw new UsageError(`not a dead-letter id: ${id}`, replay);
    const store = await openStoreForCommand();
    try {
      const { replayDeadLetter } = await import('../delivery/dead-letters.js');
      const ids = values.all
        ? (await store.db.selectFrom('dead_letters').select('id').where('replayed_at', 'is', null).where('set_aside_at', 'is', null).orderBy('id').execute()).map((r) => r.id)
        : [Number(id)];
      let done = 0;
      let failed = 0;
      const progress = process.stderr.isTTY && ids.length > 1;
      for (const [i, dl] of ids.entries()) {
        if (await replayDeadLetter(store.db, dl)) done++;
        else {
          failed++;
          console.error(`dead letter ${dl}: unknown, replayed or set aside already`);
        }
        if (progress) process.stderr.write(`\rreplaying ${i + 1}/${ids.length}`);
        else if (ids.length > 1 && (i + 1) % 100 === 0) console.error(`replayed ${i + 1} of ${ids.length}…`);
      }
      if (progress) process.stderr.write('\n');
      console.log(`replayed ${done} of ${ids.length}`);
      if (failed > 0 && !values.all) process.exitCode = 1;
    } finally {
      await store.close();
    }
  },
};

const setAside: Command = {
  name: 'set-aside',
  summary: "close a dead letter without sending it again; the case's later messages go out",
  usage: '<dead-letter id> --note <why>',
  help: [
    'For a message the receiver refuses for good: its outbox row and message become set_aside, nothing is',
    "sent, and the case's later messages to that destination are no longer held back. The note (1-500",
    'characters) is kept with the letter and in the delivery.set-aside event. Same as',
    'POST /v1/dead-letters/{id}/set-aside and the console.',
  ].join('\n'),
  options: { note: { type: 'string' } },
  positionals: 1,
  async run(values, [id]) {
    if (id === undefined) throw new UsageError('set-aside needs a dead-letter id', setAside);
    if (!/^\d{1,15}$/.test(id)) throw new UsageError(`not a dead-letter id: ${id}`, setAside);
    const { setAsideDeadLetter, SET_ASIDE_NOTE_MAX } = await import('../delivery/dead-letters.js');
    const note = typeof values.note === 'string' ? values.note.trim() : '';
    if (note.length === 0 || note.length > SET_ASIDE_NOTE_MAX) throw new UsageError(`--note must say why, in 1 to ${SET_ASIDE_NOTE_MAX} characters`, setAside);
    const store = await openStoreForCommand();
    try {
      if (await setAsideDeadLetter(store.db, Number(id), note)) console.log(`dead letter ${id} set aside`);
      else {
        console.error(`dead letter ${id}: unknown, replayed or set aside already`);
        process.exitCode = 1;
      }
    } finally {
      await store.close();
    }
  },
};

const DEMO_PROCEDURES = ['wbci', 'agcom', 'interconnect'] as const;
type DemoProcedure = (typeof DEMO_PROCEDURES)[number];

const demo: Command = {
  name: 'demo',
  summary: 'two operators and their counterparts on embedded databases, one complete procedure, printed',
  usage: '[wbci|agcom|interconnect] [--keep]',
  help: [
    'wbci (default): VA-KUE-MRN → RUEM-VA → TVS-VA/ERLM → AKM-TR → wholesale order → completed;',
    '  then three VAs to a partner played by `simulate peer`: accepted, rejected, silent until overdue.',
    'agcom: three migration requests (xml1 files) to a Donating played by `simulate peer`: OK, KO, silent until overdue.',
    '--keep leaves the gateways running afterwards and prints their URLs (Ctrl-C stops them).',
  ].join('\n'),
  options: { keep: { type: 'boolean' } },
  positionals: 1,
  async run(values, [procedure = 'wbci']) {
    if (!DEMO_PROCEDURES.includes(procedure as DemoProcedure)) {
      throw new UsageError(`no demo for ${procedure} (one of: ${DEMO_PROCEDURES.join(', ')})`, demo);
    }
    const { runDemo } = await import('../demo.js');
    await runDemo({ procedure: procedure as DemoProcedure, keep: values.keep === true });
  },
};

const SIMULATORS = ['wholesale', 'peer'] as const;

const simulate: Command = {
  name: 'simulate',
  summary: 'a counterpart to test a gateway against: wholesale provider or partner operator',
  usage: 'wholesale [--protocol rest|soap|agcom-ftth] [--config file] [--port n] [--behaviour b] | peer [options] (simulate peer --help)',
  help: [
    'wholesale: a wholesale provider (REST + SOAP) for trying a gateway\'s phase 3.',
    'wholesale --protocol agcom-ftth: the Italian FTTH network operator (B, N1–N13 over SOAP), see',
    '  config/ftth-simulator.example.json; --behaviour: accept, ko-intake, suspend, reschedule, complete-ko, hold.',
    'peer: a partner operator\'s gateway (WBCI or AGCOM) answering by scripted behaviours; see `switchgate simulate peer --help`.',
  ].join('\n'),
  delegates: {
    peer: async (argv) => {
      const { runPeerSimulator } = await import('../peer-simulator/run.js');
      await runPeerSimulator(argv);
    },
  },
  options: { config: { type: 'string' }, port: { type: 'string' }, behaviour: { type: 'string' }, protocol: { type: 'string' } },
  positionals: 1,
  async run(values, [what]) {
    if (what === undefined) throw new UsageError(`simulate needs what to simulate: ${SIMULATORS.join(' or ')}`, simulate);
    if (what !== 'wholesale') throw new UsageError(`cannot simulate ${what} (one of: ${SIMULATORS.join(', ')})`, simulate);
    const protocol = values.protocol ?? 'rest';
    if (protocol === 'agcom-ftth') return simulateFtth(values);
    // the generic provider serves both of the gateway's wholesale protocols at once
    if (protocol !== 'rest' && protocol !== 'soap') throw new UsageError(`--protocol ${String(protocol)}: one of rest, soap, agcom-ftth`, simulate);
    await simulateWholesale(values);
  },
};

async function simulateWholesale(values: Values): Promise<void> {
  const { parseSimulatorConfig } = await import('../wholesale/simulator-config.js');
  const { startWholesaleSimulator } = await import('../wholesale/simulator.js');
  const { createLogger } = await import('../gateway.js');
  const file = typeof values.config === 'string' ? values.config : undefined;
  let raw: unknown = { carriers: {} };
  if (file) {
    try {
      raw = JSON.parse(readFileSync(resolve(file), 'utf8'));
    } catch (err) {
      throw new ConfigError(file, [{ key: '(file)', problem: (err as Error).message }]);
    }
  }
  const { options, problems } = parseSimulatorConfig(raw, process.env);
  if (typeof values.behaviour === 'string') {
    const more = parseSimulatorConfig({ carriers: {}, defaultBehaviour: values.behaviour }, process.env).problems;
    problems.push(...more.map((p) => `--behaviour: ${p.slice(p.indexOf(':') + 2)}`));
    options.defaultBehaviour = values.behaviour as never;
  }
  if (problems.length) {
    throw new ConfigError(file ?? '(simulator)', problems.map((p) => ({ key: p.slice(0, p.indexOf(':')), problem: p.slice(p.indexOf(':') + 2) })));
  }
  const rawPort = typeof values.port === 'string' ? values.port : (process.env.PORT ?? String(options.port ?? 8090));
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) throw new UsageError(`--port ${rawPort} is not a TCP port`, simulate);
  const log = createLogger(logLevelFrom(process.env));
  const port = Number(rawPort);
  let sim: Awaited<ReturnType<typeof startWholesaleSimulator>>;
  try {
    sim = await startWholesaleSimulator({ ...options, port, log });
  } catch (err) {
    throw explainStartupError(err, { host: '127.0.0.1', port }) ?? err;
  }
  log.info(
    { rest: sim.restUrl, soap: sim.soapUrl, carriers: Object.keys(options.carriers) },
    `wholesale simulator listening on ${sim.url} (REST: POST /productOrder …, SOAP: ${sim.soapUrl}, WSDL: ${sim.soapUrl}?wsdl)`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function simulateFtth(values: Values): Promise<void> {
  const { ftthSimulatorConfigFrom, runFtthSimulator } = await import('../ftth-simulator/run.js');
  const { createLogger } = await import('../gateway.js');
  const text = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
  const config = ftthSimulatorConfigFrom({ config: text(values.config), port: text(values.port), behaviour: text(values.behaviour) }, process.env);
  try {
    await runFtthSimulator(config, createLogger(logLevelFrom(process.env)));
  } catch (err) {
    throw explainStartupError(err, { host: '127.0.0.1', port: config.port }) ?? err;
  }
}

const interconnect: Command = {
  name: 'interconnect',
  summary: 'interconnection tools: rate a month of call records by time band',
  usage: 'rate FILE [--config file]',
  help: [
    'rate: reads a call-record CSV (callId,start,durationSeconds[,service]) as a stream and prints, as JSON,',
    'the seconds and calls per month and time band (interconnect.timeBands of the configuration).',
    'Malformed lines are listed by number on stderr and nothing is rated (exit 1); an unreadable file exits 66.',
  ].join('\n'),
  options: { config: { type: 'string' } },
  positionals: 2,
  async run(values, [what, file]) {
    if (what !== 'rate') throw new UsageError(what ? `unknown interconnect command: ${what} (only: rate)` : 'interconnect needs a command: rate', interconnect);
    if (!file) throw new UsageError('interconnect rate needs the CSV file', interconnect);
    const { createReadStream } = await import('node:fs');
    const { rateTraffic, italianCalendar } = await import('../app/interconnect-billing/traffic.js');
    const { resolveTimeBands } = await import('../config/interconnect-time-bands.js');
    const bands = resolveTimeBands(await loadConfig(configPathFrom(process.env, typeof values.config === 'string' ? values.config : undefined)));
    let outcome: Awaited<ReturnType<typeof rateTraffic>>;
    try {
      outcome = await rateTraffic(createReadStream(resolve(file)), { bands, calendar: italianCalendar() });
    } catch (err) {
      console.error(`${file}: cannot be read: ${(err as Error).message}`);
      process.exitCode = 66; // EX_NOINPUT
      return;
    }
    if (outcome.ok) {
      console.log(JSON.stringify(outcome.result, null, 2));
      return;
    }
    const { summary } = outcome;
    for (const i of summary.issues) console.error(`${file}:${i.line}: ${i.field}: ${i.message} (${i.code})`);
    console.error(`${summary.invalidLines} malformed line(s) of ${summary.lines}; nothing rated`);
    process.exitCode = 1;
  },
};

const openapi: Command = {
  name: 'openapi',
  summary: 'print the OpenAPI 3.1 contract (every profile and optional endpoint enabled)',
  usage: '[--out file]',
  help: [
    'The document a gateway with the wbci, agcom and interconnect profiles, the wholesale callbacks, AGCOM number',
    'portability and the FTTH network operator serves at /docs/json; committed as docs/openapi.json.',
    'Uses a throwaway in-memory database; needs no configuration. Without --out it is printed.',
  ].join('\n'),
  options: { out: { type: 'string' } },
  async run(values) {
    if (values.out === '') throw new UsageError('--out needs a file name', openapi);
    const { generateContract, contractText } = await import('../http/openapi/generate.js');
    const text = contractText(await generateContract());
    if (typeof values.out === 'string') {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(resolve(values.out), text);
      console.error(`wrote ${values.out}`);
    } else process.stdout.write(text);
  },
};

export const COMMANDS: readonly Command[] = [start, migrate, checkConfig, requestedDate, replay, setAside, demo, simulate, interconnect, openapi];

