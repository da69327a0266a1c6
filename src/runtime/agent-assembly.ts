/**
 * The one place that turns Delegate's options into an agent: the status/credential cache in front
 * of Scalekit, the connection names, the enabled connectors, the system prompt, the catalog of
 * Scalekit-hosted tools (catalog mode) and everything `createDelegateAgent` is given. The
 * embedding runtime (`createAgentRuntime`) and the LangGraph server's graph factory both build
 * their agent here, so an option (tools, cache, retry, approvals, context budget, connectors,
 * connection names, provider URLs) means the same on every surface.
 */

import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { LinkOptionsProvider } from "../agent/authorization-flow.js";
import { type CallLedger, memoryCallLedger } from "../agent/call-ledger.js";
import { createDelegateAgent } from "../agent/create-delegate-agent.js";
import { resolveModel } from "../agent/model.js";
import { loadPromptTemplate } from "../agent/system-prompt.js";
import { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import { ScalekitAgentAuth } from "../auth/scalekit/scalekit-agent-auth.js";
import { listCatalog } from "../connectors/catalog.js";
import { ALL_CONNECTORS } from "../connectors/index.js";
import {
  CONNECTOR_IDS,
  type ConnectionNames,
  type ConnectorId,
  connectionNames,
} from "../connectors/registry.js";
import { DelegateError } from "../errors.js";
import { noopLogger } from "../logger.js";
import type { AgentRuntimeOptions } from "./runtime-types.js";

/** The options of `createAgentRuntime` that shape the agent itself. */
export type AgentAssemblyOptions = Pick<
  AgentRuntimeOptions,
  | "model"
  | "scalekit"
  | "agentAuth"
  | "cache"
  | "retry"
  | "tools"
  | "approvals"
  | "context"
  | "connectors"
  | "connections"
  | "providerBaseUrls"
  | "promptPath"
  | "timeZone"
  | "now"
  | "logger"
  | "onToolAudit"
>;

/** What differs between two graphs of one assembly: where they keep state and whom they act for. */
export interface AgentGraphOptions {
  /** Omitted when the host (LangGraph's server) attaches its own. */
  checkpointer?: BaseCheckpointSaver;
  /** A fixed identity for every run (the LangGraph server's authenticated user); else the run's context. */
  identity?: Identity;
  /** Stands in for the assembly's cache (the LangGraph server's "no user" auth, which refuses everything). */
  auth?: CachedAgentAuth;
  /** Verify URL and signed state for authorization links (Scalekit user verification). */
  linkOptions?: LinkOptionsProvider;
  /** Where writes' starts are recorded (the runtime's database); else one ledger in memory for every graph built. */
  callLedger?: CallLedger;
}

export interface AgentAssembly {
  /** The cache every graph of this assembly shares (webhooks and verification invalidate it). */
  auth: CachedAgentAuth;
  names: ConnectionNames;
  enabled: ConnectorId[];
  modelLabel: string;
  tools: "direct" | "catalog";
  /** Builds a graph with the assembly's options; cheap, so a host may build one per run. */
  build(graph?: AgentGraphOptions): ReturnType<typeof createDelegateAgent>;
}

/**
 * Prepares the parts that outlive a graph (cache, prompt template, catalog listing) once, and
 * returns a builder of graphs over them.
 *
 * @throws DelegateError `CONFIG_INVALID` when neither `agentAuth` nor `scalekit` is given;
 *   `CONNECTION_NOT_CONFIGURED` when catalog mode finds no hosted tools.
 */
export async function assembleAgent(options: AgentAssemblyOptions): Promise<AgentAssembly> {
  const logger = options.logger ?? noopLogger;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const enabled = [...(options.connectors ?? CONNECTOR_IDS)];
  const tools = options.tools ?? "direct";
  const base = options.agentAuth ?? scalekitAuth(options);
  const auth = base instanceof CachedAgentAuth ? base : new CachedAgentAuth(base, options.cache);
  const names = connectionNames(options.connections);
  const { model, label } = await resolveModel(options.model);
  const [promptTemplate, catalog] = await Promise.all([
    loadPromptTemplate(options.promptPath),
    tools === "catalog"
      ? listCatalog({ auth, connectionNames: names, connectors: enabled })
      : Promise.resolve(undefined),
  ]);
  const connectors = ALL_CONNECTORS.filter((connector) => enabled.includes(connector.id));
  // The LangGraph server builds a graph per run: one ledger for all of them.
  const ledger = memoryCallLedger();
  return {
    auth,
    names,
    enabled,
    modelLabel: label,
    tools,
    build: (graph = {}) =>
      createDelegateAgent({
        model,
        auth: graph.auth ?? auth,
        connectors,
        connectionNames: names,
        promptTemplate,
        timeZone,
        now,
        logger,
        catalog,
        approvals: options.approvals,
        callLedger: graph.callLedger ?? ledger,
        ...(graph.checkpointer ? { checkpointer: graph.checkpointer } : {}),
        ...(graph.identity ? { identity: graph.identity } : {}),
        ...(graph.linkOptions ? { linkOptions: graph.linkOptions } : {}),
        ...(options.context !== undefined ? { context: options.context } : {}),
        ...(options.providerBaseUrls ? { baseUrls: options.providerBaseUrls } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        onToolAudit: (record) => {
          logger.info({ ...record }, "tool ran");
          options.onToolAudit?.(record);
        },
      }),
  };
}

function scalekitAuth(options: AgentAssemblyOptions): ScalekitAgentAuth {
  if (!options.scalekit) {
    throw new DelegateError(
      "CONFIG_INVALID",
      "Invalid options:\n  - `scalekit` ({ environmentUrl, clientId, clientSecret }) or `agentAuth` is required.",
    );
  }
  return new ScalekitAgentAuth(options.scalekit);
}
