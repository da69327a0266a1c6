import type { AgentAuth } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PendingAuthorization, ThreadStore } from "./thread-store.js";

export interface PollSettings {
  /** First check after a thread starts waiting. Default 500 ms. */
  initialIntervalMs: number;
  /** Longest gap between checks of one thread. Default 5 s. */
  maxIntervalMs: number;
  /** Growth of the gap after each check that finds nothing. Default 1.5. */
  backoff: number;
}

export const DEFAULT_POLL: PollSettings = { initialIntervalMs: 500, maxIntervalMs: 5_000, backoff: 1.5 };

export interface WatcherOptions {
  store: ThreadStore;
  auth: CachedAgentAuth;
  poll: PollSettings;
  logger: Logger;
  now: () => number;
  /** A `resuming` claim older than this was left by a process that died: pick it up again. */
  leaseMs: number;
  /** Every connection of the thread is ACTIVE. Resolves false when it is not ready after all. */
  onReady(pending: PendingAuthorization): Promise<boolean | undefined>;
  /** Some, not all, of the thread's connections are ACTIVE now. */
  onProgress?(pending: PendingAuthorization, active: string[]): void;
  /** The thread waited past its deadline. */
  onExpired(pending: PendingAuthorization): Promise<void>;
}

/**
 * Polls the status of every waiting thread's connections: batched per user (one list call for
 * all of a user's waiting threads) and adaptive per thread (fast at first, backing off). It
 * reads the registry each round, so it also picks up threads another process left waiting.
 */
export class AuthorizationWatcher {
  readonly #options: WatcherOptions;
  readonly #schedule = new Map<string, { next: number; interval: number }>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;
  #ticking: Promise<void> | undefined;
  /** A wake that arrived during a tick: the next tick comes at once. */
  #woken = false;

  constructor(options: WatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#arm(0);
  }

  /** Check soon: a thread has just started waiting. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#woken = true;
    else this.#arm(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
  }

  #arm(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) {
        this.#arm(50);
        return;
      }
      this.#ticking = this.#tick().finally(() => {
        this.#ticking = undefined;
      });
    }, delayMs);
    // An idle watcher must not keep an embedding process alive.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#running = true;
    const { poll, now } = this.#options;
    let nextDelay = poll.maxIntervalMs;
    try {
      // Threads waiting only for the person's decisions have nothing to poll and no deadline.
      const pending = (await this.#options.store.listPending()).filter(
        (item) =>
          item.connections.length > 0 &&
          (item.state === "waiting" || (item.claimedAt ?? 0) < now() - this.#options.leaseMs),
      );
      const live = new Set(pending.map((item) => item.key));
      for (const key of this.#schedule.keys()) if (!live.has(key)) this.#schedule.delete(key);

      const due: PendingAuthorization[] = [];
      for (const item of pending) {
        if (item.deadlineAt <= now()) {
          this.#schedule.delete(item.key);
          await this.#safe(() => this.#options.onExpired(item));
          continue;
        }
        // The first check comes one initial interval after the thread started waiting.
        const slot = this.#schedule.get(item.key) ?? {
          next: now() + poll.initialIntervalMs,
          interval: poll.initialIntervalMs,
        };
        this.#schedule.set(item.key, slot);
        if (slot.next <= now()) due.push(item);
      }

      const byUser = new Map<string, PendingAuthorization[]>();
      for (const item of due) byUser.set(item.identifier, [...(byUser.get(item.identifier) ?? []), item]);
      await Promise.all(
        [...byUser.values()].map(async (items) => {
          const first = items[0];
          if (!first) return;
          const connections = [...new Set(items.flatMap((item) => item.connections))];
          let statuses: Awaited<ReturnType<AgentAuth["getStatuses"]>>;
          try {
            statuses = await this.#options.auth.getStatuses(first.identity, connections, {
              inactiveSince: Date.now(),
            });
          } catch (error) {
            this.#options.logger.warn({ error: errorMessage(error) }, "authorization poll failed");
            for (const item of items) this.#backOff(item.key);
            return;
          }
          this.#options.logger.debug(
            {
              userId: first.identity.userId,
              threads: items.length,
              statuses: Object.fromEntries(
                connections.map((c) => [c, statuses.get(c)?.status ?? "NOT_FOUND"]),
              ),
            },
            "watcher: checked",
          );
          for (const item of items) {
            const ready = item.connections.every(
              (connection) => statuses.get(connection)?.status === "ACTIVE",
            );
            if (ready) {
              let resumed: boolean | undefined;
              await this.#safe(async () => {
                resumed = await this.#options.onReady(item);
              });
              if (resumed === false) this.#backOff(item.key);
              else this.#schedule.delete(item.key);
            } else {
              const active = item.connections.filter(
                (connection) => statuses.get(connection)?.status === "ACTIVE",
              );
              if (active.length > 0) this.#options.onProgress?.(item, active);
              this.#backOff(item.key);
            }
          }
        }),
      );

      for (const slot of this.#schedule.values())
        nextDelay = Math.min(nextDelay, Math.max(0, slot.next - now()));
      for (const item of pending) nextDelay = Math.min(nextDelay, Math.max(0, item.deadlineAt - now()));
    } catch (error) {
      this.#options.logger.error({ error: errorMessage(error) }, "authorization watcher failed");
    } finally {
      this.#running = false;
    }
    const woken = this.#woken;
    this.#woken = false;
    this.#arm(woken ? 0 : Math.max(10, nextDelay));
  }

  #backOff(key: string): void {
    const slot = this.#schedule.get(key);
    if (!slot) return;
    const { poll, now } = this.#options;
    slot.next = now() + slot.interval;
    slot.interval = Math.min(slot.interval * poll.backoff, poll.maxIntervalMs);
  }

  async #safe(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#options.logger.error({ error: errorMessage(error) }, "resuming a thread failed");
    }
  }
}
