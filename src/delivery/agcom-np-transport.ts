/**
 * Delivers to the number-portability counterparts of `agcom.numberPortability.donors`, one
 * outbox destination each (`agcom-np:<code>`): over SOAP, the N11 to
 * `<url>/O2ONPFibra.OLO_NPRequestService` and our N13 KO to `<url>/OLO_NPNotificationService`
 * (the FTTH client: N12 NACK permanent, see agcom-ftth-transport.ts); with protocol "json", the
 * notice POSTed to its url (np-transport.ts). Each counterpart gets its own client and token.
 */
import type { Logger } from 'pino';
import type { NpDonorConfig } from '../config/agcom-config.js';
import { NP_DONOR_DESTINATION_PREFIX } from '../app/agcom/ftth-np.js';
import { createFtthTransport } from './agcom-ftth-transport.js';
import { createNpTransport } from './np-transport.js';
import type { Transport } from './transport.js';

export interface AgcomNpTransport extends Transport {
  close(): Promise<void>;
}

export function createAgcomNpTransport(donors: readonly NpDonorConfig[], log: Logger, opts: { env?: NodeJS.ProcessEnv; responseTimeoutMs?: number } = {}): AgcomNpTransport {
  const clients = new Map<string, AgcomNpTransport>(
    donors.map((d) => [
      `${NP_DONOR_DESTINATION_PREFIX}${d.code}`,
      (d.protocol ?? 'ftth-soap') === 'json'
        ? createNpTransport({ url: d.url, ...(d.auth ? { auth: d.auth } : {}) }, log, opts)
        : createFtthTransport({ url: d.url, protocol: 'agcom-ftth', ...(d.auth ? { auth: d.auth } : {}) }, log, opts),
    ]),
  );
  return {
    async send(item, signal) {
      const client = clients.get(item.destination);
      // a counterpart removed from the configuration while its rows waited: nobody to send to
      if (!client) return { ok: false, permanent: true, reason: `no agcom.numberPortability.donors entry for ${item.destination}` };
      return client.send(item, signal);
    },
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}
