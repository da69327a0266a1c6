import { createDelegateAgent } from "../agent/create-delegate-agent.js";
import { resolveModel } from "../agent/model.js";
import { loadPromptTemplate } from "../agent/system-prompt.js";
import { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import { ScalekitAgentAuth } from "../auth/scalekit/scalekit-agent-auth.js";
import { listCatalog } from "../connectors/catalog.js";
import { ALL_CONNECTORS } from "../connectors/index.js";
import { connectionNames as resolveConnectionNames } from "../connectors/registry.js";
import { noopLogger } from "../logger.js";
import { DEFAULT_POLL } from "./authorization-watcher.js";
import { DelegateRuntime } from "./delegate-runtime.js";
import { validateRuntimeOptions } from "./runtime-options.js";
import type { AgentRuntime, AgentRuntimeOptions } from "./runtime-types.js";
import { openStorage } from "./storage.js";
import { needsAncestorCheckpoints, ThreadHistory } from "./thread-history.js";
import type { UserVerification } from "./user-verification.js";

export type {
  AgentRuntime,
  AgentRuntimeOptions,
  ConnectionOverview,
  PendingAuthorizationView,
  SendInput,
  ThreadMessageView,
  ThreadRef,
  ThreadView,
  WaitingThreadView,
  WebhookResult,
} from "./runtime-types.js";
export type { VerificationOptions, VerifyUserInput, VerifyUserResult } from "./user-verification.js";

/**
 * Creates the runtime that embedders, the REPL and scripted runs share: threads scoped by user,
 * typed events, durable pending authorizations and exactly-once automatic resume.
 *
 * @throws DelegateError `CONFIG_INVALID` listing every problem with the options (e.g. no `model`).
 */
export async function createAgentRuntime(options: AgentRuntimeOptions): Promise<AgentRuntime> {
  const settings = validateRuntimeOptions(options);
  const logger = options.logger ?? noopLogger;
  const now = options.now ?? (() => new Date());
  const timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const enabled = settings.connectors;
  const baseAuth = options.agentAuth ?? new ScalekitAgentAuth(settings.scalekit!);
  const auth = baseAuth instanceof CachedAgentAuth ? baseAuth : new CachedAgentAuth(baseAuth, options.cache);
  const names = resolveConnectionNames(options.connections);
  const { model, label } = resolveModel(options.model);
  const [storage, promptTemplate, catalog] = await Promise.all([
    openStorage({ checkpointer: options.checkpointer, databaseUrl: options.databaseUrl }),
    loadPromptTemplate(options.promptPath),
    options.tools === "catalog"
      ? listCatalog({ auth, connectionNames: names, connectors: enabled })
      : Promise.resolve(undefined),
  ]);
  // Set once the runtime exists (the verification resumes through it); links are made later.
  let verification: UserVerification | undefined;
  const { agent } = createDelegateAgent({
    model,
    auth,
    connectors: ALL_CONNECTORS.filter((connector) => enabled.includes(connector.id)),
    connectionNames: names,
    checkpointer: storage.checkpointer,
    promptTemplate,
    timeZone,
    now,
    logger,
    catalog,
    approvals: options.approvals,
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(options.verification
      ? {
          linkOptions: (identity: Identity, connection: string, thread: string | undefined) =>
            verification?.linkOptions(identity, connection, thread),
        }
      : {}),
    ...(options.providerBaseUrls ? { baseUrls: options.providerBaseUrls } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    onToolAudit: (record) => {
      logger.info({ ...record }, "tool ran");
      options.onToolAudit?.(record);
    },
  });
  const runtime = new DelegateRuntime({
    agent,
    auth,
    storage,
    logger,
    names,
    enabled,
    timeoutMs: options.authorizationTimeoutMs ?? 10 * 60_000,
    poll: { ...DEFAULT_POLL, ...options.poll },
    onEvent: options.onEvent,
    webhookSecret: options.webhookSecret,
    info: { modelLabel: label, connectors: enabled },
    history: new ThreadHistory({
      checkpointer: storage.checkpointer,
      store: storage.store,
      pruner:
        options.checkpointHistory === "all" || needsAncestorCheckpoints(agent.graph)
          ? undefined
          : storage.pruner,
      logger,
    }),
    retention: options.retention,
  });
  if (options.verification) verification = runtime.enableVerification(options.verification);
  runtime.start();
  return runtime;
}
