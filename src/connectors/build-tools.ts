import { setMaxListeners } from "node:events";
import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import type { AgentAuth } from "../auth/agent-auth.js";
import { type IdentityResolver, identityFromContext } from "../auth/identity.js";
import type { ConnectorDefinition } from "./connector-tool.js";
import { ProviderClient, type RetryPolicy } from "./provider-client.js";
import type { ConnectionNames, ConnectorId } from "./registry.js";
import type { ToolTraits } from "./tool-traits.js";
import { fenceUntrusted } from "./untrusted.js";
import { zodProblems } from "./validation.js";

/**
 * What the gate reads about a tool before any call runs: the connection it needs, its effect and
 * targets (for approvals), and how to check edited arguments.
 */
export interface ToolBinding {
  toolName: string;
  connector: ConnectorId;
  connection: string;
  traits: ToolTraits;
  /** Checks arguments a person edited; undefined when they are valid, else what is wrong. */
  validate(args: Record<string, unknown>): string | undefined;
}

export interface BuildToolsOptions {
  connectors: readonly ConnectorDefinition[];
  auth: AgentAuth;
  connectionNames: ConnectionNames;
  baseUrls?: Partial<Record<ConnectorId, string>>;
  retry?: RetryPolicy;
  timeZone: string;
  now?: () => Date;
  resolveIdentity?: IdentityResolver;
}

export interface BuiltTools {
  tools: StructuredToolInterface[];
  bindings: Map<string, ToolBinding>;
}

/**
 * Turns connector definitions into LangChain tools. Each call reads the user from the run's
 * `context` (never from the model's arguments), fetches the user's token through the cached
 * port, and returns compact JSON without any credential in it.
 */
export function buildConnectorTools(options: BuildToolsOptions): BuiltTools {
  const tools: StructuredToolInterface[] = [];
  const bindings = new Map<string, ToolBinding>();
  const now = options.now ?? (() => new Date());
  const resolveIdentity = options.resolveIdentity ?? identityFromContext;
  for (const connector of options.connectors) {
    const connection = options.connectionNames[connector.id];
    const baseUrl = options.baseUrls?.[connector.id] ?? connector.defaultBaseUrl;
    for (const spec of connector.tools) {
      bindings.set(spec.name, {
        toolName: spec.name,
        connector: connector.id,
        connection,
        traits: {
          effect: spec.effect,
          targets: spec.targets ?? [],
          ...(spec.summarize
            ? { summarize: (args: Record<string, unknown>) => spec.summarize?.(args) ?? "" }
            : {}),
        },
        validate: (args) => zodProblems(spec.schema, args),
      });
      tools.push(
        tool(
          async (input: Record<string, unknown>, config: { context?: unknown; signal?: AbortSignal }) => {
            const identity = resolveIdentity(config.context);
            // A model turn may run many calls at once, each listening on the run's abort signal.
            if (config.signal) setMaxListeners(100, config.signal);
            const credentials = await options.auth.getCredentials(identity, connection);
            const http = new ProviderClient({
              connector: connector.id,
              baseUrl,
              accessToken: credentials.accessToken,
              ...(options.retry ? { retry: options.retry } : {}),
              ...(connector.interpretBody ? { interpretBody: connector.interpretBody } : {}),
              ...(connector.headers ? { headers: connector.headers } : {}),
              sideEffect: spec.effect !== "read",
              ...(config.signal ? { signal: config.signal } : {}),
            });
            const result = await spec.run(input, { http, timeZone: options.timeZone, now: now() });
            return JSON.stringify(fenceUntrusted(result ?? { ok: true }));
          },
          { name: spec.name, description: spec.description, schema: spec.schema },
        ) as unknown as StructuredToolInterface,
      );
    }
  }
  return { tools, bindings };
}
