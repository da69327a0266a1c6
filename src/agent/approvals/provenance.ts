import { HumanMessage, ToolMessage } from "langchain";
import type { TargetField, TargetKind } from "../../connectors/tool-traits.js";

/** One target a call names, as given and as compared. */
export interface Target {
  kind: TargetKind;
  /** The argument it came from (`to`, `channel`, …). */
  field: string;
  /**
   * What the person is shown: the address itself for email, never only a display name; for a
   * Slack id, the channel or person Delegate knows by that id (`#team (C0TEAM)`), never a label the
   * call itself supplied.
   */
  display: string;
  /** The comparison key: lower-cased, NFC-normalized address / name / id / title. */
  key: string;
  /** What the key is: an id, a name (`#team`, `@dana`), a title, an email address. */
  form: "id" | "name" | "title" | "email";
  /** The value exactly as the call gave it (for replacing it in a summary by what it resolves to). */
  raw: string;
  /** Look-alike characters (non-ASCII in an address or Slack name, mixed scripts in a title). */
  unusual?: true;
  /**
   * The value cannot be read as a target (a number, a nested list, an address whose display name
   * holds another address): it is never counted as named.
   */
  unreadable?: true;
}

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

const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const NOTION_ID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;
/** Slack ids: channels (C, G), direct messages (D), people (U, W). */
const SLACK_ID = /^[CGDUW][A-Z0-9]{5,}$/;

function normalize(value: string): string {
  return value.normalize("NFC").replace(/\s+/g, " ").trim().toLowerCase();
}

/** `Dana <dana@x.com>`, `"a@b" <evil@x.com>`, `mailto:dana@x.com` → the address itself. */
export function emailAddress(value: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(value);
  const address = (angle?.[1] ?? value).trim().replace(/^mailto:/i, "");
  return address.replace(/^["']|["']$/g, "");
}

/**
 * Whether an address as written is ambiguous: a display name that itself holds an address
 * (`attacker@evil.example <sam@example.com>`), more than one angle-bracketed part, or stray
 * brackets. A reader (or another mail client) could take either address for the real one.
 */
function ambiguousAddress(value: string): boolean {
  const text = value.trim().replace(/^mailto:/i, "");
  const angle = /<([^<>]+)>\s*$/.exec(text);
  if (!angle) return /[<>]/.test(text) || (text.match(/@/g) ?? []).length !== 1;
  const name = text.slice(0, angle.index);
  return /[@<>]/.test(name) || (angle[1]?.match(/@/g) ?? []).length !== 1;
}

/**
 * Characters a look-alike hides behind: letters of more than one script that share shapes with
 * Latin (Cyrillic "а" in "pаyroll"), invisible format characters (zero-width joiners, direction
 * overrides), and compatibility forms (fullwidth "ｔｅａｍ").
 */
export function looksConfusable(value: string): boolean {
  if (/[\p{Cf}\u115f\u1160\u3164\uffa0]/u.test(value)) return true;
  if (value.normalize("NFKC") !== value.normalize("NFC")) return true;
  const scripts = ["Latin", "Cyrillic", "Greek", "Armenian", "Cherokee", "Coptic"].filter((script) =>
    new RegExp(`\\p{Script=${script}}`, "u").test(value),
  );
  return scripts.length > 1;
}

function unreadable(kind: TargetKind, field: string, value: unknown): Target {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  const display = shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
  return { kind, field, display, key: "", form: "id", raw: display, unreadable: true };
}

function toTarget(kind: TargetKind, field: string, raw: string): Target | undefined {
  const value = raw.trim();
  if (!value) return undefined;
  if (kind === "email") {
    const address = emailAddress(value);
    const target: Target = {
      kind,
      field,
      display: address,
      key: normalize(address),
      form: "email",
      raw: value,
    };
    if (/[^\x20-\x7e]/.test(address)) target.unusual = true;
    if (ambiguousAddress(value)) target.unreadable = true;
    return target;
  }
  if (kind === "slack-conversation") return slackTarget(field, value);
  if (kind === "calendar-event") {
    return { kind, field, display: value, key: normalize(value), form: "id", raw: value };
  }
  const id = NOTION_ID.exec(value)?.[0];
  if (id)
    return { kind, field, display: value, key: id.replace(/-/g, "").toLowerCase(), form: "id", raw: value };
  const target: Target = { kind, field, display: value, key: normalize(value), form: "title", raw: value };
  if (looksConfusable(value)) target.unusual = true;
  return target;
}

/**
 * `<#C0TEAM>` / `<#C0TEAM|label>` / `<@U0DANA>` (the label is the caller's word, not Slack's: it
 * is dropped), `C0TEAM`, `#team`, `@dana`, or a bare `team` (Delegate resolves it as a channel name).
 */
function slackTarget(field: string, value: string): Target {
  const kind = "slack-conversation";
  const mention = /^<([#@])([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(value);
  const id = mention?.[2] ?? (SLACK_ID.test(value) ? value : undefined);
  if (id) return { kind, field, display: id.toUpperCase(), key: id.toLowerCase(), form: "id", raw: value };
  if (value.includes("@") && !value.startsWith("@")) {
    return { kind, field, display: value, key: normalize(value), form: "email", raw: value };
  }
  const target: Target = {
    kind,
    field,
    display: value,
    key: normalize(value.startsWith("@") ? value : `#${value.replace(/^#/, "")}`),
    form: "name",
    raw: value,
  };
  if (/[^\x20-\x7e]/.test(value) || looksConfusable(value)) target.unusual = true;
  return target;
}

/**
 * The targets a call's arguments name, per the tool's declared target fields. A value that cannot
 * be read as a target (a number, a nested list, an object with no address) is kept as an
 * unreadable target, so it is asked about rather than skipped.
 */
export function targetsOf(args: Record<string, unknown>, fields: readonly TargetField[]): Target[] {
  const targets: Target[] = [];
  for (const { field, kind } of fields) {
    const value = args[field];
    const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    for (const item of values) {
      const text =
        typeof item === "string"
          ? item
          : typeof item === "object" && item !== null && !Array.isArray(item)
            ? addressOf(item)
            : undefined;
      if (text === undefined) {
        targets.push(unreadable(kind, field, item));
        continue;
      }
      // A string may list several addresses ("a@x, b@y").
      const parts = kind === "email" ? text.split(/[;,](?![^<]*>)/) : [text];
      for (const part of parts) {
        const target = toTarget(kind, field, part);
        if (target) targets.push(target);
      }
    }
  }
  return targets;
}

/** A whole value that is a web or mail link. */
const LINK = /^(?:https?:\/\/|www\.)\S+$/i;
/** A Slack id as a whole value: a letter the ids start with, then capitals and digits, at least one digit. */
const STRAY_SLACK_ID = /^[CGDUW](?=[A-Z]*\d)[A-Z0-9]{6,}$/;
const SLACK_MENTION = /^<[#@][A-Z0-9]+(?:\|[^>]*)?>$/;
const BARE_EMAIL = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]{2,}$/;

/**
 * Destinations a hosted tool's call names outside the fields Delegate recognises as targets
 * (`users`, `emails`, `invitees`, `forward_to`, …): every string in the other arguments, however
 * deep, that is as a whole an email address (or a list of them), a link, a Slack id or mention,
 * or a Notion id. Each is a target of the argument it sits in (`invite.emails`), so it is named
 * only when the person typed it. Text that merely contains an address is not a destination.
 */
export function strayTargetsOf(args: Record<string, unknown>, fields: readonly TargetField[]): Target[] {
  const recognised = new Set(fields.map(({ field }) => field));
  const found: Target[] = [];
  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === "string") {
      found.push(...strayTargets(path, value));
      return;
    }
    if (depth > 8 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, path, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (depth === 0 && recognised.has(key)) continue;
      visit(item, path ? `${path}.${key}` : key, depth + 1);
    }
  };
  visit(args, "", 0);
  return found;
}

function strayTargets(field: string, raw: string): Target[] {
  const value = raw.trim();
  if (!value) return [];
  if (SLACK_MENTION.test(value) || STRAY_SLACK_ID.test(value)) return [slackTarget(field, value)];
  if (LINK.test(value) || new RegExp(`^${NOTION_ID.source}$`, "i").test(value)) {
    const target = toTarget("notion-parent", field, value);
    return target ? [target] : [];
  }
  const parts = value.split(/[;,](?![^<]*>)/).map((part) => part.trim());
  if (parts.some((part) => part.includes("@")) && parts.every((part) => BARE_EMAIL.test(emailAddress(part))))
    return parts.flatMap((part) => toTarget("email", field, part) ?? []);
  return [];
}

/** Microsoft Graph style recipients: `{ emailAddress: { address, name } }` or `{ address }`. */
function addressOf(item: object): string | undefined {
  const record = item as { address?: unknown; email?: unknown; emailAddress?: { address?: unknown } };
  const address = record.emailAddress?.address ?? record.address ?? record.email;
  return typeof address === "string" ? address : undefined;
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
