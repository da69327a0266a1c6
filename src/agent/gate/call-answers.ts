import { AIMessage, ToolMessage } from "langchain";
import type { ToolBinding } from "../../connectors/build-tools.js";
import { CONNECTORS } from "../../connectors/registry.js";
import { markProduced } from "../produced-messages.js";
import type { CallOutcome } from "./batch-gate.js";
import type { ToolCallLike } from "./plan-calls.js";

/*
 * What the gate writes for the calls it decided: the message with edited calls, and the answers
 * (error tool messages) for calls that did not run, worded so the model can explain them.
 */

/** An AI message with tool calls. */
export function isCalling(message: unknown): message is AIMessage {
  return AIMessage.isInstance(message) && (message.tool_calls?.length ?? 0) > 0;
}

/** The message with the calls the person edited carrying their edited arguments (same id). */
export function withEditedCalls(last: AIMessage, outcomes: ReadonlyMap<string, CallOutcome>): AIMessage {
  return new AIMessage({
    ...(last.id ? { id: last.id } : {}),
    ...(last.name ? { name: last.name } : {}),
    ...(last.usage_metadata ? { usage_metadata: last.usage_metadata } : {}),
    additional_kwargs: last.additional_kwargs,
    response_metadata: last.response_metadata,
    content: last.content,
    tool_calls: (last.tool_calls ?? []).map((call) => {
      const outcome = outcomes.get(call.id ?? "");
      return outcome?.kind === "run" ? { ...call, args: outcome.args } : call;
    }),
  });
}

export function outcomeCode(outcome: Exclude<CallOutcome, { kind: "run" }>): string {
  if (outcome.kind === "rejected") return "APPROVAL_REJECTED";
  if (outcome.kind === "denied") return "APPROVAL_DENIED_BY_POLICY";
  return "AUTHORIZATION_DECLINED";
}

/** What the model is told about a call that did not run, so it can explain it truthfully. */
export function notRunText(
  call: ToolCallLike,
  bindings: ReadonlyMap<string, ToolBinding>,
  outcome: Exclude<CallOutcome, { kind: "run" }>,
): string {
  if (outcome.kind === "rejected") {
    return `The person declined this action, so ${call.name} did not run and nothing was done.${outcome.message ? ` Their reason: ${outcome.message}` : ""}`;
  }
  if (outcome.kind === "denied") {
    return `Delegate's approval policy does not allow ${call.name}, so it did not run and nothing was done.`;
  }
  const binding = bindings.get(call.name);
  const name = binding ? CONNECTORS[binding.connector].displayName : "the account";
  const why = outcome.approvalOnly
    ? outcome.reason === "timed_out"
      ? "Approval timed out: the person did not decide on the action in time"
      : "Approval was cancelled: the person cancelled instead of approving the action"
    : outcome.reason === "timed_out"
      ? `Authorization timed out: ${name} was not connected in time`
      : `Authorization was cancelled: the user did not connect ${name} or approve the action`;
  return `${why}, so ${call.name} did not run and nothing was changed. They can ask again whenever they are ready.`;
}

/** A token refused again right after reconnecting: the account, not the person, is the problem. */
export function keptRejecting(call: ToolCallLike, binding: ToolBinding): string {
  const name = CONNECTORS[binding.connector].displayName;
  return `${name} kept rejecting the access token, even right after the account was reconnected, so ${call.name} did not run and nothing was changed. The ${name} account needs reconnecting: disconnect it and connect it again (and check that it still allows this app).`;
}

export function errorResult(call: ToolCallLike, text: string): ToolMessage {
  return markProduced(
    new ToolMessage({
      content: `Error: ${text}`,
      tool_call_id: call.id ?? "",
      name: call.name,
      status: "error",
    }),
  );
}

export const AMBIGUOUS_CALLS_TEXT =
  "The model gave some calls of this message the same id (or none), so none of them ran and nothing was done. Make the request again.";

export const NOT_DECIDED_TEXT =
  "This call was not one Delegate's gate decided on (it is not in the model's latest message as checked), so it did not run and nothing was done.";

/** The id of the latest AI message with tool calls: the one whose calls the tool tasks run. */
export function lastCallingId(messages: readonly unknown[]): string | undefined {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (isCalling(message)) return message.id;
  }
  return undefined;
}
