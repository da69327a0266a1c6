/**
 * The MIME work the Gmail tools need: building an RFC 2822 message for `raw`, and reading text
 * out of the part tree that `format=full` returns.
 */
import { lazyRequire } from "../../lazy-require.js";
import type { GmailHeader, GmailMessagePart } from "./gmail-api.js";

// Loaded by the first message that needs them (with iconv-lite's charset tables).
const libmime = lazyRequire<typeof import("libmime").default>("libmime");
const charsets = lazyRequire<typeof import("libmime/lib/charset.js")>("libmime/lib/charset.js");

export interface OutgoingMessage {
  to: readonly string[];
  cc?: readonly string[] | undefined;
  bcc?: readonly string[] | undefined;
  subject: string;
  body: string;
  inReplyTo?: string | undefined;
  references?: string | undefined;
}

const CRLF = "\r\n";

/**
 * An RFC 2822 message in CRLF form. From is omitted: Gmail fills in the authenticated account,
 * which is the only sender the user can be.
 */
export function buildRawMessage(message: OutgoingMessage): string {
  const headers: string[] = [`To: ${message.to.join(", ")}`];
  if (message.cc?.length) headers.push(`Cc: ${message.cc.join(", ")}`);
  if (message.bcc?.length) headers.push(`Bcc: ${message.bcc.join(", ")}`);
  headers.push(`Subject: ${encodeHeaderText(message.subject)}`);
  if (message.inReplyTo) headers.push(`In-Reply-To: ${singleLine(message.inReplyTo)}`);
  if (message.references) headers.push(`References: ${singleLine(message.references)}`);
  headers.push("MIME-Version: 1.0", 'Content-Type: text/plain; charset="UTF-8"');

  const body = message.body.replace(/\r\n?/g, "\n");
  // 7bit keeps plain ASCII readable; anything else goes base64 so no line breaks the 998-octet limit.
  const sevenBit = /^[\x20-\x7e\t\n]*$/.test(body) && body.split("\n").every((line) => line.length <= 998);
  if (sevenBit) {
    headers.push("Content-Transfer-Encoding: 7bit");
    return headers.join(CRLF) + CRLF + CRLF + body.split("\n").join(CRLF);
  }
  headers.push("Content-Transfer-Encoding: base64");
  const encoded = Buffer.from(body.split("\n").join(CRLF), "utf8").toString("base64");
  return headers.join(CRLF) + CRLF + CRLF + (encoded.match(/.{1,76}/g) ?? []).join(CRLF);
}

/** Header text on one line; CR/LF would let a value inject headers of its own. */
function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ").trim();
}

/**
 * RFC 2047 encoding for header text that is not plain ASCII: UTF-8 B-encoded words that each hold
 * whole characters, folded onto continuation lines.
 */
export function encodeHeaderText(value: string): string {
  const text = singleLine(value);
  if (/^[\x20-\x7e]*$/.test(text) && !text.includes("=?")) return text;
  // RFC 2047 caps an encoded word at 75 characters; libmime splits between whole characters.
  return libmime().encodeWord(text, "B", 75).split(" ").join(`${CRLF} `);
}

export function base64UrlEncode(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** Decodes RFC 2047 encoded words that may remain in header values. */
export function decodeHeaderText(value: string): string {
  return libmime().decodeWords(value);
}

export function header(headers: readonly GmailHeader[] | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  const found = headers?.find((candidate) => candidate.name.toLowerCase() === lower);
  return found ? decodeHeaderText(found.value) : undefined;
}

export interface BodyText {
  plain?: string;
  html?: string;
}

export interface AttachmentInfo {
  filename: string;
  mime_type: string;
  size: number;
}

/** The first text/plain and text/html bodies and the attachments of a message, depth first. */
export function readParts(root: GmailMessagePart | undefined): {
  body: BodyText;
  attachments: AttachmentInfo[];
} {
  const body: BodyText = {};
  const attachments: AttachmentInfo[] = [];
  const visit = (part: GmailMessagePart): void => {
    const mimeType = (part.mimeType ?? "").toLowerCase();
    if (part.filename) {
      attachments.push({ filename: part.filename, mime_type: mimeType, size: part.body?.size ?? 0 });
      return;
    }
    if (mimeType.startsWith("multipart/")) {
      for (const child of part.parts ?? []) visit(child);
      return;
    }
    if (mimeType !== "text/plain" && mimeType !== "text/html") return;
    const data = part.body?.data;
    if (!data) return;
    const charset =
      /charset="?([^";\s]+)"?/i.exec(header(part.headers, "Content-Type") ?? "")?.[1] ?? "utf-8";
    const text = charsets().decode(Buffer.from(data, "base64url"), charset);
    if (mimeType === "text/plain") body.plain ??= text;
    else body.html ??= text;
  };
  if (root) visit(root);
  return { body, attachments };
}
