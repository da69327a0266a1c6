import type { AgentRuntime, RuntimeEvent } from "../../index.js";
import { oneLine, stripControls, type TerminalStyle } from "./render.js";
import { parseApprovalAnswer } from "./repl-state.js";

/** A call the person decides on, as the runtime asks for it. */
export type Approval = Extract<RuntimeEvent, { type: "authorization-required" }>["approvals"][number];
export type Decision = Parameters<AgentRuntime["decide"]>[0]["decisions"][number];

export const APPROVE_QUESTION = "Approve? [y]es / [n]o / [a]lways in this thread / [e]dit";

export type AnswerOutcome =
  | { kind: "invalid" }
  /** Editing a call's arguments needs an editor the REPL does not have yet. */
  | { kind: "edit-unsupported" }
  | { kind: "next" }
  | { kind: "done"; decisions: Decision[] };

/**
 * The questions of one approval request, one call at a time, and the decisions they add up to.
 * The answers come as lines (typed or piped), so scripts can answer too.
 */
export class ApprovalPrompt {
  readonly #queue: Approval[];
  readonly #decisions: Decision[] = [];

  constructor(approvals: readonly Approval[]) {
    this.#queue = [...approvals];
  }

  /** The question for the call now being decided. */
  questionLines(style: TerminalStyle): string[] {
    const approval = this.#queue[0];
    if (!approval) return [];
    const { colors } = style;
    const lines = [
      `${colors.bold("Delegate would like to:")} ${stripControls(oneLine(approval.summary, 300))}`,
    ];
    if (approval.reason === "target_not_named_by_user") {
      const unnamed = approval.targets.filter((target) => !target.named).map((target) => target.display);
      lines.push(
        colors.yellow(`  (${stripControls(unnamed.join(", ") || "the target")} did not come from you)`),
      );
    }
    if (approval.targets.some((target) => target.unusual)) {
      lines.push(colors.yellow("  (an address has unusual characters: check it is not a look-alike)"));
    }
    if (approval.error)
      lines.push(colors.red(`  (your edit was not accepted: ${stripControls(approval.error)})`));
    lines.push(APPROVE_QUESTION);
    return lines;
  }

  answer(line: string): AnswerOutcome {
    const approval = this.#queue[0];
    const answer = parseApprovalAnswer(line);
    if (!approval || !answer) return { kind: "invalid" };
    if (answer === "edit") return { kind: "edit-unsupported" };
    const toolCallId = approval.toolCallId;
    this.#decisions.push(
      answer === "reject"
        ? { type: "reject", toolCallId }
        : { type: "approve", toolCallId, ...(answer === "always" ? { always: true } : {}) },
    );
    this.#queue.shift();
    return this.#queue.length > 0 ? { kind: "next" } : { kind: "done", decisions: [...this.#decisions] };
  }
}
