import type { AgentAuth } from "../../src/auth/agent-auth.js";
import type { ScalekitAgentAuth } from "../../src/auth/scalekit/scalekit-agent-auth.js";

/**
 * The Scalekit adapter with only some of its optional abilities, as a port that lacks the others
 * would be: never the event feed, and scans of a connection's accounts only with `scan`. The
 * watcher must then poll, by user or by connection in pages.
 */
export function portWithout(inner: ScalekitAgentAuth, { scan }: { scan: boolean }): AgentAuth {
  return {
    getStatuses: (identity, connections) => inner.getStatuses(identity, connections),
    ensureAccount: (identity, connection) => inner.ensureAccount(identity, connection),
    createAccount: (identity, connection) => inner.createAccount(identity, connection),
    getAuthorizationLink: (identity, connection, options) =>
      inner.getAuthorizationLink(identity, connection, options),
    verifyUser: (authRequestId, identity) => inner.verifyUser(authRequestId, identity),
    getCredentials: (identity, connection) => inner.getCredentials(identity, connection),
    executeTool: (request) => inner.executeTool(request),
    listTools: (connections) => inner.listTools(connections),
    disconnect: (identity, connection) => inner.disconnect(identity, connection),
    ...(scan ? { listAccounts: (connection, token) => inner.listAccounts(connection, token) } : {}),
  };
}
