import { Command, getCurrentTaskInput, isGraphBubbleUp } from "@langchain/langgraph";
import { type AIMessage, type BaseMessage, createMiddleware, ToolMessage } from "langchain";
import { z } from "zod";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type IdentityResolver, identityFromContext } from "../auth/identity.js";
import type { ToolBinding } from "../connectors/build-tools.js";
import { errorMessage, isDelegateError, upstreamText } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ApprovalPolicy } from "./approvals/policy.js";
import {
  type AuthorizationOutcome,
  awaitReconnection,
  bindLinkOptions,
  type LinkOptionsProvider,
} from "./authorization-flow.js";
import type { CallLedger } from "./call-ledger.js";
import { type BatchGateResult, decideWithoutAsking, runBatchGate } from "./gate/batch-gate.js";
import {
  AMBIGUOUS_CALLS_TEXT,
  errorResult,
  isCalling,
  keptRejecting,
  lastCallingId,
  NOT_DECIDED_TEXT,
  notRunText,
  outcomeCode,
  withEditedCalls,
} from "./gate/call-answers.js";
import { callDigest } from "./gate/call-digest.js";
import type { ToolCallLike } from "./gate/plan-calls.js";
import { markProduced } from "./produced-messages.js";
import { runControls } from "./run-context.js";
import { audit, type ToolAuditRecord } from "./tool-audit.js";

export type { ToolAuditRecord } from "./tool-audit.js";

export interface AuthorizationMiddlewareOptions {
  auth: CachedAgentAuth;
  /** Records each write's start, so a task LangGraph runs again does not repeat it. */
  callLedger?: CallLedger;
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
  /** Hands the moment back for the step that asks the person about the same AI message. */
  keepStatusesSince?: ((thread: string | undefined, at: number) => void) | undefined;
}

/**
 * What the gate remembers in the thread's state (checkpointed with it). Only written when it
 * changes: a hook that returns state makes LangGraph store and stream the whole state again.
 * Private fields (the leading underscore): not part of the graph's input, so no client (e.g.
 * one of the LangGraph server) can pre-approve a tool or answer a call by writing state.
 */
const NotRunSchema = z.object({
  outcome: z.enum(["declined", "error"]),
  code: z.string(),
  text: z.string(),
});

const AllowedSchema = z.object({
  /** A digest of the name and arguments the gate decided on. */
  digest: z.string(),
  /** Who let it run, for the audit: the policy, `auto` (targets the person named), or the person. */
  allowedBy: z.enum(["policy", "auto", "person"]),
});

export const GateStateSchema = z.object({
  /** Tools the person allowed "always in this thread". */
  _delegateAlwaysAllowed: z.array(z.string()).default(() => []),
  /**
   * The latest AI message's calls wait for the person (to connect or decide): its tool tasks
   * stand aside and the next model step asks instead of calling the model.
   */
  _delegateGatePending: z.boolean().optional(),
  /** Calls of the latest AI message that must not run, with what the model is told instead. */
  _delegateNotRun: z.record(z.string(), NotRunSchema).optional(),
  /**
   * Calls of the latest AI message the gate let run, by id, and how. A tool task runs nothing
   * else (e.g. a call slipped in with a `Send`).
   */
  _delegateAllowed: z.record(z.string(), AllowedSchema).optional(),
});

type NotRun = z.infer<typeof NotRunSchema>;
type GateFields = Partial<z.infer<typeof GateStateSchema>>;

/** The thread's state as the gate reads it (a field may be absent: nothing written yet). */
type GateState = GateFields & { messages: BaseMessage[] };

/** What a gate decision writes to the thread's state. */
type GateUpdate = GateFields & { messages?: AIMessage[] };

/**
 * Delegate's gate middleware. Its state (`GateStateSchema`) is the agent's own `stateSchema`:
 * declared on a middleware, langchain would parse it with a freshly built zod schema on every run.
 *
 * The gate runs inside the model step (`wrapModelCall`), right after the model answers: before
 * any call of an AI message runs it decides every call by the approval policy and checks every
 * connection they need. When all is settled from the policy and the cached statuses (the usual
 * case) the calls go straight to their tool tasks, so the gate costs no graph step of its own.
 * When the person must connect or decide, the message is stored with `_delegateGatePending`: its
 * tool tasks stand aside, and the next model step raises one interrupt for everything (connect,
 * approve) instead of calling the model, then hands the settled calls back to their tool tasks.
 * No call of the batch runs until all is settled, so no side effect can run twice across a resume.
 *
 * `wrapToolCall` runs what the gate allowed, answers what it did not, and covers what the gate
 * cannot see: a token that fails mid-call. It invalidates the cache, interrupts for that one
 * connection, retries the call once after the resume, and turns every other failure into an
 * error tool message the model can explain.
 */
export function createAuthorizationMiddleware(options: AuthorizationMiddlewareOptions) {
  const { auth, bindings, logger } = options;
  const resolveIdentity = options.resolveIdentity ?? identityFromContext;

  /** Decides the calls of `last`; without `ask`, `{ _delegateGatePending: true }` when the person is needed. */
  const decide = async (
    last: AIMessage,
    state: GateState,
    runtime: { context?: unknown; configurable?: { thread_id?: string } | undefined },
    ask: boolean,
  ): Promise<GateUpdate> => {
    const identity = resolveIdentity(runtime.context);
    const thread = runtime.configurable?.thread_id;
    const statusesSince = options.statusesSince?.(thread);
    const calls: ToolCallLike[] = (last.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.name,
      args: call.args as Record<string, unknown>,
    }));
    const controls = runControls(runtime.context);
    // Two calls with one id (or none) cannot be told apart, by the gate or by their results.
    const ids = calls.map((call) => call.id ?? "");
    if (ids.some((id) => id === "") || new Set(ids).size !== ids.length) {
      const entry: NotRun = { outcome: "declined", code: "INVALID_TOOL_CALLS", text: AMBIGUOUS_CALLS_TEXT };
      logger.warn({ userId: identity.userId, calls: ids.length }, "gate: calls without distinct ids refused");
      return { _delegateNotRun: Object.fromEntries(ids.map((id) => [id, entry])), _delegateAllowed: {} };
    }
    const input = {
      auth,
      bindings,
      policy: options.policy,
      logger,
      identity,
      messages: state.messages,
      calls,
      alwaysAllowed: state._delegateAlwaysAllowed ?? [],
      cancelled: { ids: controls.cancelledFor(last.id), reason: controls.reason },
      linkOptions: bindLinkOptions(options.linkOptions, identity, thread),
      ...(statusesSince !== undefined ? { statusesSince } : {}),
    };
    let result: BatchGateResult | undefined;
    try {
      result = ask ? await runBatchGate(input) : await decideWithoutAsking(input);
    } catch (error) {
      if (isGraphBubbleUp(error)) throw error;
      // Delegate's own credentials refused: nothing the person or the model can do about it.
      // The turn fails with that code for the operator (the person's message is kept).
      if (isDelegateError(error, "SCALEKIT_CREDENTIALS_INVALID")) throw error;
      // Scalekit down: answer the batch so the thread stays valid and the model can tell the
      // person what happened.
      logger.warn({ code: codeOf(error), userId: identity.userId }, "authorization check failed");
      const text = `Could not check the connection: ${errorMessage(error)}`;
      const entry: NotRun = { outcome: "error", code: codeOf(error), text };
      return {
        _delegateNotRun: Object.fromEntries(calls.map((call) => [call.id ?? "", entry])),
        _delegateAllowed: {},
      };
    }
    if (!result) {
      // The asking step looks statuses up as of the same model call: one status call per message.
      if (statusesSince !== undefined) options.keepStatusesSince?.(thread, statusesSince);
      return { _delegateGatePending: true };
    }
    const update: GateUpdate = {};
    // The person edited some calls: those run with the edited arguments.
    if (result.edited) update.messages = [withEditedCalls(last, result.outcomes)];
    const notRun: Record<string, NotRun> = {};
    const allowed: NonNullable<GateFields["_delegateAllowed"]> = {};
    for (const call of calls) {
      const outcome = result.outcomes.get(call.id ?? "");
      if (outcome?.kind === "run") {
        allowed[call.id ?? ""] = {
          digest: callDigest(call.name, outcome.args),
          allowedBy: outcome.allowedBy,
        };
      }
      if (!outcome || outcome.kind === "run") continue;
      notRun[call.id ?? ""] = {
        outcome: "declined",
        code: outcomeCode(outcome),
        text: notRunText(call, bindings, outcome),
      };
    }
    // Call ids are only unique per message with some models: answers for an older one are dropped.
    if (Object.keys(notRun).length > 0 || Object.keys(state._delegateNotRun ?? {}).length > 0) {
      update._delegateNotRun = notRun;
    }
    if (result.alwaysAllowed.length !== (state._delegateAlwaysAllowed ?? []).length) {
      update._delegateAlwaysAllowed = result.alwaysAllowed;
    }
    update._delegateAllowed = allowed;
    return update;
  };

  const gate = createMiddleware({
    name: "DelegateGate",
    // No state or context schema here: langchain would build and compile a fresh zod schema for
    // them on every model call. The state is read whole from the task's input, the context raw
    // (the identity resolver and `runControls` check what they use).
    wrapModelCall: async (request, handler) => {
      const state = taskState(request.runtime);
      const waiting = state.messages.at(-1);
      if (state._delegateGatePending && isCalling(waiting)) {
        // The calls of the stored message wait for the person: ask, and no model call.
        const update = await decide(waiting, state, request.runtime, true);
        return new Command({ update: { ...update, _delegateGatePending: false } });
      }
      const response = await handler(request);
      const update: GateUpdate = isCalling(response)
        ? await decide(response, state, request.runtime, false)
        : {};
      if (state._delegateGatePending && update._delegateGatePending === undefined) {
        update._delegateGatePending = false;
      }
      // Everything settled and nothing to remember: the message goes on to its tool tasks as is.
      return Object.keys(update).length > 0 ? new Command({ update }) : response;
    },
    wrapToolCall: async (request, handler) => {
      const call = request.toolCall;
      const gateState = taskState(request.runtime);
      // The gate has yet to ask the person about this batch: nothing runs, nothing is answered.
      if (gateState._delegateGatePending) return new Command({ update: {} });
      const identity = resolveIdentity(request.runtime.context);
      const binding = bindings.get(call.name);
      const started = Date.now();
      const controls = runControls(request.runtime.context);
      const like: ToolCallLike = { id: call.id, name: call.name, args: call.args as Record<string, unknown> };
      const notRun = gateState._delegateNotRun?.[call.id ?? ""];
      if (notRun) {
        audit(options, identity, like, notRun.outcome, notRun.code, 0);
        return errorResult(like, notRun.text);
      }
      // Only what the gate decided runs: this call, with these arguments, of the latest message.
      const allowed = gateState._delegateAllowed?.[call.id ?? ""];
      if (allowed?.digest !== callDigest(call.name, like.args)) {
        logger.warn(
          { tool: call.name, userId: identity.userId },
          "gate: a call it did not decide was refused",
        );
        audit(options, identity, like, "declined", "NOT_DECIDED_BY_GATE", 0);
        return errorResult(like, NOT_DECIDED_TEXT);
      }
      const { allowedBy } = allowed;
      if (controls.cancelledFor(lastCallingId(gateState.messages)).has(call.id ?? "")) {
        // This call waited for a reconnection that was cancelled: it must not run on replay.
        const outcome = controls.reason === "timeout" ? "timed_out" : "cancelled";
        audit(options, identity, like, "declined", "AUTHORIZATION_DECLINED", 0);
        return errorResult(like, notRunText(like, bindings, { kind: "cancelled", reason: outcome }));
      }
      // A write runs at most once per thread: a task run again after a cut (a killed process, a
      // cancelled run, an older checkpoint) finds it started and says so instead.
      const thread = threadOf(request.runtime);
      const ledger = binding?.traits.effect !== "read" && thread && call.id ? options.callLedger : undefined;
      // By message and call: some models number calls per message, so a call id alone recurs.
      const entry = `${lastCallingId(gateState.messages) ?? ""}/${call.id ?? ""}`;
      const startedBefore = async () => {
        if (!ledger || (await ledger.start(thread as string, entry))) return undefined;
        logger.warn({ tool: call.name, userId: identity.userId }, "tool call started before: not run again");
        audit(options, identity, like, "declined", "CALL_ALREADY_STARTED", 0, allowedBy);
        return errorResult(like, startedBeforeText(like, bindings));
      };
      const refused = await startedBefore();
      if (refused) return refused;
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
          // The provider refused the token: nothing happened, so the call may run after the reconnection.
          await ledger?.forget(thread as string, entry);
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
          // Recorded again before the retry: a cut during it must not send twice either.
          const again = await startedBefore();
          if (again) return again;
        }
      }
    },
  });
  return gate;
}

/**
 * The whole state the running step was given. langchain hands middleware only the fields of its
 * own state schema, parsed with a zod schema it builds afresh on every call; this is the same
 * state without that cost.
 */
function taskState(runtime: { configurable?: Record<string, unknown> | undefined }): GateState {
  return getCurrentTaskInput<GateState>({ configurable: runtime.configurable ?? {} });
}

/** LangGraph's `configurable.thread_id` as a tool call's runtime carries it. */
function threadOf(runtime: unknown): string | undefined {
  const thread = (runtime as { configurable?: { thread_id?: unknown } } | undefined)?.configurable?.thread_id;
  return typeof thread === "string" ? thread : undefined;
}

function codeOf(error: unknown): string {
  if (isDelegateError(error)) return error.code;
  if ((error as { name?: string })?.name === "ToolInvocationError") return "INVALID_ARGUMENTS";
  return "INTERNAL";
}

/** What the model is told of a write found started before: it may have run, so it is not run again. */
function startedBeforeText(call: ToolCallLike, bindings: ReadonlyMap<string, ToolBinding>): string {
  const service = bindings.get(call.name)?.connector ?? "the service";
  return `${call.name} was started before and may already have run (it was cut off before its result was recorded), so it was not run again. Ask the person to check ${service} before trying again.`;
}
