import type { BodySource } from '../store/wire-bodies.js';
import type { OutboxItem } from '../store/repos/outbox.js';

/** What a transport sends: an outbox row with its message (store/repos/outbox.ts). */
export type OutboundItem = OutboxItem;

export type SendResult =
  | {
      ok: true;
      /** the wire form as sent, stored with the message */
      raw?: string;
      rawFormat?: 'soap' | 'json' | 'rest' | 'file';
      /** `raw` holds the message's body, read back this way: the body is not kept apart (src/store/wire-bodies.ts) */
      bodyFrom?: BodySource;
    }
  | {
      ok: false;
      /** permanent: retrying cannot help (e.g. 4xx, negative TEQ for structure) → dead letter now */
      permanent: boolean;
      reason: string;
      /** the peer asked for a pause (Retry-After) */
      retryAfterMs?: number;
    };

/** How an outbox row leaves the gateway. HTTP peers, the wholesale client and test doubles implement it. */
export interface Transport {
  send(item: OutboundItem, signal: AbortSignal): Promise<SendResult>;
}

/** Routes each item to the transport for its destination. */
export function routingTransport(route: (item: OutboundItem) => Transport | undefined): Transport {
  return {
    async send(item, signal) {
      const t = route(item);
      if (!t) return { ok: false, permanent: true, reason: `no transport configured for destination ${item.destination}` };
      return t.send(item, signal);
    },
  };
}
