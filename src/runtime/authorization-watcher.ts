import type { ConnectionState } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { ConnectionScans } from "./connection-scans.js";
import { AccountEventFeed } from "./event-feed.js";
import { PollBudget } from "./poll-budget.js";
import type { CheckSchedule, PendingAuthorization, ThreadStore, WaitReason } from "./thread-store.js";

export interface PollSettings {
  /** How often a wait in its first minute is checked (when nothing faster tells). Default 500 ms. */
  initialIntervalMs: number;
  /** The longest gap between checks of an older wait. Default 5 s. */
  maxIntervalMs: number;
  /** Growth per second of the gap after the first minute. Default 1.5. */
  backoff: number;
  /**
   * Scalekit calls per second the watcher may make, however many threads wait. Default 10.
   * Many waits on one connection are checked a page of accounts at a time, and Scalekit's event
   * feed (when the port has one) covers every waiting thread in one call.
   */
  budgetPerSecond: number;
  /**
   * The gap between checks once webhooks (or the event feed) are seen to arrive: they give the
   * latency, and polling only makes sure nothing is missed. Default 60 s.
   */
  safetyNetIntervalMs: number;
}

export const DEFAULT_POLL: PollSettings = {
  initialIntervalMs: 500,
  maxIntervalMs: 5_000,
  backoff: 1.5,
  budgetPerSecond: 10,
  safetyNetIntervalMs: 60_000,
};

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

/** A wait's first minute is when people consent: it is checked at the initial interval. */
const YOUNG_MS = 60_000;
/** Webhooks or feed events seen this recently mean polling is only a safety net. */
const TRUST_MS = 10 * 60_000;
/** Due waits read per round: bounded, whatever the number waiting. */
const DUE_PAGE = 1_000;
const EXPIRED_PAGE = 100;
/** How long a check this process took stays with it before another replica may take it. */
const TAKE_MS = 30_000;

/**
 * Watches waiting threads' connections and resumes each once they are all ACTIVE. Its Scalekit
 * calls fit a budget that does not grow with the number of waiting threads:
 *
 * - Scalekit's event feed, when the port has one: one call covers every waiting thread;
 * - due waits, read from the store a page at a time by their due time (the longest overdue
 *   first, so none starves): many users of one connection are checked a page of that
 *   connection's accounts at a time, few users one look-up per user (all their connections);
 * - a wait is checked every `initialIntervalMs` in its first minute, backing off to
 *   `maxIntervalMs`; once webhooks or feed events are seen to arrive, every `safetyNetIntervalMs`.
 *
 * The schedule lives in the store (a due-time column), so replicas share it and a restart picks
 * it up; this process holds no per-thread state.
 */
export class AuthorizationWatcher {
  readonly #options: WatcherOptions;
  readonly #budget: PollBudget;
  readonly #feed: AccountEventFeed;
  readonly #scans: ConnectionScans;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;
  #ticking: Promise<void> | undefined;
  /** A wake that arrived during a tick: the next tick comes at once. */
  #woken = false;
  #webhookAt = Number.NEGATIVE_INFINITY;
  #feedNextAt = 0;

  constructor(options: WatcherOptions) {
    this.#options = options;
    this.#budget = new PollBudget(Math.max(options.poll.budgetPerSecond, 0.1), options.now);
    this.#feed = new AccountEventFeed({ auth: options.auth, logger: options.logger, now: options.now });
    this.#scans = new ConnectionScans(options.auth, options.now);
  }

  start(): void {
    this.#arm(0);
  }

  /** Check soon: a thread has just started waiting. */
  wake(): void {
    if (this.#stopped) return;
    this.#feedNextAt = 0;
    if (this.#running) this.#woken = true;
    else this.#arm(0);
  }

  /** A verified webhook arrived: webhooks reach this runtime, so polling can slow down. */
  noteWebhook(): void {
    this.#webhookAt = this.#options.now();
  }

  /** When a wait that starts now (for `reason`) is first checked. */
  firstCheckAt(now: number, reason?: WaitReason): number {
    return now + this.#interval(now, now, reason);
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
        this.#woken = true;
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
    let delay = this.#options.poll.maxIntervalMs;
    try {
      await this.#expire();
      await this.#readFeed();
      await this.#checkDue();
      delay = await this.#nextDelay();
    } catch (error) {
      this.#options.logger.error({ error: errorMessage(error) }, "authorization watcher failed");
    } finally {
      this.#running = false;
    }
    const woken = this.#woken;
    this.#woken = false;
    this.#arm(woken ? 0 : delay);
  }

  /** Waits past their deadline end (their blocked calls are cancelled). */
  async #expire(): Promise<void> {
    const { store, now, leaseMs } = this.#options;
    const at = now();
    for (const item of await store.listExpired(at, at - leaseMs, EXPIRED_PAGE)) {
      await this.#safe(() => this.#options.onExpired(item));
    }
  }

  /** Reads Scalekit's event feed and looks again at the waits of every user it names. */
  async #readFeed(): Promise<void> {
    const { store, now, auth, leaseMs } = this.#options;
    if (!this.#feed.usable || now() < this.#feedNextAt) return;
    if ((await store.nextDueAt(now() - leaseMs)) === undefined) return;
    // Half the budget stays for the due checks, even while a burst of events spans many pages.
    const changed = await this.#feed.read(this.#budget, Math.floor(this.#options.poll.budgetPerSecond / 2));
    const at = now();
    this.#feedNextAt = at + this.#feedInterval(at);
    if (!changed) return;
    const soon: CheckSchedule[] = [];
    for (const identifier of changed) {
      for (const item of await store.listPendingFor(identifier)) {
        if (item.connections.length === 0) continue;
        if (item.state !== "waiting" && (item.claimedAt ?? 0) >= at - leaseMs) continue;
        const known = auth.knownStatuses(item.identifier, item.connections, Number.NEGATIVE_INFINITY);
        this.#options.logger.debug(
          { userId: item.identity.userId, via: "event feed", statuses: statusNames(item.connections, known) },
          "watcher: checked",
        );
        const outcome = await this.#decide(item, known);
        // Something the feed did not settle (an account it did not mention): look it up soon.
        if (outcome === "unknown") soon.push({ key: item.key, at });
      }
    }
    if (soon.length > 0) await store.scheduleChecks(soon);
  }

  /** Checks the waits that are due, within the budget, the longest overdue first. */
  async #checkDue(): Promise<void> {
    const { store, now, auth, leaseMs } = this.#options;
    // One call stays for the event feed: it answers for every waiting thread at once.
    const keep = this.#feed.usable ? 1 : 0;
    if (this.#budget.available() <= keep) return;
    const start = now();
    const due = await store.listDue(start, start - leaseMs, DUE_PAGE);
    if (due.length === 0) return;
    const taken = await store.takeChecks(
      due.map((item) => item.key),
      start,
      start + TAKE_MS,
    );
    const mine = due.filter((item) => taken.has(item.key));
    const schedule: CheckSchedule[] = [];

    // Many users waiting on one connection: a page of its accounts answers up to a hundred.
    const users = new Map<string, Set<string>>();
    for (const item of mine) {
      for (const connection of item.connections) {
        const set = users.get(connection) ?? new Set<string>();
        set.add(item.identifier);
        users.set(connection, set);
      }
    }
    for (const [connection, identifiers] of users) {
      if (!this.#scans.worthScanning(connection, identifiers.size)) continue;
      try {
        await this.#scans.scan(connection, this.#budget, keep);
      } catch (error) {
        this.#options.logger.warn({ connection, error: errorMessage(error) }, "authorization poll failed");
      }
    }

    // The rest, one look-up per user for all of that user's connections.
    const byUser = new Map<string, PendingAuthorization[]>();
    for (const item of mine) byUser.set(item.identifier, [...(byUser.get(item.identifier) ?? []), item]);
    for (const items of byUser.values()) {
      const first = items[0] as PendingAuthorization;
      const connections = [...new Set(items.flatMap((item) => item.connections))];
      let known = this.#known(first.identifier, connections, start);
      const unknown = connections.filter((connection) => !known.has(connection));
      if (unknown.length > 0) {
        if (!this.#budget.spend(keep)) {
          // Out of budget: these keep their place in the queue for the next round.
          for (const item of items) schedule.push({ key: item.key, at: item.nextCheckAt ?? start });
          continue;
        }
        try {
          await auth.getStatuses(first.identity, unknown, { inactiveSince: start });
        } catch (error) {
          this.#options.logger.warn({ error: errorMessage(error) }, "authorization poll failed");
          const at = now();
          for (const item of items)
            schedule.push({ key: item.key, at: at + 2 * this.#interval(item.createdAt, at, item.reason) });
          continue;
        }
        known = this.#known(first.identifier, connections, start);
      }
      this.#options.logger.debug(
        { userId: first.identity.userId, threads: items.length, statuses: statusNames(connections, known) },
        "watcher: checked",
      );
      for (const item of items) {
        const outcome = await this.#decide(item, known);
        if (outcome !== "resumed") {
          const at = now();
          schedule.push({
            key: item.key,
            at: Math.min(at + this.#interval(item.createdAt, at, item.reason), item.deadlineAt),
          });
        }
      }
    }
    this.#scans.endRound();
    if (schedule.length > 0) await store.scheduleChecks(schedule);
  }

  /** Statuses known without a call: ACTIVE ones, others fetched since `since` or by a full scan. */
  #known(identifier: string, connections: readonly string[], since: number): Map<string, ConnectionState> {
    const known = this.#options.auth.knownStatuses(identifier, connections, since);
    for (const connection of connections) {
      if (known.has(connection)) continue;
      const scanned = this.#scans.statusAfterScan(connection, identifier, since);
      if (scanned) known.set(connection, scanned);
    }
    return known;
  }

  /** Resumes a thread whose connections are all ACTIVE, or announces those that are. */
  async #decide(
    item: PendingAuthorization,
    known: ReadonlyMap<string, ConnectionState>,
  ): Promise<"resumed" | "waiting" | "unknown"> {
    const active = item.connections.filter((connection) => known.get(connection)?.status === "ACTIVE");
    if (active.length === item.connections.length) {
      // A rejected token is checked against Scalekit's current one: a call of the budget.
      if (item.reason === "token_rejected" && !this.#budget.spend()) return "waiting";
      let resumed: boolean | undefined;
      await this.#safe(async () => {
        resumed = await this.#options.onReady(item);
      });
      return resumed === false ? "waiting" : "resumed";
    }
    if (active.length > 0) this.#options.onProgress?.(item, active);
    return item.connections.every((connection) => known.has(connection)) ? "waiting" : "unknown";
  }

  /**
   * The gap before a wait's next check. A rejected token waits for a new one, which a refresh can
   * bring without any webhook or event: those waits never slow to the safety net.
   */
  #interval(createdAt: number, now: number, reason?: WaitReason): number {
    const { initialIntervalMs, maxIntervalMs, backoff, safetyNetIntervalMs } = this.#options.poll;
    const age = now - createdAt;
    const base =
      age < YOUNG_MS
        ? initialIntervalMs
        : Math.min(maxIntervalMs, initialIntervalMs * Math.max(backoff, 1) ** ((age - YOUNG_MS) / 1000));
    // Feed events count only while the feed can be read: if it fails, polling takes over at once.
    const feedAt = this.#feed.usable ? this.#feed.lastEventAt : Number.NEGATIVE_INFINITY;
    const trusted = reason !== "token_rejected" && now - Math.max(this.#webhookAt, feedAt) < TRUST_MS;
    return trusted ? Math.max(safetyNetIntervalMs, base) : base;
  }

  /**
   * The feed gives the latency unless webhooks do. It never takes more than half the budget, so
   * the due checks (which the feed cannot replace: a refreshed token raises no event) always run.
   */
  #feedInterval(now: number): number {
    const { initialIntervalMs, safetyNetIntervalMs, budgetPerSecond } = this.#options.poll;
    const interval =
      now - this.#webhookAt < TRUST_MS ? Math.max(safetyNetIntervalMs, initialIntervalMs) : initialIntervalMs;
    return Math.max(interval, 2_000 / Math.max(budgetPerSecond, 0.1));
  }

  async #nextDelay(): Promise<number> {
    const { store, now, poll } = this.#options;
    const at = now();
    const [dueAt, deadlineAt] = await Promise.all([
      store.nextDueAt(at - this.#options.leaseMs),
      store.nextDeadlineAt(),
    ]);
    let delay = poll.maxIntervalMs;
    if (dueAt !== undefined) {
      // Due now but out of budget: come back when the budget allows one more call.
      delay = Math.min(delay, Math.max(dueAt - at, this.#budget.msUntilNext()));
      if (this.#feed.usable)
        delay = Math.min(delay, Math.max(this.#feedNextAt - at, this.#budget.msUntilNext()));
    }
    if (deadlineAt !== undefined) delay = Math.min(delay, deadlineAt - at);
    return Math.max(10, delay);
  }

  async #safe(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#options.logger.error({ error: errorMessage(error) }, "resuming a thread failed");
    }
  }
}

/** What the watcher learned, for the debug log: statuses by connection, "unknown" when it did not. */
function statusNames(
  connections: readonly string[],
  known: ReadonlyMap<string, ConnectionState>,
): Record<string, string> {
  return Object.fromEntries(
    connections.map((connection) => [connection, known.get(connection)?.status ?? "unknown"]),
  );
}
