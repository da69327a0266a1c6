import { ToolMessage } from "langchain";
import { oneLine } from "../text.js";

/** Result keys that hold the items a tool found (not e.g. a message's labels), with their singular. */
const COLLECTIONS: Readonly<Record<string, string>> = {
  messages: "message",
  events: "event",
  channels: "channel",
  users: "user",
  results: "result",
  matches: "match",
  slots: "slot",
  pages: "page",
  threads: "thread",
};

/**
 * "6 messages", "sent", or the first line of an error: enough for a one-line activity log.
 * `text: "omit"` never quotes the result (an error is "failed", plain text "done"): for a line
 * that speaks with the person's voice, such as the context digest, where text another party
 * wrote (a hosted tool's plain-text answer, a provider's error) must not appear unfenced.
 */
export function summarizeResult(content: string, isError: boolean, text: "quote" | "omit" = "quote"): string {
  const firstLine = (raw: string) =>
    text === "omit" ? "" : oneLine((raw.split("\n")[0] ?? "").replace(/^Error:\s*/, ""), 140);
  if (isError) return firstLine(content) || "failed";
  try {
    const value = JSON.parse(content) as unknown;
    if (Array.isArray(value)) return `${value.length} items`;
    if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const [key, item] of Object.entries(record)) {
        const singular = COLLECTIONS[key];
        if (Array.isArray(item) && singular) return `${item.length} ${item.length === 1 ? singular : key}`;
      }
      if (record.deleted === true) return "deleted";
      if (record.sent === true) return "sent";
      return "done";
    }
  } catch {
    // Plain-text results are summarized by their first line.
  }
  return firstLine(content) || "done";
}

/** Marks a result the model sees shortened (kept in `response_metadata`, like langchain's own edits). */
const COMPACTED = "delegate_compacted";

export function isCompacted(message: ToolMessage): boolean {
  return message.response_metadata?.[COMPACTED] === true;
}

/**
 * An old tool result as one line for the model's view: what the call came to ("6 messages",
 * "sent", an error's first line), never the third-party text it held. The pair with its call
 * stays intact; the stored result is untouched.
 */
export function compactToolResult(message: ToolMessage): ToolMessage {
  const content = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
  const failed = message.status === "error";
  const outcome = summarizeResult(content, failed);
  const name = message.name ? `${message.name} ` : "";
  return new ToolMessage({
    content: `[earlier result, shortened to save context] ${name}${failed ? "failed: " : "→ "}${outcome}. Call the tool again if you need the details.`,
    tool_call_id: message.tool_call_id,
    ...(message.name ? { name: message.name } : {}),
    ...(message.id ? { id: message.id } : {}),
    status: message.status ?? "success",
    additional_kwargs: message.additional_kwargs,
    response_metadata: { ...message.response_metadata, [COMPACTED]: true },
  });
}
