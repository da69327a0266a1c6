import { isDelegateError } from "../errors.js";
import type {
  AccountEventPage,
  AccountPage,
  AgentAuth,
  AuthorizationLink,
  ConnectionState,
  Credentials,
  ExecuteToolRequest,
  ExecuteToolResult,
  HostedToolDefinition,
  LinkOptions,
  VerifiedUser,
} from "./agent-auth.js";
import { type Identity, scalekitIdentifier } from "./identity.js";
import { LinkCache } from "./link-cache.js";
import { LookupLedger, type Stamp } from "./lookup-ledger.js";

export interface CacheOptions {
  /** How long an ACTIVE status is trusted. Default 60 s. */
  activeStatusTtlMs?: number;
  /**
   * How long any other status (not connected, pending, expired…) is trusted. Default 30 s.
   * Short, and webhooks, `connect`, `disconnect` and verification drop it at once; the gate
   * never asks for consent on one older than the model call it checks.
   */
  inactiveStatusTtlMs?: number;
  /** Credentials are dropped this long before `expiresAt`. Default 60 s. */
  credentialsMarginMs?: number;
  /** Links are reused until this long before they expire. Default 30 s. */
  linkMarginMs?: number;
  now?: () => number;
}

/** How fresh a status look-up must be. */
export interface StatusLookup {
  /**
   * A cached status other than ACTIVE counts only when it was fetched at or after this time (ms
   * since the epoch); older ones are fetched again. `Date.now()` asks Scalekit about every
   * connection not known to be ACTIVE. Default: anything within its TTL.
   */
  inactiveSince?: number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

interface StatusEntry extends Entry<ConnectionState> {
  /** When the look-up that produced it began. */
  fetchedAt: number;
}

/**
 * A cache in front of any AgentAuth, so the warm path of a user makes no Scalekit call at all,
 * whatever the mix of connected and unconnected accounts: ACTIVE statuses live a minute, other
 * statuses a short while (and callers that must not act on a stale "not connected" say how
 * fresh they need it), credentials until shortly before they expire, links until shortly before
 * they lapse. Concurrent look-ups of one key share a call, and a look-up that began before an
 * invalidation never writes what it found.
 */
export class CachedAgentAuth implements AgentAuth {
  readonly #inner: AgentAuth;
  readonly #statusTtl: number;
  readonly #inactiveTtl: number;
  readonly #credentialsMargin: number;
  readonly #now: () => number;
  readonly #statuses = new Map<string, StatusEntry>();
  readonly #credentials = new Map<string, Entry<Credentials>>();
  readonly #links: LinkCache;
  readonly #ledger: LookupLedger;

  constructor(inner: AgentAuth, options: CacheOptions = {}) {
    this.#inner = inner;
    this.#statusTtl = options.activeStatusTtlMs ?? 60_000;
    this.#inactiveTtl = options.inactiveStatusTtlMs ?? 30_000;
    this.#credentialsMargin = options.credentialsMarginMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#links = new LinkCache(options.linkMarginMs ?? 30_000, this.#now);
    // A key's group is its Scalekit identifier, so one user's keys can be invalidated at once.
    this.#ledger = new LookupLedger(this.#now, (cacheKey) => cacheKey.slice(0, cacheKey.indexOf("\u0000")));
  }

  async getStatuses(
    identity: Identity,
    connections: readonly string[],
    lookup: StatusLookup = {},
  ): Promise<Map<string, ConnectionState>> {
    const identifier = scalekitIdentifier(identity);
    const since = lookup.inactiveSince ?? Number.NEGATIVE_INFINITY;
    const result = new Map<string, ConnectionState>();
    const missing: string[] = [];
    for (const connection of connections) {
      const cached = this.#status(identifierKey(identifier, connection), since);
      if (cached) result.set(connection, cached);
      else missing.push(connection);
    }
    if (missing.length === 0) return result;
    missing.sort();
    const keys = missing.map((connection) => identifierKey(identifier, connection));
    const flight = this.#ledger.join(
      `statuses:${identifier}:${missing.join(",")}`,
      (candidate) =>
        candidate.at >= since && keys.every((k) => !this.#ledger.invalidatedSince(k, candidate.seq)),
      () => this.#inner.getStatuses(identity, missing),
    );
    const fetched = (await flight.promise) as Map<string, ConnectionState>;
    for (const connection of missing) {
      const state = fetched.get(connection) ?? { connection, status: "NOT_FOUND" as const };
      result.set(connection, state);
      this.#remember(identifier, state, flight);
    }
    return result;
  }

  /**
   * The cached statuses of every one of `connections`, or undefined when any is not cached:
   * answers the warm path at once, without a promise or a timer.
   */
  peekStatuses(identity: Identity, connections: readonly string[]): Map<string, ConnectionState> | undefined {
    const known = this.knownStatuses(scalekitIdentifier(identity), connections, Number.NEGATIVE_INFINITY);
    return known.size === new Set(connections).size ? known : undefined;
  }

  /**
   * What is known about `connections` without asking: ACTIVE statuses within their TTL, and
   * other statuses fetched at or after `since`. Connections missing from the map are unknown.
   */
  knownStatuses(
    identifier: string,
    connections: readonly string[],
    since: number,
  ): Map<string, ConnectionState> {
    const known = new Map<string, ConnectionState>();
    for (const connection of connections) {
      const cached = this.#status(identifierKey(identifier, connection), since);
      if (cached) known.set(connection, cached);
    }
    return known;
  }

  async ensureAccount(identity: Identity, connection: string): Promise<ConnectionState> {
    return this.#account(identity, connection, () => this.#inner.ensureAccount(identity, connection));
  }

  async createAccount(identity: Identity, connection: string): Promise<ConnectionState> {
    return this.#account(identity, connection, () => this.#inner.createAccount(identity, connection));
  }

  async #account(
    identity: Identity,
    connection: string,
    run: () => Promise<ConnectionState>,
  ): Promise<ConnectionState> {
    const cacheKey = key(identity, connection);
    const flight = this.#ledger.join(
      `ensure:${cacheKey}`,
      (candidate) => !this.#ledger.invalidatedSince(cacheKey, candidate.seq),
      run,
    );
    const state = (await flight.promise) as ConnectionState;
    this.#remember(scalekitIdentifier(identity), state, flight);
    return state;
  }

  /** Whether the port can list a connection's accounts (`scanConnection`). */
  get canScan(): boolean {
    return typeof this.#inner.listAccounts === "function";
  }

  /** Whether the port reads Scalekit's event feed (`accountEvents`). */
  get hasEventFeed(): boolean {
    return typeof this.#inner.listAccountEvents === "function";
  }

  /**
   * One page of every user's accounts on a connection (ListConnectedAccounts with no
   * identifier), remembered like any look-up: the watcher's way to check many waiting users of
   * one connection in one call.
   */
  async scanConnection(connection: string, pageToken: string): Promise<AccountPage> {
    const list = this.#inner.listAccounts;
    if (!list) throw new Error("this AgentAuth cannot list a connection's accounts");
    const flight = this.#ledger.start(() => list.call(this.#inner, connection, pageToken));
    const page = (await flight.promise) as AccountPage;
    for (const account of page.accounts) this.#remember(account.identifier, account.state, flight);
    return page;
  }

  /**
   * A page of Scalekit's connected-account events since `since`, newest first. Each event's
   * status is remembered unless something newer is known.
   */
  async accountEvents(since: Date, pageToken: string): Promise<AccountEventPage> {
    const list = this.#inner.listAccountEvents;
    if (!list) throw new Error("this AgentAuth has no event feed");
    const page = await list.call(this.#inner, since, pageToken);
    // Oldest first, so the latest change to an account is the one that stays.
    for (const event of [...page.events].reverse()) {
      if (event.status) {
        this.noteStatus(
          event.identifier,
          { connection: event.connection, status: event.status },
          event.occurredAt.getTime(),
        );
      } else {
        this.invalidateIdentifier(event.identifier, event.connection);
      }
    }
    return page;
  }

  /**
   * Records what a verified source (a signed webhook, Scalekit's event feed) says about an
   * account at `observedAt`, unless something newer is already known.
   */
  noteStatus(identifier: string, state: ConnectionState, observedAt: number): void {
    const cacheKey = identifierKey(identifier, state.connection);
    const known = this.#statuses.get(cacheKey);
    if (known && known.fetchedAt > observedAt) return;
    // Invalidated after it was observed: something newer happened to the account.
    if (this.#ledger.invalidatedAt(cacheKey) >= observedAt) return;
    this.#remember(identifier, state, this.#ledger.stamp(observedAt));
  }

  async getAuthorizationLink(
    identity: Identity,
    connection: string,
    options?: LinkOptions,
  ): Promise<AuthorizationLink> {
    const cacheKey = key(identity, connection);
    const cached = this.#links.get(cacheKey, options);
    // A newer link of the account (another thread's, a /connect, another replica's) retired it.
    const retired =
      cached?.stateNonce !== undefined && options?.isLatest && !(await options.isLatest(cached.stateNonce));
    if (cached && !retired) return cached;
    const link = await this.#ledger.single(`link:${this.#links.flightKey(cacheKey, options)}`, () =>
      // One account's links one at a time, each recorded as the latest before the next is made.
      this.#links.inTurn(cacheKey, async () => {
        const made = await this.#inner.getAuthorizationLink(identity, connection, options);
        // Recorded before it is handed out: a link shown is never older than the latest on record.
        await options?.issued?.();
        return options?.stateNonce ? { ...made, stateNonce: options.stateNonce } : made;
      }),
    );
    this.#links.set(cacheKey, options, link);
    return link;
  }

  /**
   * With `connection` (the one the verified link was for): what is known of that account is
   * dropped, so the next look-up asks Scalekit. Not marked ACTIVE here: Scalekit's answer does
   * not say which account it verified, and an auth request of another connection of the same
   * user (paired with this state) would make the cache vouch for an account still unconnected.
   */
  async verifyUser(authRequestId: string, identity: Identity, connection?: string): Promise<VerifiedUser> {
    const verified = await this.#inner.verifyUser(authRequestId, identity);
    if (connection) this.invalidate(identity, connection);
    return verified;
  }

  async getCredentials(identity: Identity, connection: string): Promise<Credentials> {
    const cacheKey = key(identity, connection);
    const cached = this.#fresh(this.#credentials, cacheKey);
    if (cached) return cached;
    try {
      const flight = this.#ledger.join(
        `credentials:${cacheKey}`,
        (candidate) => !this.#ledger.invalidatedSince(cacheKey, candidate.seq),
        () => this.#inner.getCredentials(identity, connection),
      );
      const credentials = (await flight.promise) as Credentials;
      if (!this.#ledger.invalidatedSince(cacheKey, flight.seq)) {
        const expiresAt = credentials.expiresAt
          ? credentials.expiresAt.getTime() - this.#credentialsMargin
          : this.#now() + this.#statusTtl;
        if (expiresAt > this.#now()) this.#credentials.set(cacheKey, { value: credentials, expiresAt });
        this.#remember(scalekitIdentifier(identity), { connection, status: "ACTIVE" }, flight);
      }
      return credentials;
    } catch (error) {
      if (isDelegateError(error, "AUTHORIZATION_REQUIRED")) this.invalidate(identity, connection);
      throw error;
    }
  }

  /**
   * The credentials Scalekit hands out now, bypassing the cache (and refreshing it): for checks
   * that must see a token change, such as "was the rejected token replaced yet?".
   */
  async fetchCredentials(identity: Identity, connection: string): Promise<Credentials> {
    this.invalidate(identity, connection);
    return this.getCredentials(identity, connection);
  }

  executeTool(request: ExecuteToolRequest): Promise<ExecuteToolResult> {
    return this.#inner.executeTool(request);
  }

  listTools(connections: readonly string[]): Promise<HostedToolDefinition[]> {
    return this.#inner.listTools(connections);
  }

  async disconnect(identity: Identity, connection: string): Promise<void> {
    this.invalidate(identity, connection);
    this.#links.forget(key(identity, connection));
    await this.#inner.disconnect(identity, connection);
    this.invalidate(identity, connection);
  }

  /**
   * Forgets what is known about one user's connection (status and credentials): call it when
   * the account may have changed (a verification, a connect, a reconnect).
   */
  invalidate(identity: Identity, connection: string): void {
    this.#forget(key(identity, connection));
  }

  /** Forgets everything known about one user: statuses, credentials and links, of every connection. */
  invalidateUser(identity: Identity): void {
    const identifier = scalekitIdentifier(identity);
    this.invalidateIdentifierAll(identifier);
    this.#links.forgetPrefix(identifierKey(identifier, ""));
  }

  /** Like `invalidate`, for a Scalekit identifier (what webhooks carry). */
  invalidateIdentifier(identifier: string, connection: string): void {
    this.#forget(identifierKey(identifier, connection));
  }

  /**
   * Forgets every connection of a Scalekit identifier (a webhook that names no connection, an
   * erased user), including those a look-up in flight would store.
   */
  invalidateIdentifierAll(identifier: string): void {
    const prefix = identifierKey(identifier, "");
    for (const map of [this.#statuses, this.#credentials] as Map<string, unknown>[]) {
      for (const cacheKey of map.keys()) if (cacheKey.startsWith(prefix)) map.delete(cacheKey);
    }
    this.#ledger.invalidateGroup(identifier);
  }

  #forget(cacheKey: string): void {
    this.#statuses.delete(cacheKey);
    this.#credentials.delete(cacheKey);
    this.#ledger.invalidate(cacheKey);
  }

  /** Drops a cached link so the next request creates a fresh one. */
  forgetLink(identity: Identity, connection: string): void {
    this.#links.forget(key(identity, connection));
  }

  /** Stores what a look-up that began at `at` found, unless the key was invalidated since. */
  #remember(identifier: string, state: ConnectionState, from: Stamp): void {
    const cacheKey = identifierKey(identifier, state.connection);
    if (this.#ledger.invalidatedSince(cacheKey, from.seq)) return;
    this.#sweep();
    const active = state.status === "ACTIVE";
    this.#statuses.set(cacheKey, {
      value: state,
      fetchedAt: from.at,
      expiresAt: from.at + (active ? this.#statusTtl : this.#inactiveTtl),
    });
    // A connected account's old link is spent; a disconnected one's token is useless.
    if (active) this.#links.forget(cacheKey);
    else this.#credentials.delete(cacheKey);
  }

  /** Drops expired entries once the maps grow, so users who never come back do not pile up. */
  #sweep(): void {
    const size = this.#statuses.size + this.#credentials.size + this.#links.size + this.#ledger.size;
    if (size < SWEEP_THRESHOLD) return;
    const now = this.#now();
    for (const map of [this.#statuses, this.#credentials] as Map<string, Entry<unknown>>[]) {
      for (const [cacheKey, entry] of map) if (entry.expiresAt <= now) map.delete(cacheKey);
    }
    this.#links.sweep();
    // Invalidations only matter while a look-up that began before them may still be in flight.
    this.#ledger.prune();
  }

  #fresh<T>(map: Map<string, Entry<T>>, cacheKey: string): T | undefined {
    const entry = map.get(cacheKey);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    map.delete(cacheKey);
    return undefined;
  }

  #status(cacheKey: string, since: number): ConnectionState | undefined {
    const entry = this.#statuses.get(cacheKey);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#statuses.delete(cacheKey);
      return undefined;
    }
    return entry.value.status === "ACTIVE" || entry.fetchedAt >= since ? entry.value : undefined;
  }
}

const SWEEP_THRESHOLD = 10_000;

function key(identity: Identity, connection: string): string {
  return identifierKey(scalekitIdentifier(identity), connection);
}

function identifierKey(identifier: string, connection: string): string {
  return `${identifier}\u0000${connection}`;
}
