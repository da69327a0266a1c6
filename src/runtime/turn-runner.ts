import { createHash } from "node:crypto";
import type { Command } from "@langchain/langgraph";
import { AIMessage, type HumanMessage } from "langchain";
import { isAuthorizationInterrupt } from "../agent/authorization-request.js";
import type { DelegateAgent } from "../agent/create-delegate-agent.js";
import { callDigest } from "../agent/gate/call-digest.js";
import type { RunContext } from "../agent/run-context.js";
import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { type Identity, scalekitIdentifier } from "../auth/identity.js";
import { DelegateError, errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import type { EventBus } from "./event-bus.js";
import { EventTranslator } from "./event-translator.js";
import { codeOf, describeRunError } from "./run-errors.js";
import type { PendingAuthorization, ThreadStore } from "./thread-store.js";
import { mergeRequests } from "./thread-views.js";

export type RunInput = { messages: HumanMessage[] } | Command;
export type RunControls = Omit<RunContext, "userId" | "organizationId">;

export interface TurnRunnerOptions {
  agent: DelegateAgent;
  auth: CachedAgentAuth;
  store: ThreadStore;
  bus: EventBus;
  logger: Logger;
  /** How long a new wait lasts before its blocked calls are cancelled. */
  timeoutMs: number;
  /** Model calls one run may make (LangGraph's recursion limit counts a model step and a tools step). */
  maxModelCalls: number;
  /** Called when a run pauses (so the watcher looks soon); `fresh` for a new kind of request. */
  onWaiting: (key: string, fresh: boolean) => void;
  /** When the watcher first looks at a wait that starts at `now`. */
  firstCheckAt?: (now: number, reason: PendingAuthorization["reason"]) => number;
  /** This process's claim owner id, to release a claim when a resume fails. */
  owner: string;
  /** After each run has written its outcome, before the events that end or pause the turn. */
  afterRun?: (key: string) => Promise<void>;
}

/** The batch a resume continues: its AI message and calls, each call's digest as it was told. */
export interface ResumedBatch {
  callIds: readonly string[];
  messageId?: string | undefined;
  told?: ReadonlyMap<string, string>;
}

/** Where a run's thread lives: the scoped key (checkpoints, store, bus) and the caller's id. */
export interface ThreadTarget {
  key: string;
  threadId: string;
  identity: Identity;
}

/**
 * Runs the graph once for a thread and turns what happens into events: tokens, tool calls and
 * results, and — when the run pauses on an interrupt — a durable pending row any process can
 * resume from.
 */
export class TurnRunner {
  readonly #options: TurnRunnerOptions;

  constructor(options: TurnRunnerOptions) {
    this.#options = options;
  }

  async run(
    target: ThreadTarget,
    input: RunInput,
    previous?: PendingAuthorization,
    controls: RunControls = {},
    /** A resume: the batch it continues (its message, told before), whose results this run reports. */
    batch: ResumedBatch = { callIds: [] },
  ): Promise<void> {
    const { agent, store, bus, logger } = this.#options;
    const { key, threadId, identity } = target;
    const translator = new EventTranslator(
      threadId,
      [
        ...batch.callIds,
        ...(previous?.requests.flatMap((request) => request.toolCallIds) ?? []),
        ...(previous?.approvals.map((approval) => approval.toolCallId) ?? []),
      ],
      batch.messageId,
      batch.told,
    );
    try {
      // The compiled graph itself, as LangGraph's server runs it: the agent's own `stream` first
      // reads the whole thread back to fill in middleware state defaults; the gate reads absent
      // fields as empty.
      const stream = await agent.graph.stream(input as never, {
        configurable: { thread_id: key },
        context: { ...identity, ...controls },
        streamMode: ["messages", "updates"],
        // LangGraph counts steps: a model call and its tools are two.
        recursionLimit: 2 * this.#options.maxModelCalls,
      });
      for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
        for (const event of translator.translate(mode, chunk)) bus.publish(key, event);
      }
    } catch (error) {
      // If the checkpoint still has an interrupt (the run failed before answering it), the
      // thread keeps waiting; otherwise the wait, if any, is over.
      if (await this.hasPendingInterrupt(key)) await store.release(key, this.#options.owner);
      else await store.clearPending(key);
      await this.#options.afterRun?.(key);
      const failure = isRecursionLimit(error)
        ? new DelegateError(
            "TURN_LIMIT_REACHED",
            `The agent stopped after ${this.#options.maxModelCalls} model call${this.#options.maxModelCalls === 1 ? "" : "s"} on this request without finishing. Your message is kept; ask for a smaller part of it, or say how to go on.`,
            { cause: error },
          )
        : error;
      const code = codeOf(failure);
      logger.error({ threadId, code, error: errorMessage(failure) }, "turn failed");
      bus.publish(key, { type: "error", threadId, code, message: describeRunError(failure) });
      bus.publish(key, { type: "turn-end", threadId, status: "failed" });
      return;
    }
    const authorizations = translator.summary.interrupts
      .map((item) => item.value)
      .filter(isAuthorizationInterrupt);
    const first = authorizations[0];
    if (first) {
      const requests = mergeRequests(authorizations.flatMap((item) => item.requests));
      const approvals = authorizations.flatMap((item) => item.approvals);
      const connections = requests.map((request) => request.connection);
      // A recheck of the same request keeps its deadline; a new kind of request gets a fresh one.
      const sameRequest =
        previous !== undefined &&
        previous.reason === first.reason &&
        connections.every((connection) => previous.connections.includes(connection));
      const createdAt = sameRequest ? previous.createdAt : Date.now();
      const deadlineAt = sameRequest ? previous.deadlineAt : Date.now() + this.#options.timeoutMs;
      const rejectedTokens =
        first.reason === "token_rejected"
          ? sameRequest && Object.keys(previous.rejectedTokens).length > 0
            ? previous.rejectedTokens
            : await this.#fingerprints(identity, connections)
          : {};
      await store.putPending({
        key,
        threadId,
        identity,
        identifier: scalekitIdentifier(identity),
        connections,
        requests,
        approvals,
        reason: first.reason,
        createdAt,
        deadlineAt,
        rejectedTokens,
        nextCheckAt: this.#options.firstCheckAt?.(Date.now(), first.reason) ?? Date.now(),
      });
      await this.#options.afterRun?.(key);
      logger.info(
        { threadId, userId: identity.userId, connections, approvals: approvals.length, reason: first.reason },
        "waiting for authorization",
      );
      bus.publish(key, {
        type: "authorization-required",
        threadId,
        requests,
        approvals,
        message: first.message,
        reason: first.reason,
        deadline: new Date(deadlineAt).toISOString(),
      });
      this.#options.onWaiting(key, !sameRequest);
      return;
    }
    await store.clearPending(key);
    await this.#options.afterRun?.(key);
    logger.info({ threadId, userId: identity.userId }, "turn completed");
    const text = translator.summary.lastText;
    bus.publish(key, { type: "turn-end", threadId, status: "completed", ...(text ? { text } : {}) });
  }

  /** Interrupt ids the checkpoint still waits on (a finished sibling keeps its old interrupt). */
  async pendingInterruptIds(key: string): Promise<string[]> {
    return (await this.resumePoint(key)).interruptIds;
  }

  /**
   * What a resume continues from: the interrupts the checkpoint still waits on, and the calls of
   * the AI message they belong to (the resumed run's results answer those calls).
   */
  /** Where a resume picks up: the interrupts to answer, and the batch they hold (as it was told). */
  async resumePoint(key: string): Promise<{ interruptIds: string[] } & Required<ResumedBatch>> {
    const snapshot = await this.#options.agent.graph.getState({ configurable: { thread_id: key } });
    const interruptIds = (snapshot.tasks ?? []).flatMap((task) =>
      task.result === undefined ? (task.interrupts ?? []).map((item) => item.id).filter(isString) : [],
    );
    const messages = ((snapshot.values ?? {}) as { messages?: unknown[] }).messages ?? [];
    const last = [...messages].reverse().find((message) => AIMessage.isInstance(message));
    const calls = AIMessage.isInstance(last) ? (last.tool_calls ?? []) : [];
    // The message as checkpointed is as the model wrote it: the person's edits apply when the gate ends.
    const told = new Map(calls.map((call) => [call.id ?? "", callDigest(call.name, call.args)]));
    return {
      interruptIds,
      callIds: calls.map((call) => call.id ?? ""),
      messageId: AIMessage.isInstance(last) ? last.id : undefined,
      told,
    };
  }

  async hasPendingInterrupt(key: string): Promise<boolean> {
    try {
      return (await this.pendingInterruptIds(key)).length > 0;
    } catch {
      return false;
    }
  }

  /** True while some rejected token is still the one Scalekit hands out. */
  async tokenStillRejected(pending: PendingAuthorization): Promise<boolean> {
    const rejected = Object.entries(pending.rejectedTokens);
    if (pending.reason !== "token_rejected" || rejected.length === 0) return false;
    const current = await this.#fingerprints(
      pending.identity,
      rejected.map(([connection]) => connection),
    );
    return rejected.some(([connection, value]) => current[connection] === value);
  }

  /** Short fingerprints (never the tokens) of the user's current provider tokens, from Scalekit. */
  async #fingerprints(identity: Identity, connections: readonly string[]): Promise<Record<string, string>> {
    const fingerprints: Record<string, string> = {};
    for (const connection of connections) {
      try {
        const credentials = await this.#options.auth.fetchCredentials(identity, connection);
        fingerprints[connection] = fingerprint(credentials.accessToken);
      } catch {
        // Not ACTIVE any more: the ordinary status check decides.
      }
    }
    return fingerprints;
  }
}

function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}

function isString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** LangGraph's GraphRecursionError, by name: it may come from another copy of the package. */
function isRecursionLimit(error: unknown): boolean {
  return error instanceof Error && error.name === "GraphRecursionError";
}
