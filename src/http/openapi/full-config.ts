/**
 * The configuration the contract is generated from: every profile (wbci, agcom, interconnect) and
 * every optional endpoint (wholesale callbacks, AGCOM number portability, the FTTH network operator)
 * enabled, so `docs/openapi.json` lists every route a gateway can serve. Tokens and hashes are
 * placeholders: nothing is ever sent with them.
 */
import { createHash } from 'node:crypto';
import { parseConfig } from '../../config/load.js';
import type { GatewayConfig } from '../../config/types.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** the environment variables the configuration names (placeholders) */
export const CONTRACT_ENV: NodeJS.ProcessEnv = { CONTRACT_PEER_TOKEN: 'contract-peer-token', CONTRACT_WHOLESALE_TOKEN: 'contract-wholesale-token' };

export function contractConfig(): GatewayConfig {
  const peer = (carrierCode: string, protocol: string, path: string) => ({
    carrierCode,
    protocol,
    url: `http://127.0.0.1:9${path}`,
    auth: { type: 'bearer', tokenEnv: 'CONTRACT_PEER_TOKEN' },
    inboundTokenSha256: sha('contract-inbound-token'),
  });
  return parseConfig(
    {
      self: { carrierCode: 'ITA.OLA', profiles: ['wbci', 'agcom', 'interconnect'], holidayRegion: 'IT' },
      apiKeys: [{ name: 'crm', keySha256: sha('contract-api-key'), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use', 'interconnect:read', 'interconnect:write'] }],
      peers: [
        peer('DEU.EKPB', 'wbci-soap', '/wbci/v1'),
        peer('ITA.OLB', 'agcom-file', '/agcom/v1/upload'),
        peer('ITA.TIM', 'interconnect-json', '/interconnect/v1'),
      ],
      wholesale: {
        url: 'http://127.0.0.1:9/wholesale',
        protocol: 'rest',
        placeOrders: 'manual',
        auth: { type: 'bearer', tokenEnv: 'CONTRACT_WHOLESALE_TOKEN' },
        inboundTokenSha256: sha('contract-wholesale-inbound'),
      },
      agcom: {
        cowOwner: { '2ZZ': 'OLB' },
        numberPortability: {
          url: 'http://127.0.0.1:9/np',
          auth: { type: 'bearer', tokenEnv: 'CONTRACT_PEER_TOKEN' },
          defaultDonor: 'OLB',
          inboundTokenSha256: sha('contract-np-inbound'),
          donors: [{ code: 'OLB', url: 'http://127.0.0.1:9/agcom/ftth/v1', inboundTokenSha256: sha('contract-donor-inbound'), auth: { type: 'bearer', tokenEnv: 'CONTRACT_PEER_TOKEN' } }],
        },
        wholesale: { url: 'http://127.0.0.1:9/ftth', protocol: 'agcom-ftth', inboundTokenSha256: sha('contract-ftth-inbound') },
      },
      interconnect: {
        role: 'operator',
        tariffs: { portActivationFee: '1200.00', portMonthlyFee: '310.00', cacModuleMonthlyFee: '45.50', linkMonthlyFee: '620.00', linkAnnulmentCharge: '850.00', setupCost: '275.00' },
      },
    },
    'openapi contract',
    CONTRACT_ENV,
  );
}
