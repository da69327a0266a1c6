import { type AgentRuntime, isDelegateError, type RuntimeEvent, type ThreadRef } from "../../index.js";

export interface ThreadListener {
  /** The thread's events until its turn ends (or `stop`). */
  readonly events: AsyncIterable<RuntimeEvent>;
  stop(): void;
}

/**
 * Events of one thread until its turn ends, whoever started the run (the watcher's automatic
 * resume, a webhook, a recheck): how the REPL follows a thread it did not start this session.
 */
export function listenToThread(runtime: AgentRuntime, thread: ThreadRef): ThreadListener {
  const queue: RuntimeEvent[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const end = () => {
    ended = true;
    unsubscribe();
    wake?.();
  };
  const unsubscribe = runtime.subscribe(thread, (event) => {
    if (ended) return;
    queue.push(event);
    if (event.type === "turn-end") end();
    wake?.();
  });
  async function* events(): AsyncGenerator<RuntimeEvent> {
    try {
      while (true) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      end();
    }
  }
  return { events: events(), stop: end };
}

/** How a recheck or cancel ended: its events were shown by the thread's follower. */
export type ControlOutcome =
  | "done"
  /** THREAD_RESUMING: another run (the watcher's resume) has the thread; its events reach the follower. */
  | "busy"
  /** The thread is not waiting any more: it finished or expired meanwhile. */
  | "gone"
  | { failed: unknown };

/** Runs a recheck or cancel to its end, for its outcome. */
export async function drain(events: AsyncIterable<RuntimeEvent>): Promise<ControlOutcome> {
  try {
    for await (const _event of events) {
      // Shown by the follower.
    }
    return "done";
  } catch (error) {
    if (isDelegateError(error, "THREAD_RESUMING")) return "busy";
    if (isDelegateError(error, "THREAD_NOT_WAITING") || isDelegateError(error, "THREAD_NOT_FOUND"))
      return "gone";
    return { failed: error };
  }
}

/** A thread left waiting: a recheck resumes it at once if connected meanwhile, else re-raises with fresh links. */
export function recheck(runtime: AgentRuntime, thread: ThreadRef): Promise<ControlOutcome> {
  return drain(runtime.resume(thread));
}
