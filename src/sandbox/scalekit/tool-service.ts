import type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import { type ToolSchema, ToolService } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/tools/tools_pb.js";
import { requireConnection, resolveAccount } from "./account-lookup.js";
import { matchesScopeFilter, scopeOf } from "./account-scope.js";
import { ConnectorStatus, statusName } from "./account-status.js";
import type { AccountRecord, AccountStore } from "./account-store.js";
import { accountNotFound, invalidArgument, scalekitError, toolError } from "./grpc-errors.js";
import { type HostedTool, HostedToolError } from "./hosted-tools.js";
import { paginate } from "./pagination.js";
import { randomId } from "./random-ids.js";

export { ToolService };

type ToolServiceImpl = Partial<ServiceImpl<typeof ToolService>>;

export interface ToolServiceDependencies {
  store: AccountStore;
  /** Read on every call so the registry can be swapped at run time. */
  tools: () => ReadonlyMap<string, HostedTool>;
}

interface ScopedFilter {
  providers: readonly string[];
  toolNames: readonly string[];
  connectionNames: readonly string[];
}

/** Tool listing and execution backed by the pluggable hosted-tool registry. */
export function toolService({ store, tools }: ToolServiceDependencies): ToolServiceImpl {
  /**
   * Tools usable by this identifier: those whose connection has an ACTIVE account. The scoped RPCs
   * carry no organization_id / user_id, so they see the identifier's unscoped accounts only.
   */
  function scopedTools(
    identifier: string,
    filter: ScopedFilter,
  ): Array<{ tool: HostedTool; account: AccountRecord }> {
    const providers = new Set(filter.providers.map((provider) => provider.toLowerCase()));
    const names = new Set(filter.toolNames);
    const connections = new Set(filter.connectionNames);
    const result: Array<{ tool: HostedTool; account: AccountRecord }> = [];
    for (const tool of tools().values()) {
      if (providers.size > 0 && !providers.has(tool.provider.toLowerCase())) continue;
      if (names.size > 0 && !names.has(tool.definition.name)) continue;
      if (connections.size > 0 && !connections.has(tool.connection)) continue;
      const account = store.find({ connection: tool.connection, identifier, ...scopeOf() });
      if (account?.status === ConnectorStatus.ACTIVE) result.push({ tool, account });
    }
    return result;
  }

  return {
    async listTools(request) {
      const filter = request.filter;
      // `scalekit.v1.tools.Filter.connector` (field 6; tools_pb.d.ts: "When connector or
      // connected_account_id is set, a CA lookup is performed") makes ListTools look a connected
      // account up. That an unknown connector then answers NotFound, as the emulator's own account
      // look-ups do, is the emulator's assumption: neither the SDK nor its descriptors say.
      if (filter?.connector) requireConnection(store, filter.connector);
      const accountConnections = connectionsWithAccounts(store, filter);
      const names = new Set(filter?.toolName ?? []);
      const provider = filter?.provider.toLowerCase() ?? "";
      const query = filter?.query?.toLowerCase() ?? "";
      const matches = [...tools().values()].filter(
        (tool) =>
          (!provider || tool.provider.toLowerCase() === provider) &&
          (names.size === 0 || names.has(tool.definition.name)) &&
          (!filter?.connector || tool.connection === filter.connector) &&
          (accountConnections === undefined || accountConnections.has(tool.connection)) &&
          (!query ||
            tool.definition.name.toLowerCase().includes(query) ||
            tool.definition.description.toLowerCase().includes(query)),
      );
      const page = paginate(matches, request.pageSize, request.pageToken);
      // ListToolsResponse: tool_names (4) "if summary=true", tools (5) "if summary=false or omitted".
      const summary = filter?.summary === true;
      return {
        tools: summary ? [] : page.items.map(toolMessage),
        toolNames: summary ? page.items.map((tool) => tool.definition.name) : [],
        totalSize: matches.length,
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },

    async listScopedTools(request) {
      const matches = scopedTools(request.identifier, {
        providers: request.filter?.providers ?? [],
        toolNames: request.filter?.toolNames ?? [],
        connectionNames: request.filter?.connectionNames ?? [],
      });
      const page = paginate(matches, request.pageSize, request.pageToken);
      return {
        tools: page.items.map(({ tool, account }) => ({
          tool: toolMessage(tool),
          identifier: account.identifier,
          connectedAccountId: account.id,
        })),
        totalSize: matches.length,
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },

    async listAvailableTools(request) {
      const matches = scopedTools(request.identifier, { providers: [], toolNames: [], connectionNames: [] });
      const page = paginate(matches, request.pageSize, request.pageToken);
      return {
        tools: page.items.map(({ tool }) => toolMessage(tool)),
        totalSize: matches.length,
        nextPageToken: page.nextPageToken,
        prevPageToken: page.prevPageToken,
      };
    },

    async executeTool(request) {
      const executionId = randomId("exec_");
      const tool = tools().get(request.toolName);
      if (tool === undefined) {
        throw scalekitError(Code.NotFound, `tool "${request.toolName}" not found`, "TOOL_NOT_FOUND");
      }
      const account = findAccount(store, tool, request);
      if (account.connection.name !== tool.connection) {
        throw invalidArgument(`tool "${request.toolName}" runs on connection "${tool.connection}"`);
      }
      if (!store.isUsable(account)) {
        throw toolError(Code.Unauthenticated, "UNAUTHORIZED", unauthorizedReason(account), executionId);
      }
      store.touch(account);
      try {
        const data = await tool.execute({
          identifier: account.identifier,
          organizationId: account.organizationId,
          userId: account.userId,
          params: { ...(request.params ?? {}) },
          accessToken: account.accessToken ?? "",
          ...(account.staticAuth !== undefined && { staticAuth: structuredClone(account.staticAuth) }),
        });
        return { data: toJsonObject(data), executionId };
      } catch (error) {
        if (error instanceof HostedToolError) {
          throw toolError(error.code, error.toolErrorCode, error.message, executionId);
        }
        const message = error instanceof Error ? error.message : String(error);
        throw toolError(Code.Internal, "TOOL_EXECUTION_FAILED", message, executionId);
      }
    },
  };
}

interface ToolFilterAccountFields {
  identifier: string;
  connector?: string | undefined;
  organizationId?: string | undefined;
  userId?: string | undefined;
  connectedAccountId?: string | undefined;
}

/**
 * The connections whose tools a ListTools filter allows, when it names accounts (Filter fields 3
 * identifier, 7 organization_id, 8 user_id, 9 connected_account_id); undefined when it names none.
 * A connected_account_id identifies one account, so an unknown one is NotFound rather than an
 * empty (or whole) catalog.
 */
function connectionsWithAccounts(
  store: AccountStore,
  filter: ToolFilterAccountFields | undefined,
): Set<string> | undefined {
  if (filter === undefined) return undefined;
  if (filter.connectedAccountId) {
    const account = resolveAccount(store, { ...filter, id: filter.connectedAccountId });
    return new Set([account.connection.name]);
  }
  if (!filter.identifier && !filter.organizationId && !filter.userId) return undefined;
  return new Set(
    store
      .list()
      .filter(
        (account) =>
          matchesScopeFilter(account, filter) &&
          (!filter.identifier || account.identifier === filter.identifier) &&
          (!filter.connector || account.connection.name === filter.connector),
      )
      .map((account) => account.connection.name),
  );
}

/** ExecuteToolRequest: 4 connected_account_id, or 5 connector + 2 identifier + 6 organization_id + 7 user_id. */
function findAccount(
  store: AccountStore,
  tool: HostedTool,
  request: {
    connectedAccountId?: string | undefined;
    connector?: string | undefined;
    identifier?: string | undefined;
    organizationId?: string | undefined;
    userId?: string | undefined;
  },
): AccountRecord {
  if (request.connectedAccountId) {
    return resolveAccount(store, {
      id: request.connectedAccountId,
      organizationId: request.organizationId,
      userId: request.userId,
    });
  }
  const connection = requireConnection(store, request.connector || tool.connection);
  if (!request.identifier) throw invalidArgument("identifier or connected_account_id is required");
  const account = store.find({
    connection: connection.name,
    identifier: request.identifier,
    ...scopeOf(request),
  });
  if (account === undefined) throw accountNotFound();
  return account;
}

function unauthorizedReason(account: AccountRecord): string {
  if (account.status !== ConnectorStatus.ACTIVE) {
    return `connected account for "${account.connection.name}" is ${statusName(account.status)}; the user must authorize it`;
  }
  return `access token for "${account.connection.name}" has expired`;
}

function toolMessage(tool: HostedTool): MessageInitShape<typeof ToolSchema> {
  return {
    id: `tool_${tool.definition.name}`,
    provider: tool.provider,
    definition: toJsonObject(tool.definition),
    metadata: { connection: tool.connection },
    tags: [],
    isDefault: true,
  };
}

/** Structs cannot hold `undefined`, functions or class instances; JSON round-tripping drops them. */
function toJsonObject(value: unknown): JsonObject {
  const json = JSON.parse(JSON.stringify(value ?? {})) as JsonValue;
  return typeof json === "object" && json !== null && !Array.isArray(json) ? json : { result: json };
}
