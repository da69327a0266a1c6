import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ThreadRecord, ThreadStore } from "./thread-store.js";

export interface RetentionOptions {
  /**
   * Threads nobody has sent a message to for this many days are deleted: their messages
   * (checkpoints), any pending authorization and the thread itself.
   */
  days: number;
  /** How often to look for idle threads. Default hourly; the first look is right after start. */
  sweepIntervalMs?: number;
}

const DAY_MS = 86_400_000;
const BATCH = 200;

export interface RetentionSweeperOptions extends RetentionOptions {
  store: ThreadStore;
  logger: Logger;
  /**
   * Deletes one thread the way `deleteThread` does, if it is still idle since `idleBefore` (it
   * may have been used since it was listed); true when it went.
   */
  erase: (thread: ThreadRecord, idleBefore: number) => Promise<boolean>;
  now?: () => number;
}

/**
 * Deletes idle threads on a timer. Every replica may sweep: deleting is idempotent, and a thread
 * in use is not idle.
 */
export class RetentionSweeper {
  readonly #options: RetentionSweeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(options: RetentionSweeperOptions) {
    this.#options = options;
  }

  start(): void {
    const every = this.#options.sweepIntervalMs ?? 3_600_000;
    const tick = () => {
      if (this.#stopped) return;
      this.#running ??= this.sweep().finally(() => {
        this.#running = undefined;
      });
      this.#timer = setTimeout(tick, every);
      this.#timer.unref();
    };
    this.#timer = setTimeout(tick, 0);
    this.#timer.unref();
  }

  /** Deletes every thread idle longer than the retention; resolves to how many went. */
  async sweep(): Promise<number> {
    const { store, logger, erase, days } = this.#options;
    const cutoff = (this.#options.now ?? Date.now)() - days * DAY_MS;
    let deleted = 0;
    try {
      for (;;) {
        const idle = await store.listIdleThreads(cutoff, BATCH);
        let progress = 0;
        for (const thread of idle) {
          if (this.#stopped) return deleted;
          if (await erase(thread, cutoff)) progress += 1;
        }
        deleted += progress;
        // A batch that deleted nothing (others got there first) ends the sweep: no spinning.
        if (idle.length < BATCH || progress === 0) break;
      }
    } catch (error) {
      logger.warn({ error: errorMessage(error) }, "retention: could not delete idle threads");
    }
    if (deleted > 0) logger.info({ deleted, days }, "retention: deleted idle threads");
    return deleted;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
