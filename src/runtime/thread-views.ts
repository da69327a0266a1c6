import { AIMessage, HumanMessage, ToolMessage } from "langchain";
import type { AuthorizationRequest } from "../agent/authorization-request.js";
import type { PendingAuthorizationView, ThreadMessageView, WaitingThreadView } from "./runtime-types.js";
import type { PendingAuthorization } from "./thread-store.js";

/** Several interrupts (parallel re-authorizations) become one list, one entry per connection. */
export function mergeRequests(requests: AuthorizationRequest[]): AuthorizationRequest[] {
  const merged = new Map<string, AuthorizationRequest>();
  for (const request of requests) {
    const existing = merged.get(request.connection);
    if (existing) existing.toolCallIds = [...new Set([...existing.toolCallIds, ...request.toolCallIds])];
    else merged.set(request.connection, { ...request, toolCallIds: [...request.toolCallIds] });
  }
  return [...merged.values()];
}

export function viewPending(pending: PendingAuthorization): PendingAuthorizationView {
  return {
    threadId: pending.threadId,
    userId: pending.identity.userId,
    ...(pending.identity.organizationId ? { organizationId: pending.identity.organizationId } : {}),
    connections: pending.connections,
    requests: pending.requests,
    approvals: pending.approvals,
    reason: pending.reason,
    createdAt: new Date(pending.createdAt).toISOString(),
    deadline: new Date(pending.deadlineAt).toISOString(),
  };
}

/** The operator's view: who waits for which connections, without the (bearer) links. */
export function viewWaiting(pending: PendingAuthorization): WaitingThreadView {
  const { requests: _requests, approvals: _approvals, ...view } = viewPending(pending);
  return view;
}

export function viewMessage(message: unknown): ThreadMessageView[] {
  if (HumanMessage.isInstance(message)) return [{ role: "user", text: message.text }];
  if (AIMessage.isInstance(message)) {
    const calls = (message.tool_calls ?? []).map((call) => ({
      id: call.id ?? "",
      name: call.name,
      args: call.args as Record<string, unknown>,
    }));
    return [{ role: "assistant", text: message.text, ...(calls.length > 0 ? { toolCalls: calls } : {}) }];
  }
  if (ToolMessage.isInstance(message)) {
    return [
      {
        role: "tool",
        text: typeof message.content === "string" ? message.content : JSON.stringify(message.content),
        toolCallId: message.tool_call_id,
        ...(message.name ? { toolName: message.name } : {}),
        status: message.status === "error" ? "error" : "success",
      },
    ];
  }
  return [];
}
