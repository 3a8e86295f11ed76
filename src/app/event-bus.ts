/**
 * Wakes long-polling readers when events may have been committed. Notifications are hints only
 * (they can be missed, and a committed event may not be visible yet while an older transaction
 * runs), so waiters also re-check on a short interval.
 */
import { EventEmitter } from 'node:events';
import type { Store } from '../store/connect.js';
import { EVENTS_CHANNEL } from '../store/repos/events.js';

export class EventBus {
  readonly #emitter = new EventEmitter();
  #unlisten: (() => Promise<void>) | undefined;

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  async start(store: Store): Promise<void> {
    if (store.listen) this.#unlisten = await store.listen(EVENTS_CHANNEL, () => this.poke());
  }

  poke(): void {
    this.#emitter.emit('wake');
  }

  /** Resolves on the next hint or after `ms`, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
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
    await this.#unlisten?.();
    this.#emitter.emit('wake');
  }
}
