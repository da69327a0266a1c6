import { AIMessage } from "langchain";
import type { DelegateAgent } from "../agent/create-delegate-agent.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { EventBus } from "./event-bus.js";
import type { ResumeCoordinator } from "./resume-coordinator.js";
import type { ThreadStore } from "./thread-store.js";

export interface ResumedElsewhereOptions {
  store: ThreadStore;
  bus: EventBus;
  coordinator: Pick<ResumeCoordinator, "isBusy">;
  graph: Pick<DelegateAgent["graph"], "getState">;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Another replica may resume a thread this process is streaming (a webhook landed there):
 * this notices that its pending row is gone and ends the local stream with the thread's answer.
 */
export class ResumedElsewhere {
  readonly #options: ResumedElsewhereOptions;
  /** Threads this process saw pause for authorization (key → thread id), until their turn ends. */
  readonly #waiting = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;

  constructor(options: ResumedElsewhereOptions) {
    this.#options = options;
    options.bus.tap((key, event) => {
      if (event.type === "authorization-required") this.#waiting.set(key, event.threadId);
      if (event.type === "turn-end") this.#waiting.delete(key);
    });
  }

  /** How many threads it keeps an eye on. */
  get size(): number {
    return this.#waiting.size;
  }

  forget(key: string): void {
    this.#waiting.delete(key);
  }

  start(): void {
    this.#timer = setInterval(() => void this.settle(), this.#options.intervalMs ?? 2_000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /**
   * Ends the wait of threads whose turn another process finished (their row is gone). Threads
   * nobody here streams are checked only every `UNWATCHED_EVERY` ticks, and dropped once gone,
   * so a replica does not keep every thread that ever paused on it.
   */
  async settle(): Promise<void> {
    const { store, bus, coordinator, logger } = this.#options;
    const all = ++this.#ticks % UNWATCHED_EVERY === 0;
    const watched = [...this.#waiting].filter(
      ([key]) => !coordinator.isBusy(key) && (all || bus.hasListeners(key)),
    );
    if (watched.length === 0) return;
    // One query for all of them: thousands may wait with a stream open.
    let still: Set<string>;
    try {
      still = await store.pendingKeys(watched.map(([key]) => key));
    } catch (error) {
      logger.debug({ error: errorMessage(error) }, "could not settle threads");
      return;
    }
    for (const [key, threadId] of watched) {
      if (still.has(key)) continue;
      if (!bus.hasListeners(key)) {
        this.#waiting.delete(key);
        continue;
      }
      try {
        if ((await store.getPending(key)) || coordinator.isBusy(key)) continue;
        await this.#finish(key, threadId);
      } catch (error) {
        logger.debug({ key, error: errorMessage(error) }, "could not settle a thread");
      }
    }
  }

  async #finish(key: string, threadId: string): Promise<void> {
    const snapshot = await this.#options.graph.getState({ configurable: { thread_id: key } });
    const messages = ((snapshot.values ?? {}) as { messages?: unknown[] }).messages ?? [];
    const last = messages.at(-1);
    const text = AIMessage.isInstance(last) ? last.text : undefined;
    const { bus } = this.#options;
    if (text) bus.publish(key, { type: "message", threadId, role: "assistant", text });
    bus.publish(key, { type: "turn-end", threadId, status: "completed", ...(text ? { text } : {}) });
  }
}

/** Every this many ticks, threads nobody streams here are checked too. */
const UNWATCHED_EVERY = 15;
