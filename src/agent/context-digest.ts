import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "langchain";
import { summarizeResult } from "./result-summary.js";

export const DIGEST_HEADER =
  "Earlier in this conversation (older turns, shortened to fit the context: the person's messages, quoted word for word, and the calls you made — call the tools again for details):";

/** One older turn as the digest can show it. */
export interface DigestTurn {
  /** Where the turn starts in the messages it was read from. */
  start: number;
  /** The person's message, quoted whole; absent for what came before the first one. */
  quote?: string;
  /** The quote (or a placeholder) with the calls made and what they came to; absent without calls. */
  full?: string;
}

/**
 * The turns of `messages`: one at each message of the person's (and one at the very start when
 * something came before the first). The person's message is quoted exactly as it was written —
 * never cut, never reflowed.
 */
export function describeTurns(messages: readonly BaseMessage[]): DigestTurn[] {
  const turns: DigestTurn[] = [];
  let start = 0;
  for (let index = 1; index <= messages.length; index++) {
    if (index === messages.length || HumanMessage.isInstance(messages[index])) {
      turns.push(describeTurn(messages.slice(start, index), start));
      start = index;
    }
  }
  return turns;
}

/**
 * Older turns as one message: a line per turn quoting what the person wrote, word for word, with
 * the calls made and what they came to. Every quote is always there, even past `maxTokens` (the
 * person's own messages are never dropped nor cut); the calls go where they fit, newest turns
 * first, and what came before the person's first message only when it fits. Deterministic and
 * offline: no model call, nothing stored. It carries only the person's words and Delegate's own:
 * no reply of the model's (which may repeat text others wrote) is raised into a message sent as
 * the user's.
 */
export async function digestTurns(
  turns: readonly DigestTurn[],
  maxTokens: number,
  count: (messages: BaseMessage[]) => number | Promise<number>,
): Promise<HumanMessage> {
  const size = (line: string) => lineTokens(line, count);
  const lines: (string | undefined)[] = turns.map((turn) => turn.quote);
  let used = await size(DIGEST_HEADER);
  for (const quote of lines) if (quote !== undefined) used += await size(quote);
  for (let index = turns.length - 1; index >= 0; index--) {
    const { quote, full } = turns[index] as DigestTurn;
    if (full === undefined) continue;
    const extra = (await size(full)) - (quote === undefined ? 0 : await size(quote));
    if (used + extra > maxTokens) continue;
    used += extra;
    lines[index] = full;
  }
  return new HumanMessage({
    content: [DIGEST_HEADER, ...lines.filter((line) => line !== undefined)].join("\n"),
    additional_kwargs: { lc_source: "delegate_context_digest" },
  });
}

/**
 * What one line adds to the digest, a line break included: the lines' sizes (the header's too)
 * added up are never less than the digest's own count, with a counter that rounds up per message
 * as langchain's approximation does.
 */
export async function lineTokens(
  line: string,
  count: (messages: BaseMessage[]) => number | Promise<number>,
): Promise<number> {
  return await count([new HumanMessage(`\n${line}`)]);
}

function describeTurn(turn: readonly BaseMessage[], start: number): DigestTurn {
  const asked = turn.find((message) => HumanMessage.isInstance(message));
  const quote = asked ? `- The person: "${asked.text}"` : undefined;
  const results = new Map<string, ToolMessage>();
  for (const message of turn) if (ToolMessage.isInstance(message)) results.set(message.tool_call_id, message);
  const calls: string[] = [];
  for (const message of turn) {
    if (!AIMessage.isInstance(message)) continue;
    for (const call of message.tool_calls ?? []) {
      const result = results.get(call.id ?? "");
      const content = typeof result?.content === "string" ? result.content : JSON.stringify(result?.content);
      calls.push(
        result ? `${call.name} (${summarizeResult(content, result.status === "error", "omit")})` : call.name,
      );
    }
  }
  if (calls.length === 0) return quote === undefined ? { start } : { start, quote };
  const full = `${quote ?? "- (before the person's first message)"} → you called ${calls.join(", ")}`;
  return quote === undefined ? { start, full } : { start, quote, full };
}
