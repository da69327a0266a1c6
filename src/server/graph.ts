/**
 * Delegate's graph for LangGraph's own server (`langgraph.json` → `delegate`). The server calls
 * this factory for every run (and to read state or draw the graph) with the run's config; it
 * builds the same agent the REPL and the embedded runtime use (same authorization gate,
 * connectors and prompt), acting for the server's authenticated user.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import type { AgentAuth } from "../auth/agent-auth.js";
import { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import type { Identity } from "../auth/identity.js";
import { DelegateError } from "../errors.js";
import { DEFAULT_MAX_MODEL_CALLS } from "../runtime/runtime-options.js";
import { serverEnvironment } from "./server-environment.js";
import { identityFromServerUser } from "./server-user.js";
import { serverVerification } from "./server-verification.js";

/** The second argument LangGraph's server passes to graph factories. */
export interface GraphFactoryRuntime {
  accessContext?: string;
}

/**
 * The graph factory. Identity comes only from `config.configurable.langgraph_auth_user`, which
 * the server fills from the auth handler (`src/server/auth.ts`) and which carries a proof that
 * this process issued it. A run's `context` (e.g. `{ userId: "bob" }`) is ignored.
 */
export const delegate = async (config?: RunnableConfig, runtime?: GraphFactoryRuntime) => {
  const identity = identityFromServerUser(config?.configurable?.langgraph_auth_user);
  if (!identity && runtime?.accessContext === "threads.create_run") {
    throw new DelegateError(
      "UNAUTHENTICATED",
      "This run has no authenticated Delegate user. Start the server with the auth handler from langgraph.json and send a bearer token (see DELEGATE_SERVER_TOKENS).",
    );
  }
  if (identity && runtime?.accessContext === "threads.create_run" && !config?.configurable?.thread_id) {
    // Interrupts and resumes live in a thread's checkpoints: a threadless run cannot wait for
    // consent. The caller's mistake, not the server's configuration.
    throw new DelegateError(
      "INVALID_INPUT",
      "Delegate needs a thread: create one with client.threads.create() and run on it.",
    );
  }
  const environment = await serverEnvironment();
  // Links carry the server's /delegate/verify URL and a state signed for this user and thread.
  const verification = identity ? await serverVerification() : undefined;
  // The same assembly (tools mode, cache, retry, approvals, context budget) as createAgentRuntime.
  const { agent } = environment.agent.build(
    identity
      ? {
          identity,
          ...(verification
            ? {
                linkOptions: (user: Identity, connection: string, thread: string | undefined) =>
                  verification.linkOptions(user, connection, thread),
              }
            : {}),
        }
      : // Without a verified user (reading state, drawing the graph) nothing may reach an account.
        { identity: UNAUTHENTICATED_IDENTITY, auth: UNAUTHENTICATED_AUTH },
  );
  // The server runs the inner graph; a run's own `recursion_limit` still overrides this default.
  const maxModelCalls = environment.environment.runtimeOptions.maxModelCalls ?? DEFAULT_MAX_MODEL_CALLS;
  return agent.graph.withConfig({ recursionLimit: 2 * maxModelCalls });
};

const UNAUTHENTICATED_IDENTITY: Identity = { userId: "unauthenticated" };

function refuse(): never {
  throw new DelegateError(
    "UNAUTHENTICATED",
    "No authenticated Delegate user: connected accounts are not available.",
  );
}

const UNAUTHENTICATED_AUTH = new CachedAgentAuth({
  getStatuses: async () => refuse(),
  ensureAccount: async () => refuse(),
  createAccount: async () => refuse(),
  getAuthorizationLink: async () => refuse(),
  verifyUser: async () => refuse(),
  getCredentials: async () => refuse(),
  executeTool: async () => refuse(),
  listTools: async () => refuse(),
  disconnect: async () => refuse(),
} satisfies AgentAuth);
