import { type Identity, sameIdentity } from "../auth/identity.js";
import type { Logger } from "../logger.js";
import type { EventBus } from "./event-bus.js";
import type { ResumeCoordinator } from "./resume-coordinator.js";
import type { ThreadHistory } from "./thread-history.js";
import type { ThreadStore } from "./thread-store.js";

export interface ThreadErasureOptions {
  history: ThreadHistory;
  store: ThreadStore;
  coordinator: ResumeCoordinator;
  bus: EventBus;
  logger: Logger;
  /** Forgets what the runtime remembers about the thread in memory. */
  forget: (key: string) => void;
  /** Makes what was deleted unreadable on disk (see `Storage.scrub`). */
  scrub?: () => Promise<void>;
}

/** Deleting threads for good: one on request, a user's all at once, idle ones for retention. */
export class ThreadErasure {
  readonly #options: ThreadErasureOptions;

  constructor(options: ThreadErasureOptions) {
    this.#options = options;
  }

  /**
   * Deletes one thread once no run of it goes on in this process; with `idleBefore` (retention),
   * only if it is still unused since then when its turn comes (a run on another replica
   * deletes what it wrote when it ends: it finds the thread gone). Streams still open on it end.
   */
  async erase(key: string, threadId: string, idleBefore?: number): Promise<boolean> {
    const { history, coordinator, bus, logger } = this.#options;
    let existed = false;
    await coordinator.withLock(key, async () => {
      existed = await history.delete(key, idleBefore);
    });
    if (idleBefore !== undefined && !existed) return false;
    coordinator.forgetProgress(key);
    this.#options.forget(key);
    if (existed) await this.#options.scrub?.();
    // Only a thread that was there ends its listeners' streams.
    if (existed && bus.hasListeners(key)) {
      bus.publish(key, {
        type: "error",
        threadId,
        code: "THREAD_NOT_FOUND",
        message: "This thread was deleted.",
      });
      bus.publish(key, { type: "turn-end", threadId, status: "failed" });
    }
    if (existed) logger.info({ threadId }, "thread deleted");
    return existed;
  }

  /** Every thread of this user in this organization (the same user id elsewhere is another user). */
  async eraseUser(identity: Identity): Promise<number> {
    const { store } = this.#options;
    const sameUser = (other: Identity) => sameIdentity(other, identity);
    const threads = new Map<string, string>();
    for (const thread of await store.listThreads(identity)) threads.set(thread.key, thread.threadId);
    for (const pending of await store.listPending()) {
      if (sameUser(pending.identity)) threads.set(pending.key, pending.threadId);
    }
    let deleted = 0;
    for (const [key, threadId] of threads) if (await this.erase(key, threadId)) deleted += 1;
    return deleted;
  }
}
