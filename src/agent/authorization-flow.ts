import { interrupt } from "@langchain/langgraph";
import type { AccountStatus } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import { CONNECTORS, type ConnectorId } from "../connectors/registry.js";
import type { AuthorizationInterrupt, AuthorizationRequest } from "./authorization-request.js";
import { parseResumeValue } from "./authorization-request.js";

/** A connection some tool calls of one AI message are waiting for. */
export interface AuthorizationNeed {
  connector: ConnectorId;
  connection: string;
  toolCallIds: string[];
}

export type AuthorizationOutcome = "authorized" | "cancelled" | "timed_out";

export interface AwaitAuthorizationOptions {
  auth: CachedAgentAuth;
  identity: Identity;
  needs: readonly AuthorizationNeed[];
  reason: AuthorizationInterrupt["reason"];
  /**
   * Ask once even if Scalekit still reports ACTIVE: a provider that rejected the token knows
   * better than a status that has not caught up yet.
   */
  forceFirstPrompt?: boolean;
}

/**
 * Interrupts until every needed connection is ACTIVE or the caller cancels. The whole function
 * re-runs on each resume (LangGraph replays the node), so everything before `interrupt()` is
 * read-only or idempotent: status look-ups, get-or-create, and links reused until they lapse.
 */
export async function awaitAuthorization(options: AwaitAuthorizationOptions): Promise<AuthorizationOutcome> {
  const { auth, identity, needs } = options;
  for (let round = 0; ; round++) {
    const force = options.forceFirstPrompt === true && round === 0;
    const statuses = await auth.getStatuses(
      identity,
      needs.map((need) => need.connection),
    );
    const missing = needs.filter((need) => force || statuses.get(need.connection)?.status !== "ACTIVE");
    if (missing.length === 0) return "authorized";

    const requests: AuthorizationRequest[] = [];
    for (const need of missing) {
      let status: AccountStatus = statuses.get(need.connection)?.status ?? "NOT_FOUND";
      if (status === "NOT_FOUND") status = (await auth.ensureAccount(identity, need.connection)).status;
      const link = await auth.getAuthorizationLink(identity, need.connection);
      requests.push({
        connector: need.connector,
        connection: need.connection,
        displayName: CONNECTORS[need.connector].displayName,
        // A rejected token on an account Scalekit still calls ACTIVE is, in effect, expired.
        status: status === "ACTIVE" ? "EXPIRED" : status,
        url: link.url,
        expiresAt: link.expiresAt.toISOString(),
        toolCallIds: need.toolCallIds,
      });
    }
    const resume = parseResumeValue(interrupt(describe(requests, options.reason)));
    if (resume.action === "cancel") return resume.reason === "timeout" ? "timed_out" : "cancelled";
  }
}

export function describe(
  requests: AuthorizationRequest[],
  reason: AuthorizationInterrupt["reason"],
): AuthorizationInterrupt {
  const names = joinNames(requests.map((request) => request.displayName));
  const message =
    reason === "token_rejected" ? `Reconnect ${names} to continue.` : `Connect ${names} to continue.`;
  const lines = requests.map(
    (request) =>
      `- ${request.displayName}: open ${request.url} to ${reason === "token_rejected" ? "reconnect" : "connect"} (link expires ${request.expiresAt}).`,
  );
  const description = [
    reason === "token_rejected"
      ? `${names} stopped accepting the saved authorization, so Delegate needs you to reconnect before it can continue.`
      : `Delegate needs access to ${names} to do what you asked. Nothing has run yet.`,
    ...lines,
    'After connecting, continue by resuming with {"action":"recheck"} (Delegate\'s own runtime and chat do this by itself); resume with {"action":"cancel"} to skip.',
  ].join("\n");
  return {
    type: "authorization_required",
    requests,
    message,
    reason,
    description,
    action_requests: requests.map((request) => ({
      name: `connect_${request.connector.replace(/-/g, "_")}`,
      args: { url: request.url, expiresAt: request.expiresAt },
      description: `${reason === "token_rejected" ? "Reconnect" : "Connect"} ${request.displayName}: open ${request.url}, then approve to continue (reject to skip).`,
    })),
    review_configs: requests.map((request) => ({
      action_name: `connect_${request.connector.replace(/-/g, "_")}`,
      allowed_decisions: ["approve", "reject"],
    })),
  };
}

function joinNames(names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? "";
  return `${unique.slice(0, -1).join(", ")} and ${unique.at(-1)}`;
}
