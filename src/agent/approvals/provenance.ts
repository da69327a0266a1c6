import { HumanMessage, ToolMessage } from "langchain";
import { CONNECTORS } from "../../connectors/registry.js";
import { isProduced } from "../produced-messages.js";
import { addressesIn, collapse, looksConfusable, NOTION_ID, normalize, type Target } from "./call-targets.js";

/**
 * What the person has said in this thread, for deciding whether a target came from them: every
 * email address in their own messages, their text, and the ids Delegate's tools resolved names
 * to (a Slack channel id to `#team`, a Notion page id to its title) in results Delegate produced.
 */
export interface Provenance {
  emails: ReadonlySet<string>;
  /** The person's text, NFC-normalized, lower-cased, whitespace collapsed. */
  text: string;
  /** The same text with its case kept: how they wrote a title tells a name from ordinary words. */
  casedText: string;
  /**
   * `sort:id` (normalized) → the names or titles tool results gave that id, in order seen. By
   * sort: a name one connector gives an id never vouches for the same id of another (an event's
   * id can be chosen to equal a Slack channel's, or a Notion page's).
   */
  aliases: ReadonlyMap<string, readonly string[]>;
  /** `sort:name` (normalized) → every id of that sort a tool result gave it (two mean ambiguous). */
  holders: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The names tool results of `sort` gave `id`. */
export function aliasesOf(provenance: Provenance, id: string, sort: IdSort): readonly string[] {
  return provenance.aliases.get(`${sort}:${id}`) ?? [];
}

/** The sort of thing a target names, as the tools that return such ids sort them. */
export function sortOfTarget(target: Target): IdSort {
  if (target.kind === "slack-conversation") {
    const user = target.form === "name" ? target.key.startsWith("@") : /^[uw]/.test(target.key);
    return user ? "slack-user" : "slack-channel";
  }
  if (target.kind === "notion-parent") return "notion";
  if (target.kind === "calendar-event") return "calendar";
  return "other";
}

/** What one message contributes; remembered per message object, since a thread is read on every batch. */
interface MessageFacts {
  emails: string[];
  text?: string;
  casedText?: string;
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
    const cased = collapse(text);
    facts = {
      text: cased.toLowerCase(),
      casedText: cased,
      emails: addressesIn(text),
      aliases: [],
    };
  } else if (ToolMessage.isInstance(message) && message.status !== "error" && isProduced(message)) {
    // Only Delegate's own results: a client can write a tool message into a thread (Agent Chat
    // UI's placeholders), and its `{ id, name }` pairs would vouch for ids.
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
  const casedTexts: string[] = [];
  const aliases = new Map<string, string[]>();
  const holders = new Map<string, Set<string>>();
  for (const message of messages) {
    const facts = factsOf(message);
    if (!facts) continue;
    if (facts.text !== undefined) texts.push(facts.text);
    if (facts.casedText !== undefined) casedTexts.push(facts.casedText);
    for (const email of facts.emails) emails.add(email);
    for (const [id, name, sort] of facts.aliases) {
      const names = aliases.get(`${sort}:${id}`) ?? [];
      if (!names.includes(name)) aliases.set(`${sort}:${id}`, [...names, name]);
      const key = holderKey(sort, name);
      holders.set(key, new Set([...(holders.get(key) ?? []), id]));
    }
  }
  return { emails, text: texts.join("\n"), casedText: casedTexts.join("\n"), aliases, holders };
}

/** Normalizes an id the way targets key it: Notion ids without dashes, anything else lower-cased. */
function idKey(id: string): string {
  const notion = NOTION_ID.exec(id)?.[0];
  return notion && notion.length >= id.length - 1 ? notion.replace(/-/g, "").toLowerCase() : normalize(id);
}

/**
 * The items of a tool result (the result itself, what it holds under a container's name such as
 * `channel`, or the elements of its lists: Slack channels, Notion pages, events) with an `id` and
 * a `name` or `title` map ids to names. Only structure
 * counts: a message body that merely contains such text is a string and adds nothing, and an
 * object nested in an item is not an item (a Google event's `extendedProperties.shared` is a map
 * whoever sent the invite fills, `{ id, summary }` included). The names are still other people's
 * words (anyone can title a page "Team Handbook"): they only ever help an id the person reached
 * by naming that exact, unambiguous name.
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
  const consider = (record: Record<string, unknown>) => {
    // Titles arrive fenced as { untrusted_text } (connectors/untrusted.ts); the alias is still the title.
    const name =
      textOf(record.name) ?? textOf(record.title) ?? textOf(record.subject) ?? textOf(record.summary);
    if (typeof record.id === "string" && name?.trim()) {
      const id = idKey(record.id);
      aliases.set(id, [...(aliases.get(id) ?? []), name]);
    }
  };
  // The result and the objects it holds under a container's name ({ channel: {…} }, { data: {…} })
  // are items; so are the elements of its lists. Nothing inside an item is searched.
  const visit = (node: unknown, depth: number) => {
    if (depth > 3 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const element of node) {
        if (element !== null && typeof element === "object" && !Array.isArray(element))
          consider(element as Record<string, unknown>);
      }
      return;
    }
    const record = node as Record<string, unknown>;
    consider(record);
    for (const [key, child] of Object.entries(record)) {
      if (Array.isArray(child) || CONTAINERS.has(key)) visit(child, depth + 1);
    }
  };
  visit(value, 0);
}

/** Keys under which a result holds one item, or a wrapper of its lists. */
const CONTAINERS = new Set([
  "data",
  "result",
  "response",
  "channel",
  "user",
  "page",
  "database",
  "calendar",
  "event",
]);

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
  const sort = sortOfTarget(target);
  const name = aliasesOf(provenance, target.key, sort)[0];
  if (!name) return target;
  const prefix = sort === "slack-user" ? "@" : "#";
  const shown: Target = { ...target, display: `${prefix}${name.replace(/^[#@]/, "")} (${target.display})` };
  if (/[^\x20-\x7e]/.test(name) || looksConfusable(name)) shown.unusual = true;
  return shown;
}

export type IdSort = "notion" | "slack-channel" | "slack-user" | "calendar" | "mail" | "other";

/**
 * What sort of thing an id a tool returned is, by the connector of that tool (its name's first
 * word), never by the id's shape: a calendar event's id is chosen by whoever creates the event and
 * may be made to look like a Slack channel's or a Notion page's. Within Slack, people's ids start
 * with U or W. A result with no tool name vouches for nothing.
 */
function sortFromTool(tool: string | undefined, id: string): IdSort {
  if (!tool) return "other";
  if (/^slack/i.test(tool)) return /^[uw]/i.test(id) ? "slack-user" : "slack-channel";
  if (/^notion/i.test(tool)) return "notion";
  if (/^(google_?calendar|googlecalendar)|^outlook.*(event|calendar)/i.test(tool)) return "calendar";
  if (/^(gmail|outlook)/i.test(tool)) return "mail";
  return "other";
}

/** True when more than one id of `sort` carries this title in the thread's tool results. */
export function titleShared(provenance: Provenance, title: string, sort: IdSort): boolean {
  return (provenance.holders.get(holderKey(sort, title))?.size ?? 0) > 1;
}

/** How `holders` keys a name: by sort, normalized, without a leading `#` or `@`. */
function holderKey(sort: IdSort, name: string): string {
  return `${sort}:${normalize(name).replace(/^[#@]/, "")}`;
}

/** True when no id but `id` (of the same sort) carries this name in the thread's tool results. */
function onlyHolder(provenance: Provenance, name: string, sort: IdSort, id?: string): boolean {
  const others = [...(provenance.holders.get(holderKey(sort, name)) ?? [])].filter((other) => other !== id);
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
  const sort = sortOfTarget(target);
  if (target.kind === "slack-conversation") {
    if (target.form === "name") return mentions(text, target.key) && onlyHolder(provenance, target.key, sort);
    const prefix = sort === "slack-user" ? "@" : "#";
    if (mentions(text, target.key)) return true;
    return aliasesOf(provenance, target.key, sort).some(
      (name) =>
        mentions(text, `${prefix}${normalize(name).replace(/^[#@]/, "")}`) &&
        onlyHolder(provenance, name, sort, target.key),
    );
  }
  if (target.kind === "calendar-event" && target.field === "calendar_id") {
    // The person's own calendar, or one whose id they typed. No title vouches for a calendar: the
    // titles tool results carry here are events', written by whoever sent the invite.
    return target.key === "primary" || mentionsId(text, target.key);
  }
  if (target.form === "title")
    return mentionsTitle(provenance, target.key) && onlyHolder(provenance, target.key, sort);
  if (mentionsId(text, target.key)) return true;
  return aliasesOf(provenance, target.key, sort).some(
    (title) => mentionsTitle(provenance, normalize(title)) && onlyHolder(provenance, title, sort, target.key),
  );
}

const WORD = "\\p{L}\\p{N}\\p{M}_";

/** The names people call Delegate's connectors by: words of every request, never a page's title. */
const CONNECTOR_WORDS = new Set(
  Object.values(CONNECTORS).flatMap((connector) => [
    normalize(connector.displayName),
    connector.id,
    connector.defaultConnection,
  ]),
);

/** `phrase` in `text` as a whole: not part of a longer word, name or address on either side. */
function mentions(text: string, phrase: string): boolean {
  return phraseIn(phrase, "u").test(text);
}

function phraseIn(phrase: string, flags: string): RegExp {
  return new RegExp(`(?<![${WORD}@.\\-])${escapeRegExp(phrase)}(?![${WORD}@\\-]|\\.[${WORD}])`, flags);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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
 * A page or event title the person wrote as a name. Anyone who shares a page or sends an invitation
 * chooses its title, and can choose words any request holds ("a note", "in Notion", "on Friday"):
 * - quoted by the person, any title counts (`add this to "Roadmap"`, `to "q3 plan"`);
 * - unquoted, only a title of more than one word, written as a name is written: its first word
 *   and every word but the small ones capitalized (`Meeting Notes`, `Notes for Q3`), and not made
 *   of common words alone (`On Friday`, `In Notion`). Anything else is asked, which is safe.
 * A connector's name never counts.
 */
function mentionsTitle(provenance: Provenance, title: string): boolean {
  if (!title || CONNECTOR_WORDS.has(title) || !mentions(provenance.text, title)) return false;
  if (quotedIn(provenance.text, title)) return true;
  const words = title.split(" ");
  if (words.length < 2 || words.every((word) => COMMON_WORDS.has(word) || CONNECTOR_WORDS.has(word)))
    return false;
  for (const match of provenance.casedText.matchAll(phraseIn(title, "giu"))) {
    const before = provenance.casedText.slice(0, match.index);
    if (writtenAsName(match[0], SENTENCE_START.test(before))) return true;
  }
  return false;
}

/** Where a sentence starts: the text's start, a new line, or after `.`, `!`, `?` or `:`. */
const SENTENCE_START = /(^|[.!?:]\s*|\n\s*)$/u;

/**
 * `Meeting Notes`, `Notes for Q3`: the first word and every word but the small ones capitalized.
 * At a sentence's start the first capital says nothing ("Save to Meeting Notes"): another word
 * but the small ones must be capitalized too.
 */
function writtenAsName(phrase: string, atSentenceStart: boolean): boolean {
  const words = phrase.split(" ");
  const capital = (word: string) => /^[\p{Lu}\p{Lt}\p{N}]/u.test(word);
  const shaped = words.every(
    (word, index) => capital(word) || (index > 0 && SMALL_WORDS.has(word.toLowerCase())),
  );
  if (!shaped || !atSentenceStart) return shaped;
  return words.slice(1).some((word) => capital(word) && !SMALL_WORDS.has(word.toLowerCase()));
}

/**
 * The title in quotes of its own: `"Roadmap"`, `'q3 plan'`, `“Notes”`. A quote mark inside a word
 * is an apostrophe, not a quote ("today's notes to Dana's page" quotes nothing).
 */
function quotedIn(text: string, title: string): boolean {
  const escaped = escapeRegExp(title);
  return [
    ["'", "'"],
    ['"', '"'],
    ["`", "`"],
    ["“", "”"],
    ["‘", "’"],
    ["«", "»"],
  ].some(([open, close]) =>
    new RegExp(`(?<![${WORD}])${open}${escaped}${close}(?![${WORD}])`, "u").test(text),
  );
}

/** Words a title keeps lower-case: articles, conjunctions, short prepositions. */
const SMALL_WORDS = new Set(
  "a an and as at but by for from in into of on or per the to via vs with".split(" "),
);

/** Words every request holds: alone, however capitalized, they make no name. */
const COMMON_WORDS = new Set([
  ...SMALL_WORDS,
  ..."i me my mine we us our you your it its this that these those all any some my new next last".split(" "),
  ..."today tomorrow yesterday tonight morning afternoon evening week weekend month year now".split(" "),
  ..."monday tuesday wednesday thursday friday saturday sunday".split(" "),
  ..."january february march april may june july august september october november december".split(" "),
]);
