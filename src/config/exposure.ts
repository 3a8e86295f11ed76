/**
 * Safe by default: a configuration that is fine on a developer's machine (the published
 * development API key, a peer accepted on its word) must not face a network. On a non-loopback
 * HOST start-up refuses such a configuration unless the operator says SWITCHGATE_ALLOW_INSECURE=1.
 */
import { isIP } from 'node:net';
import { hashList, type GatewayConfig } from './types.js';

/** SHA-256 of `dev-key-change-me`, the development key the README and config/default.json publish. */
export const DEV_KEY_SHA256 = '57c8139db7290a9064aa57837c951138a32df40cca3aca526319f55651368823';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? mapped[1]!.startsWith('127.') : false;
}

/** What in the configuration must not face a network, one short phrase each. */
export function insecureSettings(config: GatewayConfig): string[] {
  const out: string[] = [];
  config.apiKeys.forEach((k, i) => {
    if (k.keySha256 === DEV_KEY_SHA256) out.push(`apiKeys[${i}] ("${k.name}") is the published development key`);
  });
  config.peers.forEach((p, i) => {
    if (hashList(p.inboundTokenSha256).length === 0 && (p.inboundCertSha256?.length ?? 0) === 0) {
      out.push(`peers[${i}] (${p.carrierCode}) has no inbound authentication`);
    }
  });
  return out;
}

export type ExposureVerdict = { ok: true; warning?: string } | { ok: false; line: string };

/** The start-up decision, with the one line the operator sees. */
export function checkExposure(config: GatewayConfig, host: string, env: NodeJS.ProcessEnv): ExposureVerdict {
  if (isLoopbackHost(host)) return { ok: true };
  const problems = insecureSettings(config);
  if (problems.length === 0) return { ok: true };
  const what = problems.join('; ');
  if (env.SWITCHGATE_ALLOW_INSECURE === '1') {
    return { ok: true, warning: `SWITCHGATE_ALLOW_INSECURE=1: serving on HOST=${host} although ${what}` };
  }
  return {
    ok: false,
    line:
      `refusing to start on HOST=${host}: ${what} — configure your own API key hash (printf %s "$KEY" | sha256sum) ` +
      'and peers[].inboundTokenSha256 or peers[].inboundCertSha256, or bind HOST=127.0.0.1 (SWITCHGATE_ALLOW_INSECURE=1 overrides)',
  };
}
