import {
  AIMessage,
  type BaseMessage,
  type BaseMessageLike,
  coerceMessageLikeToMessage,
  HumanMessage,
  ToolMessage,
} from "@langchain/core/messages";
import { HTTPException } from "@langchain/langgraph-sdk/auth";
import { DEFAULT_MAX_MESSAGE_CHARS } from "../runtime/runtime-inputs.js";

/**
 * What a new run on the LangGraph server may bring: the person's message, as `runtime.send`
 * takes it. A run that resumes (`command`) brings none. Anything else is refused before the graph
 * runs: no messages (the model would answer nothing), an empty or oversized text (a thread that
 * carries a megabyte on every model call from then on), a message in another role (an AI message
 * with tool calls, a tool result or a system prompt written into the thread by a client), or any
 * other state channel (the gate's "always allowed" list, say).
 *
 * One exception: the placeholder answers Agent Chat UI writes for waiting calls when the person
 * types instead of deciding (see `uiAnswerOf`), ahead of their message. Which calls they may
 * answer is checked against the thread by the auth handler (`checkUiAnswers`); the graph never
 * takes them for results (`withoutForeignResults`: "this call did not run").
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
  let people = 0;
  const answered = new Set<string>();
  for (const message of messages) {
    const answer = people === 0 ? uiAnswerOf(message) : undefined;
    if (answer) {
      if (answered.has(answer.tool_call_id)) throw invalid("Two messages answer the same tool call.");
      answered.add(answer.tool_call_id);
      total += textOf(answer.content)?.length ?? 0;
      continue;
    }
    const human = asHuman(message);
    if (!human) {
      throw invalid(
        'A run\'s input takes the person\'s messages only (type "human" or role "user"); the thread\'s other messages are written by its runs.',
      );
    }
    const text = textOf(human.content);
    if (text === undefined || !text.trim()) throw invalid("The message text is empty.");
    total += text.length;
    people += 1;
  }
  if (people === 0) {
    throw invalid(
      'A run needs the person\'s message: input: { messages: [{ type: "human", content: "…" }] }.',
    );
  }
  if (total > DEFAULT_MAX_MESSAGE_CHARS) {
    throw invalid(
      `The message is ${total} characters long; the limit is ${DEFAULT_MAX_MESSAGE_CHARS}. Send a shorter message (or a link to the text).`,
    );
  }
}

/** The id prefix Agent Chat UI gives the tool messages it writes itself (`ensureToolCallsHaveResponses`). */
const UI_ANSWER_ID_PREFIX = "do-not-render-";

/**
 * The fields such a message has. Any other (`additional_kwargs`, which holds Delegate's mark of
 * its own results, an `artifact`, a `status`) would be the client speaking for a result.
 */
const UI_ANSWER_FIELDS = new Set(["type", "role", "id", "tool_call_id", "name", "content"]);

/** Ids and names are short; the UI's content is one sentence. */
const UI_ANSWER_MAX_CHARS = 200;

function shortString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= UI_ANSWER_MAX_CHARS;
}

/**
 * The message as a placeholder answer Agent Chat UI writes for a waiting call when the person
 * types instead of deciding: `{ type: "tool", id: "do-not-render-…", tool_call_id, name,
 * content: "Successfully handled tool call." }`, and nothing else.
 */
export function uiAnswerOf(message: unknown): ToolMessage | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const fields = message as Record<string, unknown>;
  if (Object.keys(fields).some((key) => !UI_ANSWER_FIELDS.has(key))) return undefined;
  if (!shortString(fields.id) || !fields.id.startsWith(UI_ANSWER_ID_PREFIX)) return undefined;
  if (!shortString(fields.tool_call_id)) return undefined;
  // The UI copies the call's tool name; anything else is text the client wants kept.
  if (fields.name !== undefined && !shortString(fields.name)) return undefined;
  if (typeof fields.content !== "string" || fields.content.length > UI_ANSWER_MAX_CHARS) return undefined;
  const coerced = coerce(message);
  return coerced && ToolMessage.isInstance(coerced) ? coerced : undefined;
}

/**
 * The calls the run's input answers with placeholders. Any other tool message is refused by
 * `checkRunInput`, whichever calls it names.
 */
export function answeredCallIds(input: unknown): string[] {
  const messages = (input as { messages?: unknown } | null | undefined)?.messages;
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((message) => uiAnswerOf(message)?.tool_call_id ?? []);
}

/**
 * The calls of the thread's messages (as the server stores them) that no result answers in the
 * batch right after their message: the ones waiting for the person (the latest message's), and
 * those a client wrote over before. Only these may be answered by a placeholder.
 */
export function openCallIds(stored: unknown): Set<string> {
  const open = new Set<string>();
  let batch = new Set<string>();
  for (const raw of Array.isArray(stored) ? stored : []) {
    const message = coerce(raw);
    if (message && ToolMessage.isInstance(message)) {
      batch.delete(message.tool_call_id);
      continue;
    }
    for (const id of batch) open.add(id);
    batch = new Set(
      message && AIMessage.isInstance(message)
        ? (message.tool_calls ?? []).flatMap((call) => call.id ?? [])
        : [],
    );
  }
  for (const id of batch) open.add(id);
  return open;
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
  const coerced = coerce(message);
  return coerced && HumanMessage.isInstance(coerced) ? coerced : undefined;
}

/** The message as the thread's reducer would store it, if it is one. */
function coerce(message: unknown): BaseMessage | undefined {
  if (typeof message !== "string" && (typeof message !== "object" || message === null)) return undefined;
  try {
    return coerceMessageLikeToMessage(message as BaseMessageLike);
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
