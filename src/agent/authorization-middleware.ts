import { isGraphBubbleUp } from "@langchain/langgraph";
import { AIMessage, createMiddleware, ToolMessage } from "langchain";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, type IdentityResolver, identityFromContext } from "../auth/identity.js";
import type { ToolBinding } from "../connectors/build-tools.js";
import { CONNECTORS } from "../connectors/registry.js";
import { errorMessage, isDelegateError } from "../errors.js";
import type { Logger } from "../logger.js";
import {
  type AuthorizationNeed,
  type AuthorizationOutcome,
  awaitAuthorization,
} from "./authorization-flow.js";
import { HostRunContextSchema, RunContextSchema, runControls } from "./run-context.js";

/** One tool execution, as the audit hook sees it. Never holds a secret. */
export interface ToolAuditRecord {
  toolName: string;
  toolCallId: string;
  userId: string;
  organizationId?: string;
  connector?: string;
  connection?: string;
  outcome: "success" | "error" | "declined";
  /** Error code when the outcome is not success. */
  errorCode?: string;
  durationMs: number;
}

export interface AuthorizationMiddlewareOptions {
  auth: CachedAgentAuth;
  bindings: ReadonlyMap<string, ToolBinding>;
  logger: Logger;
  onToolAudit?: (record: ToolAuditRecord) => void;
  /** Default: the run's `context`. */
  resolveIdentity?: IdentityResolver;
}

interface ToolCallLike {
  id?: string;
  name: string;
}

/**
 * Delegate's authorization middleware.
 *
 * `afterModel` is the gate: it looks at every tool call of the AI message before any of them
 * runs, does one status look-up for the batch, and raises one interrupt listing every
 * connection that is not ACTIVE. No tool of the batch runs until all are connected, so no side
 * effect can run twice across a resume.
 *
 * `wrapToolCall` covers what the gate cannot see: a token that fails mid-call. It invalidates
 * the cache, interrupts for that one connection, retries the call once after the resume, and
 * turns every other failure into an error tool message the model can explain.
 */
export function createAuthorizationMiddleware(options: AuthorizationMiddlewareOptions) {
  const { auth, bindings, logger } = options;
  const resolveIdentity = options.resolveIdentity ?? identityFromContext;

  return createMiddleware({
    name: "DelegateAuthorization",
    // Middleware only sees the context fields its own schema declares.
    contextSchema: options.resolveIdentity ? HostRunContextSchema : RunContextSchema,
    afterModel: {
      canJumpTo: ["model"],
      hook: async (state, runtime) => {
        const last = state.messages.at(-1);
        if (!last || !AIMessage.isInstance(last) || !last.tool_calls?.length) return undefined;
        const identity = resolveIdentity(runtime.context);
        const calls = last.tool_calls;
        const needs = groupNeeds(calls, bindings);
        if (needs.length === 0) return undefined;

        const controls = runControls(runtime.context);
        let outcome: AuthorizationOutcome;
        try {
          // A cancel decided by the caller wins, even if the accounts got connected meanwhile.
          outcome = needs.some((need) => need.toolCallIds.some((id) => controls.cancelled.has(id)))
            ? controls.reason === "timeout"
              ? "timed_out"
              : "cancelled"
            : await awaitAuthorization({ auth, identity, needs, reason: "not_connected" });
        } catch (error) {
          if (isGraphBubbleUp(error)) throw error;
          // Scalekit down or misconfigured: answer the batch so the thread stays valid and the
          // model can tell the person what happened.
          logger.warn({ code: codeOf(error), userId: identity.userId }, "authorization check failed");
          return {
            messages: calls.map((call) =>
              errorResult(call, `Could not check the connection: ${errorMessage(error)}`),
            ),
            jumpTo: "model" as const,
          };
        }
        if (outcome === "authorized") return undefined;

        const blocked = new Set(needs.flatMap((need) => need.toolCallIds));
        const messages = calls
          .filter((call) => blocked.has(call.id ?? ""))
          .map((call) => {
            audit(options, identity, call, "declined", "AUTHORIZATION_DECLINED", 0);
            return errorResult(call, declinedText(call, bindings, outcome));
          });
        // When some calls of the batch need nothing, let them run; otherwise go back to the model.
        return messages.length === calls.length ? { messages, jumpTo: "model" as const } : { messages };
      },
    },
    wrapToolCall: async (request, handler) => {
      const call = request.toolCall;
      const identity = resolveIdentity(request.runtime.context);
      const binding = bindings.get(call.name);
      const started = Date.now();
      const controls = runControls(request.runtime.context);
      if (controls.cancelled.has(call.id ?? "")) {
        // This call waited for a reconnection that was cancelled: it must not run on replay.
        const outcome = controls.reason === "timeout" ? "timed_out" : "cancelled";
        audit(options, identity, call, "declined", "AUTHORIZATION_DECLINED", 0);
        return errorResult(call, declinedText(call, bindings, outcome));
      }
      let retriedAfterReconnect = false;
      for (;;) {
        try {
          const result = await handler(request);
          const failed = ToolMessage.isInstance(result) && result.status === "error";
          audit(
            options,
            identity,
            call,
            failed ? "error" : "success",
            failed ? "TOOL_FAILED" : undefined,
            Date.now() - started,
          );
          return result;
        } catch (error) {
          if (isGraphBubbleUp(error)) throw error;
          const needsReconnect =
            binding !== undefined &&
            (isDelegateError(error, "PROVIDER_TOKEN_REJECTED") ||
              isDelegateError(error, "AUTHORIZATION_REQUIRED"));
          if (!needsReconnect || retriedAfterReconnect) {
            const code = codeOf(error);
            audit(options, identity, call, "error", code, Date.now() - started);
            if (code === "INTERNAL")
              logger.error({ tool: call.name, error: errorMessage(error) }, "tool failed");
            const text = retriedAfterReconnect
              ? `${errorMessage(error)} This still failed after reconnecting, so the request was not completed.`
              : errorMessage(error);
            return errorResult(call, text);
          }
          auth.invalidate(identity, binding.connection);
          const need: AuthorizationNeed = {
            connector: binding.connector,
            connection: binding.connection,
            toolCallIds: [call.id ?? ""],
          };
          let outcome: Awaited<ReturnType<typeof awaitAuthorization>>;
          try {
            outcome = await awaitAuthorization({
              auth,
              identity,
              needs: [need],
              reason: "token_rejected",
              forceFirstPrompt: isDelegateError(error, "PROVIDER_TOKEN_REJECTED"),
            });
          } catch (lookupError) {
            if (isGraphBubbleUp(lookupError)) throw lookupError;
            audit(options, identity, call, "error", codeOf(lookupError), Date.now() - started);
            return errorResult(call, `Could not reconnect: ${errorMessage(lookupError)}`);
          }
          if (outcome !== "authorized") {
            audit(options, identity, call, "declined", "AUTHORIZATION_DECLINED", Date.now() - started);
            return errorResult(call, declinedText(call, bindings, outcome));
          }
          retriedAfterReconnect = true;
        }
      }
    },
  });
}

/** Groups the calls of one AI message by the connection each needs. */
function groupNeeds(
  calls: readonly ToolCallLike[],
  bindings: ReadonlyMap<string, ToolBinding>,
): AuthorizationNeed[] {
  const needs = new Map<string, AuthorizationNeed>();
  for (const call of calls) {
    const binding = bindings.get(call.name);
    if (!binding) continue;
    const need = needs.get(binding.connection) ?? {
      connector: binding.connector,
      connection: binding.connection,
      toolCallIds: [],
    };
    need.toolCallIds.push(call.id ?? "");
    needs.set(binding.connection, need);
  }
  return [...needs.values()];
}

function declinedText(
  call: ToolCallLike,
  bindings: ReadonlyMap<string, ToolBinding>,
  outcome: "cancelled" | "timed_out",
): string {
  const binding = bindings.get(call.name);
  const name = binding ? CONNECTORS[binding.connector].displayName : "the account";
  const why =
    outcome === "timed_out"
      ? `Authorization timed out: ${name} was not connected in time`
      : `Authorization was cancelled: the user did not connect ${name}`;
  return `${why}, so ${call.name} did not run and nothing was changed. They can connect ${name} later and ask again.`;
}

function errorResult(call: ToolCallLike, text: string): ToolMessage {
  return new ToolMessage({
    content: `Error: ${text}`,
    tool_call_id: call.id ?? "",
    name: call.name,
    status: "error",
  });
}

function codeOf(error: unknown): string {
  if (isDelegateError(error)) return error.code;
  if ((error as { name?: string })?.name === "ToolInvocationError") return "INVALID_ARGUMENTS";
  return "INTERNAL";
}

function audit(
  options: AuthorizationMiddlewareOptions,
  identity: Identity,
  call: ToolCallLike,
  outcome: ToolAuditRecord["outcome"],
  errorCode: string | undefined,
  durationMs: number,
): void {
  if (!options.onToolAudit) return;
  const binding = options.bindings.get(call.name);
  try {
    options.onToolAudit({
      toolName: call.name,
      toolCallId: call.id ?? "",
      userId: identity.userId,
      ...(identity.organizationId ? { organizationId: identity.organizationId } : {}),
      ...(binding ? { connector: binding.connector, connection: binding.connection } : {}),
      outcome,
      ...(errorCode ? { errorCode } : {}),
      durationMs,
    });
  } catch {
    // An audit sink must never break a tool call.
  }
}
