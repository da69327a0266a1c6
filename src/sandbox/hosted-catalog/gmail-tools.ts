import { annotations, CREATE, READ, type ToolSpec } from "./catalog-support.js";
import { boolean, integer, objectSchema, string, stringArray, stringEnum } from "./json-schema.js";
import type { ToolInput } from "./tool-input.js";

const BASE = "/gmail/v1/users/me";

interface GmailHeader {
  name: string;
  value: string;
}

interface GmailPart {
  mimeType?: string;
  headers?: GmailHeader[];
  body?: { data?: string };
  parts?: GmailPart[];
}

interface GmailMessage {
  id: string;
  threadId?: string;
  labelIds?: string[];
  snippet?: string;
  payload?: GmailPart;
}

const composeInput = objectSchema(
  {
    to: string("Recipient email address(es), comma-separated"),
    subject: string("Subject line"),
    body: string("Message body"),
    cc: string("CC recipients, comma-separated"),
    bcc: string("BCC recipients, comma-separated"),
    content_type: stringEnum(["text/plain", "text/html"], "Body format"),
    thread_id: string("Thread to add the message to (a reply)"),
  },
  ["to", "subject", "body"],
);

const FORMATS = ["full", "metadata", "minimal"];

export const gmailTools: ToolSpec[] = [
  {
    name: "gmail_fetch_mails",
    description: "Fetch emails from the user's Gmail mailbox, optionally filtered with a Gmail search query.",
    input: objectSchema({
      query: string("Gmail search query, e.g. is:unread or from:dana"),
      max_results: integer("How many emails to return (1-100)", 1, 100),
      label_ids: stringArray("Only messages with all of these labels, e.g. INBOX"),
      include_spam_trash: boolean("Include messages in spam and trash"),
      page_token: string("Token from a previous call's next_page_token"),
      format: stringEnum(FORMATS, "metadata (default) or full (with body text)"),
    }),
    annotations: annotations("Fetch emails", READ),
    async run(input, api) {
      const format = input.string("format") ?? "metadata";
      const list = (await api(`${BASE}/messages`, {
        query: {
          q: input.string("query"),
          maxResults: input.number("max_results") ?? 10,
          labelIds: input.list("label_ids"),
          includeSpamTrash: input.boolean("include_spam_trash"),
          pageToken: input.string("page_token"),
        },
      })) as { messages?: { id: string }[]; nextPageToken?: string; resultSizeEstimate?: number };
      const messages = await Promise.all(
        (list.messages ?? []).map(async ({ id }) =>
          summarize((await api(`${BASE}/messages/${id}`, { query: { format } })) as GmailMessage, format),
        ),
      );
      return {
        messages,
        ...(list.nextPageToken && { next_page_token: list.nextPageToken }),
        result_size_estimate: list.resultSizeEstimate ?? messages.length,
      };
    },
  },
  {
    name: "gmail_get_message_by_id",
    description: "Get one Gmail message by its id, with headers and body text.",
    input: objectSchema(
      {
        message_id: string("The message id"),
        format: stringEnum(FORMATS, "full (default), metadata or minimal"),
      },
      ["message_id"],
    ),
    annotations: annotations("Get email by id", READ),
    async run(input, api) {
      const id = input.required("message_id");
      const format = input.string("format") ?? "full";
      const message = (await api(`${BASE}/messages/${encodeURIComponent(id)}`, {
        query: { format },
      })) as GmailMessage;
      return summarize(message, format);
    },
  },
  {
    name: "gmail_send_message",
    description: "Send an email from the user's Gmail account.",
    input: composeInput,
    annotations: annotations("Send email", CREATE),
    async run(input, api) {
      const sent = (await api(`${BASE}/messages/send`, {
        method: "POST",
        body: compose(input),
      })) as GmailMessage;
      return { id: sent.id, thread_id: sent.threadId, label_ids: sent.labelIds ?? [] };
    },
  },
  {
    name: "gmail_create_draft",
    description: "Create a draft email in the user's Gmail account (not sent).",
    input: composeInput,
    annotations: annotations("Create draft", CREATE),
    async run(input, api) {
      const draft = (await api(`${BASE}/drafts`, {
        method: "POST",
        body: { message: compose(input) },
      })) as { id: string; message?: GmailMessage };
      return { draft_id: draft.id, message_id: draft.message?.id, thread_id: draft.message?.threadId };
    },
  },
];

function summarize(message: GmailMessage, format: string) {
  const header = (name: string) =>
    message.payload?.headers?.find((h) => h.name.toLowerCase() === name)?.value;
  return {
    id: message.id,
    thread_id: message.threadId,
    label_ids: message.labelIds ?? [],
    from: header("from"),
    to: header("to"),
    cc: header("cc"),
    subject: header("subject"),
    date: header("date"),
    snippet: message.snippet,
    ...(format === "full" && { body: bodyText(message.payload) }),
  };
}

/** The first text/plain part, else the first text/html part without its tags. */
function bodyText(part: GmailPart | undefined): string {
  const plain = findPart(part, "text/plain");
  if (plain !== undefined) return decode(plain);
  const html = findPart(part, "text/html");
  return html === undefined
    ? ""
    : decode(html)
        .replace(/<[^>]*>/g, " ")
        .replace(/\s+/g, " ")
        .trim();
}

function findPart(part: GmailPart | undefined, mimeType: string): GmailPart | undefined {
  if (part === undefined) return undefined;
  if (part.mimeType === mimeType && part.body?.data) return part;
  for (const child of part.parts ?? []) {
    const found = findPart(child, mimeType);
    if (found !== undefined) return found;
  }
  return undefined;
}

function decode(part: GmailPart): string {
  return Buffer.from(part.body?.data ?? "", "base64url").toString("utf8");
}

/**
 * The message resource to send or draft: an RFC 822 `raw` (UTF-8 body in base64, RFC 2047 subject
 * when non-ASCII) and the thread it replies in, if any.
 */
function compose(input: ToolInput): { raw: string; threadId?: string } {
  const to = input.required("to");
  const subject = input.required("subject");
  const body = input.required("body");
  const contentType = input.string("content_type") === "text/html" ? "text/html" : "text/plain";
  const headers = [
    `To: ${to}`,
    ...(["cc", "bcc"] as const).flatMap((name) => {
      const value = input.string(name);
      return value ? [`${name === "cc" ? "Cc" : "Bcc"}: ${value}`] : [];
    }),
    `Subject: ${encodeHeader(subject)}`,
    "MIME-Version: 1.0",
    `Content-Type: ${contentType}; charset=UTF-8`,
    "Content-Transfer-Encoding: base64",
  ];
  const encodedBody = Buffer.from(body, "utf8").toString("base64").replace(/.{76}/g, "$&\r\n");
  const raw = Buffer.from(`${headers.join("\r\n")}\r\n\r\n${encodedBody}\r\n`).toString("base64url");
  const threadId = input.string("thread_id");
  return { raw, ...(threadId && { threadId }) };
}

function encodeHeader(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString("base64")}?=`;
}
