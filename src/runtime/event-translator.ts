import { AIMessage, AIMessageChunk, type BaseMessage, ToolMessage } from "langchain";
import { type AuthorizationInterrupt, isAuthorizationInterrupt } from "../agent/authorization-request.js";
import { callDigest } from "../agent/gate/call-digest.js";
import { summarizeResult } from "../agent/result-summary.js";
import { truncate } from "../text.js";
import type { RuntimeEvent } from "./events.js";

const PREVIEW_LIMIT = 400;

/** An interrupt as LangGraph streams it. */
export interface StreamedInterrupt {
  id?: string;
  value: unknown;
}

/** What one run of the graph produced, besides the events. */
export interface RunSummary {
  interrupts: StreamedInterrupt[];
  authorization?: AuthorizationInterrupt;
  lastText?: string;
}

/**
 * Turns LangGraph `["messages", "updates"]` stream chunks into runtime events. Tokens come from
 * `messages` mode (model node only); whole messages, tool calls and results from `updates`.
 */
export class EventTranslator {
  readonly #threadId: string;
  readonly #seenToolCalls = new Set<string>();
  readonly #seenResults = new Set<string>();
  /** AI messages already told: the gate hands a message back (same id) when the person edits a call. */
  readonly #seenTexts = new Set<string>();
  /** Text streamed so far per message still being written; told messages stream no more. */
  readonly #streamed = new Map<string, string>();
  readonly summary: RunSummary = { interrupts: [] };

  /** Calls of this turn: the model's (seen in this run) and those a resumed wait blocked. */
  readonly #turnCalls: Set<string>;
  /** The AI message a resumed wait continues: told in the run that asked, not again. */
  readonly #resumedMessageId: string | undefined;
  /** Calls the person was asked about, by id: the digest of the call as it was shown. */
  readonly #asked: ReadonlyMap<string, string>;

  constructor(
    threadId: string,
    blockedCalls: Iterable<string> = [],
    resumedMessageId?: string,
    asked: ReadonlyMap<string, string> = new Map(),
  ) {
    this.#threadId = threadId;
    this.#turnCalls = new Set(blockedCalls);
    this.#resumedMessageId = resumedMessageId;
    this.#asked = asked;
  }

  translate(mode: string, chunk: unknown): RuntimeEvent[] {
    if (mode === "messages") return this.#fromMessages(chunk);
    if (mode === "updates") return this.#fromUpdates(chunk);
    return [];
  }

  #fromMessages(chunk: unknown): RuntimeEvent[] {
    if (!Array.isArray(chunk)) return [];
    const [message, metadata] = chunk as [unknown, { langgraph_node?: string } | undefined];
    if (metadata?.langgraph_node !== "model_request") return [];
    if (!AIMessageChunk.isInstance(message)) return [];
    // A chunk's `text` goes through langchain's content-block translators; a string is the text.
    const text = typeof message.content === "string" ? message.content : message.text;
    if (!text) return [];
    if (message.id !== undefined) {
      // Tokens come from LangChain's background callbacks, which under load fall behind the
      // graph's updates: one for a message already told is dropped (the message carried it).
      if (this.#seenTexts.has(message.id)) return [];
      this.#streamed.set(message.id, (this.#streamed.get(message.id) ?? "") + text);
    }
    return [
      {
        type: "text-delta",
        threadId: this.#threadId,
        text,
        ...(message.id ? { messageId: message.id } : {}),
      },
    ];
  }

  #fromUpdates(chunk: unknown): RuntimeEvent[] {
    if (typeof chunk !== "object" || chunk === null) return [];
    const events: RuntimeEvent[] = [];
    for (const [node, update] of Object.entries(chunk as Record<string, unknown>)) {
      if (node === "__interrupt__") {
        for (const item of (update as StreamedInterrupt[]) ?? []) {
          this.summary.interrupts.push(item);
          if (isAuthorizationInterrupt(item.value)) this.summary.authorization = item.value;
        }
        continue;
      }
      // Middleware hooks that update state hand back the whole message list: from them, only
      // results for this turn's calls are new (e.g. the gate answering a call it declined).
      const ownNode = node === "model_request" || node === "tools";
      for (const part of Array.isArray(update) ? update : [update]) {
        const messages = (part as { messages?: unknown } | undefined)?.messages;
        if (!Array.isArray(messages)) continue;
        for (const message of messages as BaseMessage[]) {
          if (ownNode || (ToolMessage.isInstance(message) && this.#turnCalls.has(message.tool_call_id))) {
            events.push(...this.#fromMessage(message));
          }
        }
      }
    }
    return events;
  }

  /**
   * What a streamed message's deltas have not carried yet: tokens still queued behind the graph
   * when its message arrives would come late or never, so the deltas always make up the message.
   */
  #unstreamed(messageId: string | undefined, text: string): RuntimeEvent[] {
    if (messageId === undefined) return [];
    // None streamed yet (a model that does not stream, or its tokens all late): the whole text.
    const streamed = this.#streamed.get(messageId) ?? "";
    this.#streamed.delete(messageId);
    if (streamed.length >= text.length || !text.startsWith(streamed)) return [];
    return [{ type: "text-delta", threadId: this.#threadId, text: text.slice(streamed.length), messageId }];
  }

  #toolCall(toolCallId: string, toolName: string, args: unknown): RuntimeEvent {
    return {
      type: "tool-call",
      threadId: this.#threadId,
      toolCallId,
      toolName,
      args: args as Record<string, unknown>,
    };
  }

  #fromMessage(message: BaseMessage): RuntimeEvent[] {
    const events: RuntimeEvent[] = [];
    if (AIMessage.isInstance(message)) {
      if (message.id !== undefined && message.id === this.#resumedMessageId) {
        // Handed back by the gate (e.g. with the person's edits): its results are this run's, and
        // a call the person edited is told again, with the arguments it runs with.
        for (const call of message.tool_calls ?? []) {
          const id = call.id ?? "";
          this.#turnCalls.add(id);
          const asked = this.#asked.get(id);
          if (asked !== undefined && asked !== callDigest(call.name, call.args)) {
            events.push(this.#toolCall(id, call.name, call.args));
          }
        }
        return events;
      }
      const text = message.text;
      const repeated = message.id !== undefined && this.#seenTexts.has(message.id);
      if (message.id !== undefined) this.#seenTexts.add(message.id);
      if (text && !repeated) {
        this.summary.lastText = text;
        events.push(...this.#unstreamed(message.id, text));
        events.push({
          type: "message",
          threadId: this.#threadId,
          role: "assistant",
          text,
          ...(message.id ? { messageId: message.id } : {}),
        });
      }
      for (const call of message.tool_calls ?? []) {
        const id = call.id ?? "";
        this.#turnCalls.add(id);
        // By message and call: some models number calls per message, so ids recur.
        const seen = `${message.id ?? ""}\u0000${id}`;
        if (this.#seenToolCalls.has(seen)) continue;
        this.#seenToolCalls.add(seen);
        // A new call under a used id: its result is a new one too.
        this.#seenResults.delete(id);
        events.push(this.#toolCall(id, call.name, call.args));
      }
    } else if (ToolMessage.isInstance(message)) {
      if (this.#seenResults.has(message.tool_call_id)) return events;
      this.#seenResults.add(message.tool_call_id);
      const content = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
      events.push({
        type: "tool-result",
        threadId: this.#threadId,
        toolCallId: message.tool_call_id,
        toolName: message.name ?? "",
        status: message.status === "error" ? "error" : "success",
        preview: truncate(content, PREVIEW_LIMIT).text,
        summary: summarizeResult(content, message.status === "error"),
      });
    }
    return events;
  }
}
