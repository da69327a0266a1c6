import { type Schema, Validator } from "@cfworker/json-schema";
import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import type { AgentAuth, HostedToolDefinition } from "../auth/agent-auth.js";
import { type IdentityResolver, identityFromContext } from "../auth/identity.js";
import { DelegateError } from "../errors.js";
import type { BuiltTools, ToolBinding } from "./build-tools.js";
import { type ConnectionNames, type ConnectorId, connectorForConnection } from "./registry.js";
import { inferHostedTraits } from "./tool-traits.js";
import { fenceUntrusted } from "./untrusted.js";

export interface CatalogListing {
  auth: AgentAuth;
  connectionNames: ConnectionNames;
  connectors: readonly ConnectorId[];
}

/**
 * The tools Scalekit hosts for the enabled connections (`gmail_fetch_mails`,
 * `slack_send_message`, …). Listed once per process; {@link buildCatalogTools} wraps them.
 */
export async function listCatalog(options: CatalogListing): Promise<HostedToolDefinition[]> {
  const connections = options.connectors.map((id) => options.connectionNames[id]);
  const definitions = await options.auth.listTools(connections);
  if (definitions.length === 0) {
    throw new DelegateError(
      "CONNECTION_NOT_CONFIGURED",
      `Scalekit lists no hosted tools for the connections ${connections.join(", ")}. Check the connection names (DELEGATE_CONNECTIONS) or use the built-in tools.`,
    );
  }
  return definitions;
}

export interface CatalogToolsOptions {
  auth: AgentAuth;
  connectionNames: ConnectionNames;
  definitions: readonly HostedToolDefinition[];
  resolveIdentity?: IdentityResolver | undefined;
}

/**
 * Catalog mode: Scalekit-hosted tools exposed as LangChain tools from their JSON input schemas
 * and run with `executeTool` as the calling user. They sit behind the same gate as the
 * built-in connector tools.
 */
export function buildCatalogTools(options: CatalogToolsOptions): BuiltTools {
  const resolveIdentity = options.resolveIdentity ?? identityFromContext;
  const definitions = options.definitions;
  const tools: StructuredToolInterface[] = [];
  const bindings = new Map<string, ToolBinding>();
  for (const definition of definitions) {
    const connector = connectorForConnection(options.connectionNames, definition.connection);
    if (!connector || bindings.has(definition.name)) continue;
    const validator = new Validator(definition.inputSchema as Schema, "2020-12", false);
    bindings.set(definition.name, {
      toolName: definition.name,
      connector,
      connection: definition.connection,
      traits: inferHostedTraits(definition),
      validate: (args) => {
        const result = validator.validate(args);
        if (result.valid) return undefined;
        return result.errors
          .map((error) => `${error.instanceLocation.replace(/^#\/?/, "") || "arguments"}: ${error.error}`)
          .join("; ");
      },
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
          return JSON.stringify(fenceUntrusted(result.data));
        },
        {
          name: definition.name,
          description: definition.description,
          schema: definition.inputSchema as Record<string, unknown> & { type: "object" },
        },
      ) as unknown as StructuredToolInterface,
    );
  }
  return { tools, bindings };
}
