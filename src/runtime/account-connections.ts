import type { AccountStatus, AuthorizationLink, LinkOptions } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import { CONNECTORS, type ConnectorId, type connectionNames } from "../connectors/registry.js";
import { DelegateError } from "../errors.js";
import type { ConnectionOverview } from "./runtime-types.js";

export interface AccountConnectionsOptions {
  auth: CachedAgentAuth;
  names: ReturnType<typeof connectionNames>;
  enabled: readonly ConnectorId[];
  /** Options for a consent link (user verification), when the runtime verifies users. */
  linkOptions: (identity: Identity, connection: string) => Promise<LinkOptions | undefined>;
}

/** A person's accounts outside any conversation: list, connect ahead of need, disconnect. */
export class AccountConnections {
  readonly #options: AccountConnectionsOptions;

  constructor(options: AccountConnectionsOptions) {
    this.#options = options;
  }

  /** The connection name of an enabled connector; UNKNOWN_CONNECTOR for any other. */
  connection(connector: ConnectorId): string {
    const { enabled, names } = this.#options;
    if (!enabled.includes(connector)) {
      throw new DelegateError(
        "UNKNOWN_CONNECTOR",
        `Unknown or disabled connector "${connector}". Enabled: ${enabled.join(", ")}.`,
      );
    }
    return names[connector];
  }

  async list(user: Identity): Promise<ConnectionOverview[]> {
    const { auth, enabled, names } = this.#options;
    // What the person sees (and the REPL polls after /connect) is never a stale "not connected".
    const statuses = await auth.getStatuses(
      user,
      enabled.map((id) => names[id]),
      { inactiveSince: Date.now() },
    );
    return enabled.map((id) => ({
      connector: id,
      displayName: CONNECTORS[id].displayName,
      connection: names[id],
      status: statuses.get(names[id])?.status ?? "NOT_FOUND",
    }));
  }

  async connect(
    user: Identity,
    connector: ConnectorId,
  ): Promise<AuthorizationLink & { status: AccountStatus }> {
    const { auth } = this.#options;
    const connection = this.connection(connector);
    let state = (await auth.getStatuses(user, [connection])).get(connection);
    if (!state || state.status === "NOT_FOUND") state = await auth.ensureAccount(user, connection);
    // Asked for by the person, so a fresh link: one handed out before may have been used to
    // refuse (it is spent then), or forwarded to someone else.
    auth.forgetLink(user, connection);
    const link = await auth.getAuthorizationLink(
      user,
      connection,
      await this.#options.linkOptions(user, connection),
    );
    // The person is about to consent: the next look-up asks Scalekit rather than the cache.
    auth.invalidate(user, connection);
    return { ...link, status: state.status };
  }

  async disconnect(user: Identity, connector: ConnectorId): Promise<void> {
    await this.#options.auth.disconnect(user, this.connection(connector));
  }
}
