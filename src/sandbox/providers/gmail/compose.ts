/**
 * Mail the client writes: messages.send and drafts.create. Both take an RFC 2822 message as
 * base64url `raw`, parse it as Gmail does on receipt and store it under the sending account.
 */
import { headerValue, type MimeHeader, type MimePart, parseMessage, rfc2822Date } from "../mime.js";
import { isRecord, type ProviderHttpResponse } from "../provider-emulator.js";
import { entityNotFound, invalidArgument } from "./gmail-errors.js";
import { GMAIL_SANDBOX_ADDRESS, GMAIL_SANDBOX_USER } from "./gmail-seed.js";
import { type Mailbox, nextId, type StoredMessage, store } from "./mailbox.js";

export function sendMessage(box: Mailbox, body: unknown, now: Date): ProviderHttpResponse {
  const input = readMessageInput(body);
  if ("error" in input) return input.error;
  const recipients = ["To", "Cc", "Bcc"].flatMap((name) => addresses(headerValue(input.root, name) ?? ""));
  if (recipients.length === 0) return invalidArgument("Recipient address required");
  const labels = ["SENT"];
  // Mail to yourself also lands in your inbox, unread, as it does in Gmail.
  if (recipients.some((address) => address.toLowerCase() === GMAIL_SANDBOX_ADDRESS))
    labels.push("INBOX", "UNREAD");
  const stored = storeComposed(box, input.root, input.threadId, labels, now);
  if ("error" in stored) return stored.error;
  return {
    status: 200,
    body: {
      id: stored.message.id,
      threadId: stored.message.threadId,
      labelIds: [...stored.message.labelIds],
    },
  };
}

export function createDraft(box: Mailbox, body: unknown, now: Date): ProviderHttpResponse {
  const message = isRecord(body) ? body.message : undefined;
  if (!isRecord(message)) return invalidArgument("Missing draft message");
  const input = readMessageInput(message);
  if ("error" in input) return input.error;
  const stored = storeComposed(box, input.root, input.threadId, ["DRAFT"], now);
  if ("error" in stored) return stored.error;
  const draftId = `r${BigInt(`0x${stored.message.id}`).toString().slice(-19)}`;
  box.drafts.set(draftId, stored.message.id);
  return {
    status: 200,
    body: {
      id: draftId,
      message: {
        id: stored.message.id,
        threadId: stored.message.threadId,
        labelIds: [...stored.message.labelIds],
      },
    },
  };
}

function readMessageInput(
  body: unknown,
): { root: MimePart; threadId?: string } | { error: ProviderHttpResponse } {
  const raw = isRecord(body) ? body.raw : undefined;
  if (typeof raw !== "string" || raw.length === 0) {
    return {
      error: invalidArgument(
        "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
      ),
    };
  }
  const threadId = isRecord(body) && typeof body.threadId === "string" ? body.threadId : undefined;
  // Node's base64url decoder also accepts the standard alphabet, as Gmail does.
  const root = parseMessage(Buffer.from(raw, "base64url"));
  return threadId ? { root, threadId } : { root };
}

function storeComposed(
  box: Mailbox,
  root: MimePart,
  requestedThreadId: string | undefined,
  labels: string[],
  now: Date,
): { message: StoredMessage } | { error: ProviderHttpResponse } {
  let threadId: string | undefined;
  if (requestedThreadId) {
    const thread = [...box.messages.values()]
      .filter((message) => message.threadId === requestedThreadId.toLowerCase())
      .sort((a, b) => a.internalDate - b.internalDate);
    const first = thread[0];
    if (!first) return { error: entityNotFound() };
    // Gmail keeps a message in the requested thread only when the subjects agree.
    const subject = (message: MimePart) => baseSubject(headerValue(message, "Subject") ?? "");
    if (subject(root) === subject(first.root)) threadId = first.threadId;
  }
  const internalDate = now.getTime();
  const id = nextId(box, internalDate);
  // Gmail sends as the authenticated account whatever From the client wrote.
  const headers: MimeHeader[] = [
    { name: "From", value: GMAIL_SANDBOX_USER },
    ...root.headers.filter((header) => header.name.toLowerCase() !== "from"),
  ];
  if (!headers.some((header) => header.name.toLowerCase() === "date")) {
    headers.push({ name: "Date", value: rfc2822Date(now) });
  }
  if (!headers.some((header) => header.name.toLowerCase() === "message-id")) {
    headers.push({ name: "Message-ID", value: `<${id}.sandbox@mail.gmail.com>` });
  }
  const message = store(box, { ...root, headers }, { id, threadId: threadId ?? id, labels, internalDate });
  return { message };
}

/** A subject without reply/forward prefixes, for thread matching. */
function baseSubject(subject: string): string {
  return subject
    .replace(/^\s*((re|fwd?|aw|sv)\s*:\s*)+/i, "")
    .trim()
    .toLowerCase();
}

function addresses(value: string): string[] {
  return value.match(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g) ?? [];
}
