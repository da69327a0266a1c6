import type { Code } from "@connectrpc/connect";
import type { TokenVerifier } from "../token-grants.js";
import type { ConnectedAccountEventEnvelope } from "./account-events.js";
import type { ScopeInput } from "./account-scope.js";
import type { AccountSnapshot } from "./account-snapshot.js";
import type { ConnectionOptions } from "./connection-profiles.js";
import type { HostedToolRegistry } from "./hosted-tools.js";
import type { WebhookDelivery, WebhookFunction } from "./webhooks.js";

export interface ScalekitEmulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default generated, `skc_sandbox_…`. */
  clientId?: string;
  /** Default generated, `sks_sandbox_…`. */
  clientSecret?: string;
  /** Default generated, `env_…`; sent in webhook envelopes. */
  environmentId?: string;
  /** Prefix of issued provider access tokens (default `sbx_at_`), so tests can spot leaks. */
  tokenPrefix?: string;
  /** Prefix of issued refresh tokens (default `sbx_rt_`). */
  refreshTokenPrefix?: string;
  /** Lifetime of provider access tokens (default one hour). */
  accessTokenTtlMs?: number;
  /** Lifetime of magic links (default ten minutes). */
  linkTtlMs?: number;
  /**
   * The known connections, keyed by connection name; replaces the default five OAuth connections.
   * Set `authorizationType` for API key, bearer token or basic auth connections.
   */
  connections?: Readonly<Record<string, ConnectionOptions>>;
  /** HTTP receivers of signed webhook events. */
  webhookUrls?: readonly string[];
  /** In-process receivers of the same signed events (e.g. an embedded runtime's `handleWebhook`). */
  webhookReceivers?: readonly WebhookFunction[];
  /** Event types sent to webhook receivers; default `["connected_account.status_updated"]`. */
  webhookEvents?: readonly string[];
  /** Standard Webhooks secret, `whsec_<base64>`; default generated. */
  webhookSecret?: string;
  /** Tools served by ListTools / ListScopedTools / ExecuteTool; default none. */
  hostedTools?: HostedToolRegistry;
  /**
   * Consent POSTs must carry the page's per-link `form_token` (cross-origin POSTs are refused
   * either way). Default false, so `curl -d decision=allow <link>` still consents.
   */
  requireConsentFormToken?: boolean;
  /** Clock for account, token, link and event times (default `Date.now`). */
  now?: () => number;
}

export interface MagicLinkInfo {
  url: string;
  expiresAt: Date;
  used: boolean;
  /** A newer link was issued for the account before this one was used. */
  replaced: boolean;
}

export interface CallCounter {
  /** Calls so far, optionally of one method (`ListConnectedAccounts`, `OAuthToken`…). */
  count(method?: string): number;
  reset(): void;
  readonly log: ReadonlyArray<{ method: string; authorized: boolean; at: Date }>;
}

/** Which account a test helper means: the identifier on a connection, optionally org/user-scoped. */
export type AccountScopeOptions = ScopeInput;

export interface ApproveOptions extends ScopeInput {
  /** Static connections: the credentials "typed in"; default generated values for each field. */
  staticAuth?: Record<string, string>;
}

export interface ScalekitEmulator {
  /** The environment URL to give `new ScalekitClient(url, clientId, clientSecret)`. */
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookSecret: string;
  readonly environmentId: string;
  /** Accepts the provider access tokens this emulator issued, while they are live. */
  readonly tokens: TokenVerifier;
  readonly calls: CallCounter;
  readonly webhookDeliveries: readonly WebhookDelivery[];
  /** Every connected-account event recorded for the events feed, oldest first. */
  readonly events: readonly ConnectedAccountEventEnvelope[];

  /** Consent without a browser: creates the account if missing, then makes it ACTIVE with fresh credentials. */
  approve(identifier: string, connection: string, options?: ApproveOptions): Promise<void>;
  /** Refusal without a browser: consumes the account's outstanding links; its status is unchanged. */
  deny(identifier: string, connection: string, scope?: AccountScopeOptions): Promise<void>;
  /** Refresh failed at the provider: EXPIRED, tokens invalid. */
  expireAccount(identifier: string, connection: string, scope?: AccountScopeOptions): void;
  /** Access revoked at the provider: DISCONNECTED, tokens invalid. */
  revokeAccount(identifier: string, connection: string, scope?: AccountScopeOptions): void;
  /** Access revoked at the provider only: the account stays ACTIVE, its tokens stop working. */
  revokeAtProvider(identifier: string, connection: string, scope?: AccountScopeOptions): void;
  /** The access token lapses now but can be refreshed (GetConnectedAccountAuth does so). */
  expireAccessToken(identifier: string, connection: string, scope?: AccountScopeOptions): void;
  /** Outstanding magic links lapse now, optionally only one user's and/or one connection's (any scope). */
  expireLinks(identifier?: string, connection?: string): void;
  getAccount(
    identifier: string,
    connection: string,
    scope?: AccountScopeOptions,
  ): AccountSnapshot | undefined;
  /** Every magic link issued for the account, oldest first, with whether it was used or replaced. */
  listLinks(identifier: string, connection: string, scope?: AccountScopeOptions): MagicLinkInfo[];

  /** The next `count` calls of `method` (gRPC method name, `OAuthToken`, or `*` for any RPC) fail. */
  failNext(method: string, count: number, code: Code, message?: string): void;
  /** Delay every call, or only `method`'s; 0 removes the delay. */
  setLatency(ms: number, method?: string): void;
  /**
   * Destroys every open connection now. A call made before the client notices (same tick) fails
   * with the SDK's ScalekitCancelledException; later calls reconnect.
   */
  dropConnections(): void;
  /** Resets the next `count` connections on accept; the SDK reports `[aborted] ECONNRESET` (no retry). */
  resetNextConnections(count: number): void;
  /** Invalidates every M2M token, forcing the SDK to fetch a new one. */
  revokeClientTokens(): void;

  addWebhookUrl(url: string): void;
  removeWebhookUrl(url: string): void;
  /**
   * Registers an in-process receiver of the signed events (same bytes and headers as an HTTP
   * receiver gets); returns the function that removes it. Deliveries are recorded as
   * `function:<name>`.
   */
  addWebhookReceiver(receiver: WebhookFunction, name?: string): () => void;
  /** Called after each webhook delivery settles; returns an unsubscribe function. */
  onWebhook(listener: (delivery: WebhookDelivery) => void): () => void;
  /** Resolves once all webhook deliveries started so far have settled. */
  flushWebhooks(): Promise<void>;
  setHostedTools(registry: HostedToolRegistry): void;
  /** Where `/proxy/...` (the SDK's `actions.request`) forwards, with the account's credentials. */
  setProxyTarget(url: string | undefined): void;

  /** Destroys open sockets and stops listening; fast even with the SDK's HTTP/2 session open. */
  close(): Promise<void>;
}
