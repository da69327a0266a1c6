import type { JsonObject } from "@bufbuild/protobuf";
import type { TokenGrant, TokenVerifier } from "../token-grants.js";
import { type AccountStatusName, ConnectorStatus, statusName } from "./account-status.js";
import { randomId, randomSecret } from "./random-ids.js";

/** A connection as configured in the (emulated) Scalekit dashboard. */
export interface ConnectionProfile {
  /** Connection name (dashboard key id), e.g. `gmail`. */
  name: string;
  id: string;
  displayName: string;
  provider: string;
  scopes: readonly string[];
}

export interface AccountRecord {
  readonly id: string;
  readonly identifier: string;
  readonly connection: ConnectionProfile;
  status: ConnectorStatus;
  accessToken: string | undefined;
  refreshToken: string | undefined;
  scopes: string[];
  tokenExpiresAt: number | undefined;
  apiConfig: JsonObject | undefined;
  readonly createdAt: number;
  updatedAt: number;
  lastUsedAt: number | undefined;
}

export interface MagicLinkRecord {
  readonly id: string;
  readonly url: string;
  readonly accountId: string;
  readonly createdAt: number;
  expiresAt: number;
  used: boolean;
  readonly state: string | undefined;
  readonly userVerifyUrl: string | undefined;
}

export type LinkState = "valid" | "expired" | "used" | "orphaned";

export type ConsentOutcome =
  | { kind: "granted"; account: AccountRecord }
  | { kind: "denied"; account: AccountRecord }
  /** User verification is configured: the browser goes to the app, which calls VerifyConnectedAccountUser. */
  | { kind: "verify"; account: AccountRecord; redirectUrl: string };

export type VerifyUserOutcome =
  | { kind: "verified"; account: AccountRecord }
  | { kind: "not_found" }
  | { kind: "mismatch" };

/** A plain, detached copy for tests and tooling. */
export interface AccountSnapshot {
  id: string;
  identifier: string;
  connection: string;
  connectionId: string;
  provider: string;
  status: AccountStatusName;
  scopes: string[];
  accessToken?: string;
  refreshToken?: string;
  tokenExpiresAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt?: Date;
}

export interface StatusChange {
  account: AccountRecord;
  oldStatus: ConnectorStatus;
}

export interface Credentials {
  accessToken: string;
  refreshToken?: string | undefined;
  scopes?: readonly string[] | undefined;
}

export interface AccountStoreOptions {
  connections: readonly ConnectionProfile[];
  now: () => number;
  /** Resolved lazily: the port is only known once the server listens. */
  baseUrl: () => string;
  tokenPrefix: string;
  refreshTokenPrefix: string;
  accessTokenTtlMs: number;
  linkTtlMs: number;
  onStatusChange: (change: StatusChange) => void;
}

interface VerificationRequest {
  id: string;
  accountId: string;
  identifier: string;
  credentials: Credentials;
}

/** In-memory connected accounts, magic links and provider tokens, with Scalekit's lifecycle rules. */
export class AccountStore implements TokenVerifier {
  readonly #options: AccountStoreOptions;
  readonly #connections: Map<string, ConnectionProfile>;
  readonly #accounts = new Map<string, AccountRecord>();
  readonly #idsByKey = new Map<string, string>();
  readonly #accountIdsByAccessToken = new Map<string, string>();
  readonly #links = new Map<string, MagicLinkRecord>();
  readonly #verifications = new Map<string, VerificationRequest>();

  constructor(options: AccountStoreOptions) {
    this.#options = options;
    this.#connections = new Map(options.connections.map((connection) => [connection.name, connection]));
  }

  connection(name: string): ConnectionProfile | undefined {
    return this.#connections.get(name);
  }

  connections(): ConnectionProfile[] {
    return [...this.#connections.values()];
  }

  byId(id: string): AccountRecord | undefined {
    return this.#accounts.get(id);
  }

  find(identifier: string, connection: string): AccountRecord | undefined {
    const id = this.#idsByKey.get(accountKey(identifier, connection));
    return id === undefined ? undefined : this.#accounts.get(id);
  }

  list(): AccountRecord[] {
    return [...this.#accounts.values()];
  }

  /** New accounts wait for consent, unless created with credentials (an API-side upsert). */
  create(identifier: string, connection: ConnectionProfile, credentials?: Credentials): AccountRecord {
    const now = this.#options.now();
    const account: AccountRecord = {
      id: randomId("ca_"),
      identifier,
      connection,
      status: ConnectorStatus.PENDING_AUTH,
      accessToken: undefined,
      refreshToken: undefined,
      scopes: [],
      tokenExpiresAt: undefined,
      apiConfig: undefined,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: undefined,
    };
    this.#accounts.set(account.id, account);
    this.#idsByKey.set(accountKey(identifier, connection.name), account.id);
    if (credentials !== undefined) this.applyCredentials(account, credentials);
    return account;
  }

  delete(account: AccountRecord): void {
    this.#clearTokens(account);
    this.#accounts.delete(account.id);
    this.#idsByKey.delete(accountKey(account.identifier, account.connection.name));
    for (const [id, link] of this.#links) if (link.accountId === account.id) this.#links.delete(id);
  }

  setApiConfig(account: AccountRecord, apiConfig: JsonObject | undefined): void {
    account.apiConfig = apiConfig;
    account.updatedAt = this.#options.now();
  }

  /** Stores caller-supplied tokens and activates the account. */
  applyCredentials(account: AccountRecord, credentials: Credentials): void {
    this.#clearTokens(account);
    account.accessToken = credentials.accessToken;
    account.refreshToken = credentials.refreshToken || undefined;
    account.scopes = [...(credentials.scopes ?? account.connection.scopes)];
    account.tokenExpiresAt = this.#options.now() + this.#options.accessTokenTtlMs;
    this.#accountIdsByAccessToken.set(credentials.accessToken, account.id);
    this.#setStatus(account, ConnectorStatus.ACTIVE);
  }

  /** Consent granted: fresh access and refresh tokens with the connection's scopes. */
  authorize(account: AccountRecord): void {
    this.applyCredentials(account, this.#mintCredentials(account));
  }

  /** If the access token has lapsed, refresh it (ACTIVE with a refresh token) or mark the account EXPIRED. */
  refreshIfExpired(account: AccountRecord): void {
    if (account.status !== ConnectorStatus.ACTIVE) return;
    if (account.tokenExpiresAt !== undefined && account.tokenExpiresAt > this.#options.now()) return;
    if (account.refreshToken === undefined) {
      this.expire(account);
      return;
    }
    const refreshToken = account.refreshToken;
    this.#clearAccessToken(account);
    const accessToken = randomSecret(this.#options.tokenPrefix);
    account.accessToken = accessToken;
    account.refreshToken = refreshToken;
    account.tokenExpiresAt = this.#options.now() + this.#options.accessTokenTtlMs;
    account.updatedAt = this.#options.now();
    this.#accountIdsByAccessToken.set(accessToken, account.id);
  }

  /** True when the account is ACTIVE and its access token has not lapsed. */
  hasLiveToken(account: AccountRecord): boolean {
    return (
      account.status === ConnectorStatus.ACTIVE &&
      account.accessToken !== undefined &&
      account.tokenExpiresAt !== undefined &&
      account.tokenExpiresAt > this.#options.now()
    );
  }

  /** The provider refused to refresh: tokens are gone until the user consents again. */
  expire(account: AccountRecord): void {
    this.#clearTokens(account);
    this.#setStatus(account, ConnectorStatus.EXPIRED);
  }

  /** The user revoked access at the provider (or it was disconnected). */
  revoke(account: AccountRecord): void {
    this.#clearTokens(account);
    this.#setStatus(account, ConnectorStatus.DISCONNECTED);
  }

  /** The access token lapses now; the refresh token still works. */
  expireAccessToken(account: AccountRecord): void {
    if (account.accessToken === undefined) return;
    account.tokenExpiresAt = this.#options.now() - 1;
    account.updatedAt = this.#options.now();
  }

  touch(account: AccountRecord): void {
    account.lastUsedAt = this.#options.now();
  }

  issueLink(account: AccountRecord, extra: { state?: string; userVerifyUrl?: string } = {}): MagicLinkRecord {
    const now = this.#options.now();
    const id = randomSecret("", 24);
    const link: MagicLinkRecord = {
      id,
      url: `${this.#options.baseUrl()}/magicLink/${id}`,
      accountId: account.id,
      createdAt: now,
      expiresAt: now + this.#options.linkTtlMs,
      used: false,
      state: extra.state || undefined,
      userVerifyUrl: extra.userVerifyUrl || undefined,
    };
    this.#links.set(id, link);
    return link;
  }

  link(id: string): MagicLinkRecord | undefined {
    return this.#links.get(id);
  }

  linkState(link: MagicLinkRecord): LinkState {
    if (!this.#accounts.has(link.accountId)) return "orphaned";
    if (link.used) return "used";
    if (link.expiresAt <= this.#options.now()) return "expired";
    return "valid";
  }

  linksFor(account: AccountRecord): MagicLinkRecord[] {
    return [...this.#links.values()].filter((link) => link.accountId === account.id);
  }

  /** Makes unused links lapse now, optionally only those of one user and/or connection. */
  expireLinks(identifier?: string, connection?: string): void {
    const now = this.#options.now();
    for (const link of this.#links.values()) {
      const account = this.#accounts.get(link.accountId);
      if (account === undefined || link.used) continue;
      if (identifier !== undefined && account.identifier !== identifier) continue;
      if (connection !== undefined && account.connection.name !== connection) continue;
      link.expiresAt = Math.min(link.expiresAt, now);
    }
  }

  /** The user's answer on the consent page. The link must be valid; it is single use either way. */
  completeConsent(link: MagicLinkRecord, decision: "allow" | "deny"): ConsentOutcome {
    const account = this.#accounts.get(link.accountId);
    if (account === undefined) throw new Error("magic link has no account");
    link.used = true;
    if (decision === "deny") return { kind: "denied", account };
    if (link.userVerifyUrl === undefined) {
      this.authorize(account);
      return { kind: "granted", account };
    }
    const request: VerificationRequest = {
      id: randomId("req_"),
      accountId: account.id,
      identifier: account.identifier,
      credentials: this.#mintCredentials(account),
    };
    this.#verifications.set(request.id, request);
    this.#clearTokens(account);
    this.#setStatus(account, ConnectorStatus.PENDING_VERIFICATION);
    const redirect = new URL(link.userVerifyUrl);
    redirect.searchParams.set("auth_request_id", request.id);
    if (link.state !== undefined) redirect.searchParams.set("state", link.state);
    return { kind: "verify", account, redirectUrl: redirect.toString() };
  }

  /** Denial without a browser: consumes the outstanding links, status unchanged. */
  deny(account: AccountRecord): void {
    for (const link of this.linksFor(account)) link.used = true;
  }

  verifyUser(authRequestId: string, identifier: string): VerifyUserOutcome {
    const request = this.#verifications.get(authRequestId);
    const account = request === undefined ? undefined : this.#accounts.get(request.accountId);
    if (request === undefined || account === undefined) return { kind: "not_found" };
    if (request.identifier !== identifier) return { kind: "mismatch" };
    this.#verifications.delete(authRequestId);
    this.applyCredentials(account, request.credentials);
    return { kind: "verified", account };
  }

  /** TokenVerifier: the grant behind a live access token. */
  verify(accessToken: string): TokenGrant | undefined {
    const id = this.#accountIdsByAccessToken.get(accessToken);
    const account = id === undefined ? undefined : this.#accounts.get(id);
    if (account === undefined || account.accessToken !== accessToken || !this.hasLiveToken(account)) {
      return undefined;
    }
    return {
      identifier: account.identifier,
      connection: account.connection.name,
      scopes: [...account.scopes],
      expiresAt: new Date(account.tokenExpiresAt ?? 0),
    };
  }

  snapshot(account: AccountRecord): AccountSnapshot {
    return {
      id: account.id,
      identifier: account.identifier,
      connection: account.connection.name,
      connectionId: account.connection.id,
      provider: account.connection.provider,
      status: statusName(account.status),
      scopes: [...account.scopes],
      ...(account.accessToken !== undefined && { accessToken: account.accessToken }),
      ...(account.refreshToken !== undefined && { refreshToken: account.refreshToken }),
      ...(account.tokenExpiresAt !== undefined && { tokenExpiresAt: new Date(account.tokenExpiresAt) }),
      createdAt: new Date(account.createdAt),
      updatedAt: new Date(account.updatedAt),
      ...(account.lastUsedAt !== undefined && { lastUsedAt: new Date(account.lastUsedAt) }),
    };
  }

  #mintCredentials(account: AccountRecord): Credentials {
    return {
      accessToken: randomSecret(this.#options.tokenPrefix),
      refreshToken: randomSecret(this.#options.refreshTokenPrefix),
      scopes: account.connection.scopes,
    };
  }

  #setStatus(account: AccountRecord, status: ConnectorStatus): void {
    const oldStatus = account.status;
    account.status = status;
    account.updatedAt = this.#options.now();
    if (oldStatus !== status) this.#options.onStatusChange({ account, oldStatus });
  }

  #clearAccessToken(account: AccountRecord): void {
    if (account.accessToken !== undefined) this.#accountIdsByAccessToken.delete(account.accessToken);
    account.accessToken = undefined;
    account.tokenExpiresAt = undefined;
  }

  #clearTokens(account: AccountRecord): void {
    this.#clearAccessToken(account);
    account.refreshToken = undefined;
  }
}

function accountKey(identifier: string, connection: string): string {
  return `${connection}\u0000${identifier}`;
}
