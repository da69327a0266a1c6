import { createHash, randomBytes } from "node:crypto";
import type { Code } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { TokenVerifier } from "../token-grants.js";
import {
  type AccountRecord,
  type AccountSnapshot,
  AccountStore,
  type ConnectionProfile,
} from "./account-store.js";
import { CallLog } from "./call-log.js";
import { ClientCredentials } from "./client-credentials.js";
import { ConnectedAccountService, connectedAccountService } from "./connected-account-service.js";
import { ConnectionService, connectionService } from "./connection-service.js";
import { type DualProtocolServer, listenDualProtocol } from "./dual-protocol-server.js";
import { FaultInjector } from "./faults.js";
import { callGate } from "./grpc-interceptor.js";
import { type HostedTool, type HostedToolRegistry, normalizeRegistry } from "./hosted-tools.js";
import { httpRoutes } from "./http-routes.js";
import { randomSecret } from "./random-ids.js";
import { ToolService, toolService } from "./tool-service.js";
import { generateWebhookSecret, type WebhookDelivery, WebhookDispatcher } from "./webhooks.js";

export interface ConnectionOptions {
  /** Shown on the consent page; defaults to the connection name. */
  displayName?: string;
  /** Provider label on accounts and tools; defaults to the upper-cased connection name. */
  provider?: string;
  /** Scopes granted on consent and listed on the consent page; default none. */
  scopes?: string[];
}

/** The connections a fresh Scalekit environment would have for Delegate, keyed by connection name. */
export const DEFAULT_CONNECTIONS: Readonly<Record<string, ConnectionOptions>> = {
  gmail: { displayName: "Gmail" },
  googlecalendar: { displayName: "Google Calendar" },
  slack: { displayName: "Slack" },
  notion: { displayName: "Notion" },
  outlook: { displayName: "Outlook" },
};

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
  /** The known connections, keyed by connection name; replaces {@link DEFAULT_CONNECTIONS}. */
  connections?: Readonly<Record<string, ConnectionOptions>>;
  /** Receivers of signed `connected_account.status_updated` events. */
  webhookUrls?: readonly string[];
  /** Standard Webhooks secret, `whsec_<base64>`; default generated. */
  webhookSecret?: string;
  /** Tools served by ListTools / ListScopedTools / ExecuteTool; default none. */
  hostedTools?: HostedToolRegistry;
  /** Clock for account, token and link expiry (default `Date.now`). */
  now?: () => number;
}

export interface MagicLinkInfo {
  url: string;
  expiresAt: Date;
  used: boolean;
}

export interface CallCounter {
  /** Calls so far, optionally of one method (`ListConnectedAccounts`, `OAuthToken`…). */
  count(method?: string): number;
  reset(): void;
  readonly log: ReadonlyArray<{ method: string; authorized: boolean; at: Date }>;
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

  /** Consent without a browser: creates the account if missing, then makes it ACTIVE with fresh tokens. */
  approve(identifier: string, connection: string): Promise<void>;
  /** Refusal without a browser: consumes the account's outstanding links; its status is unchanged. */
  deny(identifier: string, connection: string): Promise<void>;
  /** Refresh failed at the provider: EXPIRED, tokens invalid. */
  expireAccount(identifier: string, connection: string): void;
  /** Access revoked at the provider: DISCONNECTED, tokens invalid. */
  revokeAccount(identifier: string, connection: string): void;
  /** The access token lapses now but can be refreshed (GetConnectedAccountAuth does so). */
  expireAccessToken(identifier: string, connection: string): void;
  /** Outstanding magic links lapse now, optionally only one user's and/or one connection's. */
  expireLinks(identifier?: string, connection?: string): void;
  getAccount(identifier: string, connection: string): AccountSnapshot | undefined;
  /** Every magic link issued for the account, oldest first, with whether it was used. */
  listLinks(identifier: string, connection: string): MagicLinkInfo[];

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
  /** Called after each webhook delivery settles; returns an unsubscribe function. */
  onWebhook(listener: (delivery: WebhookDelivery) => void): () => void;
  /** Resolves once all webhook deliveries started so far have settled. */
  flushWebhooks(): Promise<void>;
  setHostedTools(registry: HostedToolRegistry): void;
  /** Where `/proxy/...` (the SDK's `actions.request`) forwards, with the account's token. */
  setProxyTarget(url: string | undefined): void;

  /** Destroys open sockets and stops listening; fast even with the SDK's HTTP/2 session open. */
  close(): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
const TEN_MINUTES_MS = 10 * 60 * 1000;

/** Starts a local Scalekit stand-in that the real, unmodified `ScalekitClient` talks to. */
export async function startScalekitEmulator(
  options: ScalekitEmulatorOptions = {},
): Promise<ScalekitEmulator> {
  const now = options.now ?? Date.now;
  const host = options.host ?? "127.0.0.1";
  const environmentId = options.environmentId ?? `env_${randomBytes(8).toString("hex")}`;
  let baseUrl = "";
  let proxyTarget: string | undefined;
  let hostedTools: ReadonlyMap<string, HostedTool> = normalizeRegistry(options.hostedTools);

  const webhooks = new WebhookDispatcher({
    secret: options.webhookSecret ?? generateWebhookSecret(),
    environmentId,
    urls: options.webhookUrls ?? [],
    now,
  });
  const store = new AccountStore({
    connections: connectionProfiles(options.connections ?? DEFAULT_CONNECTIONS),
    now,
    baseUrl: () => baseUrl,
    tokenPrefix: options.tokenPrefix ?? "sbx_at_",
    refreshTokenPrefix: options.refreshTokenPrefix ?? "sbx_rt_",
    accessTokenTtlMs: options.accessTokenTtlMs ?? HOUR_MS,
    linkTtlMs: options.linkTtlMs ?? TEN_MINUTES_MS,
    onStatusChange: (change) => webhooks.statusUpdated(change),
  });
  const credentials = new ClientCredentials(
    options.clientId ?? `skc_sandbox_${randomBytes(8).toString("hex")}`,
    options.clientSecret ?? randomSecret("sks_sandbox_", 24),
    now,
  );
  const calls = new CallLog();
  const faults = new FaultInjector();

  const handler = connectNodeAdapter({
    routes(router) {
      router.service(ConnectedAccountService, connectedAccountService({ store, baseUrl: () => baseUrl }));
      router.service(ToolService, toolService({ store, tools: () => hostedTools }));
      router.service(ConnectionService, connectionService(store, now()));
    },
    interceptors: [callGate({ calls, faults, credentials })],
    fallback: httpRoutes({ store, credentials, calls, faults, proxyTarget: () => proxyTarget }),
  });
  const server: DualProtocolServer = await listenDualProtocol({
    host,
    port: options.port ?? 0,
    handler,
  });
  baseUrl = `http://${urlHost(host)}:${server.port}`;

  const knownConnection = (connection: string): ConnectionProfile => {
    const profile = store.connection(connection);
    if (profile === undefined) throw new Error(`unknown connection "${connection}"`);
    return profile;
  };
  const existingAccount = (identifier: string, connection: string): AccountRecord => {
    knownConnection(connection);
    const account = store.find(identifier, connection);
    if (account === undefined) throw new Error(`no connected account for "${identifier}" on "${connection}"`);
    return account;
  };

  let closed: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: server.port,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    webhookSecret: webhooks.secret,
    environmentId,
    tokens: { verify: (accessToken) => store.verify(accessToken) },
    calls,
    webhookDeliveries: webhooks.deliveries,

    async approve(identifier, connection) {
      const profile = knownConnection(connection);
      store.authorize(store.find(identifier, connection) ?? store.create(identifier, profile));
    },
    async deny(identifier, connection) {
      knownConnection(connection);
      const account = store.find(identifier, connection);
      if (account !== undefined) store.deny(account);
    },
    expireAccount(identifier, connection) {
      store.expire(existingAccount(identifier, connection));
    },
    revokeAccount(identifier, connection) {
      store.revoke(existingAccount(identifier, connection));
    },
    expireAccessToken(identifier, connection) {
      store.expireAccessToken(existingAccount(identifier, connection));
    },
    expireLinks(identifier, connection) {
      store.expireLinks(identifier, connection);
    },
    getAccount(identifier, connection) {
      const account = store.find(identifier, connection);
      return account === undefined ? undefined : store.snapshot(account);
    },
    listLinks(identifier, connection) {
      const account = store.find(identifier, connection);
      if (account === undefined) return [];
      return store
        .linksFor(account)
        .map((link) => ({ url: link.url, expiresAt: new Date(link.expiresAt), used: link.used }));
    },

    failNext(method, count, code, message) {
      faults.failNext(method, count, code, message);
    },
    setLatency(ms, method) {
      faults.setLatency(ms, method);
    },
    dropConnections() {
      server.dropConnections();
    },
    resetNextConnections(count) {
      server.resetNextConnections(count);
    },
    revokeClientTokens() {
      credentials.revokeAll();
    },

    addWebhookUrl(url) {
      webhooks.addUrl(url);
    },
    removeWebhookUrl(url) {
      webhooks.removeUrl(url);
    },
    onWebhook(listener) {
      return webhooks.onDelivery(listener);
    },
    flushWebhooks() {
      return webhooks.flush();
    },
    setHostedTools(registry) {
      hostedTools = normalizeRegistry(registry);
    },
    setProxyTarget(url) {
      proxyTarget = url?.replace(/\/+$/, "");
    },

    close() {
      closed ??= (async () => {
        webhooks.close();
        await server.close();
      })();
      return closed;
    },
  };
}

function connectionProfiles(connections: Readonly<Record<string, ConnectionOptions>>): ConnectionProfile[] {
  return Object.entries(connections).map(([name, options]) => ({
    name,
    // Stable per name, like a dashboard id that survives restarts.
    id: `conn_${createHash("sha256").update(name).digest("hex").slice(0, 16)}`,
    displayName: options.displayName ?? name,
    provider: options.provider ?? name.toUpperCase(),
    scopes: [...(options.scopes ?? [])],
  }));
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
