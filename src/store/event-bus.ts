/**
 * Wakes long-polling readers when events may have been committed. Notifications are hints only
 * (they can be missed, and a committed event may not be visible yet while an older transaction
 * runs), so waiters also re-check on a short interval.
 */
import { EventEmitter } from 'node:events';
import type { Store } from './connect.js';
import { EVENTS_CHANNEL } from './repos/events.js';

export class EventBus {
  readonly #emitter = new EventEmitter();
  #unlisten: (() => Promise<void>) | undefined;
  #closing = false;

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  async start(store: Store): Promise<void> {
    if (store.listen) this.#unlisten = await store.listen(EVENTS_CHANNEL, () => this.poke());
  }

  poke(): void {
    this.#emitter.emit('wake');
  }

  /** True once the gateway shuts down: long-polls answer with what they have instead of waiting. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Wakes every waiter for good, so that the HTTP server's close is not held up by long-polls. */
  beginShutdown(): void {
    this.#closing = true;
    this.#emitter.emit('wake');
  }

  /** Resolves on the next hint or after `ms`, whichever comes first (at once while shutting down). */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#emitter.off('wake', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#emitter.on('wake', done);
      signal?.addEventListener('abort', done);
    });
  }

  async stop(): Promise<void> {
    this.beginShutdown();
    await this.#unlisten?.();
  }
}
