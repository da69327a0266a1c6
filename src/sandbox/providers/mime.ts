/**
 * Just enough MIME for the sandbox mail emulators: parse an RFC 2822/MIME message into a part
 * tree (as a mail provider does on receipt), and build part trees for seeded mail.
 */

import { lazyRequire } from "../../lazy-require.js";

// Loaded by the first message that needs them, not with the emulators.
const libmime = lazyRequire<typeof import("libmime").default>("libmime");
const htmlToTextPackage = lazyRequire<typeof import("html-to-text")>("html-to-text");

export interface MimeHeader {
  name: string;
  value: string;
}

export interface MimePart {
  headers: MimeHeader[];
  /** Lower-case `type/subtype`. */
  mimeType: string;
  /** Attachment file name, or "" for body parts. */
  filename: string;
  /** Content with the transfer encoding removed; absent for multipart parts. */
  body?: Buffer;
  parts?: MimePart[];
}

export function headerValue(part: Pick<MimePart, "headers">, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part.headers.find((header) => header.name.toLowerCase() === lower)?.value;
}

/** A `Date` header value (RFC 2822), always in UTC. */
export function rfc2822Date(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

/** Parses a message (CRLF or LF line endings) into its part tree; header values are decoded. */
export function parseMessage(raw: Buffer | string): MimePart {
  // latin1 keeps every byte as one char, so bodies survive until their charset is known.
  const text = typeof raw === "string" ? Buffer.from(raw, "utf8").toString("latin1") : raw.toString("latin1");
  return parsePart(text, "text/plain");
}

function parsePart(text: string, defaultType: string): MimePart {
  const split = /\r?\n\r?\n/.exec(text);
  const headerBlock = split ? text.slice(0, split.index) : text;
  const content = split ? text.slice(split.index + split[0].length) : "";
  const headers = parseHeaders(headerBlock);
  const contentType = parseParameterized(findHeader(headers, "content-type") ?? defaultType);
  const disposition = parseParameterized(findHeader(headers, "content-disposition") ?? "");
  const mimeType = /^[\w.+-]+\/[\w.+-]+$/.test(contentType.value)
    ? contentType.value.toLowerCase()
    : "text/plain";
  const filename = disposition.params.filename ?? contentType.params.name ?? "";
  if (mimeType.startsWith("multipart/")) {
    const boundary = contentType.params.boundary;
    const childType = mimeType === "multipart/digest" ? "message/rfc822" : "text/plain";
    const parts = boundary ? splitMultipart(content, boundary).map((part) => parsePart(part, childType)) : [];
    return { headers, mimeType, filename, parts };
  }
  const encoding = (findHeader(headers, "content-transfer-encoding") ?? "7bit").trim().toLowerCase();
  return { headers, mimeType, filename, body: decodeTransfer(content, encoding) };
}

function parseHeaders(block: string): MimeHeader[] {
  const headers: MimeHeader[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value += line; // unfolding removes only the line break
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1) });
  }
  // Raw 8-bit header bytes are UTF-8 (RFC 6532); encoded words are RFC 2047.
  return headers.map(({ name, value }) => ({
    name,
    value: libmime().decodeWords(Buffer.from(value.trim(), "latin1").toString("utf8")),
  }));
}

function findHeader(headers: readonly MimeHeader[], lowerName: string): string | undefined {
  return headers.find((header) => header.name.toLowerCase() === lowerName)?.value;
}

/** `type/subtype; a=b; c="d"` (also RFC 2231 `name*=UTF-8''...`). */
export function parseParameterized(value: string): { value: string; params: Record<string, string> } {
  const head = value.split(";")[0] ?? "";
  const params: Record<string, string> = {};
  const pattern = /;\s*([^=\s;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (const match of value.slice(head.length).matchAll(pattern)) {
    const key = (match[1] ?? "").toLowerCase();
    let param = (match[2] ?? "").trim();
    if (param.startsWith('"')) param = param.slice(1, -1).replace(/\\(.)/g, "$1");
    if (key.endsWith("*")) {
      const extended = /^([^']*)'[^']*'(.*)$/.exec(param);
      params[key.slice(0, -1)] = extended ? safeDecodePercent(extended[2] ?? "") : param;
    } else {
      params[key] ??= param;
    }
  }
  return { value: head.trim(), params };
}

function safeDecodePercent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function splitMultipart(content: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let position = 0;
  if (!content.startsWith(delimiter)) {
    const found = content.indexOf(`\n${delimiter}`);
    if (found < 0) return parts;
    position = found + 1;
  }
  for (;;) {
    const afterDelimiter = position + delimiter.length;
    if (content.startsWith("--", afterDelimiter)) break;
    const lineEnd = content.indexOf("\n", afterDelimiter);
    if (lineEnd < 0) break;
    const next = content.indexOf(`\n${delimiter}`, lineEnd);
    const end = next < 0 ? content.length : next;
    parts.push(content.slice(lineEnd + 1, end).replace(/\r$/, ""));
    if (next < 0) break;
    position = next + 1;
  }
  return parts;
}

function decodeTransfer(content: string, encoding: string): Buffer {
  if (encoding === "base64") return Buffer.from(content.replace(/[^A-Za-z0-9+/=_-]/g, ""), "base64");
  if (encoding === "quoted-printable") {
    const decoded = content
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(decoded, "latin1");
  }
  return Buffer.from(content, "latin1");
}

export function decodeCharset(bytes: Uint8Array, charset: string): string | undefined {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The decoded text of a text part, honouring its charset. */
export function partText(part: MimePart): string {
  const charset = parseParameterized(headerValue(part, "content-type") ?? "").params.charset ?? "utf-8";
  const bytes = part.body ?? Buffer.alloc(0);
  return decodeCharset(bytes, charset) ?? bytes.toString("utf8");
}

/** The readable text of a message: its first text/plain body, else its first HTML body without tags. */
export function messageText(root: MimePart): string {
  let plain: string | undefined;
  let html: string | undefined;
  const visit = (part: MimePart) => {
    if (part.filename) return;
    if (part.parts) for (const child of part.parts) visit(child);
    else if (part.mimeType === "text/plain") plain ??= partText(part);
    else if (part.mimeType === "text/html") html ??= partText(part);
  };
  visit(root);
  if (plain?.trim()) return plain;
  return html ? htmlText(html) : "";
}

/** What a mail provider indexes and previews of an HTML body: its words, without link targets. */
let converter: ((html: string) => string) | undefined;
export function htmlText(html: string): string {
  converter ??= htmlToTextPackage().compile({
    wordwrap: false,
    selectors: [
      { selector: "a", options: { ignoreHref: true } },
      { selector: "img", format: "skip" },
      { selector: "td", format: "block" },
    ],
  });
  return converter(html);
}

/** Every attachment (a part with a file name) in a part tree. */
export function attachments(root: MimePart): MimePart[] {
  if (root.filename) return [root];
  return (root.parts ?? []).flatMap(attachments);
}

// Builders for seeded mail: the same part shape a parsed message has.

export function textPart(mimeType: "text/plain" | "text/html" | "text/calendar", text: string): MimePart {
  return {
    headers: [
      { name: "Content-Type", value: `${mimeType}; charset="UTF-8"` },
      { name: "Content-Transfer-Encoding", value: "quoted-printable" },
    ],
    mimeType,
    filename: "",
    body: Buffer.from(text.replace(/\r?\n/g, "\r\n"), "utf8"),
  };
}

export function multipart(
  subtype: "alternative" | "mixed" | "related",
  parts: MimePart[],
  boundary: string,
): MimePart {
  return {
    headers: [{ name: "Content-Type", value: `multipart/${subtype}; boundary="${boundary}"` }],
    mimeType: `multipart/${subtype}`,
    filename: "",
    parts,
  };
}

export function attachmentPart(filename: string, mimeType: string, content: Buffer): MimePart {
  return {
    headers: [
      { name: "Content-Type", value: `${mimeType}; name="${filename}"` },
      { name: "Content-Disposition", value: `attachment; filename="${filename}"` },
      { name: "Content-Transfer-Encoding", value: "base64" },
    ],
    mimeType,
    filename,
    body: content,
  };
}
