/** The subset of Gmail's search language that messages.list's `q` understands here. */
import { attachments, headerValue } from "../mime.js";
import type { StoredMessage } from "./mailbox.js";

interface Term {
  negate: boolean;
  key?: string;
  value: string;
}

export interface CompiledQuery {
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
