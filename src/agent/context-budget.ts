import {
  AIMessage,
  type BaseMessage,
  type ContextEdit,
  contextEditingMiddleware,
  countTokensApproximately,
  HumanMessage,
  ToolMessage,
} from "langchain";
import { digestTurns } from "./context-digest.js";
import { compactToolResult, isCompacted } from "./result-summary.js";

/** Counts the tokens of some messages; an approximation is fine. */
export type MessageTokenCounter = (messages: BaseMessage[]) => number | Promise<number>;

export interface ContextBudgetOptions {
  /**
   * The most tokens of conversation the model is sent per call, besides the system prompt and the
   * tool definitions (which are the same every call).
   */
  maxTokens: number;
  /**
   * Default: langchain's `countTokensApproximately` (about four characters a token, offline).
   * Never a model's own `getNumTokens`, which downloads tokenizer data.
   */
  tokenCounter?: MessageTokenCounter;
}

export const DEFAULT_CONTEXT_TOKENS = 16_000;

/** The share of the budget the digest of older turns may take. */
const DIGEST_SHARE = 0.2;

/**
 * Bounds what the model sees, not what is stored: langchain's `contextEditingMiddleware` with
 * one edit that, once the history is over `maxTokens`, (1) shortens tool results before the
 * current turn to one line each, oldest first, and if that is not enough (2) keeps the most
 * recent turns whole and replaces the older ones with a digest that quotes the person's
 * requests. The current turn — the person's message and every call pending in it — is always
 * sent whole, and a tool call is never separated from its result.
 *
 * Place it after the middleware that builds the model's view: the edit rewrites the request's
 * message array in place.
 */
export function createContextBudgetMiddleware(options: ContextBudgetOptions) {
  return contextEditingMiddleware({
    edits: [new FitToBudget(options.maxTokens, options.tokenCounter ?? countTokensApproximately)],
    tokenCountMethod: "approx",
  });
}

export class FitToBudget implements ContextEdit {
  readonly #maxTokens: number;
  readonly #count: MessageTokenCounter;

  constructor(maxTokens: number, count: MessageTokenCounter) {
    this.#maxTokens = maxTokens;
    this.#count = count;
  }

  async apply({ messages }: { messages: BaseMessage[] }): Promise<void> {
    const max = this.#maxTokens;
    const sizes = await Promise.all(messages.map((message) => this.#count([message])));
    let total = sum(sizes);
    if (total <= max) return;
    const original = [...messages];
    const current = currentTurnStart(messages);
    for (let index = 0; index < current && total > max; index++) {
      const message = messages[index];
      if (!ToolMessage.isInstance(message) || isCompacted(message)) continue;
      const compacted = compactToolResult(message);
      const size = await this.#count([compacted]);
      if (size >= (sizes[index] ?? 0)) continue;
      total -= (sizes[index] ?? 0) - size;
      sizes[index] = size;
      messages[index] = compacted;
    }
    if (total <= max) return;
    // Whole turns, newest first, while they fit beside the current turn and the digest.
    const digestTokens = Math.floor(max * DIGEST_SHARE);
    let room = max - digestTokens - sum(sizes.slice(current));
    let keepFrom = current;
    for (const start of turnStarts(messages, current).reverse()) {
      const size = sum(sizes.slice(start, keepFrom));
      if (size > room || !pairsIntact(messages, start)) break;
      room -= size;
      keepFrom = start;
    }
    if (keepFrom === 0) return;
    const digest = await digestTurns(original.slice(0, keepFrom), digestTokens, this.#count);
    messages.splice(0, keepFrom, digest);
  }
}

/**
 * Where the turn the model is answering starts: the person's latest message, or earlier when a
 * result after it answers a call made before it (a call is never separated from its result).
 */
export function currentTurnStart(messages: readonly BaseMessage[]): number {
  let start = messages.length;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (HumanMessage.isInstance(messages[index])) {
      start = index;
      break;
    }
  }
  if (start === messages.length) return 0;
  while (!pairsIntact(messages, start)) start -= 1;
  return start;
}

/** Indexes before `before` where a turn begins: each message of the person's, and the very start. */
function turnStarts(messages: readonly BaseMessage[], before: number): number[] {
  const starts: number[] = [];
  for (let index = 0; index < before; index++) {
    if (index === 0 || HumanMessage.isInstance(messages[index])) starts.push(index);
  }
  return starts;
}

/** True when every tool result from `start` on answers a call made from `start` on. */
function pairsIntact(messages: readonly BaseMessage[], start: number): boolean {
  const calls = new Set<string>();
  for (let index = start; index < messages.length; index++) {
    const message = messages[index];
    if (AIMessage.isInstance(message)) for (const call of message.tool_calls ?? []) calls.add(call.id ?? "");
    else if (ToolMessage.isInstance(message) && !calls.has(message.tool_call_id)) return false;
  }
  return true;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
