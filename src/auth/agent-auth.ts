import type { Identity } from "./identity.js";

/**
 * Connected-account status as Delegate sees it. The Scalekit SDK reports a numeric enum; the
 * adapter converts it once, so nothing else ever compares numbers to names. `NOT_FOUND` means
 * no account exists yet for this user and connection.
 */
export type AccountStatus =
  | "ACTIVE"
  | "EXPIRED"
  | "PENDING_AUTH"
  | "PENDING_VERIFICATION"
  | "DISCONNECTED"
  | "NOT_FOUND";

export interface ConnectionState {
  connection: string;
  status: AccountStatus;
  accountId?: string;
}

export interface AuthorizationLink {
  url: string;
  expiresAt: Date;
  /**
   * The nonce of the signed state the link carries (user verification), made now or reused: a
   * host binds a browser to this very link with it.
   */
  stateNonce?: string;
}

/**
 * Scalekit user verification for one link: after consent the browser goes to `userVerifyUrl`
 * with `auth_request_id` and `state`, and the account waits in PENDING_VERIFICATION until the app
 * calls `verifyUser`. The rest is only for caches, and the adapter sends none of it: a link made
 * for one `scope` (a thread) is never handed out for another, nor reused after `reuseUntil`, nor
 * once `isLatest` says a newer link of the account retired it.
 */
export interface LinkOptions {
  userVerifyUrl?: string;
  state?: string;
  /** The nonce of `state`, handed back on the link. */
  stateNonce?: string;
  scope?: string;
  reuseUntil?: Date;
  /** Called once Scalekit made a link with these options (never for a reused one). */
  issued?: () => Promise<void>;
  /** Whether the link whose state has `stateNonce` is still its account's latest. */
  isLatest?: (stateNonce: string) => Promise<boolean>;
}

/** A completed user verification. */
export interface VerifiedUser {
  /** Where Scalekit suggests sending the browser next (`post_user_verify_redirect_url`), if anywhere. */
  redirectUrl?: string;
}

/** A provider access token. Secret: never log, checkpoint, or hand to the model. */
export interface Credentials {
  accessToken: string;
  expiresAt?: Date;
  scopes: readonly string[];
}

export interface ExecuteToolRequest {
  identity: Identity;
  connection: string;
  toolName: string;
  input: Record<string, unknown>;
}

export interface ExecuteToolResult {
  data: Record<string, unknown>;
  executionId: string;
}

/** A tool hosted by Scalekit (catalog mode). */
export interface HostedToolDefinition {
  name: string;
  description: string;
  connection: string;
  /** JSON Schema of the input. */
  inputSchema: Record<string, unknown>;
  /** From the definition's annotations (`read_only_hint`, `destructive_hint`), when present. */
  readOnly?: boolean;
  destructive?: boolean;
}

/**
 * The authorization port. Its Scalekit adapter is the only importer of `@scalekit-sdk/node`;
 * tests and embedders may supply their own.
 */
export interface AgentAuth {
  /** Statuses of a set of connections for one user, in one list call. */
  getStatuses(identity: Identity, connections: readonly string[]): Promise<Map<string, ConnectionState>>;
  /** Gets the account, creating it (PENDING_AUTH) when missing. */
  ensureAccount(identity: Identity, connection: string): Promise<ConnectionState>;
  /**
   * Creates the account (PENDING_AUTH) when a status look-up just said it does not exist: one
   * call instead of get-or-create's two. An account that exists after all is returned as it is.
   */
  createAccount(identity: Identity, connection: string): Promise<ConnectionState>;
  /** A fresh authorization (magic) link and when it stops working. */
  getAuthorizationLink(
    identity: Identity,
    connection: string,
    options?: LinkOptions,
  ): Promise<AuthorizationLink>;
  /**
   * Completes user verification for the auth request Scalekit put on the verify redirect: the
   * account becomes ACTIVE when it was authorized for this identity. Throws VERIFICATION_REFUSED
   * when Scalekit knows no such (or no longer valid) request, or it belongs to another identifier.
   */
  verifyUser(authRequestId: string, identity: Identity): Promise<VerifiedUser>;
  /** The provider access token of an ACTIVE account. Throws AUTHORIZATION_REQUIRED otherwise. */
  getCredentials(identity: Identity, connection: string): Promise<Credentials>;
  executeTool(request: ExecuteToolRequest): Promise<ExecuteToolResult>;
  /** The tools Scalekit hosts for these connections (catalog mode); the same for every user. */
  listTools(connections: readonly string[]): Promise<HostedToolDefinition[]>;
  /** Removes the user's account for a connection (used by `/disconnect`). */
  disconnect(identity: Identity, connection: string): Promise<void>;
  /**
   * Optional, for watching many waiting users at once: one page of every user's accounts on a
   * connection. Without it the watcher looks users up one by one.
   */
  listAccounts?(connection: string, pageToken: string): Promise<AccountPage>;
  /**
   * Optional: connected-account events that occurred at or after `since`, newest first, a page
   * at a time (Scalekit's event feed). One call can then cover every waiting thread.
   */
  listAccountEvents?(since: Date, pageToken: string): Promise<AccountEventPage>;
}

/** One page of a connection's accounts, every user's. */
export interface AccountPage {
  accounts: { identifier: string; state: ConnectionState }[];
  /** Accounts on the connection in all: how many pages a full scan takes. */
  totalSize: number;
  nextPageToken: string;
}

/** A change to one account, as Scalekit's event feed records it. */
export interface AccountEvent {
  id: string;
  identifier: string;
  connection: string;
  /** The account's status after the change, when the event says. */
  status?: AccountStatus;
  occurredAt: Date;
}

export interface AccountEventPage {
  events: AccountEvent[];
  nextPageToken: string;
}
