import type { JsonObject } from "@bufbuild/protobuf";
import type { TokenGrant, TokenVerifier } from "../token-grants.js";
import type { AccountCredentials, OAuthCredentials, StaticCredentials } from "./account-credentials.js";
import { type AccountKey, type AccountScope, keyString } from "./account-scope.js";
import { ConnectorStatus } from "./account-status.js";
import { type ConnectionProfile, isStaticConnection } from "./connection-profiles.js";
import { type IssueLinkOptions, type LinkState, type MagicLinkRecord, MagicLinks } from "./magic-links.js";
import { decimalId, randomId, randomSecret } from "./random-ids.js";

export type { ConnectionProfile } from "./connection-profiles.js";
export type { LinkState, MagicLinkRecord } from "./magic-links.js";

/** A change to an account, as the event feed and webhooks report it. */
export type AccountEvent =
  | {
      type: "created" | "updated" | "deleted" | "magic_link_generated" | "token_refresh_succeeded";
      account: AccountRecord;
    }
  | { type: "status_updated"; account: AccountRecord; oldStatus: ConnectorStatus };

export interface AccountRecord extends AccountScope {
  readonly id: string;
  readonly identifier: string;
  readonly connection: ConnectionProfile;
  status: ConnectorStatus;
  accessToken: string | undefined;
  refreshToken: string | undefined;
  scopes: string[];
  tokenExpiresAt: number | undefined;
  /** `static_auth.details` of an API key / bearer / basic account. */
  staticAuth: JsonObject | undefined;
  apiConfig: JsonObject | undefined;
  readonly createdAt: number;
  updatedAt: number;
  lastUsedAt: number | undefined;
}

export type ConsentOutcome =
  | { kind: "granted"; account: AccountRecord }
  | { kind: "denied"; account: AccountRecord }
  /** User verification is configured: the browser goes to the app, which calls VerifyConnectedAccountUser. */
  | { kind: "verify"; account: AccountRecord; redirectUrl: string };

export type VerifyUserOutcome =
  | { kind: "verified"; account: AccountRecord }
  | { kind: "not_found" }
  | { kind: "mismatch" };

export interface AccountStoreOptions {
  connections: readonly ConnectionProfile[];
  now: () => number;
  /** Resolved lazily: the port is only known once the server listens. */
  baseUrl: () => string;
  tokenPrefix: string;
  refreshTokenPrefix: string;
  accessTokenTtlMs: number;
  linkTtlMs: number;
  /** Lifecycle events, emitted synchronously while the account still has the state they describe. */
  onEvent: (event: AccountEvent) => void;
}

interface VerificationRequest {
  id: string;
  accountId: string;
  identifier: string;
  credentials: AccountCredentials;
}

/** In-memory connected accounts, magic links and provider tokens, with Scalekit's lifecycle rules. */
export class AccountStore implements TokenVerifier {
  readonly #options: AccountStoreOptions;
  readonly #connections: Map<string, ConnectionProfile>;
  readonly #accounts = new Map<string, AccountRecord>();
  readonly #idsByKey = new Map<string, string>();
  readonly #accountIdsByAccessToken = new Map<string, string>();
  /** Tokens the provider stopped accepting while Scalekit still hands them out. */
  readonly #revokedAtProvider = new Set<string>();
  readonly #verifications = new Map<string, VerificationRequest>();
  readonly #links: MagicLinks;

  constructor(options: AccountStoreOptions) {
    this.#options = options;
    this.#connections = new Map(options.connections.map((connection) => [connection.name, connection]));
    this.#links = new MagicLinks({ now: options.now, baseUrl: options.baseUrl, ttlMs: options.linkTtlMs });
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

  /** Exact match on connection, identifier, organization and user. */
  find(key: AccountKey): AccountRecord | undefined {
    const id = this.#idsByKey.get(keyString(key));
    return id === undefined ? undefined : this.#accounts.get(id);
  }

  /** In creation order. */
  list(): AccountRecord[] {
    return [...this.#accounts.values()];
  }

  /** New accounts wait for consent, unless created with credentials (an API-side upsert): then ACTIVE. */
  create(key: AccountKey, connection: ConnectionProfile, credentials?: AccountCredentials): AccountRecord {
    const now = this.#options.now();
    let id = decimalId("ca_");
    while (this.#accounts.has(id)) id = decimalId("ca_");
    const account: AccountRecord = {
      id,
      identifier: key.identifier,
      organizationId: key.organizationId,
      userId: key.userId,
      connection,
      status: ConnectorStatus.PENDING_AUTH,
      accessToken: undefined,
      refreshToken: undefined,
      scopes: [],
      tokenExpiresAt: undefined,
      staticAuth: undefined,
      apiConfig: undefined,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: undefined,
    };
    this.#accounts.set(account.id, account);
    this.#idsByKey.set(keyString({ ...key, connection: connection.name }), account.id);
    if (credentials !== undefined) {
      this.#storeCredentials(account, credentials);
      account.status = ConnectorStatus.ACTIVE;
    }
    this.#emit({ type: "created", account });
    return account;
  }

  delete(account: AccountRecord): void {
    this.#emit({ type: "deleted", account });
    this.#clearTokens(account);
    this.#accounts.delete(account.id);
    this.#idsByKey.delete(keyString({ ...account, connection: account.connection.name }));
    this.#links.deleteForAccount(account.id);
    for (const [id, request] of this.#verifications) {
      if (request.accountId === account.id) this.#verifications.delete(id);
    }
  }

  setApiConfig(account: AccountRecord, apiConfig: JsonObject | undefined): void {
    account.apiConfig = apiConfig;
    account.updatedAt = this.#options.now();
  }

  /** An UpdateConnectedAccount call changed the account. */
  markUpdated(account: AccountRecord): void {
    this.#emit({ type: "updated", account });
  }

  /** Stores caller-supplied (or consented) credentials and activates the account. */
  applyCredentials(account: AccountRecord, credentials: AccountCredentials): void {
    this.#storeCredentials(account, credentials);
    this.#setStatus(account, ConnectorStatus.ACTIVE);
  }

  /** Consent granted on an OAuth connection: fresh tokens with the connection's scopes. */
  authorize(account: AccountRecord): void {
    this.applyCredentials(account, this.#mintCredentials(account));
  }

  /** If the access token has lapsed, refresh it (ACTIVE with a refresh token) or mark the account EXPIRED. */
  refreshIfExpired(account: AccountRecord): void {
    if (account.status !== ConnectorStatus.ACTIVE || account.staticAuth !== undefined) return;
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
    this.#emit({ type: "token_refresh_succeeded", account });
  }

  /** ACTIVE with usable credentials: a live access token, or static credentials. */
  isUsable(account: AccountRecord): boolean {
    if (account.status !== ConnectorStatus.ACTIVE) return false;
    if (account.staticAuth !== undefined) return true;
    return this.hasLiveToken(account);
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

  /** The user revoked access at the provider, or the account was disconnected. */
  revoke(account: AccountRecord): void {
    this.#clearTokens(account);
    this.#setStatus(account, ConnectorStatus.DISCONNECTED);
  }

  /**
   * The user revoked access at the provider (e.g. in their Google account). Scalekit does not
   * know yet: the account stays ACTIVE and keeps handing out its tokens, which the provider now
   * refuses, until a refresh fails or the user consents again.
   */
  revokeAtProvider(account: AccountRecord): void {
    for (const token of [account.accessToken, account.refreshToken])
      if (token) this.#revokedAtProvider.add(token);
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

  /** A new link retires the account's older unused links. */
  issueLink(account: AccountRecord, options: IssueLinkOptions = {}): MagicLinkRecord {
    const link = this.#links.issue(account.id, options);
    this.#emit({ type: "magic_link_generated", account });
    return link;
  }

  link(id: string): MagicLinkRecord | undefined {
    return this.#links.get(id);
  }

  linkState(link: MagicLinkRecord): LinkState {
    return this.#links.state(link, this.#accounts.has(link.accountId));
  }

  linksFor(account: AccountRecord): MagicLinkRecord[] {
    return this.#links.forAccount(account.id);
  }

  /** Makes unused links lapse now, optionally only those of accounts `matches` accepts. */
  expireLinks(matches: (account: AccountRecord) => boolean = () => true): void {
    for (const link of this.#links.all()) {
      const account = this.#accounts.get(link.accountId);
      if (account !== undefined && matches(account)) this.#links.expire(link);
    }
  }

  /**
   * The user's answer on the hosted page. The link must be valid; it is single use either way.
   * Static connections take the credentials the user typed into the form.
   */
  completeConsent(
    link: MagicLinkRecord,
    decision: "allow" | "deny",
    submitted?: StaticCredentials,
  ): ConsentOutcome {
    const account = this.#accounts.get(link.accountId);
    if (account === undefined) throw new Error("magic link has no account");
    if (decision === "allow" && isStaticConnection(account.connection) && submitted === undefined) {
      throw new Error("static connections need the submitted credentials");
    }
    link.used = true;
    if (decision === "deny") return { kind: "denied", account };
    const credentials = submitted ?? this.#mintCredentials(account);
    if (link.userVerifyUrl === undefined) {
      this.applyCredentials(account, credentials);
      return { kind: "granted", account };
    }
    const request: VerificationRequest = {
      id: randomId("req_"),
      accountId: account.id,
      identifier: account.identifier,
      credentials,
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
    if (
      account === undefined ||
      account.accessToken !== accessToken ||
      !this.hasLiveToken(account) ||
      this.#revokedAtProvider.has(accessToken)
    ) {
      return undefined;
    }
    return {
      identifier: account.identifier,
      connection: account.connection.name,
      scopes: [...account.scopes],
      expiresAt: new Date(account.tokenExpiresAt ?? 0),
    };
  }

  #storeCredentials(account: AccountRecord, credentials: AccountCredentials): void {
    this.#clearTokens(account);
    account.updatedAt = this.#options.now();
    if (credentials.kind === "static") {
      account.staticAuth = structuredClone(credentials.details);
      return;
    }
    account.accessToken = credentials.accessToken;
    account.refreshToken = credentials.refreshToken || undefined;
    account.scopes = [...(credentials.scopes ?? account.connection.scopes)];
    account.tokenExpiresAt = this.#options.now() + this.#options.accessTokenTtlMs;
    this.#accountIdsByAccessToken.set(credentials.accessToken, account.id);
  }

  #mintCredentials(account: AccountRecord): OAuthCredentials {
    return {
      kind: "oauth",
      accessToken: randomSecret(this.#options.tokenPrefix),
      refreshToken: randomSecret(this.#options.refreshTokenPrefix),
      scopes: account.connection.scopes,
    };
  }

  #setStatus(account: AccountRecord, status: ConnectorStatus): void {
    const oldStatus = account.status;
    account.status = status;
    account.updatedAt = this.#options.now();
    if (oldStatus !== status) this.#emit({ type: "status_updated", account, oldStatus });
  }

  #emit(event: AccountEvent): void {
    this.#options.onEvent(event);
  }

  #clearAccessToken(account: AccountRecord): void {
    if (account.accessToken !== undefined) this.#accountIdsByAccessToken.delete(account.accessToken);
    account.accessToken = undefined;
    account.tokenExpiresAt = undefined;
  }

  #clearTokens(account: AccountRecord): void {
    this.#clearAccessToken(account);
    account.refreshToken = undefined;
    account.staticAuth = undefined;
  }
}
