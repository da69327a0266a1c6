import { interrupt } from "@langchain/langgraph";
import type { ConnectionState } from "../../auth/agent-auth.js";
import type { CachedAgentAuth } from "../../auth/cached-agent-auth.js";
import type { Identity } from "../../auth/identity.js";
import type { ToolBinding } from "../../connectors/build-tools.js";
import type { Logger } from "../../logger.js";
import type { ApprovalPolicy } from "../approvals/policy.js";
import { provenanceOf } from "../approvals/provenance.js";
import { type AuthorizationNeed, connectionRequests, type RunLinkOptions } from "../authorization-flow.js";
import { type ApprovalRequest, type Decision, parseResume } from "../authorization-request.js";
import { describeInterrupt } from "./describe-interrupt.js";
import { type AllowedBy, type CallPlan, planCall, type ToolCallLike } from "./plan-calls.js";

export interface BatchGateInput {
  auth: CachedAgentAuth;
  bindings: ReadonlyMap<string, ToolBinding>;
  policy: ApprovalPolicy;
  logger: Logger;
  identity: Identity;
  /** The thread so far; the last message is the AI message whose calls are gated. */
  messages: readonly unknown[];
  calls: readonly ToolCallLike[];
  /** Tools the person allowed "always" earlier in this thread. */
  alwaysAllowed: readonly string[];
  /** Calls the runtime already cancelled (a timeout or `/cancel` from outside). */
  cancelled: { ids: ReadonlySet<string>; reason: "declined" | "timeout" };
  /** Options for the links this run hands out (user verification), per connection. */
  linkOptions?: RunLinkOptions | undefined;
  /**
   * When the model call that produced these calls looked statuses up: a cached "not connected"
   * from since then is fresh enough for the first round. Later rounds (and replays) ask afresh.
   */
  statusesSince?: number;
}

export type CallOutcome =
  | { kind: "run"; allowedBy: AllowedBy; args: Record<string, unknown> }
  | { kind: "rejected"; message?: string }
  | { kind: "denied" }
  | {
      kind: "cancelled";
      reason: "cancelled" | "timed_out";
      /** Set when only the person's decision was missing (its account was connected). */
      approvalOnly?: true;
    };

export interface BatchGateResult {
  outcomes: Map<string, CallOutcome>;
  alwaysAllowed: string[];
  /** True when some call's arguments were edited by the person. */
  edited: boolean;
}

/**
 * The gate: before any call of one AI message runs, it decides every call by the approval policy
 * and checks every connection they need (one status look-up per round), then raises **one**
 * interrupt listing the connections to connect and the calls to decide on. It loops until all
 * are settled. The whole function replays on each resume (LangGraph re-runs the node and returns
 * the stored answers in order), so the decisions accumulated here are as durable as the
 * checkpoint, and nothing before `interrupt()` has a side effect beyond idempotent look-ups.
 */
export async function runBatchGate(input: BatchGateInput): Promise<BatchGateResult> {
  return (await gate(input, true)) as BatchGateResult;
}

/**
 * The gate's first round without asking: the outcome of every call when the policy and the
 * connections settle them all, or `undefined` when the person must connect or decide something.
 */
export function decideWithoutAsking(input: BatchGateInput): Promise<BatchGateResult | undefined> {
  return gate(input, false);
}

async function gate(input: BatchGateInput, ask: boolean): Promise<BatchGateResult | undefined> {
  const { auth, bindings, policy, identity } = input;
  const provenance = provenanceOf(input.messages);
  const always = new Set(input.alwaysAllowed);
  const edits = new Map<string, Record<string, unknown>>();
  const editErrors = new Map<string, string>();
  const approved = new Set<string>();
  const rejected = new Map<string, string | undefined>();
  let cancelled: "cancelled" | "timed_out" | undefined;
  /** Calls the runtime cancelled: out of the batch; the others are still settled as decided. */
  const cancelledIds = new Set<string>();
  let plans: CallPlan[] = [];
  let blocked = new Set<string>();
  /** Of the blocked calls, those that waited for an account (the rest only for a decision). */
  let unconnected = new Set<string>();
  /** Cancelled calls that waited only for a decision (their accounts were connected). */
  const decisionOnly = new Set<string>();
  let freshSince = input.statusesSince;
  /** Connections already asked for in this turn: asking again means they are not connected yet. */
  const asked = new Set<string>();
  /** Why the last answer was not applied, told with the next question. */
  let problem: string | undefined;

  for (;;) {
    plans = input.calls.map((call) =>
      planCall(
        { ...call, args: edits.get(call.id ?? "") ?? call.args },
        {
          policy,
          bindings,
          provenance,
          alwaysAllowed: always,
        },
      ),
    );
    const live = plans.filter(
      (plan) => plan.verdict !== "deny" && !rejected.has(idOf(plan)) && !cancelledIds.has(idOf(plan)),
    );
    const outstanding = live.flatMap((plan) =>
      plan.verdict === "ask" && !approved.has(idOf(plan)) ? [withError(plan.approval, editErrors)] : [],
    );
    const needs = groupNeeds(live, bindings);
    const statuses: Map<string, ConnectionState> =
      needs.length > 0
        ? await auth.getStatuses(
            identity,
            needs.map((need) => need.connection),
            { inactiveSince: freshSince ?? Date.now() },
          )
        : new Map();
    freshSince = undefined;
    const missing = needs.filter((need) => statuses.get(need.connection)?.status !== "ACTIVE");
    unconnected = new Set(missing.flatMap((need) => need.toolCallIds));
    blocked = new Set([...outstanding.map((approval) => approval.toolCallId), ...unconnected]);
    if (blocked.size === 0) break;
    if (!ask) return undefined;
    // A cancel decided by the runtime wins for the calls it names, even if the accounts got
    // connected meanwhile; a replay still applies the person's earlier answers to the others.
    const runtimeCancelled = [...blocked].filter((id) => input.cancelled.ids.has(id));
    if (runtimeCancelled.length > 0) {
      for (const id of runtimeCancelled) {
        cancelledIds.add(id);
        if (!unconnected.has(id)) decisionOnly.add(id);
      }
      cancelled = input.cancelled.reason === "timeout" ? "timed_out" : "cancelled";
      continue;
    }
    const requests = await connectionRequests(auth, identity, missing, statuses, input.linkOptions);
    const value = describeInterrupt(requests, outstanding, false, [...asked], problem);
    problem = undefined;
    for (const request of requests) asked.add(request.connection);
    input.logger.debug(
      {
        userId: identity.userId,
        connections: requests.map((request) => request.connection),
        approvals: outstanding.map((approval) => ({ tool: approval.tool, reason: approval.reason })),
      },
      "gate: asking",
    );
    const resume = parseResume(interrupt(value));
    if (resume.action === "invalid") {
      problem = resume.problem;
      continue;
    }
    if (resume.action === "cancel") {
      cancelled = resume.reason === "timeout" ? "timed_out" : "cancelled";
      for (const id of blocked) if (!unconnected.has(id)) decisionOnly.add(id);
      break;
    }
    if (resume.action === "decide") {
      const entries = requests.map((request) => ({
        displayName: request.displayName,
        toolCallIds: missing.find((need) => need.connection === request.connection)?.toolCallIds ?? [],
      }));
      problem = applyDecisions(resume.decisions, outstanding, entries, bindings, {
        edits,
        editErrors,
        approved,
        rejected,
        always,
      });
    }
  }

  const outcomes = new Map<string, CallOutcome>();
  for (const plan of plans) {
    const id = idOf(plan);
    if (plan.verdict === "deny") outcomes.set(id, { kind: "denied" });
    else if (rejected.has(id)) {
      const message = rejected.get(id);
      outcomes.set(id, message ? { kind: "rejected", message } : { kind: "rejected" });
    } else if (cancelled && (cancelledIds.has(id) || blocked.has(id))) {
      outcomes.set(id, {
        kind: "cancelled",
        reason: cancelled,
        ...(decisionOnly.has(id) ? { approvalOnly: true as const } : {}),
      });
    } else {
      const allowedBy: AllowedBy = approved.has(id) || plan.verdict !== "run" ? "person" : plan.allowedBy;
      outcomes.set(id, { kind: "run", allowedBy, args: plan.call.args });
    }
  }
  input.logger.debug(
    { userId: identity.userId, outcomes: Object.fromEntries([...outcomes].map(([id, o]) => [id, o.kind])) },
    "gate: decided",
  );
  return { outcomes, alwaysAllowed: [...always], edited: edits.size > 0 };
}

interface DecisionState {
  edits: Map<string, Record<string, unknown>>;
  editErrors: Map<string, string>;
  approved: Set<string>;
  rejected: Map<string, string | undefined>;
  always: Set<string>;
}

/**
 * Applies decisions to the interrupt they answer. A decision names its call by `toolCallId`, or
 * else by position (Agent Chat UI): approvals come first in that interrupt's list, then one entry
 * per connection, where "approve" rechecks and "reject" skips that connection (its calls are not
 * done; the others go on). Nothing is applied when any decision does not fit the question: the
 * problem is returned, to be told with the question asked again.
 */
function applyDecisions(
  decisions: readonly Decision[],
  outstanding: readonly ApprovalRequest[],
  connections: readonly { displayName: string; toolCallIds: readonly string[] }[],
  bindings: ReadonlyMap<string, ToolBinding>,
  state: DecisionState,
): string | undefined {
  const entries = outstanding.length + connections.length;
  for (const [index, decision] of decisions.entries()) {
    if (decision.toolCallId) {
      if (!outstanding.some((item) => item.toolCallId === decision.toolCallId)) {
        return `decisions[${index}] names ${decision.toolCallId}, which waits for no decision`;
      }
    } else if (index >= entries) {
      return `${decisions.length} answers for ${entries} questions`;
    } else if (index >= outstanding.length && decision.type === "edit") {
      return `decisions[${index}] edits a connection, which can only be approved or rejected`;
    }
  }
  decisions.forEach((decision, index) => {
    const approval = decision.toolCallId
      ? outstanding.find((item) => item.toolCallId === decision.toolCallId)
      : outstanding[index];
    if (!approval) {
      const connection = connections[index - outstanding.length];
      if (connection && decision.type === "reject") {
        for (const id of connection.toolCallIds) {
          if (!state.rejected.has(id))
            state.rejected.set(id, `chose not to connect ${connection.displayName}`);
        }
      }
      return;
    }
    const id = approval.toolCallId;
    if (decision.type === "approve") {
      state.approved.add(id);
      if (decision.always) state.always.add(approval.tool);
    } else if (decision.type === "reject") {
      state.rejected.set(id, decision.message);
    } else {
      const problem = bindings.get(approval.tool)?.validate(decision.args) ?? undefined;
      if (problem) {
        state.editErrors.set(id, problem);
      } else {
        state.edits.set(id, decision.args);
        state.editErrors.delete(id);
        state.approved.add(id);
      }
    }
  });
  return undefined;
}

function withError(approval: ApprovalRequest, errors: ReadonlyMap<string, string>): ApprovalRequest {
  const error = errors.get(approval.toolCallId);
  return error ? { ...approval, error } : approval;
}

function idOf(plan: CallPlan): string {
  return plan.call.id ?? "";
}

/** Groups calls by the connection each needs (calls of tools with no connection need none). */
function groupNeeds(
  plans: readonly CallPlan[],
  bindings: ReadonlyMap<string, ToolBinding>,
): AuthorizationNeed[] {
  const needs = new Map<string, AuthorizationNeed>();
  for (const plan of plans) {
    const binding = bindings.get(plan.call.name);
    if (!binding) continue;
    const need = needs.get(binding.connection) ?? {
      connector: binding.connector,
      connection: binding.connection,
      toolCallIds: [],
    };
    need.toolCallIds.push(idOf(plan));
    needs.set(binding.connection, need);
  }
  return [...needs.values()];
}
