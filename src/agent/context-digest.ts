import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "langchain";
import { summarizeResult } from "./result-summary.js";

const HEADER =
  "Earlier in this conversation (older turns, shortened to fit the context: the person's requests, quoted, and the calls you made — call the tools again for details):";
const REQUEST_CHARS = 300;

/**
 * The turns that no longer fit, as one message: a line per turn quoting what the person asked,
 * with the calls made and what they came to. Newer turns win when even that is too long: older
 * lines lose the calls first, then are counted, not shown. Deterministic and offline: no model
 * call, nothing stored. It carries only the person's words and Delegate's own: no reply of the
 * model's (which may repeat text others wrote) is raised into a message sent as the user's.
 */
export async function digestTurns(
  messages: readonly BaseMessage[],
  maxTokens: number,
  count: (messages: BaseMessage[]) => number | Promise<number>,
): Promise<HumanMessage> {
  const turns = splitTurns(messages);
  const lines: string[] = [];
  let used = await count([new HumanMessage(HEADER)]);
  let index = turns.length - 1;
  for (; index >= 0; index--) {
    const turn = turns[index] as DigestTurn;
    let line: string | undefined;
    for (const candidate of [turn.full, turn.short]) {
      const size = await count([new HumanMessage(candidate)]);
      if (used + size > maxTokens) continue;
      line = candidate;
      used += size;
      break;
    }
    if (line === undefined) break;
    lines.unshift(line);
  }
  const omitted = index + 1;
  const skipped = omitted > 0 ? [`- (${omitted} earlier ${omitted === 1 ? "turn" : "turns"} not shown)`] : [];
  return new HumanMessage({
    content: [HEADER, ...skipped, ...lines].join("\n"),
    additional_kwargs: { lc_source: "delegate_context_digest" },
  });
}

interface DigestTurn {
  full: string;
  short: string;
}

function splitTurns(messages: readonly BaseMessage[]): DigestTurn[] {
  const turns: BaseMessage[][] = [];
  for (const message of messages) {
    if (HumanMessage.isInstance(message) || turns.length === 0) turns.push([]);
    turns.at(-1)?.push(message);
  }
  return turns.map(describeTurn);
}

function describeTurn(turn: readonly BaseMessage[]): DigestTurn {
  const asked = turn.find((message) => HumanMessage.isInstance(message));
  const request = asked
    ? `The person: "${oneLine(asked.text, REQUEST_CHARS)}"`
    : "(before the first request)";
  const results = new Map<string, ToolMessage>();
  for (const message of turn) if (ToolMessage.isInstance(message)) results.set(message.tool_call_id, message);
  const calls: string[] = [];
  for (const message of turn) {
    if (!AIMessage.isInstance(message)) continue;
    for (const call of message.tool_calls ?? []) {
      const result = results.get(call.id ?? "");
      const content = typeof result?.content === "string" ? result.content : JSON.stringify(result?.content);
      calls.push(
        result ? `${call.name} (${summarizeResult(content, result.status === "error")})` : call.name,
      );
    }
  }
  const full = calls.length > 0 ? `- ${request} → you called ${calls.join(", ")}` : `- ${request}`;
  return { full, short: `- ${request}` };
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
