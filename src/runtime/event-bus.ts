import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { EventChannel } from "./event-channel.js";
import type { RuntimeEvent } from "./events.js";

type Listener = (event: RuntimeEvent) => void;

/**
 * Per-thread fan-out of runtime events. Listeners are keyed by the scoped thread key (which
 * includes the user), so a listener only ever hears its own user's thread.
 */
export class EventBus {
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Open streams, with the thread each is of. */
  readonly #channels = new Map<EventChannel<RuntimeEvent>, string>();
  readonly #logger: Logger;
  readonly #onEvent: ((event: RuntimeEvent) => void) | undefined;
  readonly #taps: ((key: string, event: RuntimeEvent) => void)[] = [];

  constructor(logger: Logger, onEvent?: (event: RuntimeEvent) => void) {
    this.#logger = logger;
    this.#onEvent = onEvent;
  }

  /** Internal observers of every event (the runtime's own bookkeeping), before any listener. */
  tap(observer: (key: string, event: RuntimeEvent) => void): void {
    this.#taps.push(observer);
  }

  subscribe(key: string, listener: Listener): () => void {
    const set = this.#listeners.get(key) ?? new Set();
    set.add(listener);
    this.#listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }

  hasListeners(key: string): boolean {
    return this.#listeners.has(key);
  }

  publish(key: string, event: RuntimeEvent): void {
    for (const tap of this.#taps) tap(key, event);
    for (const listener of [...(this.#listeners.get(key) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.warn({ error: errorMessage(error) }, "event listener threw");
      }
    }
    try {
      this.#onEvent?.(event);
    } catch (error) {
      this.#logger.warn({ error: errorMessage(error) }, "onEvent hook threw");
    }
  }

  /**
   * A stream of one thread's events that ends after `isLast`; it receives nothing until
   * `attach()`, so a caller attaches only once it is known to own the thread.
   */
  channel(key: string, threadId: string, isLast: (event: RuntimeEvent) => boolean) {
    let unsubscribe: () => void = () => {};
    let held: RuntimeEvent[] | undefined;
    const channel: EventChannel<RuntimeEvent> = new EventChannel<RuntimeEvent>(() => {
      unsubscribe();
      this.#channels.delete(channel);
    });
    this.#channels.set(channel, threadId);
    const forward = (event: RuntimeEvent) => {
      channel.push(event);
      if (isLast(event)) channel.end();
    };
    const attach = () => {
      unsubscribe = this.subscribe(key, (event) => (held ? held.push(event) : forward(event)));
    };
    /**
     * Listens before a claim is tried, holding what arrives: `release` passes it on (the claim
     * won, so it is this caller's run), `detach` drops it (another caller's run owns the thread).
     */
    const listenHeld = () => {
      held = [];
      attach();
      return {
        release: () => {
          const events = held ?? [];
          held = undefined;
          for (const event of events) forward(event);
        },
        detach: () => {
          unsubscribe();
          unsubscribe = () => {};
          held = undefined;
        },
      };
    };
    return { channel, attach, listenHeld };
  }

  /** A stream that fails at once with `error`, for a call refused before it starts. */
  static failed(error: unknown): AsyncIterable<RuntimeEvent> {
    const channel = new EventChannel<RuntimeEvent>(() => {});
    channel.fail(error);
    return channel;
  }

  /** Ends every open stream (on close), each with `last(threadId)` as its final event. */
  endAll(last: (threadId: string) => RuntimeEvent): void {
    for (const [channel, threadId] of this.#channels) {
      channel.push(last(threadId));
      channel.end();
    }
  }
}
