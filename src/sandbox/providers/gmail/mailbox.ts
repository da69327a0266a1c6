import { escapeHtml } from "../../escape-html.js";
/**
 * One user's Gmail mailbox: messages stored as MIME part trees with what Gmail derives from them
 * on receipt (snippet, search text, size), Gmail-looking ids, and the newest-first order.
 */
import { attachments, headerValue, type MimePart, messageText } from "../mime.js";

export interface StoredMessage {
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

export interface Mailbox {
  messages: Map<string, StoredMessage>;
  /** Draft id → message id. */
  drafts: Map<string, string>;
  counter: number;
  historyId: number;
}

const SNIPPET_LENGTH = 200;

export function emptyMailbox(): Mailbox {
  return { messages: new Map(), drafts: new Map(), counter: 0, historyId: 180_000 };
}

/** Gmail-looking ids: 16 hex digits that grow with time. */
export function nextId(box: Mailbox, at: number): string {
  box.counter = (box.counter + 1) & 0xfffff;
  return ((BigInt(at) << 20n) | BigInt(box.counter)).toString(16);
}

export function store(
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

/** Sorts in place, newest first (insertion order breaks ties), and returns the same array. */
export function newestFirst(messages: StoredMessage[]): StoredMessage[] {
  return messages.sort((a, b) => b.internalDate - a.internalDate || b.sequence - a.sequence);
}
