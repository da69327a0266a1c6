/** Gmail's read endpoints: getProfile, messages.list, messages.get and threads.get. */
import { offsetCursor, readOffsetCursor } from "../offset-cursor.js";
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { entityNotFound, invalidArgument } from "./gmail-errors.js";
import { GMAIL_SANDBOX_ADDRESS } from "./gmail-seed.js";
import { type Mailbox, newestFirst } from "./mailbox.js";
import { renderMessage } from "./render.js";
import { compileQuery } from "./search.js";

const ID_PATTERN = /^[0-9a-f]{1,32}$/i;
const FORMATS = ["full", "metadata", "minimal"];

export function profile(box: Mailbox): ProviderHttpResponse {
  const threads = new Set([...box.messages.values()].map((message) => message.threadId));
  return {
    status: 200,
    body: {
      emailAddress: GMAIL_SANDBOX_ADDRESS,
      messagesTotal: box.messages.size,
      threadsTotal: threads.size,
      historyId: String(box.historyId),
    },
  };
}

export function listMessages(box: Mailbox, query: URLSearchParams, now: Date): ProviderHttpResponse {
  const maxParam = query.get("maxResults");
  const maxResults = maxParam === null ? 100 : Number(maxParam);
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    return invalidArgument(`Invalid value at 'max_results' (TYPE_UINT32), "${maxParam}"`);
  }
  let offset = 0;
  const pageToken = query.get("pageToken");
  if (pageToken) {
    const decoded = readOffsetCursor(pageToken, "base64url");
    if (decoded === undefined) return invalidArgument("Invalid pageToken");
    offset = decoded;
  }
  const search = compileQuery(query.get("q") ?? "", now);
  const labelIds = query.getAll("labelIds").map((label) => label.toUpperCase());
  const includeSpamTrash = query.get("includeSpamTrash") === "true" || search.includesSpamTrash;
  const matches = newestFirst(
    [...box.messages.values()].filter(
      (message) =>
        (includeSpamTrash || !message.labelIds.some((label) => label === "SPAM" || label === "TRASH")) &&
        labelIds.every((label) => message.labelIds.includes(label)) &&
        search.matches(message),
    ),
  );
  const page = matches.slice(offset, offset + Math.min(maxResults, 500));
  const next = offset + page.length;
  return {
    status: 200,
    body: {
      // Like Gmail, an empty result has no `messages` key at all.
      ...(page.length
        ? { messages: page.map((message) => ({ id: message.id, threadId: message.threadId })) }
        : {}),
      ...(next < matches.length ? { nextPageToken: offsetCursor(next, "base64url") } : {}),
      resultSizeEstimate: matches.length,
    },
  };
}

export function getMessage(box: Mailbox, id: string, query: URLSearchParams): ProviderHttpResponse {
  if (!ID_PATTERN.test(id)) return invalidArgument("Invalid id value");
  const message = box.messages.get(id.toLowerCase());
  if (!message) return entityNotFound();
  const format = readFormat(query);
  if (typeof format !== "string") return format;
  return { status: 200, body: renderMessage(message, format, query.getAll("metadataHeaders")) };
}

export function getThread(box: Mailbox, id: string, query: URLSearchParams): ProviderHttpResponse {
  if (!ID_PATTERN.test(id)) return invalidArgument("Invalid id value");
  const messages = [...box.messages.values()]
    .filter((message) => message.threadId === id.toLowerCase())
    .sort((a, b) => a.internalDate - b.internalDate || a.sequence - b.sequence);
  if (messages.length === 0) return entityNotFound();
  const format = readFormat(query);
  if (typeof format !== "string") return format;
  const headers = query.getAll("metadataHeaders");
  return {
    status: 200,
    body: {
      id: id.toLowerCase(),
      historyId: String(Math.max(...messages.map((message) => message.historyId))),
      messages: messages.map((message) => renderMessage(message, format, headers)),
    },
  };
}

/** The `format` messages.get and threads.get answer in (`full` when absent), or the 400 for another. */
function readFormat(query: URLSearchParams): string | ProviderHttpResponse {
  const format = query.get("format") ?? "full";
  return FORMATS.includes(format) ? format : invalidArgument(`Invalid value at 'format', "${format}"`);
}
