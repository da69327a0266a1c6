import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createAgent, createMiddleware, SystemMessage } from "langchain";
import type { AccountStatus, HostedToolDefinition } from "../auth/agent-auth.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, IdentitySchema, identityFromContext } from "../auth/identity.js";
import { buildConnectorTools } from "../connectors/build-tools.js";
import { buildCatalogTools } from "../connectors/catalog.js";
import type { ConnectorDefinition } from "../connectors/connector-tool.js";
import type { RetryPolicy } from "../connectors/provider-client.js";
import type { ConnectionNames, ConnectorId } from "../connectors/registry.js";
import { type Logger, noopLogger } from "../logger.js";
import { resolveApprovalPolicy } from "./approvals/approval-entries.js";
import type { ApprovalsOption } from "./approvals/policy.js";
import type { LinkOptionsProvider } from "./authorization-flow.js";
import {
  createAuthorizationMiddleware,
  GateStateSchema,
  type ToolAuditRecord,
} from "./authorization-middleware.js";
import { type CallLedger, memoryCallLedger } from "./call-ledger.js";
import {
  type ContextBudgetOptions,
  createContextBudgetMiddleware,
  DEFAULT_CONTEXT_TOKENS,
} from "./context-budget.js";
import { withoutForeignResults } from "./produced-messages.js";
import { HostRunContextSchema, RunContextSchema } from "./run-context.js";
import { ModelCallMarks } from "./status-freshness.js";
import { renderSystemPrompt } from "./system-prompt.js";

export interface DelegateAgentOptions {
  model: BaseChatModel;
  auth: CachedAgentAuth;
  connectors: readonly ConnectorDefinition[];
  connectionNames: ConnectionNames;
  /** Omitted when the host (e.g. LangGraph's server) attaches its own. */
  checkpointer?: BaseCheckpointSaver;
  /** The system prompt template (`prompts/system.md`), already loaded. */
  promptTemplate: string;
  timeZone: string;
  baseUrls?: Partial<Record<ConnectorId, string>>;
  retry?: RetryPolicy;
  /**
   * Catalog mode: the Scalekit-hosted tool definitions (listed once with `listCatalog`) replace
   * the connectors' own REST tools; `connectors` then only says what is enabled.
   */
  catalog?: readonly HostedToolDefinition[] | undefined;
  /** The approval policy (default: read allow, write auto, destructive ask). */
  approvals?: ApprovalsOption | undefined;
  now?: () => Date;
  logger?: Logger;
  onToolAudit?: (record: ToolAuditRecord) => void;
  /**
   * Where each write's start is recorded, so it runs at most once even when LangGraph runs its
   * task again (see `CallLedger`). Default: this process's memory.
   */
  callLedger?: CallLedger;
  /**
   * What the model is sent stays within a token budget (default 16,000 tokens of conversation):
   * old tool results shortened first, then old turns digested. The stored history is untouched.
   * `false` sends the whole history.
   */
  context?: Partial<ContextBudgetOptions> | false;
  /**
   * A fixed identity for every run, for hosts that authenticate the caller themselves (the
   * LangGraph server). Then `context` is not consulted, so a caller cannot pick another user.
   */
  identity?: Identity;
  /**
   * Options for the authorization links the gate hands out, by user, connection and thread
   * (LangGraph's `configurable.thread_id`): the runtime and the LangGraph server fill it when
   * Scalekit user verification is on (a verify URL and a signed state). Default: plain links.
   */
  linkOptions?: LinkOptionsProvider;
}

/**
 * Builds Delegate's graph: langchain `createAgent` (each tool call its own task) with the
 * authorization middleware and a system prompt that carries the date, the time zone and which
 * connectors this user has connected, refreshed before every model call.
 */
export function createDelegateAgent(options: DelegateAgentOptions) {
  const logger = options.logger ?? noopLogger;
  const fixed = options.identity ? IdentitySchema.parse(options.identity) : undefined;
  const resolveIdentity = fixed ? () => fixed : identityFromContext;
  const contextSchema = fixed ? HostRunContextSchema : RunContextSchema;
  const now = options.now ?? (() => new Date());
  const { tools, bindings } = options.catalog
    ? buildCatalogTools({
        auth: options.auth,
        connectionNames: options.connectionNames,
        definitions: options.catalog,
        resolveIdentity,
      })
    : buildConnectorTools({
        connectors: options.connectors,
        auth: options.auth,
        connectionNames: options.connectionNames,
        timeZone: options.timeZone,
        now,
        resolveIdentity,
        ...(options.baseUrls ? { baseUrls: options.baseUrls } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
      });
  const enabled = options.connectors.map((connector) => connector.id);
  const marks = new ModelCallMarks();
  const rendered = new Map<string, string>();

  const systemPrompt = createMiddleware({
    name: "DelegateSystemPrompt",
    // No contextSchema: the raw context is enough, and parsing it on every model call is not free.
    wrapModelCall: async (request, handler) => {
      const identity = resolveIdentity(request.runtime.context);
      // Cached statuses, "not connected" ones too: the warm path makes no Scalekit call.
      marks.mark(request.runtime.configurable?.thread_id, Date.now());
      let statuses: Map<ConnectorId, AccountStatus> | undefined;
      try {
        const connections = enabled.map((id) => options.connectionNames[id]);
        // Best effort with a short deadline: a slow Scalekit must not hold up the model call.
        const byConnection =
          options.auth.peekStatuses(identity, connections) ??
          (await withDeadline(options.auth.getStatuses(identity, connections), PROMPT_STATUS_DEADLINE_MS));
        statuses = new Map(
          enabled.map((id) => [id, byConnection.get(options.connectionNames[id])?.status ?? "NOT_FOUND"]),
        );
      } catch (error) {
        // Planning without statuses is fine; the gate still checks before any tool runs.
        logger.debug({ error: (error as Error).message }, "connection status unavailable for the prompt");
      }
      // The prompt changes once a minute (its clock) or when a status does: render it only then.
      const at = now();
      const key = `${Math.floor(at.getTime() / 60_000)}|${statuses ? [...statuses.values()].join() : "?"}`;
      let prompt = rendered.get(key);
      if (prompt === undefined) {
        prompt = renderSystemPrompt(options.promptTemplate, {
          now: at,
          timeZone: options.timeZone,
          connectors: enabled,
          ...(statuses ? { statuses } : {}),
        });
        if (rendered.size >= 64) rendered.clear();
        rendered.set(key, prompt);
      }
      return handler({
        ...request,
        systemMessage: new SystemMessage(prompt),
        messages: withoutForeignResults(request.messages),
      });
    },
  });

  const policy = resolveApprovalPolicy(
    options.approvals,
    tools.map((tool) => tool.name),
  );
  const authorization = createAuthorizationMiddleware({
    auth: options.auth,
    bindings,
    policy,
    logger,
    ...(fixed ? { resolveIdentity } : {}),
    ...(options.onToolAudit ? { onToolAudit: options.onToolAudit } : {}),
    callLedger: options.callLedger ?? memoryCallLedger(),
    statusesSince: (thread) => marks.take(thread),
    keepStatusesSince: (thread, at) => marks.mark(thread, at),
    ...(options.linkOptions ? { linkOptions: options.linkOptions } : {}),
  });

  const budget =
    options.context === false
      ? undefined
      : createContextBudgetMiddleware({
          logger,
          maxTokens: options.context?.maxTokens ?? DEFAULT_CONTEXT_TOKENS,
          ...(options.context?.tokenCounter ? { tokenCounter: options.context.tokenCounter } : {}),
        });

  const agent = createAgent({
    model: options.model,
    tools,
    contextSchema,
    // The budget edits the view the system-prompt middleware builds, so it comes after it.
    // The gate's fields of the thread's state.
    stateSchema: GateStateSchema,
    middleware: [authorization, systemPrompt, ...(budget ? [budget] : [])],
    ...(options.checkpointer ? { checkpointer: options.checkpointer } : {}),
  });
  return { agent, bindings, tools };
}

const PROMPT_STATUS_DEADLINE_MS = 1_500;

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export type DelegateAgent = ReturnType<typeof createDelegateAgent>["agent"];
