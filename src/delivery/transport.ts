import type { BodySource } from '../store/wire-bodies.js';

/** How an outbox row leaves the gateway. HTTP peers, the wholesale client and test doubles implement it. */
export interface OutboundItem {
  outboxId: number;
  messageId: string;
  caseId: string;
  kind: 'peer' | 'wholesale';
  /** peer carrier code, or `wholesale` */
  destination: string;
  /** message type, e.g. `RUEM-VA` */
  type: string;
  /** the stored domain message */
  body: unknown;
}

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
