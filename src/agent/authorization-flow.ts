import { interrupt } from "@langchain/langgraph";
import type { AccountStatus, ConnectionState, LinkOptions } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import { CONNECTORS, type ConnectorId } from "../connectors/registry.js";
import { type AuthorizationRequest, parseResume } from "./authorization-request.js";
import { describeInterrupt } from "./gate/describe-interrupt.js";

/** A connection some tool calls of one AI message are waiting for. */
export interface AuthorizationNeed {
  connector: ConnectorId;
  connection: string;
  toolCallIds: string[];
}

export type AuthorizationOutcome = "authorized" | "cancelled" | "timed_out";

/**
 * Options for the links of one user's connection in one thread (Scalekit user verification: a
 * verify URL and a signed state). `thread` is LangGraph's `configurable.thread_id`: the runtime's
 * scoped thread key, or the LangGraph server's thread id.
 */
export type LinkOptionsProvider = (
  identity: Identity,
  connection: string,
  thread: string | undefined,
) => LinkOptions | undefined | Promise<LinkOptions | undefined>;

/** A provider bound to one run's user and thread: what the gate asks per connection. */
export type RunLinkOptions = (connection: string) => Promise<LinkOptions | undefined>;

export function bindLinkOptions(
  provider: LinkOptionsProvider | undefined,
  identity: Identity,
  thread: string | undefined,
): RunLinkOptions | undefined {
  return provider ? async (connection) => provider(identity, connection, thread) : undefined;
}

/**
 * The requests for connections that are not ACTIVE: the account is created when missing
 * (PENDING_AUTH), and each gets a link (reused from the cache until it nears expiry). Safe to
 * re-run on every replay of the gate: get-or-create and link reuse are idempotent.
 */
export async function connectionRequests(
  auth: CachedAgentAuth,
  identity: Identity,
  missing: readonly AuthorizationNeed[],
  statuses: ReadonlyMap<string, ConnectionState>,
  linkOptions?: RunLinkOptions,
): Promise<AuthorizationRequest[]> {
  return Promise.all(
    missing.map(async (need) => {
      let status: AccountStatus = statuses.get(need.connection)?.status ?? "NOT_FOUND";
      if (status === "NOT_FOUND") status = (await auth.createAccount(identity, need.connection)).status;
      const options = await linkOptions?.(need.connection);
      const link = await auth.getAuthorizationLink(identity, need.connection, options);
      return {
        connector: need.connector,
        connection: need.connection,
        displayName: CONNECTORS[need.connector].displayName,
        // A rejected token on an account Scalekit still calls ACTIVE is, in effect, expired.
        status: status === "ACTIVE" ? "EXPIRED" : status,
        url: link.url,
        expiresAt: link.expiresAt.toISOString(),
        ...(link.stateNonce ? { stateNonce: link.stateNonce } : {}),
        toolCallIds: need.toolCallIds,
      };
    }),
  );
}

/**
 * A token failed mid-call: interrupts until the connection is ACTIVE again (asking at least once,
 * since a provider that rejected the token knows better than a status that has not caught up) or
 * the caller cancels. Re-runs on each resume, so everything before `interrupt()` is idempotent.
 */
export async function awaitReconnection(
  auth: CachedAgentAuth,
  identity: Identity,
  need: AuthorizationNeed,
  /** Ask even if Scalekit still says ACTIVE (the provider rejected the token). */
  force: boolean,
  linkOptions?: RunLinkOptions,
): Promise<AuthorizationOutcome> {
  for (let round = 0; ; round++) {
    // Never a cached "not connected": the person may have just reconnected.
    const statuses = await auth.getStatuses(identity, [need.connection], { inactiveSince: Date.now() });
    if ((round > 0 || !force) && statuses.get(need.connection)?.status === "ACTIVE") return "authorized";
    const requests = await connectionRequests(auth, identity, [need], statuses, linkOptions);
    const resume = parseResume(
      interrupt(describeInterrupt(requests, [], true, round > 0 ? [need.connection] : [])),
    );
    if (resume.action === "cancel") return resume.reason === "timeout" ? "timed_out" : "cancelled";
    if (resume.action === "decide" && resume.decisions.some((decision) => decision.type === "reject")) {
      return "cancelled";
    }
  }
}
