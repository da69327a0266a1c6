import { isDelegateError } from "../errors.js";
import type {
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

export interface CacheOptions {
  /** How long an ACTIVE status is trusted. Default 60 s. */
  activeStatusTtlMs?: number;
  /** Credentials are dropped this long before `expiresAt`. Default 60 s. */
  credentialsMarginMs?: number;
  /** Links are reused until this long before they expire. Default 30 s. */
  linkMarginMs?: number;
  now?: () => number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/**
 * A cache in front of any AgentAuth. Only good news is cached (ACTIVE statuses, credentials,
 * unexpired links) so a change to "connected" is seen at once, while the warm path of a
 * connected user makes no Scalekit call at all. Concurrent look-ups of one key share a call.
 */
export class CachedAgentAuth implements AgentAuth {
  readonly #inner: AgentAuth;
  readonly #statusTtl: number;
  readonly #credentialsMargin: number;
  readonly #linkMargin: number;
  readonly #now: () => number;
  readonly #statuses = new Map<string, Entry<ConnectionState>>();
  readonly #credentials = new Map<string, Entry<Credentials>>();
  /** Per user and connection, per link scope (a thread's links are never handed to another). */
  readonly #links = new Map<string, Map<string, Entry<AuthorizationLink>>>();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Bumped on invalidate so a look-up that started before it cannot repopulate the cache. */
  readonly #generation = new Map<string, number>();

  constructor(inner: AgentAuth, options: CacheOptions = {}) {
    this.#inner = inner;
    this.#statusTtl = options.activeStatusTtlMs ?? 60_000;
    this.#credentialsMargin = options.credentialsMarginMs ?? 60_000;
    this.#linkMargin = options.linkMarginMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  async getStatuses(
    identity: Identity,
    connections: readonly string[],
  ): Promise<Map<string, ConnectionState>> {
    const result = new Map<string, ConnectionState>();
    const missing: string[] = [];
    for (const connection of connections) {
      const cached = this.#fresh(this.#statuses, key(identity, connection));
      if (cached) result.set(connection, cached);
      else missing.push(connection);
    }
    if (missing.length === 0) return result;
    missing.sort();
    const generations = missing.map((connection) => this.#gen(key(identity, connection)));
    // The generations are part of the key: a look-up that began before an invalidate is not shared.
    const fetched = await this.#single(
      `statuses:${scalekitIdentifier(identity)}:${missing.join(",")}:${generations.join(",")}`,
      () => this.#inner.getStatuses(identity, missing),
    );
    missing.forEach((connection, index) => {
      const state = fetched.get(connection) ?? { connection, status: "NOT_FOUND" as const };
      result.set(connection, state);
      if (this.#gen(key(identity, connection)) === generations[index]) this.#rememberStatus(identity, state);
    });
    return result;
  }

  async ensureAccount(identity: Identity, connection: string): Promise<ConnectionState> {
    const state = await this.#single(`ensure:${key(identity, connection)}`, () =>
      this.#inner.ensureAccount(identity, connection),
    );
    this.#rememberStatus(identity, state);
    return state;
  }

  async createAccount(identity: Identity, connection: string): Promise<ConnectionState> {
    const state = await this.#single(`ensure:${key(identity, connection)}`, () =>
      this.#inner.createAccount(identity, connection),
    );
    this.#rememberStatus(identity, state);
    return state;
  }

  async getAuthorizationLink(
    identity: Identity,
    connection: string,
    options?: LinkOptions,
  ): Promise<AuthorizationLink> {
    const cacheKey = key(identity, connection);
    const scope = linkScope(options);
    const scopes = this.#links.get(cacheKey) ?? new Map<string, Entry<AuthorizationLink>>();
    const cached = this.#fresh(scopes, scope);
    if (cached) return cached;
    const link = await this.#single(`link:${cacheKey}\u0000${scope}`, () =>
      this.#inner.getAuthorizationLink(identity, connection, options),
    );
    const reuseUntil = options?.reuseUntil?.getTime() ?? Number.POSITIVE_INFINITY;
    scopes.set(scope, {
      value: link,
      expiresAt: Math.min(link.expiresAt.getTime() - this.#linkMargin, reuseUntil),
    });
    this.#links.set(cacheKey, scopes);
    return link;
  }

  verifyUser(authRequestId: string, identity: Identity): Promise<VerifiedUser> {
    return this.#inner.verifyUser(authRequestId, identity);
  }

  async getCredentials(identity: Identity, connection: string): Promise<Credentials> {
    const cacheKey = key(identity, connection);
    const cached = this.#fresh(this.#credentials, cacheKey);
    if (cached) return cached;
    const generation = this.#gen(cacheKey);
    try {
      const credentials = await this.#single(`credentials:${cacheKey}:${generation}`, () =>
        this.#inner.getCredentials(identity, connection),
      );
      if (this.#gen(cacheKey) === generation) {
        const expiresAt = credentials.expiresAt
          ? credentials.expiresAt.getTime() - this.#credentialsMargin
          : this.#now() + this.#statusTtl;
        if (expiresAt > this.#now()) this.#credentials.set(cacheKey, { value: credentials, expiresAt });
        this.#rememberStatus(identity, { connection, status: "ACTIVE" });
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
    this.#links.delete(key(identity, connection));
    await this.#inner.disconnect(identity, connection);
    this.invalidate(identity, connection);
  }

  /** Forgets what is known about one user's connection (status and credentials). */
  invalidate(identity: Identity, connection: string): void {
    this.#forget(key(identity, connection));
  }

  /** Like `invalidate`, for a Scalekit identifier (what webhooks carry). */
  invalidateIdentifier(identifier: string, connection: string): void {
    this.#forget(identifierKey(identifier, connection));
  }

  /** Forgets every connection of a Scalekit identifier (a webhook that names no connection). */
  invalidateIdentifierAll(identifier: string): void {
    const prefix = identifierKey(identifier, "");
    const keys = new Set([...this.#statuses.keys(), ...this.#credentials.keys()]);
    for (const cacheKey of keys) if (cacheKey.startsWith(prefix)) this.#forget(cacheKey);
  }

  #forget(cacheKey: string): void {
    this.#statuses.delete(cacheKey);
    this.#credentials.delete(cacheKey);
    this.#generation.set(cacheKey, this.#gen(cacheKey) + 1);
  }

  /** Drops a cached link so the next request creates a fresh one. */
  forgetLink(identity: Identity, connection: string): void {
    this.#links.delete(key(identity, connection));
  }

  #rememberStatus(identity: Identity, state: ConnectionState): void {
    const cacheKey = key(identity, state.connection);
    this.#sweep();
    if (state.status === "ACTIVE") {
      this.#statuses.set(cacheKey, { value: state, expiresAt: this.#now() + this.#statusTtl });
      // A connected account's old link is spent.
      this.#links.delete(cacheKey);
    } else {
      this.#statuses.delete(cacheKey);
      this.#credentials.delete(cacheKey);
    }
  }

  /** Drops expired entries once the maps grow, so users who never come back do not pile up. */
  #sweep(): void {
    if (this.#statuses.size + this.#credentials.size + this.#links.size < SWEEP_THRESHOLD) return;
    const now = this.#now();
    for (const map of [this.#statuses, this.#credentials, ...this.#links.values()] as Map<
      string,
      Entry<unknown>
    >[]) {
      for (const [cacheKey, entry] of map) if (entry.expiresAt <= now) map.delete(cacheKey);
    }
    for (const [cacheKey, scopes] of this.#links) if (scopes.size === 0) this.#links.delete(cacheKey);
    // Generations only matter while a look-up for the key may still be in flight.
    if (this.#inFlight.size === 0) this.#generation.clear();
  }

  #fresh<T>(map: Map<string, Entry<T>>, cacheKey: string): T | undefined {
    const entry = map.get(cacheKey);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    map.delete(cacheKey);
    return undefined;
  }

  #gen(cacheKey: string): number {
    return this.#generation.get(cacheKey) ?? 0;
  }

  #single<T>(flightKey: string, run: () => Promise<T>): Promise<T> {
    const existing = this.#inFlight.get(flightKey);
    if (existing) return existing as Promise<T>;
    const promise = run().finally(() => this.#inFlight.delete(flightKey));
    this.#inFlight.set(flightKey, promise);
    return promise;
  }
}

const SWEEP_THRESHOLD = 10_000;

function key(identity: Identity, connection: string): string {
  return identifierKey(scalekitIdentifier(identity), connection);
}

/** Links with no options share one scope; verified links are keyed by where they lead and whom for. */
function linkScope(options: LinkOptions | undefined): string {
  if (!options?.userVerifyUrl && !options?.state && !options?.scope) return "";
  return JSON.stringify([options.userVerifyUrl ?? "", options.scope ?? options.state ?? ""]);
}

function identifierKey(identifier: string, connection: string): string {
  return `${identifier}\u0000${connection}`;
}
