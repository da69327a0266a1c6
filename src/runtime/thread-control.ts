import type { ResumeValue } from "../agent/authorization-request.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { DelegateError } from "../errors.js";
import type { ResumeCoordinator } from "./resume-coordinator.js";
import { threadNotFound } from "./runtime-inputs.js";
import type { ThreadStore } from "./thread-store.js";
import type { ThreadTarget } from "./turn-runner.js";

/** How often a decision retries a thread another replica is resuming before it reports THREAD_RESUMING. */
const DECIDE_ATTEMPTS = 20;

export interface ThreadControlDeps {
  store: ThreadStore;
  auth: CachedAgentAuth;
  coordinator: ResumeCoordinator;
  /**
   * Starts listening to the thread just before a claim is tried, holding what arrives: the
   * caller's stream carries its own run's events, never those of a run another caller claimed.
   */
  listen(): { release(): void; detach(): void };
}

/**
 * Applies a caller's resume value (recheck, cancel, or approval decisions) to a waiting thread,
 * exactly once across processes: the coordinator's claim decides who runs it.
 *
 * @throws DelegateError THREAD_NOT_FOUND, THREAD_NOT_WAITING, or THREAD_RESUMING
 */
export async function controlThread(
  deps: ThreadControlDeps,
  target: ThreadTarget,
  value: ResumeValue,
): Promise<void> {
  const { store, auth, coordinator, listen } = deps;
  const deciding = !("action" in value);
  // A decision may meet a resume already running here (a poll that just saw the connection):
  // it waits for that run, then applies to what the thread waits for then.
  for (let attempt = 0; ; attempt++) {
    if (deciding) await coordinator.idle(target.key);
    const pending = await store.getPending(target.key);
    if (!pending) {
      if (!(await store.getThread(target.key))) throw threadNotFound(target.threadId);
      throw notWaiting(target, "This thread is not waiting for an authorization or a decision.");
    }
    if (deciding && pending.approvals.length === 0) {
      // It waits, but for an account: the decisions name calls that wait for none.
      throw new DelegateError(
        "INVALID_INPUT",
        `No call of this thread waits for a decision: it waits for ${pending.connections.join(", ")} to be connected (resume or cancel it).`,
        { details: { threadId: target.threadId, connections: pending.connections } },
      );
    }
    if ("decisions" in value) {
      // A decision for a call nobody asked about would re-ask the person with no word why.
      const asked = new Set(pending.approvals.map((approval) => approval.toolCallId));
      const unknown = value.decisions.flatMap((decision) =>
        decision.toolCallId && !asked.has(decision.toolCallId) ? [decision.toolCallId] : [],
      );
      if (unknown.length > 0) {
        throw new DelegateError(
          "INVALID_INPUT",
          `No call waits for a decision under ${unknown.join(", ")}; this thread waits for ${[...asked].join(", ")}.`,
          { details: { threadId: target.threadId, unknown, waiting: [...asked] } },
        );
      }
    }
    if ("action" in value && value.action === "recheck") {
      // An explicit recheck looks again at Scalekit and hands out fresh links.
      for (const connection of pending.connections) {
        auth.invalidate(target.identity, connection);
        auth.forgetLink(target.identity, connection);
      }
    }
    const listening = listen();
    if (await coordinator.start(pending, value, "manual")) {
      listening.release();
      return;
    }
    listening.detach();
    if (!deciding || attempt >= DECIDE_ATTEMPTS) {
      throw new DelegateError("THREAD_RESUMING", "This thread is already being resumed.", {
        details: { threadId: target.threadId },
      });
    }
    // Claimed elsewhere (another replica): give it a moment to settle, then look again.
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
}

function notWaiting(target: ThreadTarget, message: string): DelegateError {
  return new DelegateError("THREAD_NOT_WAITING", message, { details: { threadId: target.threadId } });
}
