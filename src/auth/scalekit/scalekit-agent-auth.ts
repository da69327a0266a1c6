/**
 * The Scalekit adapter of the AgentAuth port (this folder is the only code that imports
 * `@scalekit-sdk/node`). It converts the SDK's numeric statuses and protobuf timestamps into
 * plain values and its exceptions (and the raw AxiosError of a wrong secret) into DelegateErrors.
 */

import type { ScalekitClient } from "@scalekit-sdk/node";
import { DelegateError } from "../../errors.js";
import type {
  AccountEvent,
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
} from "../agent-auth.js";
import { type Identity, scalekitIdentifier } from "../identity.js";
import {
  authorizationRequired,
  grpcStatus,
  isNotFound,
  mapScalekitError,
  verificationRefused,
} from "./scalekit-errors.js";
import { connectedAccountsProto, protobuf, sdk, wellKnownTypes } from "./scalekit-sdk.js";
import { ACCOUNT_EVENT_TYPES, STATUS_BY_NAME, statusName, toHostedTool } from "./scalekit-wire.js";

export interface ScalekitSettings {
  environmentUrl: string;
  clientId: string;
  /** Secret: never logged or put in an error message. */
  clientSecret: string;
  /** Control-plane deadline per attempt (the SDK's `timeoutMs`). */
  timeoutMs?: number;
  /**
   * Also send the identity as Scalekit's `organization_id` and `user_id` fields (default true),
   * beside the `identifier` (`organizationId/userId`) that already keeps every user's accounts
   * apart. Turn it off (SCALEKIT_IDENTITY_FIELDS=off) when your organization and user ids are not
   * Scalekit organization and user ids and your environment checks them.
   */
  identityFields?: boolean;
}

export class ScalekitAgentAuth implements AgentAuth {
  readonly #settings: ScalekitSettings;
  #instance: ScalekitClient | undefined;
  readonly #host: string;
  readonly #identityFields: boolean;

  constructor(settings: ScalekitSettings) {
    this.#settings = settings;
    this.#host = new URL(settings.environmentUrl).host;
    this.#identityFields = settings.identityFields ?? true;
  }

  get #client(): ScalekitClient {
    const { environmentUrl, clientId, clientSecret, timeoutMs } = this.#settings;
    if (!this.#instance) {
      this.#instance = new (sdk().ScalekitClient)(environmentUrl, clientId, clientSecret, {
        timeoutMs: timeoutMs ?? 20_000,
      });
      shareTokenFetches(this.#instance);
    }
    return this.#instance;
  }

  /** Who an account belongs to, as every connected-account RPC carries it. */
  #who(identity: Identity): { identifier: string; organizationId?: string; userId?: string } {
    const identifier = scalekitIdentifier(identity);
    if (!this.#identityFields) return { identifier };
    return {
      identifier,
      userId: identity.userId,
      ...(identity.organizationId ? { organizationId: identity.organizationId } : {}),
    };
  }

  async getStatuses(
    identity: Identity,
    connections: readonly string[],
  ): Promise<Map<string, ConnectionState>> {
    const statuses = new Map<string, ConnectionState>();
    for (const connection of connections) statuses.set(connection, { connection, status: "NOT_FOUND" });
    if (connections.length === 0) return statuses;
    const response = await this.#call("list connected accounts", undefined, () =>
      this.#client.connectedAccounts.listConnectedAccounts({
        ...this.#who(identity),
        connectionNames: [...connections],
        pageSize: 100,
      }),
    );
    for (const account of response.connectedAccounts) {
      if (!statuses.has(account.connector)) continue;
      statuses.set(account.connector, {
        connection: account.connector,
        status: statusName(account.status),
        accountId: account.id,
      });
    }
    return statuses;
  }

  async listAccounts(connection: string, pageToken: string): Promise<AccountPage> {
    // No identifier, organization or user: every user's accounts on the connection.
    const response = await this.#call("list connected accounts", connection, () =>
      this.#client.connectedAccounts.listConnectedAccounts({
        connector: connection,
        pageSize: 100,
        pageToken,
      }),
    );
    return {
      accounts: response.connectedAccounts.map((account) => ({
        identifier: account.identifier,
        state: { connection: account.connector, status: statusName(account.status), accountId: account.id },
      })),
      totalSize: response.totalSize,
      nextPageToken: response.nextPageToken,
    };
  }

  async listAccountEvents(since: Date, pageToken: string): Promise<AccountEventPage> {
    const response = await this.#call("read the event feed", undefined, () =>
      this.#client.events.listEventsPaginated(100, pageToken, {
        eventTypes: ACCOUNT_EVENT_TYPES,
        startTime: wellKnownTypes().timestampFromDate(since),
      }),
    );
    const events: AccountEvent[] = [];
    for (const event of response.events) {
      const data = (event.data ?? {}) as Record<string, unknown>;
      const { identifier, connection_name: connection, status } = data;
      if (typeof identifier !== "string" || typeof connection !== "string") continue;
      // A deleted account's event still carries the status it had.
      const after =
        event.type === "connected_account.deleted"
          ? "NOT_FOUND"
          : typeof status === "string"
            ? STATUS_BY_NAME.get(status)
            : undefined;
      events.push({
        id: event.id,
        identifier,
        connection,
        ...(after ? { status: after } : {}),
        occurredAt: event.occurredAt ? wellKnownTypes().timestampDate(event.occurredAt) : new Date(),
      });
    }
    return { events, nextPageToken: response.nextPageToken };
  }

  async ensureAccount(identity: Identity, connection: string): Promise<ConnectionState> {
    const response = await this.#call("get or create the connected account", connection, () =>
      this.#client.connectedAccounts.getOrCreateConnectedAccount({
        connector: connection,
        ...this.#who(identity),
      }),
    );
    const account = response.connectedAccount;
    return {
      connection,
      status: account ? statusName(account.status) : "NOT_FOUND",
      ...(account ? { accountId: account.id } : {}),
    };
  }

  async createAccount(identity: Identity, connection: string): Promise<ConnectionState> {
    let response: Awaited<ReturnType<ScalekitClient["connectedAccounts"]["createConnectedAccount"]>>;
    try {
      response = await this.#client.connectedAccounts.createConnectedAccount({
        connector: connection,
        ...this.#who(identity),
        // What getOrCreateConnectedAccount sends for an OAuth account with no tokens yet.
        connectedAccount: protobuf().create(connectedAccountsProto().CreateConnectedAccountSchema, {
          authorizationDetails: { details: { case: "oauthToken", value: {} } },
        }),
      });
    } catch (error) {
      // Created meanwhile (another replica, a second tab): take it as it is.
      if (grpcStatus(error) === 6) return this.ensureAccount(identity, connection);
      throw this.#map(error, "create the connected account", connection);
    }
    const account = response.connectedAccount;
    return {
      connection,
      status: account ? statusName(account.status) : "NOT_FOUND",
      ...(account ? { accountId: account.id } : {}),
    };
  }

  async getAuthorizationLink(
    identity: Identity,
    connection: string,
    options: LinkOptions = {},
  ): Promise<AuthorizationLink> {
    const request = () =>
      this.#client.connectedAccounts.getMagicLinkForConnectedAccount({
        connector: connection,
        ...this.#who(identity),
        ...(options.userVerifyUrl ? { userVerifyUrl: options.userVerifyUrl } : {}),
        ...(options.state ? { state: options.state } : {}),
      });
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request();
    } catch (error) {
      if (!isNotFound(error)) throw this.#map(error, "create an authorization link", connection);
      // No account yet: create it (PENDING_AUTH), then ask again.
      await this.ensureAccount(identity, connection);
      response = await this.#call("create an authorization link", connection, request);
    }
    return {
      url: response.link,
      // Scalekit documents no fixed lifetime; assume a short one when it sends none.
      expiresAt: response.expiry
        ? wellKnownTypes().timestampDate(response.expiry)
        : new Date(Date.now() + 5 * 60_000),
    };
  }

  async verifyUser(authRequestId: string, identity: Identity): Promise<VerifiedUser> {
    // The SDK throws a plain Error for an empty id; refuse it as Scalekit would.
    if (!authRequestId.trim()) throw verificationRefused("not_found");
    try {
      const response = await this.#client.connectedAccounts.verifyConnectedAccountUser({
        authRequestId,
        identifier: scalekitIdentifier(identity),
      });
      return response.postUserVerifyRedirectUrl ? { redirectUrl: response.postUserVerifyRedirectUrl } : {};
    } catch (error) {
      // 404: no pending flow, or one already consumed. 403: authorized for another identifier.
      if (isNotFound(error)) throw verificationRefused("not_found");
      if (grpcStatus(error) === 7) throw verificationRefused("identifier_mismatch");
      throw this.#map(error, "verify the user", undefined);
    }
  }

  async getCredentials(identity: Identity, connection: string): Promise<Credentials> {
    let response: Awaited<ReturnType<ScalekitClient["connectedAccounts"]["getConnectedAccountByIdentifier"]>>;
    try {
      response = await this.#client.connectedAccounts.getConnectedAccountByIdentifier({
        connector: connection,
        ...this.#who(identity),
      });
    } catch (error) {
      if (isNotFound(error)) throw authorizationRequired(connection, "NOT_FOUND");
      throw this.#map(error, "fetch the connected account", connection);
    }
    const account = response.connectedAccount;
    const status = account ? statusName(account.status) : "NOT_FOUND";
    if (!account || status !== "ACTIVE") throw authorizationRequired(connection, status);
    const details = account.authorizationDetails?.details;
    if (details?.case !== "oauthToken" || !details.value.accessToken) {
      throw new DelegateError(
        "SCALEKIT_ERROR",
        `The ${connection} connection is not an OAuth connection with an access token; Delegate's connector tools need OAuth.`,
        { details: { connection } },
      );
    }
    return {
      accessToken: details.value.accessToken,
      scopes: [...details.value.scopes],
      ...(account.tokenExpiresAt
        ? { expiresAt: wellKnownTypes().timestampDate(account.tokenExpiresAt) }
        : {}),
    };
  }

  async executeTool(request: ExecuteToolRequest): Promise<ExecuteToolResult> {
    const response = await this.#call(`run the tool ${request.toolName}`, request.connection, () =>
      this.#client.tools.executeTool({
        toolName: request.toolName,
        ...this.#who(request.identity),
        connector: request.connection,
        params: request.input,
      }),
    );
    return { data: (response.data ?? {}) as Record<string, unknown>, executionId: response.executionId };
  }

  async listTools(connections: readonly string[]): Promise<HostedToolDefinition[]> {
    const definitions: HostedToolDefinition[] = [];
    for (const connection of connections) {
      const response = await this.#call("list tools", connection, () =>
        this.#client.tools.listTools({
          filter: { connector: connection },
          pageSize: 100,
        }),
      );
      for (const tool of response.tools) {
        const definition = toHostedTool(tool.definition, connection);
        if (definition) definitions.push(definition);
      }
    }
    return definitions;
  }

  async disconnect(identity: Identity, connection: string): Promise<void> {
    try {
      await this.#client.connectedAccounts.deleteConnectedAccount({
        connector: connection,
        ...this.#who(identity),
      });
    } catch (error) {
      if (!isNotFound(error)) throw this.#map(error, "disconnect the account", connection);
    }
  }

  /** Verifies a Scalekit (Standard Webhooks) signature; false on any mismatch. */
  verifyWebhook(secret: string, headers: Record<string, string>, body: string): boolean {
    try {
      return this.#client.verifyWebhookPayload(secret, headers, body);
    } catch {
      return false;
    }
  }

  async #call<T>(action: string, connection: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#map(error, action, connection);
    }
  }

  #map(error: unknown, action: string, connection: string | undefined): DelegateError {
    return mapScalekitError(error, { action, connection, host: this.#host });
  }
}

/**
 * The SDK fetches its client-credentials token when a call is refused as unauthenticated, once
 * per call: two hundred users' first calls at once made two hundred token requests, and would
 * again at every expiry. Fetches that overlap share one here. The SDK keeps the token on its
 * (private) core client, which every RPC reads; an SDK without it is left as it is.
 */
function shareTokenFetches(client: ScalekitClient): void {
  const core = (client as unknown as { coreClient?: { authenticateClient?: () => Promise<void> } })
    .coreClient;
  const fetchToken = core?.authenticateClient?.bind(core);
  if (!core || !fetchToken) return;
  let inFlight: Promise<void> | undefined;
  core.authenticateClient = () => {
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/** Verifies a Scalekit webhook without credentials (verification needs only the signing secret). */
export function verifyScalekitWebhook(
  secret: string,
  headers: Record<string, string>,
  body: string,
): boolean {
  try {
    return new (sdk().ScalekitClient)("http://127.0.0.1", "webhook-verifier", "unused").verifyWebhookPayload(
      secret,
      headers,
      body,
    );
  } catch {
    return false;
  }
}
