import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseConfig } from '../../../src/config/load.js';
import { checkExposure, DEV_KEY_SHA256, isLoopbackHost } from '../../../src/config/exposure.js';

const shipped = parseConfig(JSON.parse(readFileSync(new URL('../../../config/default.json', import.meta.url), 'utf8')), 'default.json', {});
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const production = parseConfig(
  {
    self: { carrierCode: 'DEU.EKPA' },
    apiKeys: [{ name: 'crm', keySha256: sha('a-real-key'), scopes: ['switches:read'] }],
    peers: [
      { carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: 'https://b.example/wbci/v1', inboundTokenSha256: [sha('old'), sha('new')] },
      { carrierCode: 'DEU.EKPC', protocol: 'wbci-soap', url: 'https://c.example/wbci/v1', inboundCertSha256: [sha('cert')] },
    ],
  },
  'prod',
  {},
);

describe('exposure check', () => {
  it('the published development key is dev-key-change-me', () => {
    expect(sha('dev-key-change-me')).toBe(DEV_KEY_SHA256);
  });

  it('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'gateway.example', '::ffff:10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('the shipped config is fine on loopback, refused elsewhere, allowed with a warning under SWITCHGATE_ALLOW_INSECURE=1', () => {
    expect(checkExposure(shipped, '127.0.0.1', {})).toEqual({ ok: true });
    const refused = checkExposure(shipped, '0.0.0.0', {});
    expect(refused.ok).toBe(false);
    expect(checkExposure(shipped, '0.0.0.0', { SWITCHGATE_ALLOW_INSECURE: 'yes' }).ok).toBe(false);
    const allowed = checkExposure(shipped, '0.0.0.0', { SWITCHGATE_ALLOW_INSECURE: '1' });
    expect(allowed).toEqual({
      ok: true,
      warning: 'SWITCHGATE_ALLOW_INSECURE=1: serving on HOST=0.0.0.0 although apiKeys[0] ("dev") is the published development key; peers[0] (DEU.EKPB) has no inbound authentication',
    });
  });

  it('a production config (own key, token list, pinned certificate) starts on a public HOST without a warning', () => {
    expect(checkExposure(production, '0.0.0.0', {})).toEqual({ ok: true });
  });
});
