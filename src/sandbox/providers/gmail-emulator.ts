/**
 * A wire-compatible stand-in for the parts of the Gmail API (v1) Delegate's tools use:
 * messages.list (with a useful subset of Gmail search), messages.get, threads.get,
 * messages.send, drafts.create and getProfile. Every user gets their own mailbox, seeded lazily.
 */
import { GMAIL_SANDBOX_ADDRESS, GMAIL_SANDBOX_USER, gmailSeed, type SeedMail } from "./gmail-seed.js";
import { hostileMail } from "./hostile-seeds.js";
import {
  attachmentPart,
  attachments,
  headerValue,
  type MimeHeader,
  type MimePart,
  messageText,
  multipart,
  parseMessage,
  textPart,
} from "./mime.js";
import {
  googleError,
  type ProviderEmulator,
  type ProviderHttpRequest,
  type ProviderHttpResponse,
} from "./provider-emulator.js";

export const GMAIL_SCOPES = {
  readonly: "https://www.googleapis.com/auth/gmail.readonly",
  send: "https://www.googleapis.com/auth/gmail.send",
  compose: "https://www.googleapis.com/auth/gmail.compose",
} as const;

export interface GmailEmulatorOptions {
  now?: () => Date;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

/** A read-only view of one stored message, for tests and the demo. */
export interface GmailMessageView {
  id: string;
  threadId: string;
  labelIds: string[];
  internalDate: Date;
  /** Header values by lower-case name (the last one wins). */
  headers: Record<string, string>;
  /** The readable body text. */
  text: string;
  attachments: string[];
}

export interface GmailMailboxView {
  address: string;
  /** Newest first. */
  messages: GmailMessageView[];
  drafts: { id: string; messageId: string }[];
}

export interface GmailEmulator extends ProviderEmulator {
  /** A snapshot of a user's mailbox (seeding it if needed); changing it changes nothing. */
  inspect(identifier: string): GmailMailboxView;
}

interface StoredMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  internalDate: number;
  historyId: number;
  root: MimePart;
  snippet: string;
  /** Lower-cased text that free-text search looks in. */
  searchText: string;
  sizeEstimate: number;
  /** Insertion order, to break ties between messages of the same millisecond. */
  sequence: number;
}

interface Mailbox {
  messages: Map<string, StoredMessage>;
  drafts: Map<string, string>;
  counter: number;
  historyId: number;
}

const BASE = "/gmail/v1/users/";
const ID_PATTERN = /^[0-9a-f]{1,32}$/i;
const SNIPPET_LENGTH = 200;

export function createGmailEmulator(options: GmailEmulatorOptions = {}): GmailEmulator {
  const now = options.now ?? (() => new Date());
  const mailboxes = new Map<string, Mailbox>();

  const mailbox = (identifier: string): Mailbox => {
    let box = mailboxes.get(identifier);
    if (!box) {
      box = { messages: new Map(), drafts: new Map(), counter: 0, historyId: 180_000 };
      seedMailbox(box, now(), options.injections === true);
      mailboxes.set(identifier, box);
    }
    return box;
  };

  return {
    connector: "gmail",
    pathPrefixes: ["/gmail/v1/"],

    unauthorized(): ProviderHttpResponse {
      return {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
        body: {
          error: {
            code: 401,
            message:
              "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            status: "UNAUTHENTICATED",
            errors: [
              {
                message: "Invalid Credentials",
                domain: "global",
                reason: "authError",
                location: "Authorization",
                locationType: "header",
              },
            ],
          },
        },
      };
    },

    insufficientScope(scope: string): ProviderHttpResponse {
      return {
        status: 403,
        headers: {
          "www-authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${scope}"`,
        },
        body: {
          error: {
            code: 403,
            message: "Request had insufficient authentication scopes.",
            status: "PERMISSION_DENIED",
            errors: [
              { message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" },
            ],
            details: [
              {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                domain: "googleapis.com",
                metadata: { service: "gmail.googleapis.com" },
              },
            ],
          },
        },
      };
    },

    requiredScope(request) {
      if (request.method === "POST" && request.path.endsWith("/messages/send")) return GMAIL_SCOPES.send;
      if (request.method === "POST" && request.path.endsWith("/drafts")) return GMAIL_SCOPES.compose;
      return GMAIL_SCOPES.readonly;
    },

    handle(request: ProviderHttpRequest): ProviderHttpResponse {
      if (!request.path.startsWith(BASE)) return notFound();
      const [userId = "", ...rest] = request.path.slice(BASE.length).split("/");
      const user = decodeURIComponent(userId);
      if (user !== "me" && user.toLowerCase() !== GMAIL_SANDBOX_ADDRESS) {
        return googleError(403, `Delegation denied for ${GMAIL_SANDBOX_ADDRESS}`, "forbidden");
      }
      const box = mailbox(request.grant.identifier);
      const [collection, id, extra] = rest.map((part) => decodeURIComponent(part));
      const method = request.method.toUpperCase();

      if (collection === "profile" && id === undefined && method === "GET") return profile(box);
      if (collection === "messages" && extra === undefined) {
        if (id === undefined && method === "GET") return listMessages(box, request.query, now());
        if (id === "send" && method === "POST") return sendMessage(box, request.body, now());
        if (id !== undefined && method === "GET") return getMessage(box, id, request.query);
      }
      if (collection === "threads" && id !== undefined && extra === undefined && method === "GET") {
        return getThread(box, id, request.query);
      }
      if (collection === "drafts" && id === undefined && method === "POST")
        return createDraft(box, request.body, now());
      return notFound();
    },

    inspect(identifier: string): GmailMailboxView {
      const box = mailbox(identifier);
      return {
        address: GMAIL_SANDBOX_ADDRESS,
        messages: newestFirst([...box.messages.values()]).map(view),
        drafts: [...box.drafts].map(([id, messageId]) => ({ id, messageId })),
      };
    },
  };
}

// ---- Endpoints -------------------------------------------------------------------------------

function profile(box: Mailbox): ProviderHttpResponse {
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

function listMessages(box: Mailbox, query: URLSearchParams, now: Date): ProviderHttpResponse {
  const maxParam = query.get("maxResults");
  const maxResults = maxParam === null ? 100 : Number(maxParam);
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    return googleError(400, `Invalid value at 'max_results' (TYPE_UINT32), "${maxParam}"`, "invalidArgument");
  }
  let offset = 0;
  const pageToken = query.get("pageToken");
  if (pageToken) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(pageToken, "base64url").toString("utf8"));
    if (!decoded) return googleError(400, "Invalid pageToken", "invalidArgument");
    offset = Number(decoded[1]);
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
      ...(next < matches.length
        ? { nextPageToken: Buffer.from(`offset:${next}`).toString("base64url") }
        : {}),
      resultSizeEstimate: matches.length,
    },
  };
}

function getMessage(box: Mailbox, id: string, query: URLSearchParams): ProviderHttpResponse {
  if (!ID_PATTERN.test(id)) return googleError(400, "Invalid id value", "invalidArgument");
  const message = box.messages.get(id.toLowerCase());
  if (!message) return googleError(404, "Requested entity was not found.", "notFound");
  const format = query.get("format") ?? "full";
  if (!["full", "metadata", "minimal"].includes(format)) {
    return googleError(400, `Invalid value at 'format', "${format}"`, "invalidArgument");
  }
  return { status: 200, body: renderMessage(message, format, query.getAll("metadataHeaders")) };
}

function getThread(box: Mailbox, id: string, query: URLSearchParams): ProviderHttpResponse {
  if (!ID_PATTERN.test(id)) return googleError(400, "Invalid id value", "invalidArgument");
  const messages = [...box.messages.values()]
    .filter((message) => message.threadId === id.toLowerCase())
    .sort((a, b) => a.internalDate - b.internalDate || a.sequence - b.sequence);
  if (messages.length === 0) return googleError(404, "Requested entity was not found.", "notFound");
  const format = query.get("format") ?? "full";
  if (!["full", "metadata", "minimal"].includes(format)) {
    return googleError(400, `Invalid value at 'format', "${format}"`, "invalidArgument");
  }
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

function sendMessage(box: Mailbox, body: unknown, now: Date): ProviderHttpResponse {
  const input = readMessageInput(body);
  if ("error" in input) return input.error;
  const recipients = ["To", "Cc", "Bcc"].flatMap((name) => addresses(headerValue(input.root, name) ?? ""));
  if (recipients.length === 0) return googleError(400, "Recipient address required", "invalidArgument");
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

function createDraft(box: Mailbox, body: unknown, now: Date): ProviderHttpResponse {
  const message = isRecord(body) ? body.message : undefined;
  if (!isRecord(message)) return googleError(400, "Missing draft message", "invalidArgument");
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

// ---- Composed mail ---------------------------------------------------------------------------

function readMessageInput(
  body: unknown,
): { root: MimePart; threadId?: string } | { error: ProviderHttpResponse } {
  const raw = isRecord(body) ? body.raw : undefined;
  if (typeof raw !== "string" || raw.length === 0) {
    return {
      error: googleError(
        400,
        "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
        "invalidArgument",
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
    if (!first) return { error: googleError(404, "Requested entity was not found.", "notFound") };
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

// ---- Storage ---------------------------------------------------------------------------------

/** Gmail-looking ids: 16 hex digits that grow with time. */
function nextId(box: Mailbox, at: number): string {
  box.counter = (box.counter + 1) & 0xfffff;
  return ((BigInt(at) << 20n) | BigInt(box.counter)).toString(16);
}

function store(
  box: Mailbox,
  root: MimePart,
  meta: { id: string; threadId: string; labels: string[]; internalDate: number },
): StoredMessage {
  const text = messageText(root);
  const flat = text.replace(/\s+/g, " ").trim();
  const names = ["Subject", "From", "To", "Cc"].map((name) => headerValue(root, name) ?? "");
  box.historyId += 1;
  const message: StoredMessage = {
    id: meta.id,
    threadId: meta.threadId,
    labelIds: [...meta.labels],
    internalDate: meta.internalDate,
    historyId: box.historyId,
    root,
    snippet: escapeHtml(flat.slice(0, SNIPPET_LENGTH)),
    searchText: [...names, text, ...attachments(root).map((part) => part.filename)].join("\n").toLowerCase(),
    sizeEstimate:
      partSize(root) +
      root.headers.reduce((sum, header) => sum + header.name.length + header.value.length + 4, 0),
    sequence: box.messages.size,
  };
  box.messages.set(message.id, message);
  return message;
}

function partSize(part: MimePart): number {
  return (part.body?.length ?? 0) + (part.parts ?? []).reduce((sum, child) => sum + partSize(child), 0);
}

function newestFirst(messages: StoredMessage[]): StoredMessage[] {
  return messages.sort((a, b) => b.internalDate - a.internalDate || b.sequence - a.sequence);
}

function renderMessage(message: StoredMessage, format: string, metadataHeaders: readonly string[]) {
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

interface RenderedPart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: MimeHeader[];
  body: { size: number; data?: string; attachmentId?: string };
  parts?: RenderedPart[];
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

function view(message: StoredMessage): GmailMessageView {
  return {
    id: message.id,
    threadId: message.threadId,
    labelIds: [...message.labelIds],
    internalDate: new Date(message.internalDate),
    headers: Object.fromEntries(
      message.root.headers.map((header) => [header.name.toLowerCase(), header.value]),
    ),
    text: messageText(message.root),
    attachments: attachments(message.root).map((part) => part.filename),
  };
}

// ---- Search ----------------------------------------------------------------------------------

interface Term {
  negate: boolean;
  key?: string;
  value: string;
}

interface CompiledQuery {
  matches(message: StoredMessage): boolean;
  includesSpamTrash: boolean;
}

const DURATION_UNITS: Record<string, number> = {
  h: 3_600_000,
  d: 86_400_000,
  m: 30 * 86_400_000,
  y: 365 * 86_400_000,
};
const CATEGORIES = ["CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS"];

/**
 * A subset of Gmail search: from/to/cc/bcc/subject, is:, in:, label:, category:, has:attachment,
 * filename:, newer_than/older_than (h, d, m, y), after/before, rfc822msgid:, quoted phrases,
 * `-` negation and `OR`. Terms are ANDed; free text matches subject, sender, recipients and body.
 */
export function compileQuery(q: string, now: Date): CompiledQuery {
  const groups: Term[][] = [];
  let joinNext = false;
  for (const token of tokenize(q)) {
    if (token === "OR" || token === "|") {
      joinNext = groups.length > 0;
      continue;
    }
    const term = parseTerm(token);
    const last = groups.at(-1);
    if (joinNext && last) last.push(term);
    else groups.push([term]);
    joinNext = false;
  }
  const includesSpamTrash = groups.some((group) =>
    group.some((term) => term.key === "in" && ["anywhere", "spam", "trash"].includes(term.value)),
  );
  return {
    includesSpamTrash,
    matches: (message) =>
      groups.every((group) => group.some((term) => matchTerm(term, message, now) !== term.negate)),
  };
}

function tokenize(q: string): string[] {
  const tokens: string[] = [];
  const pattern = /-?[\w.+-]+:"[^"]*"|-?"[^"]*"|[^\s()]+/g;
  for (const match of q.matchAll(pattern)) tokens.push(match[0]);
  return tokens;
}

function parseTerm(token: string): Term {
  const negate = token.startsWith("-") && token.length > 1;
  const body = negate ? token.slice(1) : token;
  const operator = /^([a-z_0-9]+):(.*)$/i.exec(body);
  const unquote = (value: string) => value.replace(/^"(.*)"$/, "$1").toLowerCase();
  if (operator?.[1] && operator[2] !== undefined && KNOWN_OPERATORS.has(operator[1].toLowerCase())) {
    return { negate, key: operator[1].toLowerCase(), value: unquote(operator[2]) };
  }
  return { negate, value: unquote(body) };
}

const KNOWN_OPERATORS = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "subject",
  "is",
  "in",
  "label",
  "category",
  "has",
  "filename",
  "newer_than",
  "older_than",
  "after",
  "before",
  "newer",
  "older",
  "rfc822msgid",
]);

function matchTerm(term: Term, message: StoredMessage, now: Date): boolean {
  const header = (name: string) => (headerValue(message.root, name) ?? "").toLowerCase();
  const has = (label: string) => message.labelIds.includes(label);
  const value = term.value;
  switch (term.key) {
    case undefined:
      return value === "" || message.searchText.includes(value);
    case "from":
      return header("From").includes(value);
    case "to":
      return [header("To"), header("Cc"), header("Bcc")].some((field) => field.includes(value));
    case "cc":
      return header("Cc").includes(value);
    case "bcc":
      return header("Bcc").includes(value);
    case "subject":
      return header("Subject").includes(value);
    case "rfc822msgid":
      return header("Message-ID").replace(/[<>]/g, "") === value.replace(/[<>]/g, "");
    case "is":
      if (value === "read") return !has("UNREAD");
      return ["unread", "starred", "important", "sent", "draft"].includes(value) && has(value.toUpperCase());
    case "in":
      if (value === "anywhere") return true;
      if (value === "drafts") return has("DRAFT");
      return has(value.toUpperCase());
    case "label":
      return message.labelIds.some((label) => label.toLowerCase() === value.replace(/[-\s]/g, "_"));
    case "category": {
      if (value === "primary" || value === "personal")
        return !message.labelIds.some((l) => CATEGORIES.includes(l));
      return has(`CATEGORY_${value.toUpperCase()}`);
    }
    case "has":
      return value === "attachment" && attachments(message.root).length > 0;
    case "filename":
      return attachments(message.root).some((part) => part.filename.toLowerCase().includes(value));
    case "newer_than":
    case "older_than": {
      const duration = /^(\d+)([hdmy])$/.exec(value);
      if (!duration) return false;
      const cutoff = now.getTime() - Number(duration[1]) * (DURATION_UNITS[duration[2] ?? "d"] ?? 0);
      return term.key === "newer_than" ? message.internalDate >= cutoff : message.internalDate < cutoff;
    }
    case "after":
    case "newer":
    case "before":
    case "older": {
      const instant = parseSearchDate(value);
      if (instant === undefined) return false;
      return term.key === "after" || term.key === "newer"
        ? message.internalDate >= instant
        : message.internalDate < instant;
    }
    default:
      return false;
  }
}

/** `2025/03/04`, `2025-03-04` (midnight UTC) or epoch seconds. */
function parseSearchDate(value: string): number | undefined {
  if (/^\d{9,}$/.test(value)) return Number(value) * 1000;
  const date = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  if (!date) return undefined;
  return Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
}

// ---- Seed ------------------------------------------------------------------------------------

function seedMailbox(box: Mailbox, now: Date, injections: boolean): void {
  const seeds = [...gmailSeed(now), ...(injections ? hostileMail() : [])].sort(
    (a, b) => b.minutesAgo - a.minutesAgo,
  );
  const threads = new Map<string, { id: string; messageIds: string[] }>();
  for (const seed of seeds) {
    const internalDate = now.getTime() - seed.minutesAgo * 60_000;
    const id = nextId(box, internalDate);
    const thread = threads.get(seed.thread);
    const messageId = `<${seed.key}.${id}@${domainOf(seed.from)}>`;
    const headers: MimeHeader[] = [
      { name: "MIME-Version", value: "1.0" },
      { name: "Date", value: rfc2822Date(new Date(internalDate)) },
      { name: "Message-ID", value: messageId },
      ...(thread?.messageIds.length
        ? [
            { name: "In-Reply-To", value: thread.messageIds.at(-1) ?? "" },
            { name: "References", value: thread.messageIds.join(" ") },
          ]
        : []),
      { name: "Subject", value: seed.subject },
      { name: "From", value: seed.from },
      { name: "To", value: seed.to },
      ...(seed.cc ? [{ name: "Cc", value: seed.cc }] : []),
    ];
    const root = seedBody(seed, id);
    store(
      box,
      { ...root, headers: [...headers, ...root.headers] },
      {
        id,
        threadId: thread?.id ?? id,
        labels: seed.labels,
        internalDate,
      },
    );
    if (thread) thread.messageIds.push(messageId);
    else threads.set(seed.thread, { id, messageIds: [messageId] });
  }
}

function seedBody(seed: SeedMail, id: string): MimePart {
  const boundary = (n: number) => `00000000000${n}${id.slice(-13)}`;
  let body: MimePart;
  if (seed.format === "plain") body = textPart("text/plain", seed.text);
  else if (seed.format === "html") body = textPart("text/html", seed.html ?? textToHtml(seed.text));
  else {
    const alternatives = [
      textPart("text/plain", seed.text),
      textPart("text/html", seed.html ?? textToHtml(seed.text)),
    ];
    if (seed.calendar) alternatives.push(textPart("text/calendar", seed.calendar));
    body = multipart("alternative", alternatives, boundary(1));
  }
  if (!seed.attachments?.length) return body;
  return multipart(
    "mixed",
    [
      body,
      ...seed.attachments.map((file) =>
        attachmentPart(file.filename, file.mimeType, Buffer.from(file.content, "utf8")),
      ),
    ],
    boundary(2),
  );
}

function textToHtml(text: string): string {
  const paragraphs = text.split(/\n{2,}/).map((paragraph) => {
    const escaped = escapeHtml(paragraph).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');
    return `<p>${escaped.replace(/\n/g, "<br>")}</p>`;
  });
  return `<div dir="ltr">${paragraphs.join("")}</div>`;
}

function domainOf(address: string): string {
  return /@([^>\s]+)/.exec(address)?.[1] ?? "mail.example.com";
}

// ---- Small helpers ---------------------------------------------------------------------------

function rfc2822Date(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function notFound(): ProviderHttpResponse {
  return googleError(404, "Not Found", "notFound");
}
