import { HTTPException } from "@langchain/langgraph-sdk/auth";

/**
 * What a run on LangGraph's server may ask for besides its input, so every call runs exactly
 * once and only past the gate. LangGraph's server lets a client steer where a run starts; each
 * of these, tried against Delegate, ran a call that had already run (a second lunch, a second
 * email), so they are refused before the run exists.
 */

/**
 * A run's `command` may only resume, or end the run (`goto: "__end__"`, Agent Chat UI's "Mark as
 * resolved"): `update` writes state channels (the gate's too) and any other `goto` may send a
 * tool call straight to the tools node, past the gate.
 */
export function refuseStateWritingCommand(kwargs: Record<string, unknown> | undefined): void {
  const command = kwargs?.command as { update?: unknown; goto?: unknown } | null | undefined;
  const goto = command?.goto;
  const endsOnly = goto == null || [goto].flat().every((target) => target === "__end__");
  if (command && (command.update != null || !endsOnly)) {
    throw new HTTPException(422, {
      message:
        'Delegate accepts command.resume (to answer a waiting thread) and command.goto "__end__" only; command.update and other gotos would write the thread\'s state or run a tool past the approval gate.',
    });
  }
}

/** `configurable` keys that choose where in the thread's history a run starts. */
const CHECKPOINT_KEYS = ["checkpoint_id", "checkpoint", "checkpoint_ns", "checkpoint_map"];

/**
 * A run goes on from where its thread is. One that names a checkpoint (`checkpoint_id`,
 * `checkpoint`, or the same in `config.configurable`) starts from there: from the checkpoint
 * between a decision and its tool it runs that call again, and the server keeps the run's config
 * on the thread, so every later run of the thread would start there too. LangGraph's private
 * keys (`__pregel_resuming`, …) and the multitask strategies that abort a running run mid-call
 * (`interrupt`, `rollback`) are refused for the same reason.
 */
export function refuseRunPlacement(kwargs: Record<string, unknown> | undefined, strategy: unknown): void {
  const configurable =
    (kwargs?.config as { configurable?: Record<string, unknown> } | undefined)?.configurable ?? {};
  const named = [
    ...(["checkpoint_id", "checkpoint"] as const).filter((key) => present(kwargs?.[key])),
    ...Object.keys(configurable).filter(
      (key) => (CHECKPOINT_KEYS.includes(key) && present(configurable[key])) || key.startsWith("__"),
    ),
  ];
  if (named.length > 0) {
    throw new HTTPException(422, {
      message: `Delegate runs a thread on from where it is: ${named.join(", ")} would start this run (and the thread's later runs) from an earlier checkpoint, running calls that already ran. Send a new message instead of editing an earlier one.`,
    });
  }
  if (strategy === "interrupt" || strategy === "rollback") {
    throw new HTTPException(422, {
      message: `Delegate does not take multitask_strategy "${strategy}": it stops a running run mid-call, and the call would run again on the next resume. Use "reject" (the default) or "enqueue".`,
    });
  }
}

/** Metadata keys LangGraph reads as the run's own (a matching `run_id` makes a run a resume). */
const RESERVED_METADATA = new Set(["run_id", "thread_id", ...CHECKPOINT_KEYS]);

/**
 * Refuses metadata that would pass for LangGraph's own. The server merges a thread's metadata
 * into each of its runs, so a thread's and a run's are checked alike.
 */
export function refuseReservedMetadata(metadata: unknown): void {
  if (typeof metadata !== "object" || metadata === null) return;
  const reserved = Object.keys(metadata).filter((key) => RESERVED_METADATA.has(key) || key.startsWith("__"));
  if (reserved.length > 0) {
    throw new HTTPException(422, {
      message: `Metadata may not set ${reserved.join(", ")}: LangGraph's server reads ${reserved.length === 1 ? "it" : "them"} as the run's own.`,
    });
  }
}

function present(value: unknown): boolean {
  return value != null && value !== "";
}
