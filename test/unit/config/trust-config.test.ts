import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { ConfigError, parseConfig } from '../../../src/config/load.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const base = (over: Record<string, unknown> = {}, peer: Record<string, unknown> = {}) => ({
  self: { carrierCode: 'DEU.EKPA' },
  peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: 'https://b.example/wbci/v1', ...peer }],
  ...over,
});
const problems = (raw: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(raw, 't', env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
};

describe('trust configuration keys', () => {
  it('inboundTokenSha256 is a string or a list of one or two; inboundCertSha256 a list of one or two', () => {
    expect(problems(base({}, { inboundTokenSha256: sha('a') }))).toEqual([]);
    expect(problems(base({}, { inboundTokenSha256: [sha('a'), sha('b')], inboundCertSha256: [sha('c'), sha('d')] }))).toEqual([]);
    expect(problems(base({ wholesale: { url: 'https://w.example', inboundTokenSha256: [sha('a')], inboundCertSha256: [sha('c')] } }))).toEqual([]);
    const rollover = 'must be a hex SHA-256 (64 lowercase hex digits), or a list of one or two of them (old and new during a rollover)';
    expect(problems(base({}, { inboundTokenSha256: 'XYZ' }))).toEqual([{ key: 'peers[0].inboundTokenSha256', problem: rollover }]);
    expect(problems(base({}, { inboundTokenSha256: [sha('a'), sha('b'), sha('c')] }))).toEqual([{ key: 'peers[0].inboundTokenSha256', problem: rollover }]);
    expect(problems(base({}, { inboundCertSha256: sha('a') }))).toEqual([{ key: 'peers[0].inboundCertSha256', problem: 'must be array' }]);
    expect(problems(base({}, { inboundCertSha256: ['AB:CD'] }))).toEqual([{ key: 'peers[0].inboundCertSha256[0]', problem: 'has an invalid format (expected ^[0-9a-f]{64}$)' }]);
  });

  it('server.tls needs both files, and they must exist', () => {
    expect(problems(base({ server: { tls: { certFile: 'x.pem' } } }))).toEqual([{ key: 'server.tls.keyFile', problem: 'is required' }]);
    expect(problems(base({ server: { tls: { certFile: '/nonexistent/x.pem', keyFile: '/nonexistent/x.key' } } }))).toEqual([
      { key: 'server.tls.certFile', problem: 'file /nonexistent/x.pem does not exist' },
      { key: 'server.tls.keyFile', problem: 'file /nonexistent/x.key does not exist' },
    ]);
  });

  it('webhooks: previousSecretEnv must be set; retry bounds are checked', () => {
    const hook = (extra: Record<string, unknown>) => base({ webhooks: [{ url: 'https://crm.example/hook', secretEnv: 'S', ...extra }] });
    expect(problems(hook({ previousSecretEnv: 'OLD', retry: { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 } }), { S: 'x', OLD: 'y' })).toEqual([]);
    expect(problems(hook({ previousSecretEnv: 'OLD' }), { S: 'x' })).toEqual([{ key: 'webhooks[0].previousSecretEnv', problem: 'environment variable OLD is not set' }]);
    expect(problems(hook({ retry: { maxAttempts: 0 } }), { S: 'x' })).toEqual([{ key: 'webhooks[0].retry.maxAttempts', problem: 'must be >= 1' }]);
    expect(problems(hook({ retry: { initialDelayMs: 1000, maxDelayMs: 10 } }), { S: 'x' })).toEqual([
      { key: 'webhooks[0].retry.maxDelayMs', problem: 'must be at least initialDelayMs (1000), is 10' },
    ]);
    expect(problems(hook({ retry: { attempts: 3 } }), { S: 'x' })).toEqual([{ key: 'webhooks[0].retry.attempts', problem: 'unknown key' }]);
  });
});
