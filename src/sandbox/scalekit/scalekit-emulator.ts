import { randomBytes } from "node:crypto";
import { type AccountEvent, eventEnvelope } from "./account-events.js";
import { type ScopeInput, scopeOf } from "./account-scope.js";
import { snapshotOf } from "./account-snapshot.js";
import { type AccountRecord, AccountStore } from "./account-store.js";
import { CallLog } from "./call-log.js";
import { ClientCredentials } from "./client-credentials.js";
import {
  type ConnectionOptions,
  type ConnectionProfile,
  connectionProfiles,
  isStaticConnection,
} from "./connection-profiles.js";
import { type DualProtocolServer, listenDualProtocol, type RequestHandler } from "./dual-protocol-server.js";
import type { ScalekitEmulator, ScalekitEmulatorOptions } from "./emulator-api.js";
import { EventLog } from "./event-log.js";
import { FaultInjector } from "./faults.js";
import { type HostedTool, normalizeRegistry } from "./hosted-tools.js";
import { httpRoutes } from "./http-routes.js";
import { randomSecret } from "./random-ids.js";
import { generateWebhookSecret, WebhookDispatcher } from "./webhooks.js";

export type { AuthorizationKind, ConnectionOptions } from "./connection-profiles.js";
export type {
  AccountScopeOptions,
  ApproveOptions,
  CallCounter,
  MagicLinkInfo,
  ScalekitEmulator,
  ScalekitEmulatorOptions,
} from "./emulator-api.js";

/** The connections a fresh Scalekit environment would have for Delegate, keyed by connection name. */
export const DEFAULT_CONNECTIONS: Readonly<Record<string, ConnectionOptions>> = {
  gmail: { displayName: "Gmail" },
  googlecalendar: { displayName: "Google Calendar" },
  slack: { displayName: "Slack" },
  notion: { displayName: "Notion" },
  outlook: { displayName: "Outlook" },
};

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
    urls: options.webhookUrls ?? [],
    functions: options.webhookReceivers ?? [],
    eventTypes: options.webhookEvents,
  });
  const eventLog = new EventLog();
  const recordEvent = (event: AccountEvent): void => {
    const occurredAt = now();
    const envelope = eventEnvelope(event, { environmentId, occurredAt });
    eventLog.record(envelope, occurredAt);
    webhooks.dispatch(envelope);
  };
  const store = new AccountStore({
    connections: connectionProfiles(options.connections ?? DEFAULT_CONNECTIONS),
    now,
    baseUrl: () => baseUrl,
    tokenPrefix: options.tokenPrefix ?? "sbx_at_",
    refreshTokenPrefix: options.refreshTokenPrefix ?? "sbx_rt_",
    accessTokenTtlMs: options.accessTokenTtlMs ?? HOUR_MS,
    linkTtlMs: options.linkTtlMs ?? TEN_MINUTES_MS,
    onEvent: recordEvent,
  });
  const credentials = new ClientCredentials(
    options.clientId ?? `skc_sandbox_${randomBytes(8).toString("hex")}`,
    options.clientSecret ?? randomSecret("sks_sandbox_", 24),
    now,
  );
  const calls = new CallLog();
  const faults = new FaultInjector();

  const startedAt = now();
  // The RPC layer (connect-node, the SDK's service descriptors, the protobuf registry) is loaded
  // by the first request rather than at start: a good part of a cold start, and the CLI shows its
  // first prompt before anything calls Scalekit. Requests wait for it; their bodies stay buffered.
  let rpc: Promise<RequestHandler> | undefined;
  const handler: RequestHandler = (request, response) => {
    rpc ??= import("./rpc-handler.js").then(({ rpcHandler }) =>
      rpcHandler({
        store,
        baseUrl: () => baseUrl,
        tools: () => hostedTools,
        startedAt,
        eventLog,
        gate: { calls, faults, credentials },
        fallback: httpRoutes({
          store,
          credentials,
          calls,
          faults,
          proxyTarget: () => proxyTarget,
          requireFormToken: options.requireConsentFormToken ?? false,
        }),
      }),
    );
    rpc.then(
      (serve) => serve(request, response),
      (error: unknown) => {
        response.statusCode = 500;
        response.end(`the emulator's RPC layer failed to load: ${String(error)}`);
      },
    );
  };
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
  const findAccount = (identifier: string, connection: string, scope?: ScopeInput) =>
    store.find({ connection, identifier, ...scopeOf(scope) });
  const existingAccount = (identifier: string, connection: string, scope?: ScopeInput): AccountRecord => {
    knownConnection(connection);
    const account = findAccount(identifier, connection, scope);
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
    get events() {
      return eventLog.all().map((event) => event.envelope);
    },

    async approve(identifier, connection, approveOptions = {}) {
      const profile = knownConnection(connection);
      const account =
        findAccount(identifier, connection, approveOptions) ??
        store.create({ connection, identifier, ...scopeOf(approveOptions) }, profile);
      if (!isStaticConnection(profile)) {
        store.authorize(account);
        return;
      }
      const details: Record<string, string> = { ...approveOptions.staticAuth };
      for (const field of profile.staticAuthFields) details[field] ??= randomSecret(`sbx_${field}_`, 12);
      store.applyCredentials(account, { kind: "static", details });
    },
    async deny(identifier, connection, scope) {
      knownConnection(connection);
      const account = findAccount(identifier, connection, scope);
      if (account !== undefined) store.deny(account);
    },
    expireAccount(identifier, connection, scope) {
      store.expire(existingAccount(identifier, connection, scope));
    },
    revokeAtProvider(identifier, connection, scope) {
      store.revokeAtProvider(existingAccount(identifier, connection, scope));
    },
    revokeAccount(identifier, connection, scope) {
      store.revoke(existingAccount(identifier, connection, scope));
    },
    expireAccessToken(identifier, connection, scope) {
      store.expireAccessToken(existingAccount(identifier, connection, scope));
    },
    expireLinks(identifier, connection) {
      store.expireLinks(
        (account) =>
          (identifier === undefined || account.identifier === identifier) &&
          (connection === undefined || account.connection.name === connection),
      );
    },
    getAccount(identifier, connection, scope) {
      const account = findAccount(identifier, connection, scope);
      return account === undefined ? undefined : snapshotOf(account);
    },
    listLinks(identifier, connection, scope) {
      const account = findAccount(identifier, connection, scope);
      if (account === undefined) return [];
      return store.linksFor(account).map((link) => ({
        url: link.url,
        expiresAt: new Date(link.expiresAt),
        used: link.used,
        replaced: link.replaced,
      }));
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
    addWebhookReceiver(receiver, name) {
      return webhooks.addFunction(receiver, name);
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

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
