import type { Identity } from "../auth/identity.js";
import { redactingLogger } from "../log-redaction.js";
import { noopLogger } from "../logger.js";
import { assembleAgent } from "./agent-assembly.js";
import { DEFAULT_POLL } from "./authorization-watcher.js";
import { DelegateRuntime } from "./delegate-runtime.js";
import { DEFAULT_MAX_MESSAGE_CHARS } from "./runtime-inputs.js";
import { DEFAULT_MAX_MODEL_CALLS, validateRuntimeOptions } from "./runtime-options.js";
import type { AgentRuntime, AgentRuntimeOptions } from "./runtime-types.js";
import { openStorage } from "./storage.js";
import { needsAncestorCheckpoints, ThreadHistory } from "./thread-history.js";
import type { UserVerification } from "./user-verification.js";

export type {
  AgentRuntime,
  AgentRuntimeOptions,
  CallDecision,
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
  // An error's text can carry what a server echoed back (an API key in a 401 body): the
  // embedder's logger gets what the CLI's and the server's get, redacted.
  const logger = options.logger ? redactingLogger(options.logger, secretsOf(options)) : noopLogger;
  const [storage, assembly] = await Promise.all([
    openStorage({ checkpointer: options.checkpointer, databaseUrl: options.databaseUrl }),
    assembleAgent({ ...options, connectors: settings.connectors, logger }),
  ]);
  const { auth, names, enabled } = assembly;
  // Set once the runtime exists (the verification resumes through it); links are made later.
  let verification: UserVerification | undefined;
  const { agent } = assembly.build({
    checkpointer: storage.checkpointer,
    // Beside the checkpoints, so every replica sees a write that started.
    callLedger: {
      start: (thread, toolCallId) => storage.store.startCall(thread, toolCallId),
      forget: (thread, toolCallId) => storage.store.forgetCall(thread, toolCallId),
    },
    ...(options.verification
      ? {
          linkOptions: (identity: Identity, connection: string, thread: string | undefined) =>
            verification?.linkOptions(identity, connection, thread),
        }
      : {}),
  });
  const runtime = new DelegateRuntime({
    agent,
    auth,
    storage,
    logger,
    names,
    enabled,
    timeoutMs: options.authorizationTimeoutMs ?? 10 * 60_000,
    maxModelCalls: options.maxModelCalls ?? DEFAULT_MAX_MODEL_CALLS,
    maxMessageChars: options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS,
    poll: { ...DEFAULT_POLL, ...options.poll },
    onEvent: options.onEvent,
    webhookSecret: options.webhookSecret,
    info: { modelLabel: assembly.modelLabel, connectors: enabled },
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

/** The secrets the options hold, to be cut from any log line that quotes them. */
function secretsOf(options: AgentRuntimeOptions): string[] {
  const model = options.model as { apiKey?: unknown } | undefined;
  const verification = options.verification?.secret;
  return [
    options.scalekit?.clientSecret,
    options.webhookSecret,
    typeof verification === "string" ? verification : undefined,
    typeof model?.apiKey === "string" ? model.apiKey : undefined,
  ].filter((secret): secret is string => typeof secret === "string" && secret.length > 0);
}
