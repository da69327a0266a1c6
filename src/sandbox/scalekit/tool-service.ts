import type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import { type ToolSchema, ToolService } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/tools/tools_pb.js";
import { ConnectorStatus, statusName } from "./account-status.js";
import type { AccountRecord, AccountStore } from "./account-store.js";
import {
  accountNotFound,
  connectionNotFound,
  invalidArgument,
  scalekitError,
  toolError,
} from "./grpc-errors.js";
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
  /** Tools usable by this user: those whose connection has an ACTIVE account. */
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
      const account = store.find(identifier, tool.connection);
      if (account?.status === ConnectorStatus.ACTIVE) result.push({ tool, account });
    }
    return result;
  }

  return {
    async listTools(request) {
      const filter = request.filter;
      const names = new Set(filter?.toolName ?? []);
      const provider = filter?.provider.toLowerCase() ?? "";
      const query = filter?.query?.toLowerCase() ?? "";
      const matches = [...tools().values()].filter(
        (tool) =>
          (!provider || tool.provider.toLowerCase() === provider) &&
          (names.size === 0 || names.has(tool.definition.name)) &&
          (!filter?.connector || tool.connection === filter.connector) &&
          (!query ||
            tool.definition.name.toLowerCase().includes(query) ||
            tool.definition.description.toLowerCase().includes(query)),
      );
      const page = paginate(matches, request.pageSize, request.pageToken);
      return {
        tools: page.items.map(toolMessage),
        toolNames: page.items.map((tool) => tool.definition.name),
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
      if (!store.hasLiveToken(account) || account.accessToken === undefined) {
        throw toolError(Code.Unauthenticated, "UNAUTHORIZED", unauthorizedReason(account), executionId);
      }
      store.touch(account);
      try {
        const data = await tool.execute({
          identifier: account.identifier,
          params: { ...(request.params ?? {}) },
          accessToken: account.accessToken,
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

function findAccount(
  store: AccountStore,
  tool: HostedTool,
  request: {
    connectedAccountId?: string | undefined;
    connector?: string | undefined;
    identifier?: string | undefined;
  },
): AccountRecord {
  if (request.connectedAccountId) {
    const account = store.byId(request.connectedAccountId);
    if (account === undefined) throw accountNotFound();
    return account;
  }
  const connection = request.connector || tool.connection;
  if (store.connection(connection) === undefined) throw connectionNotFound(connection);
  if (!request.identifier) throw invalidArgument("identifier or connected_account_id is required");
  const account = store.find(request.identifier, connection);
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
