import { isDelegateError } from "../../errors.js";
import { truncate } from "../../text.js";
import { connectorTool } from "../connector-tool.js";
import { decodeEntities, htmlToText } from "../shared/html.js";
import { formatInZoneOrUtc } from "../shared/time.js";
import { type GmailMessage, getMessage, listMessages } from "./gmail-api.js";
import { header, readParts } from "./mime.js";
import { getMessageSchema, searchMessagesSchema } from "./schemas.js";

/** The longest message body handed to the model; longer bodies are cut and flagged. */
const BODY_LIMIT = 6000;
const SUMMARY_HEADERS = ["From", "To", "Subject", "Date"] as const;
/** Metadata look-ups run in parallel, but never more than this many at once per search. */
const FETCH_CONCURRENCY = 5;

export const searchMessages = connectorTool({
  name: "gmail_search_messages",
  description:
    "Search the user's Gmail with Gmail search syntax and list matching messages newest first (sender, subject, date, snippet, unread). Use gmail_get_message to read one in full.",
  schema: searchMessagesSchema,
  effect: "read",
  async run({ query, max_results }, { http, timeZone }) {
    const list = await listMessages(http, query.trim(), max_results);
    const refs = (list.messages ?? []).slice(0, max_results);
    const fetched = await mapBounded(refs, FETCH_CONCURRENCY, (ref) =>
      getMessage(http, ref.id, "metadata", SUMMARY_HEADERS).catch((error: unknown) => {
        // A message deleted between the list and the look-up is simply no longer a result.
        if (isDelegateError(error, "PROVIDER_ERROR") && error.details.status === 404) return undefined;
        throw error;
      }),
    );
    const messages = fetched.filter((message) => message !== undefined).map((m) => summarize(m, timeZone));
    return { messages, total: Math.max(list.resultSizeEstimate ?? 0, messages.length) };
  },
});

export const getMessageTool = connectorTool({
  name: "gmail_get_message",
  description:
    "Read one Gmail message in full: headers, labels and the plain-text body (long bodies are cut and flagged truncated).",
  schema: getMessageSchema,
  effect: "read",
  async run({ message_id }, { http, timeZone }) {
    const message = await getMessage(http, message_id, "full");
    const headers = message.payload?.headers;
    const { body, attachments } = readParts(message.payload);
    const plain = body.plain?.trim() ? tidyPlain(body.plain) : undefined;
    const text = plain ?? (body.html ? htmlToText(body.html) : "");
    const { text: shown, truncated } = truncate(text, BODY_LIMIT);
    const cc = header(headers, "Cc");
    const labels = message.labelIds ?? [];
    return {
      id: message.id,
      thread_id: message.threadId,
      from: header(headers, "From") ?? "",
      to: header(headers, "To") ?? "",
      ...(cc ? { cc } : {}),
      subject: header(headers, "Subject") || "(no subject)",
      date: messageDate(message, timeZone),
      labels,
      unread: labels.includes("UNREAD"),
      body: shown,
      ...(truncated ? { truncated: true } : {}),
      ...(attachments.length ? { attachments } : {}),
    };
  },
});

function summarize(message: GmailMessage, timeZone: string) {
  const headers = message.payload?.headers;
  return {
    id: message.id,
    thread_id: message.threadId,
    from: header(headers, "From") ?? "",
    to: header(headers, "To") ?? "",
    subject: header(headers, "Subject") || "(no subject)",
    date: messageDate(message, timeZone),
    snippet: decodeEntities(message.snippet ?? ""),
    unread: message.labelIds?.includes("UNREAD") ?? false,
  };
}

/** Gmail's internalDate (when the message reached the mailbox) is reliable; the Date header may not be. */
function messageDate(message: GmailMessage, timeZone: string): string {
  const internal = Number(message.internalDate);
  const fromHeader = Date.parse(header(message.payload?.headers, "Date") ?? "");
  const instant = Number.isFinite(internal) && internal > 0 ? internal : fromHeader;
  return Number.isFinite(instant) ? formatInZoneOrUtc(new Date(instant), timeZone) : "";
}

function tidyPlain(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
