/** A stored message in Gmail's wire shape, in the `full`, `metadata` and `minimal` formats. */
import type { MimeHeader, MimePart } from "../mime.js";
import type { StoredMessage } from "./mailbox.js";

interface RenderedPart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: MimeHeader[];
  body: { size: number; data?: string; attachmentId?: string };
  parts?: RenderedPart[];
}

export function renderMessage(message: StoredMessage, format: string, metadataHeaders: readonly string[]) {
  const base = {
    id: message.id,
    threadId: message.threadId,
    labelIds: [...message.labelIds],
    snippet: message.snippet,
    sizeEstimate: message.sizeEstimate,
    historyId: String(message.historyId),
    internalDate: String(message.internalDate),
  };
  if (format === "minimal") return base;
  if (format === "metadata") {
    const wanted = metadataHeaders.map((name) => name.toLowerCase());
    const headers = message.root.headers.filter(
      (header) => wanted.length === 0 || wanted.includes(header.name.toLowerCase()),
    );
    return {
      ...base,
      payload: { mimeType: message.root.mimeType, headers: headers.map((header) => ({ ...header })) },
    };
  }
  return { ...base, payload: renderPart(message.root, "", message.id) };
}

function renderPart(part: MimePart, partId: string, messageId: string): RenderedPart {
  const base = {
    partId,
    mimeType: part.mimeType,
    filename: part.filename,
    headers: part.headers.map((header) => ({ ...header })),
  };
  if (part.parts) {
    return {
      ...base,
      body: { size: 0 },
      parts: part.parts.map((child, index) =>
        renderPart(child, partId ? `${partId}.${index}` : String(index), messageId),
      ),
    };
  }
  const body = part.body ?? Buffer.alloc(0);
  if (part.filename) {
    const attachmentId = Buffer.from(`${messageId}:${partId}`).toString("base64url");
    return { ...base, body: { size: body.length, attachmentId } };
  }
  return {
    ...base,
    body: body.length ? { size: body.length, data: body.toString("base64url") } : { size: 0 },
  };
}
