import { Command } from "@langchain/langgraph";
import type { ResumeValue } from "../agent/authorization-request.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { EventBus } from "./event-bus.js";
import type { RuntimeEvent } from "./events.js";
import { codeOf, describeRunError } from "./run-errors.js";
import type { PendingAuthorization, ThreadStore } from "./thread-store.js";
import type { TurnRunner } from "./turn-runner.js";

function actionOf(value: ResumeValue): "recheck" | "cancel" | "decide" {
  return "action" in value ? value.action : "decide";
}

/** A claim not renewed for this long was left by a process that died: another may take it. */
export const LEASE_MS = 120_000;

export type ResumeVia = "poll" | "webhook" | "manual" | "timeout" | "verification";

export interface ResumeCoordinatorOptions {
  store: ThreadStore;
  auth: CachedAgentAuth;
  runner: TurnRunner;
  bus: EventBus;
  logger: Logger;
  /** This process's claim owner id. */
  owner: string;
}

/**
 * Decides who resumes a waiting thread, exactly once: an atomic claim in the store (so a webhook,
 * a poll, a person and another replica can race), a heartbeat that keeps the claim while the run
 * goes on, backoff after failures, and one operation per thread at a time in this process.
 */
export class ResumeCoordinator {
  readonly #options: ResumeCoordinatorOptions;
  readonly #locks = new Map<string, Promise<void>>();
  readonly #background = new Set<Promise<void>>();
  /** Threads whose last resume failed: when to try again, and how many failures so far. */
  readonly #retryAt = new Map<string, { at: number; failures: number }>();
  /** Connections already announced as connected, per waiting thread. */
  readonly #announced = new Map<string, Set<string>>();
  #closed = false;

  constructor(options: ResumeCoordinatorOptions) {
    this.#options = options;
  }

  isBusy(key: string): boolean {
    return this.#locks.has(key);
  }

  /** Resolves once no operation on the thread runs in this process. */
  async idle(key: string): Promise<void> {
    for (let lock = this.#locks.get(key); lock; lock = this.#locks.get(key)) await lock;
  }

  /**
   * Claims the thread (the exactly-once guard) and runs the resume in the background.
   * Resolves false when another caller already claimed it, or it is backing off.
   */
  async start(pending: PendingAuthorization, value: ResumeValue, via: ResumeVia): Promise<boolean> {
    const { store, bus, logger, owner } = this.#options;
    if (this.#closed) return false;
    const { key, threadId } = pending;
    const retry = this.#retryAt.get(key);
    if (retry && retry.at > Date.now() && via !== "manual") return false;
    if (!(await store.claim(key, owner, LEASE_MS))) {
      logger.debug({ threadId, via }, "resume: claimed elsewhere");
      return false;
    }
    logger.debug({ threadId, via, owner }, "resume: claimed");
    logger.info(
      { threadId, userId: pending.identity.userId, via, action: actionOf(value) },
      "resuming thread",
    );
    // Keep the claim fresh while the resume runs, so no other replica takes it over.
    const heartbeat = setInterval(() => {
      void store.renew(key, owner).catch(() => {});
    }, LEASE_MS / 4);
    heartbeat.unref();
    const task = this.withLock(key, async () => {
      // A resumed thread is in use: retention measures idleness from here too (one deleted
      // meanwhile is not brought back).
      await store.touchExistingThread(key);
      await this.#resume(pending, value, via);
    })
      .finally(() => clearInterval(heartbeat))
      .then(() => this.#retryAt.delete(key))
      .catch(async (error: unknown) => {
        // Keep the thread waiting, but back off (1 s, 2 s, … 60 s) so a persistent failure
        // does not spin.
        await store.release(key, owner).catch(() => {});
        const failures = (this.#retryAt.get(key)?.failures ?? 0) + 1;
        this.#retryAt.set(key, { at: Date.now() + Math.min(1000 * 2 ** (failures - 1), 60_000), failures });
        logger.error({ threadId, error: errorMessage(error) }, "resume failed");
        bus.publish(key, { type: "error", threadId, code: codeOf(error), message: describeRunError(error) });
      });
    this.track(task);
    return true;
  }

  async #resume(pending: PendingAuthorization, value: ResumeValue, via: ResumeVia): Promise<void> {
    const { auth, bus, store, runner } = this.#options;
    const { key, threadId, connections, identity } = pending;
    const action = actionOf(value);
    if (via === "timeout") {
      bus.publish(key, { type: "authorization-expired", threadId, connections });
    } else if (action === "cancel") {
      bus.publish(key, { type: "authorization-cancelled", threadId, connections });
    }
    // A cancelled or timed-out request's links are spent (or may have been used to refuse);
    // the next request for these connections gets fresh ones.
    if (action === "cancel") for (const connection of connections) auth.forgetLink(identity, connection);
    const { interruptIds: ids, ...batch } = await runner.resumePoint(key);
    const { messageId } = batch;
    if (ids.length === 0) {
      // Nothing is actually waiting in the checkpoint (e.g. finished elsewhere): forget it.
      await store.clearPending(key);
      this.#announced.delete(key);
      bus.publish(key, { type: "turn-end", threadId, status: "completed" });
      return;
    }
    if (action !== "cancel" && connections.length > 0) {
      const statuses = await auth.getStatuses(identity, connections);
      const active = connections.filter((connection) => statuses.get(connection)?.status === "ACTIVE");
      this.reportProgress(pending, active, via === "timeout" ? "manual" : via);
    }
    const resume = Object.fromEntries(ids.map((id) => [id, value]));
    const controls =
      "action" in value && value.action === "cancel"
        ? {
            cancelledToolCalls: [
              ...pending.requests.flatMap((request) => request.toolCallIds),
              ...pending.approvals.map((approval) => approval.toolCallId),
            ],
            cancelReason: value.reason ?? "declined",
            ...(messageId ? { cancelledMessageId: messageId } : {}),
          }
        : {};
    await runner.run(pending, new Command({ resume }), pending, controls, batch);
  }

  /** Announces newly connected accounts of a waiting thread, each once. */
  reportProgress(pending: PendingAuthorization, active: string[], via: Exclude<ResumeVia, "timeout">): void {
    const announced = this.#announced.get(pending.key) ?? new Set<string>();
    const fresh = active.filter((connection) => !announced.has(connection));
    if (fresh.length === 0) return;
    for (const connection of fresh) announced.add(connection);
    this.#announced.set(pending.key, announced);
    this.#options.bus.publish(pending.key, {
      type: "authorization-completed",
      threadId: pending.threadId,
      connections: fresh,
      via,
    });
  }

  /** A thread's wait ended or changed: forget what was announced for it. */
  forgetProgress(key: string): void {
    this.#announced.delete(key);
  }

  /** Events that end a wait also end its announcements. */
  observe(key: string, event: RuntimeEvent): void {
    if (event.type === "turn-end") this.#announced.delete(key);
  }

  /** Runs one operation per thread at a time in this process. */
  async withLock(key: string, run: () => Promise<void>): Promise<void> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const current = previous.then(run, run);
    const settled = current.catch(() => {});
    this.#locks.set(key, settled);
    try {
      await current;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }

  /** Keeps a background task until close() so it is awaited, never lost. */
  track(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => {},
      () => {},
    );
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#background]);
  }
}
