import { type BaseMessageLike, coerceMessageLikeToMessage, HumanMessage } from "@langchain/core/messages";
import { HTTPException } from "@langchain/langgraph-sdk/auth";
import { DEFAULT_MAX_MESSAGE_CHARS } from "../runtime/runtime-inputs.js";

/**
 * What a new run on the LangGraph server may bring: the person's message, as `runtime.send`
 * takes it. A run that resumes (`command`) brings none. Anything else is refused before the graph
 * runs: no messages (the model would answer nothing), an empty or oversized text (a thread that
 * carries a megabyte on every model call from then on), a message in another role (an AI message
 * with tool calls, a tool result or a system prompt written into the thread by a client), or any
 * other state channel (the gate's "always allowed" list, say).
 */
export function checkRunInput(kwargs: Record<string, unknown> | undefined): void {
  if (kwargs?.command != null) return;
  const input = kwargs?.input as { messages?: unknown } | null | undefined;
  const messages = input?.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid(
      'A run needs the person\'s message: input: { messages: [{ type: "human", content: "…" }] }.',
    );
  }
  // The graph's other state channels (the gate's among them) are written by its runs only.
  const others = Object.keys(input as object).filter((key) => key !== "messages");
  if (others.length > 0) {
    throw invalid(
      `A run's input takes messages only; ${others.join(", ")} ${others.length === 1 ? "is" : "are"} the thread's own state.`,
    );
  }
  let total = 0;
  for (const message of messages) {
    const human = asHuman(message);
    if (!human) {
      throw invalid(
        'A run\'s input takes the person\'s messages only (type "human" or role "user"); the thread\'s other messages are written by its runs.',
      );
    }
    const text = textOf(human.content);
    if (text === undefined || !text.trim()) throw invalid("The message text is empty.");
    total += text.length;
  }
  if (total > DEFAULT_MAX_MESSAGE_CHARS) {
    throw invalid(
      `The message is ${total} characters long; the limit is ${DEFAULT_MAX_MESSAGE_CHARS}. Send a shorter message (or a link to the text).`,
    );
  }
}

function invalid(message: string): HTTPException {
  return new HTTPException(422, { message });
}

/**
 * The message as the thread's reducer will store it, if that is the person's. Judged by the same
 * coercion the reducer applies, because it decides the class from `role` before `type`:
 * `{ type: "human", role: "system" }` is stored as a system prompt, `role: "remove"` erases.
 */
function asHuman(message: unknown): HumanMessage | undefined {
  if (typeof message !== "string" && (typeof message !== "object" || message === null)) return undefined;
  try {
    const coerced = coerceMessageLikeToMessage(message as BaseMessageLike);
    return HumanMessage.isInstance(coerced) ? coerced : undefined;
  } catch {
    return undefined;
  }
}

/** A message's text: a string, or the text parts of a content list (images etc. have none). */
function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) =>
      (part as { type?: unknown })?.type === "text" ? String((part as { text?: unknown }).text ?? "") : "",
    )
    .join("");
}
