import {
  AIMessage,
  type BaseMessage,
  type ContextEdit,
  contextEditingMiddleware,
  countTokensApproximately,
  HumanMessage,
  ToolMessage,
} from "langchain";
import type { Logger } from "../logger.js";
import { DIGEST_HEADER, describeTurns, digestTurns, lineTokens } from "./context-digest.js";
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

/**
 * The share of the budget kept for the digest of older turns, so that besides the person's
 * messages (which it always quotes whole, whatever they take) it has room for the calls made.
 */
const DIGEST_SHARE = 0.2;

/** How many threads the "over the budget" warning remembers having warned about. */
const WARNED_THREADS = 1_000;

/**
 * Bounds what the model sees, not what is stored: langchain's `contextEditingMiddleware` with
 * one edit that, once the history is over `maxTokens`, (1) shortens tool results before the
 * current turn to one line each, oldest first, and if that is not enough (2) keeps the most
 * recent turns whole and replaces the older ones with a digest that quotes every message of the
 * person's word for word, with the calls made (the model's older replies are left out). What is
 * never dropped nor cut: the person's messages and the current turn — the person's latest
 * message and every call pending in it, with their results; a tool call is never separated from
 * its result. When those alone are over the budget, the model is sent more than `maxTokens`
 * (`logger` hears of it once per thread, as a warning).
 *
 * Place it after the middleware that builds the model's view: the edit rewrites the request's
 * message array in place.
 */
export function createContextBudgetMiddleware(options: ContextBudgetOptions & { logger?: Logger }) {
  return contextEditingMiddleware({
    edits: [
      new FitToBudget(options.maxTokens, options.tokenCounter ?? countTokensApproximately, options.logger),
    ],
    tokenCountMethod: "approx",
  });
}

export class FitToBudget implements ContextEdit {
  readonly #maxTokens: number;
  readonly #count: MessageTokenCounter;
  readonly #logger: Logger | undefined;
  /** Threads (by the id of their first message) already warned about being over the budget. */
  readonly #warned = new Set<string>();

  constructor(maxTokens: number, count: MessageTokenCounter, logger?: Logger) {
    this.#maxTokens = maxTokens;
    this.#count = count;
    this.#logger = logger;
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
    // The older turns, and what the digest needs at least for each: the person's message, whole.
    const turns = describeTurns(original.slice(0, current));
    const quoted = [await lineTokens(DIGEST_HEADER, this.#count)];
    for (const turn of turns) {
      const quote = turn.quote === undefined ? 0 : await lineTokens(turn.quote, this.#count);
      quoted.push((quoted.at(-1) ?? 0) + quote);
    }
    // Whole turns, newest first, while they fit beside the current turn and the digest of the
    // turns before them (its share of the budget, or its quotes when they take more).
    const share = Math.floor(max * DIGEST_SHARE);
    const currentTokens = sum(sizes.slice(current));
    let kept = 0;
    let keepFrom = current;
    for (let index = turns.length - 1; index > 0; index--) {
      const start = (turns[index] as { start: number }).start;
      const size = sum(sizes.slice(start, keepFrom));
      const digest = Math.max(share, quoted[index] ?? 0);
      if (currentTokens + kept + size + digest > max || !pairsIntact(messages, start)) break;
      kept += size;
      keepFrom = start;
    }
    if (keepFrom === 0) {
      this.#warnOverBudget(original, sizes, total);
      return;
    }
    const digested = turns.filter((turn) => turn.start < keepFrom);
    const digest = await digestTurns(digested, max - currentTokens - kept, this.#count);
    messages.splice(0, keepFrom, digest);
    const sent = currentTokens + kept + (await this.#count([digest]));
    if (sent > max) this.#warnOverBudget(original, sizes, sent);
  }

  /** Once per thread: the person's messages and the current turn alone are over the budget. */
  #warnOverBudget(original: readonly BaseMessage[], sizes: readonly number[], sent: number): void {
    if (!this.#logger) return;
    const thread = original[0]?.id ?? "";
    if (this.#warned.has(thread)) return;
    if (this.#warned.size >= WARNED_THREADS) this.#warned.clear();
    this.#warned.add(thread);
    const personTokens = sum(sizes.filter((_, index) => HumanMessage.isInstance(original[index])));
    this.#logger.warn(
      { maxTokens: this.#maxTokens, tokens: sent, personTokens, messages: original.length },
      "context budget: the person's messages and the current turn alone are over context.maxTokens; the model is sent them all (they are never dropped nor cut)",
    );
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
