import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { CheckpointPruner } from "./checkpoint-pruner.js";
import type { ThreadStore } from "./thread-store.js";

/**
 * `latest` (default): after each run a thread keeps only its latest checkpoint, so storage grows
 * with the length of the conversation, not its square. `all`: every checkpoint stays (LangGraph
 * time travel, debugging).
 */
export type CheckpointHistory = "latest" | "all";

export interface ThreadHistoryOptions {
  checkpointer: BaseCheckpointSaver;
  store: ThreadStore;
  /** Undefined when the checkpoints are not prunable (your own checkpointer) or history is `all`. */
  pruner: CheckpointPruner | undefined;
  logger: Logger;
}

/** What is stored for a thread: bounded after every run, and deleted whole on request. */
export class ThreadHistory {
  readonly #options: ThreadHistoryOptions;

  constructor(options: ThreadHistoryOptions) {
    this.#options = options;
  }

  /**
   * After every run, here or on a replica: prunes the thread's old checkpoints; or, when the
   * thread was deleted while the run went on, deletes what the run wrote since. Never throws: a
   * failed prune is retried by the next run's.
   */
  async afterRun(key: string): Promise<void> {
    const { store, checkpointer, pruner, logger } = this.#options;
    try {
      if (!(await store.getThread(key))) {
        // Its pending row and the writes it started go with it.
        await store.deleteThread(key);
        await checkpointer.deleteThread(key);
        return;
      }
      const deleted = (await pruner?.prune(key)) ?? 0;
      if (deleted > 0) logger.debug({ deleted }, "pruned old checkpoints");
    } catch (error) {
      logger.warn({ error: errorMessage(error) }, "could not prune a thread's old checkpoints");
    }
  }

  /**
   * Deletes the thread: its owner row and pending authorization first (so no replica can claim a
   * resume any more), then every checkpoint; with `idleBefore`, only if it is still idle then.
   * True when the thread existed.
   */
  async delete(key: string, idleBefore?: number): Promise<boolean> {
    const existed = await this.#options.store.deleteThread(key, idleBefore);
    if (idleBefore !== undefined && !existed) return false;
    await this.#options.checkpointer.deleteThread(key);
    return existed;
  }
}

/** What is wrong with the options about stored history, retention and the model's context. */
export function historyOptionProblems(options: {
  checkpointHistory?: unknown;
  retention?: { days?: unknown; sweepIntervalMs?: unknown } | undefined;
  context?: { maxTokens?: unknown } | false | undefined;
}): string[] {
  const problems: string[] = [];
  const positive = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value > 0;
  const { checkpointHistory, retention, context } = options;
  if (checkpointHistory !== undefined && checkpointHistory !== "latest" && checkpointHistory !== "all") {
    problems.push('`checkpointHistory` must be "latest" (the default) or "all".');
  }
  if (retention !== undefined) {
    if (!positive(retention?.days)) {
      problems.push(
        "`retention.days` must be a positive number of days (threads idle that long are deleted).",
      );
    }
    if (retention?.sweepIntervalMs !== undefined && !positive(retention.sweepIntervalMs)) {
      problems.push("`retention.sweepIntervalMs` must be a positive number of milliseconds.");
    }
  }
  if (context !== undefined && context !== false) {
    const max = context?.maxTokens;
    if (max !== undefined && !(Number.isInteger(max) && positive(max))) {
      problems.push(
        "`context.maxTokens` must be a positive whole number of tokens (or pass `context: false`).",
      );
    }
  }
  return problems;
}

/**
 * True when some channel of the graph is a LangGraph `DeltaChannel`, whose value is rebuilt from
 * older checkpoints' writes: pruning them would lose it. langchain's agent keeps whole values in
 * every checkpoint today; this keeps pruning off should that change.
 */
export function needsAncestorCheckpoints(graph: unknown): boolean {
  const channels = (graph as { channels?: Record<string, { lc_graph_name?: string } | undefined> }).channels;
  return Object.values(channels ?? {}).some((channel) => channel?.lc_graph_name === "DeltaChannel");
}
