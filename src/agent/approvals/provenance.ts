import { HumanMessage, ToolMessage } from "langchain";
import type { TargetField, TargetKind } from "../../connectors/tool-traits.js";

/** One target a call names, as given and as compared. */
export interface Target {
  kind: TargetKind;
  /** The argument it came from (`to`, `channel`, …). */
  field: string;
  /** What the person is shown: the address itself for email, never only a display name. */
  display: string;
  /** The comparison key: lower-cased, NFC-normalized address / name / id. */
  key: string;
  /** Set when the address holds characters outside ASCII (a look-alike of a known address?). */
  unusual?: true;
}

/**
 * What the person has said in this thread, for deciding whether a target came from them: every
 * email address in their own messages, their text, and the ids Delegate's tools resolved names
 * to (a Slack channel id to `#team`, a Notion page id to its title).
 */
export interface Provenance {
  emails: ReadonlySet<string>;
  text: string;
  aliases: ReadonlyMap<string, readonly string[]>;
}

const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;
const NOTION_ID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;

function normalize(value: string): string {
  return value.normalize("NFC").trim().toLowerCase();
}

/** `Dana <dana@x.com>`, `"a@b" <evil@x.com>`, `mailto:dana@x.com` → the address itself. */
export function emailAddress(value: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(value);
  const address = (angle?.[1] ?? value).trim().replace(/^mailto:/i, "");
  return address.replace(/^["']|["']$/g, "");
}

function toTarget(kind: TargetKind, field: string, raw: string): Target | undefined {
  const value = raw.trim();
  if (!value) return undefined;
  if (kind === "email") {
    const address = emailAddress(value);
    const target: Target = { kind, field, display: address, key: normalize(address) };
    if (/[^\x20-\x7e]/.test(address)) target.unusual = true;
    return target;
  }
  if (kind === "slack-conversation") {
    return { kind, field, display: value, key: normalize(value.replace(/^[#@]/, "")) };
  }
  const id = NOTION_ID.exec(value)?.[0];
  return { kind, field, display: value, key: id ? id.replace(/-/g, "").toLowerCase() : normalize(value) };
}

/** The targets a call's arguments name, per the tool's declared target fields. */
export function targetsOf(args: Record<string, unknown>, fields: readonly TargetField[]): Target[] {
  const targets: Target[] = [];
  for (const { field, kind } of fields) {
    const value = args[field];
    const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    for (const item of values) {
      const text =
        typeof item === "string" ? item : typeof item === "object" && item ? addressOf(item) : undefined;
      if (text === undefined) continue;
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
  aliases: [string, string][];
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
    facts = {
      emails: [],
      aliases: [...aliases].flatMap(([id, names]) => names.map((name) => [id, name] as [string, string])),
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
  for (const message of messages) {
    const facts = factsOf(message);
    if (!facts) continue;
    if (facts.text !== undefined) texts.push(facts.text);
    for (const email of facts.emails) emails.add(email);
    for (const [id, name] of facts.aliases) aliases.set(id, [...(aliases.get(id) ?? []), name]);
  }
  return { emails, text: texts.join("\n"), aliases };
}

/**
 * Objects in tool results with an `id` and a `name` or `title` (Slack channels, Notion pages) map
 * ids to names. Only structure counts: a message body that merely contains such text is a string
 * and adds nothing.
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
    if (typeof record.id === "string" && name) {
      const id = NOTION_ID.test(record.id) ? record.id.replace(/-/g, "").toLowerCase() : normalize(record.id);
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

/** True when the person named this target in their own messages of the thread. */
export function namedByPerson(target: Target, provenance: Provenance): boolean {
  if (target.kind === "email") return provenance.emails.has(target.key);
  const names = [target.key, ...(provenance.aliases.get(target.key) ?? []).map(normalize)];
  return names.some((name) =>
    target.kind === "slack-conversation"
      ? mentionsName(provenance.text, name.replace(/^[#@]/, ""))
      : mentionsTitle(provenance.text, name),
  );
}

/** `#team`, `@dana` or the bare word `team` in the person's text. */
function mentionsName(text: string, name: string): boolean {
  if (name.length < 2) return false;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}_-])[#@]?${escaped}($|[^\\p{L}\\p{N}_-])`, "u").test(text);
}

/** A page title (or id) the person wrote; short words are too ambiguous to count. */
function mentionsTitle(text: string, title: string): boolean {
  return title.length >= 3 && text.includes(title);
}
