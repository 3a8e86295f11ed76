/**
 * Load shedding: while the event loop lags more than `limits.maxEventLoopDelayMs` and more than
 * `limits.shedMinInFlight` requests are in hand, new requests are answered 503 with
 * `Retry-After`, in the format of their endpoint, instead of queueing behind the work that lags. `/health/live` is never shed: a liveness probe must tell "slow" from
 * "dead". The default (3 s mean delay over a sample interval) is far above what a saturated
 * bench run shows (tens of ms); a request stuck behind a 15 s computation is what it is for. A
 * CPU-starved machine (a loaded CI host) lags seconds too, but with one or two requests in hand:
 * that is not overload, and shedding them would not help them.
 *
 * The lag is measured here rather than with @fastify/under-pressure: that plugin counts an
 * interval without a single sample as an infinite delay and starts measuring at registration, so
 * the synchronous work of starting up (schema compilation, PGlite) shed the first requests.
 * Here measuring starts once the application is ready, and a stall that spans a whole interval
 * counts for what it measured.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../app/errors.js';
import type { LimitsConfig } from '../config/types.js';

const NEVER_SHED = new Set(['/health/live']);
const RESOLUTION_MS = 10;

/** Mean event-loop delay over the last sample interval, in ms. */
export class EventLoopLag {
  readonly #histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  delayMs = 0;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#histogram.enable();
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram.disable();
  }

  #sample(): void {
    const now = performance.now();
    const late = Math.max(0, now - this.#last - this.#intervalMs);
    this.#last = now;
    const h = this.#histogram;
    this.delayMs = h.count > 0 ? Math.max(0, h.mean / 1e6 - RESOLUTION_MS, late / Math.max(1, h.count)) : late;
    h.reset();
  }
}

export async function loadShedding(app: FastifyInstance, limits: LimitsConfig = {}): Promise<void> {
  const retryAfter = String(limits.retryAfterSeconds ?? 5);
  const maxDelay = limits.maxEventLoopDelayMs ?? 3000;
  const minInFlight = limits.shedMinInFlight ?? 8;
  const lag = new EventLoopLag(limits.eventLoopSampleIntervalMs ?? 1000);
  app.addHook('onReady', async () => lag.start());
  app.addHook('onClose', async () => lag.stop());
  // requests between onRequest and their response (or their abort)
  let inFlight = 0;
  const counted = new WeakSet<object>();
  // callback-style hooks: an async hook costs a promise and a microtask turn on every request
  const forget = (request: object) => {
    if (counted.delete(request)) inFlight--;
  };
  app.addHook('onResponse', (request, _reply, done) => {
    forget(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    forget(request);
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    inFlight++;
    counted.add(request);
    // a lagging loop with little work in hand is a starved or stalled machine, not overload:
    // shedding the few requests there would not help them
    if (lag.delayMs <= maxDelay || inFlight <= minInFlight || NEVER_SHED.has(request.url.split('?')[0] ?? '')) return done();
    reply.header('Retry-After', retryAfter);
    request.log.warn({ eventLoopDelayMs: Math.round(lag.delayMs) }, 'request shed: the event loop lags');
    done(new AppError(503, 'SG_OVERLOADED', `the gateway is overloaded (event-loop delay ${Math.round(lag.delayMs)} ms > ${maxDelay} ms); retry after ${retryAfter} s`));
  });
  // a timed-out handler is a 503 as well: the client may retry
  app.addHook('onError', (_request, reply, error, done) => {
    if ((error as { code?: string }).code === 'FST_ERR_HANDLER_TIMEOUT' && !reply.getHeader('Retry-After')) reply.header('Retry-After', retryAfter);
    done();
  });
}
