/**
 * The process around `switchgate simulate wholesale --protocol agcom-ftth`: configuration from the
 * file and the flags, start, one line saying where it listens, clean stop on SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.js';
import { parseFtthSimulatorFile } from './config-file.js';
import { FTTH_SIM_BEHAVIOURS, isFtthSimBehaviour, type FtthSimulatorConfig } from './options.js';
import { startFtthSimulator, type StartedFtthSimulator } from './simulator.js';

export interface FtthSimulatorFlags {
  config?: string;
  port?: string;
  behaviour?: string;
}

/** Every problem of the file and the flags at once, as the gateway's check-config reports them. */
export function ftthSimulatorConfigFrom(flags: FtthSimulatorFlags, env: NodeJS.ProcessEnv): FtthSimulatorConfig & { port: number } {
  const where = flags.config ?? '(simulator)';
  let raw: unknown = {};
  if (flags.config) {
    try {
      raw = JSON.parse(readFileSync(resolve(flags.config), 'utf8'));
    } catch (err) {
      throw new ConfigError(flags.config, [{ key: '(file)', problem: (err as Error).message }]);
    }
  }
  const { config, problems } = parseFtthSimulatorFile(raw, env);
  if (flags.behaviour !== undefined) {
    if (isFtthSimBehaviour(flags.behaviour)) config.defaultBehaviour = flags.behaviour;
    else problems.push(`--behaviour: must be one of ${FTTH_SIM_BEHAVIOURS.join(', ')}`);
  }
  const rawPort = flags.port ?? env.PORT;
  if (rawPort !== undefined) {
    if (/^\d{1,5}$/.test(rawPort) && Number(rawPort) <= 65535) config.port = Number(rawPort);
    else problems.push(`--port: ${rawPort} is not a TCP port`);
  }
  if (problems.length) throw new ConfigError(where, problems.map((p) => ({ key: p.slice(0, p.indexOf(':')), problem: p.slice(p.indexOf(':') + 2) })));
  return { ...config, port: config.port ?? 8091 };
}

/** Starts the simulator of `config` (ftthSimulatorConfigFrom), says where, and stops it cleanly on SIGINT/SIGTERM. */
export async function runFtthSimulator(config: FtthSimulatorConfig, log: Logger): Promise<StartedFtthSimulator> {
  const sim = await startFtthSimulator({ ...config, log });
  log.info(
    { operatorCode: config.operatorCode, operators: config.operators.map((o) => o.code), behaviour: config.defaultBehaviour ?? 'accept' },
    `FTTH network-operator simulator ${config.operatorCode} listening: agcom.wholesale.url = ${sim.url} (WSDL: ${sim.url}/RecipientMigrationService?wsdl)`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return sim;
}
