import { isGraphBubbleUp } from "@langchain/langgraph";
import { AIMessage, createMiddleware, ToolMessage } from "langchain";
import { z } from "zod";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, type IdentityResolver, identityFromContext } from "../auth/identity.js";
import type { ToolBinding } from "../connectors/build-tools.js";
import { CONNECTORS } from "../connectors/registry.js";
import { errorMessage, isDelegateError, upstreamText } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ApprovalPolicy } from "./approvals/policy.js";
import { provenanceOf } from "./approvals/provenance.js";
import {
  type AuthorizationOutcome,
  awaitReconnection,
  bindLinkOptions,
  type LinkOptionsProvider,
} from "./authorization-flow.js";
import { type CallOutcome, runBatchGate } from "./gate/batch-gate.js";
import { type AllowedBy, planCall, type ToolCallLike } from "./gate/plan-calls.js";
import { markProduced } from "./produced-messages.js";
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
  /** How a call that ran was allowed: by the policy, by `auto` (targets the person named), or by the person. */
  allowedBy?: AllowedBy;
  /** Error code when the outcome is not success. */
  errorCode?: string;
  durationMs: number;
}

export interface AuthorizationMiddlewareOptions {
  auth: CachedAgentAuth;
  bindings: ReadonlyMap<string, ToolBinding>;
  policy: ApprovalPolicy;
  logger: Logger;
  onToolAudit?: ((record: ToolAuditRecord) => void) | undefined;
  /** Default: the run's `context`. */
  resolveIdentity?: IdentityResolver | undefined;
  /** Options for the links the gate hands out (user verification), by user, connection and thread. */
  linkOptions?: LinkOptionsProvider | undefined;
  /**
   * When the model call whose message the gate checks began looking statuses up: cached "not
   * connected" answers from since then are fresh enough to ask for consent. Default: none are.
   */
  statusesSince?: ((thread: string | undefined) => number | undefined) | undefined;
}

/**
 * What the gate remembers in the thread's state (checkpointed with it). Only written when it
 * changes: a hook that returns state makes LangGraph store and stream the whole state again.
 */
const GateStateSchema = z.object({
  /** Tools the person allowed "always in this thread". */
  delegateAlwaysAllowed: z.array(z.string()).default(() => []),
  /** Calls of the latest batch the person decided to run (approved or edited), for the audit. */
  delegatePersonApproved: z.array(z.string()).default(() => []),
});

/**
 * Delegate's gate middleware.
 *
 * `afterModel` is the gate: before any call of an AI message runs it decides every call by the
 * approval policy and checks every connection they need, and raises one interrupt for what the
 * person must do (connect, approve). No call of the batch runs until all is settled, so no side
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
    name: "DelegateGate",
    stateSchema: GateStateSchema,
    // Middleware only sees the context fields its own schema declares.
    contextSchema: options.resolveIdentity ? HostRunContextSchema : RunContextSchema,
    afterModel: {
      canJumpTo: ["model"],
      hook: async (state, runtime) => {
        const last = state.messages.at(-1);
        if (!last || !AIMessage.isInstance(last) || !last.tool_calls?.length) return undefined;
        const identity = resolveIdentity(runtime.context);
        const statusesSince = options.statusesSince?.(runtime.configurable?.thread_id);
        const calls: ToolCallLike[] = last.tool_calls.map((call) => ({
          id: call.id,
          name: call.name,
          args: call.args as Record<string, unknown>,
        }));
        const controls = runControls(runtime.context);
        let result: Awaited<ReturnType<typeof runBatchGate>>;
        try {
          result = await runBatchGate({
            auth,
            bindings,
            policy: options.policy,
            logger,
            identity,
            messages: state.messages,
            calls,
            alwaysAllowed: state.delegateAlwaysAllowed ?? [],
            cancelled: { ids: controls.cancelled, reason: controls.reason },
            linkOptions: bindLinkOptions(options.linkOptions, identity, runtime.configurable?.thread_id),
            ...(statusesSince !== undefined ? { statusesSince } : {}),
          });
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
        const messages: (AIMessage | ToolMessage)[] = [];
        if (result.edited) {
          // The person edited some calls: those run with the edited arguments.
          messages.push(
            new AIMessage({
              ...(last.id ? { id: last.id } : {}),
              ...(last.name ? { name: last.name } : {}),
              ...(last.usage_metadata ? { usage_metadata: last.usage_metadata } : {}),
              additional_kwargs: last.additional_kwargs,
              response_metadata: last.response_metadata,
              content: last.content,
              tool_calls: last.tool_calls.map((call) => {
                const outcome = result.outcomes.get(call.id ?? "");
                return outcome?.kind === "run" ? { ...call, args: outcome.args } : call;
              }),
            }),
          );
        }
        let answered = 0;
        for (const call of calls) {
          const outcome = result.outcomes.get(call.id ?? "");
          if (!outcome || outcome.kind === "run") continue;
          answered += 1;
          audit(options, identity, call, "declined", outcomeCode(outcome), 0);
          messages.push(errorResult(call, notRunText(call, bindings, outcome)));
        }
        const before = state.delegateAlwaysAllowed ?? [];
        const update = {
          ...(result.alwaysAllowed.length !== before.length
            ? { delegateAlwaysAllowed: result.alwaysAllowed }
            : {}),
          ...(result.personApproved.length > 0 ? { delegatePersonApproved: result.personApproved } : {}),
          ...(messages.length > 0 ? { messages } : {}),
        };
        // When some calls of the batch go ahead, they run; otherwise back to the model.
        if (answered === calls.length) return { ...update, jumpTo: "model" as const };
        return Object.keys(update).length > 0 ? update : undefined;
      },
    },
    wrapToolCall: async (request, handler) => {
      const call = request.toolCall;
      const identity = resolveIdentity(request.runtime.context);
      const binding = bindings.get(call.name);
      const started = Date.now();
      const controls = runControls(request.runtime.context);
      const like: ToolCallLike = { id: call.id, name: call.name, args: call.args as Record<string, unknown> };
      const allowedBy = allowedByOf(like, request.state, options);
      if (controls.cancelled.has(call.id ?? "")) {
        // This call waited for a reconnection that was cancelled: it must not run on replay.
        const outcome = controls.reason === "timeout" ? "timed_out" : "cancelled";
        audit(options, identity, like, "declined", "AUTHORIZATION_DECLINED", 0);
        return errorResult(like, notRunText(like, bindings, { kind: "cancelled", reason: outcome }));
      }
      let retriedAfterReconnect = false;
      for (;;) {
        try {
          const result = await handler(request);
          const failed = ToolMessage.isInstance(result) && result.status === "error";
          audit(
            options,
            identity,
            like,
            failed ? "error" : "success",
            failed ? "TOOL_FAILED" : undefined,
            Date.now() - started,
            allowedBy,
          );
          return ToolMessage.isInstance(result) ? markProduced(result) : result;
        } catch (error) {
          if (isGraphBubbleUp(error)) throw error;
          const needsReconnect =
            binding !== undefined &&
            (isDelegateError(error, "PROVIDER_TOKEN_REJECTED") ||
              isDelegateError(error, "AUTHORIZATION_REQUIRED"));
          if (!needsReconnect || retriedAfterReconnect) {
            const code = codeOf(error);
            audit(options, identity, like, "error", code, Date.now() - started, allowedBy);
            if (code === "INTERNAL")
              logger.error({ tool: call.name, error: errorMessage(error) }, "tool failed");
            // What the provider or Scalekit said verbatim stays in the log, not in the thread.
            else logger.warn({ tool: call.name, code, upstream: upstreamText(error) }, "tool failed");
            const text = !retriedAfterReconnect
              ? errorMessage(error)
              : needsReconnect
                ? keptRejecting(like, binding)
                : `${errorMessage(error)} This still failed after reconnecting, so the request was not completed.`;
            return errorResult(like, text);
          }
          auth.invalidate(identity, binding.connection);
          let outcome: AuthorizationOutcome;
          try {
            outcome = await awaitReconnection(
              auth,
              identity,
              { connector: binding.connector, connection: binding.connection, toolCallIds: [call.id ?? ""] },
              isDelegateError(error, "PROVIDER_TOKEN_REJECTED"),
              bindLinkOptions(options.linkOptions, identity, threadOf(request.runtime)),
            );
          } catch (lookupError) {
            if (isGraphBubbleUp(lookupError)) throw lookupError;
            audit(options, identity, like, "error", codeOf(lookupError), Date.now() - started);
            return errorResult(like, `Could not reconnect: ${errorMessage(lookupError)}`);
          }
          if (outcome !== "authorized") {
            audit(options, identity, like, "declined", "AUTHORIZATION_DECLINED", Date.now() - started);
            return errorResult(like, notRunText(like, bindings, { kind: "cancelled", reason: outcome }));
          }
          retriedAfterReconnect = true;
        }
      }
    },
  });
}

function allowedByOf(call: ToolCallLike, state: unknown, options: AuthorizationMiddlewareOptions): AllowedBy {
  const {
    messages = [],
    delegateAlwaysAllowed = [],
    delegatePersonApproved = [],
  } = state as { messages?: unknown[]; delegateAlwaysAllowed?: string[]; delegatePersonApproved?: string[] };
  if (delegatePersonApproved.includes(call.id ?? "")) return "person";
  const plan = planCall(call, {
    policy: options.policy,
    bindings: options.bindings,
    provenance: provenanceOf(messages),
    alwaysAllowed: new Set(delegateAlwaysAllowed),
  });
  return plan.verdict === "run" ? plan.allowedBy : "person";
}

/** LangGraph's `configurable.thread_id` as a tool call's runtime carries it. */
function threadOf(runtime: unknown): string | undefined {
  const thread = (runtime as { configurable?: { thread_id?: unknown } } | undefined)?.configurable?.thread_id;
  return typeof thread === "string" ? thread : undefined;
}

function outcomeCode(outcome: Exclude<CallOutcome, { kind: "run" }>): string {
  if (outcome.kind === "rejected") return "APPROVAL_REJECTED";
  if (outcome.kind === "denied") return "APPROVAL_DENIED_BY_POLICY";
  return "AUTHORIZATION_DECLINED";
}

/** What the model is told about a call that did not run, so it can explain it truthfully. */
function notRunText(
  call: ToolCallLike,
  bindings: ReadonlyMap<string, ToolBinding>,
  outcome: Exclude<CallOutcome, { kind: "run" }>,
): string {
  if (outcome.kind === "rejected") {
    return `The person declined this action, so ${call.name} did not run and nothing was done.${outcome.message ? ` Their reason: ${outcome.message}` : ""}`;
  }
  if (outcome.kind === "denied") {
    return `Delegate's approval policy does not allow ${call.name}, so it did not run and nothing was done.`;
  }
  const binding = bindings.get(call.name);
  const name = binding ? CONNECTORS[binding.connector].displayName : "the account";
  const why =
    outcome.reason === "timed_out"
      ? `Authorization timed out: ${name} was not connected in time`
      : `Authorization was cancelled: the user did not connect ${name} or approve the action`;
  return `${why}, so ${call.name} did not run and nothing was changed. They can ask again whenever they are ready.`;
}

/** A token refused again right after reconnecting: the account, not the person, is the problem. */
function keptRejecting(call: ToolCallLike, binding: ToolBinding): string {
  const name = CONNECTORS[binding.connector].displayName;
  return `${name} kept rejecting the access token, even right after the account was reconnected, so ${call.name} did not run and nothing was changed. The ${name} account needs reconnecting: disconnect it and connect it again (and check that it still allows this app).`;
}

function errorResult(call: ToolCallLike, text: string): ToolMessage {
  return markProduced(
    new ToolMessage({
      content: `Error: ${text}`,
      tool_call_id: call.id ?? "",
      name: call.name,
      status: "error",
    }),
  );
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
  allowedBy?: AllowedBy,
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
      ...(allowedBy ? { allowedBy } : {}),
      ...(errorCode ? { errorCode } : {}),
      durationMs,
    });
  } catch {
    // An audit sink must never break a tool call.
  }
}
