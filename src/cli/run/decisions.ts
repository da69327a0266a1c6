import type { ApprovalRequest } from "../../agent/authorization-request.js";
import type { DecisionKind } from "./script-schema.js";

/** One decision as `runtime.decide` takes it. */
export interface ScriptDecision {
  toolCallId: string;
  type: DecisionKind;
  message?: string;
}

/**
 * The decisions a turn (or `--on-approval`) makes on the calls waiting for approval: on every one
 * (`all`) or on those of the listed tools. Throws a plain message when a listed tool has no call
 * waiting, so a script that expects the wrong approval says so instead of deciding nothing.
 */
export function decisionsFor(
  approvals: readonly ApprovalRequest[],
  decision: { type: DecisionKind; tools: "all" | readonly string[]; reason?: string },
): ScriptDecision[] {
  if (approvals.length === 0) throw new Error(`\`${decision.type}\`: no call is waiting for approval`);
  if (decision.tools !== "all") {
    const waiting = new Set(approvals.map((approval) => approval.tool));
    const missing = decision.tools.filter((tool) => !waiting.has(tool));
    if (missing.length > 0) {
      throw new Error(
        `\`${decision.type}\`: no call of ${missing.join(", ")} is waiting for approval; waiting: ${[...waiting].join(", ")}`,
      );
    }
  }
  return approvals
    .filter((approval) => decision.tools === "all" || decision.tools.includes(approval.tool))
    .map((approval) => ({
      toolCallId: approval.toolCallId,
      type: decision.type,
      ...(decision.type === "reject" && decision.reason ? { message: decision.reason } : {}),
    }));
}

/** What `--on-approval fail` prints about a waiting call: everything a person needs to decide. */
export function describePendingApproval(
  approval: ApprovalRequest,
): Pick<ApprovalRequest, "toolCallId" | "tool" | "effect" | "summary" | "args" | "reason" | "targets"> &
  Partial<Pick<ApprovalRequest, "connector">> {
  return {
    toolCallId: approval.toolCallId,
    tool: approval.tool,
    ...(approval.connector ? { connector: approval.connector } : {}),
    effect: approval.effect,
    summary: approval.summary,
    args: approval.args,
    reason: approval.reason,
    targets: approval.targets,
  };
}
