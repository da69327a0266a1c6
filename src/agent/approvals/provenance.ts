import { HumanMessage, ToolMessage } from "langchain";
import { EMAIL, looksConfusable, NOTION_ID, normalize, type Target } from "./call-targets.js";

/**
 * What the person has said in this thread, for deciding whether a target came from them: every
 * email address in their own messages, their text, and the ids Delegate's tools resolved names
 * to (a Slack channel id to `#team`, a Notion page id to its title).
 */
export interface Provenance {
  emails: ReadonlySet<string>;
  /** The person's text, NFC-normalized, lower-cased, whitespace collapsed. */
  text: string;
  /** Ids (normalized) → the names or titles tool results gave them, in order seen. */
  aliases: ReadonlyMap<string, readonly string[]>;
  /** Normalized names or titles → every id a tool result gave them (two means ambiguous). */
  holders: ReadonlyMap<string, ReadonlySet<string>>;
  /** Ids (normalized) → what sort of thing the tool that returned them says they are. */
  sorts: ReadonlyMap<string, IdSort>;
}

/** What one message contributes; remembered per message object, since a thread is read on every batch. */
interface MessageFacts {
  emails: string[];
  text?: string;
  aliases: [id: string, name: string, sort: IdSort][];
}
const FACTS = new WeakMap<object, MessageFacts>();

function factsOf(message: unknown): MessageFacts | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const known = FACTS.get(message);
  if (known) return known;
  let facts: MessageFacts | undefined;
  if (HumanMessage.isInstance(message)) {
    const text = message.text;
    facts = {
      text: normalize(text),
      emails: [...text.matchAll(EMAIL)].map((match) => normalize(match[0].replace(/[.'-]+$/, ""))),
      aliases: [],
    };
  } else if (ToolMessage.isInstance(message) && message.status !== "error") {
    const aliases = new Map<string, string[]>();
    collectAliases(message.content, aliases);
    const tool = message.name;
    facts = {
      emails: [],
      aliases: [...aliases].flatMap(([id, names]) =>
        names.map((name) => [id, name, sortFromTool(tool, id)] as [string, string, IdSort]),
      ),
    };
  }
  if (facts) FACTS.set(message, facts);
  return facts;
}

/** Reads the thread: the person's messages, and the id → name pairs Delegate's tools returned. */
export function provenanceOf(messages: readonly unknown[]): Provenance {
  const emails = new Set<string>();
  const texts: string[] = [];
  const aliases = new Map<string, string[]>();
  const holders = new Map<string, Set<string>>();
  const sorts = new Map<string, IdSort>();
  for (const message of messages) {
    const facts = factsOf(message);
    if (!facts) continue;
    if (facts.text !== undefined) texts.push(facts.text);
    for (const email of facts.emails) emails.add(email);
    for (const [id, name, sort] of facts.aliases) {
      if (!sorts.has(id)) sorts.set(id, sort);
      const names = aliases.get(id) ?? [];
      if (!names.includes(name)) aliases.set(id, [...names, name]);
      const key = normalize(name);
      holders.set(key, new Set([...(holders.get(key) ?? []), id]));
    }
  }
  return { emails, text: texts.join("\n"), aliases, holders, sorts };
}

/** Normalizes an id the way targets key it: Notion ids without dashes, anything else lower-cased. */
function idKey(id: string): string {
  const notion = NOTION_ID.exec(id)?.[0];
  return notion && notion.length >= id.length - 1 ? notion.replace(/-/g, "").toLowerCase() : normalize(id);
}

/**
 * Objects in tool results with an `id` and a `name` or `title` (Slack channels, Notion pages) map
 * ids to names. Only structure counts: a message body that merely contains such text is a string
 * and adds nothing. The names are still other people's words (anyone can title a page "Team
 * Handbook"): they only ever help an id the person reached by naming that exact, unambiguous name.
 */
function collectAliases(content: unknown, aliases: Map<string, string[]>): void {
  let value: unknown = content;
  if (typeof content === "string") {
    try {
      value = JSON.parse(content);
    } catch {
      return;
    }
  }
  const visit = (node: unknown, depth: number) => {
    if (depth > 6 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    // Titles arrive fenced as { untrusted_text } (connectors/untrusted.ts); the alias is still the title.
    const name =
      textOf(record.name) ?? textOf(record.title) ?? textOf(record.subject) ?? textOf(record.summary);
    if (typeof record.id === "string" && name?.trim()) {
      const id = idKey(record.id);
      aliases.set(id, [...(aliases.get(id) ?? []), name]);
    }
    for (const child of Object.values(record)) visit(child, depth + 1);
  };
  visit(value, 0);
}

function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const fenced = (value as { untrusted_text?: unknown } | null | undefined)?.untrusted_text;
  return typeof fenced === "string" ? fenced : undefined;
}

/**
 * The target as the person should see it: a Slack id becomes the channel or person Delegate's own
 * reads know by that id (`#team (C0TEAM)`), whatever label the call wrapped it in; a name or title
 * with look-alike characters is flagged.
 */
export function shownAs(target: Target, provenance: Provenance): Target {
  if (target.kind !== "slack-conversation" || target.form !== "id") return target;
  const name = provenance.aliases.get(target.key)?.[0];
  if (!name) return target;
  const prefix = sortOfId(target.key) === "slack-user" ? "@" : "#";
  const shown: Target = { ...target, display: `${prefix}${name.replace(/^[#@]/, "")} (${target.display})` };
  if (/[^\x20-\x7e]/.test(name) || looksConfusable(name)) shown.unusual = true;
  return shown;
}

export type IdSort = "notion" | "slack-channel" | "slack-user" | "other";

/**
 * What sort of thing an id a tool returned is, by the connector of that tool (its name's first
 * word): a Google Calendar event id may well look like a Slack channel id. Within Slack, people's
 * ids start with U or W. A result with no tool name falls back to the id's shape.
 */
function sortFromTool(tool: string | undefined, id: string): IdSort {
  if (!tool) return sortOfId(id);
  if (/^slack/i.test(tool)) return /^[uw]/i.test(id) ? "slack-user" : "slack-channel";
  if (/^notion/i.test(tool)) return "notion";
  return "other";
}

/** What sort of thing an id is by its shape alone, so a page and a mail sharing a title are no clash. */
function sortOfId(id: string): IdSort {
  if (/^[0-9a-f]{32}$/.test(id)) return "notion";
  if (/^[cgd][a-z0-9]{5,}$/.test(id)) return "slack-channel";
  if (/^[uw][a-z0-9]{5,}$/.test(id)) return "slack-user";
  return "other";
}

/** True when no id but `id` (of the same sort) carries this name in the thread's tool results. */
function onlyHolder(provenance: Provenance, name: string, sort: IdSort, id?: string): boolean {
  const others = [...(provenance.holders.get(normalize(name).replace(/^[#@]/, "")) ?? [])].filter(
    (other) => other !== id && (provenance.sorts.get(other) ?? sortOfId(other)) === sort,
  );
  return id === undefined ? others.length <= 1 : others.length === 0;
}

/**
 * True when the person named this target in their own messages of the thread:
 * - an address: they typed that address (a display name never counts);
 * - a Slack channel: they typed `#name`, `<#ID>` / `<#ID|name>` or the id; a person: `@name`,
 *   the id or their address. A bare word ("in general, …") is not a channel;
 * - a Notion page (or an event): they typed its id, or its whole title as a phrase of its own
 *   (case and spacing aside); an id a Delegate read returned counts when they typed that read's
 *   title exactly. A title that more than one id in this thread carries (an attacker's page
 *   titled like the real one) is never enough.
 */
export function namedByPerson(target: Target, provenance: Provenance): boolean {
  if (target.unreadable || !target.key) return false;
  if (target.form === "email") return provenance.emails.has(target.key);
  const text = provenance.text;
  if (target.kind === "slack-conversation") {
    if (target.form === "name") {
      const sort = target.key.startsWith("@") ? "slack-user" : "slack-channel";
      return mentions(text, target.key) && onlyHolder(provenance, target.key, sort);
    }
    const sort = sortOfId(target.key);
    const prefix = sort === "slack-user" ? "@" : "#";
    if (mentions(text, target.key)) return true;
    return (provenance.aliases.get(target.key) ?? []).some(
      (name) =>
        mentions(text, `${prefix}${normalize(name).replace(/^[#@]/, "")}`) &&
        onlyHolder(provenance, name, sort, target.key),
    );
  }
  if (target.kind === "calendar-event" && target.field === "calendar_id" && target.key === "primary") {
    // The person's own calendar.
    return true;
  }
  const sort = target.kind === "notion-parent" ? "notion" : "other";
  if (target.form === "title")
    return mentionsTitle(text, target.key) && onlyHolder(provenance, target.key, sort);
  if (mentionsId(text, target.key)) return true;
  return (provenance.aliases.get(target.key) ?? []).some(
    (title) => mentionsTitle(text, normalize(title)) && onlyHolder(provenance, title, sort, target.key),
  );
}

const WORD = "\\p{L}\\p{N}\\p{M}_";

/** `phrase` in `text` as a whole: not part of a longer word, name or address on either side. */
function mentions(text: string, phrase: string): boolean {
  if (!phrase) return false;
  const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![${WORD}@.\\-])${escaped}(?![${WORD}@\\-]|\\.[${WORD}])`, "u").test(text);
}

/** An id (Notion ids with or without dashes, anywhere in a URL the person pasted) the person typed. */
function mentionsId(text: string, key: string): boolean {
  if (/^[0-9a-f]{32}$/.test(key)) {
    for (const match of text.matchAll(new RegExp(NOTION_ID.source, "gi"))) {
      if (match[0].replace(/-/g, "") === key) return true;
    }
    return false;
  }
  return mentions(text, key);
}

/**
 * A page or event title the person wrote as a phrase of its own. One short word ("the", "q3")
 * could be anyone's: it counts only when the person quoted it.
 */
function mentionsTitle(text: string, title: string): boolean {
  if (!title) return false;
  if (!mentions(text, title)) return false;
  if (title.includes(" ") || title.length >= 4) return true;
  return ["'", '"', "`", "“", "‘"].some((open) => {
    const close = open === "“" ? "”" : open === "‘" ? "’" : open;
    return text.includes(`${open}${title}${close}`);
  });
}
