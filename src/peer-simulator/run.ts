/** The process around `switchgate simulate peer`: options, start, one line of where it listens, clean stop. */
import { createLogger } from '../gateway.js';
import { PEER_SIMULATOR_USAGE, PeerSimulatorUsageError, peerSimulatorOptions } from './cli.js';
import { startPeerSimulator } from './simulator.js';

export async function runPeerSimulator(argv: string[]): Promise<void> {
  const log = createLogger();
  let parsed;
  try {
    parsed = peerSimulatorOptions(argv, process.env, log);
  } catch (err) {
    if (!(err instanceof PeerSimulatorUsageError)) throw err;
    console.error(`simulate peer: ${err.message}\n\n${PEER_SIMULATOR_USAGE}`);
    process.exitCode = 64;
    return;
  }
  if (parsed.help) {
    console.log(PEER_SIMULATOR_USAGE);
    return;
  }
  const o = parsed.options;
  const sim = await startPeerSimulator(o);
  log.info(
    { self: o.self, partner: o.partner.carrierCode, partnerUrl: o.partner.url, behaviour: o.behaviours.default.kind },
    `peer simulator ${o.self} (${sim.procedure}) listening: the partner delivers to ${sim.endpoint}`,
  );
  if (o.apiKey) log.info({ self: o.self }, `peer simulator ${o.self}: its REST API (Recipient side by hand) is at ${sim.url}/v1`);
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
