import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import type { AgentAuth } from "../auth/agent-auth.js";
import { type Identity, type IdentityResolver, identityFromContext } from "../auth/identity.js";
import { DelegateError } from "../errors.js";
import type { BuiltTools, ToolBinding } from "./build-tools.js";
import { type ConnectionNames, type ConnectorId, connectorForConnection } from "./registry.js";

export interface CatalogOptions {
  auth: AgentAuth;
  connectionNames: ConnectionNames;
  connectors: readonly ConnectorId[];
  /** Whose view of the catalog to list; the tools run as each call's own user. */
  listingIdentity: Identity;
  resolveIdentity?: IdentityResolver;
}

/**
 * Catalog mode: the tools Scalekit hosts for the enabled connections (`gmail_fetch_mails`,
 * `slack_send_message`, …), exposed as LangChain tools from their JSON input schemas and run
 * with `executeTool` as the calling user. They sit behind the same authorization gate as the
 * built-in connector tools.
 */
export async function loadCatalogTools(options: CatalogOptions): Promise<BuiltTools> {
  const resolveIdentity = options.resolveIdentity ?? identityFromContext;
  const connections = options.connectors.map((id) => options.connectionNames[id]);
  const definitions = await options.auth.listTools(options.listingIdentity, connections);
  const tools: StructuredToolInterface[] = [];
  const bindings = new Map<string, ToolBinding>();
  for (const definition of definitions) {
    const connector = connectorForConnection(options.connectionNames, definition.connection);
    if (!connector || bindings.has(definition.name)) continue;
    bindings.set(definition.name, {
      toolName: definition.name,
      connector,
      connection: definition.connection,
      sideEffect: definition.readOnly !== true,
    });
    tools.push(
      tool(
        async (input: Record<string, unknown>, config: { context?: unknown }) => {
          const result = await options.auth.executeTool({
            identity: resolveIdentity(config.context),
            connection: definition.connection,
            toolName: definition.name,
            input,
          });
          return JSON.stringify(result.data);
        },
        {
          name: definition.name,
          description: definition.description,
          schema: definition.inputSchema as Record<string, unknown> & { type: "object" },
        },
      ) as unknown as StructuredToolInterface,
    );
  }
  if (tools.length === 0) {
    throw new DelegateError(
      "CONNECTION_NOT_CONFIGURED",
      `Scalekit lists no hosted tools for the connections ${connections.join(", ")}. Check the connection names (DELEGATE_CONNECTIONS) or use the built-in tools.`,
    );
  }
  return { tools, bindings };
}
