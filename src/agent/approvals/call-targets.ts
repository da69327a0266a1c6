import { extractNotionId } from "../../connectors/notion/notion-api.js";
import { SLACK_CHANNEL_ID, SLACK_USER_ID } from "../../connectors/slack/slack-api.js";
import type { TargetField, TargetKind } from "../../connectors/tool-traits.js";

/**
 * The targets a call names, read from its arguments: recipients, channels, people, pages,
 * attendees, each as given and as compared (normalized addresses, Slack and Notion ids), and, for
 * hosted tools, addresses, links and ids in arguments Delegate does not recognise.
 */

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
 * An address as written in text. The local part runs over RFC 5322's atext (plus dots, and letters
 * of any script): it starts where no such character, `@` or domain character precedes it, so
 * `ops=billing@corp.example`, `sam&dana@x.com` and `a/b@gmail.com` hold one address each, not
 * `billing@…`, `dana@…` or `b@…`. The domain runs as far as domain characters go.
 */
const ADDRESS_IN_TEXT =
  /(?<![\p{L}\p{N}\p{M}!#$%&'*+/=?^_`{|}~.@-])([\p{L}\p{N}\p{M}!#$%&'*+/=?^_`{|}~.-]+)@([\p{L}\p{N}\p{M}.-]+)/gu;
const DOT_ATOM = /^[^.]+(?:\.[^.]+)*$/u;
const LABEL = "[\\p{L}\\p{N}\\p{M}](?:[\\p{L}\\p{N}\\p{M}-]*[\\p{L}\\p{N}\\p{M}])?";
const DOMAIN = new RegExp(`^(?:${LABEL}\\.)+\\p{L}(?:[\\p{L}\\p{N}\\p{M}-]*[\\p{L}\\p{N}\\p{M}])?$`, "u");
/** Atext characters people wrap an address in (quotes, markdown emphasis, braces), and what closes each. */
const WRAPPERS: Record<string, string> = {
  "'": "'",
  "`": "`",
  "*": "*",
  _: "_",
  "~": "~",
  "{": "}",
  "|": "|",
};

/**
 * Whether an address may start after `before`: at the start, after white space, after a
 * delimiter RFC 5322 keeps out of addresses (`"(),:;<>[]`), or after an opening or closing bracket
 * or quote, or sentence punctuation of another script (`「`, `、`). Any other character (`\\`, `×`,
 * Catalan `·`) joins what follows to a longer token, so no address starts there.
 */
function opensAddress(before: string): boolean {
  const char = [...before.slice(-2)].pop();
  return char === undefined || /^[\s"(),:;<>[\]\p{Z}\p{Ps}\p{Pe}\p{Pi}\p{Pf}、。¡¿]$/u.test(char);
}

/**
 * The addresses a person wrote in `text`, normalized: `'sam@example.com'`, `**sam@…**`,
 * `<mailto:sam@…>` and `sam@….` are `sam@…`. Compatibility forms are folded first (a fullwidth
 * `＝` is `=`) and invisible format characters dropped, so neither can fake a boundary. Anything
 * that is not plainly one address (an address glued to another `@`, inside a URL's credentials,
 * a local part with stray dots) is left out: an address left out is asked about, never waved through.
 */
export function addressesIn(text: string): string[] {
  const folded = text.replace(/\p{Cf}/gu, "").normalize("NFKC");
  const found: string[] = [];
  for (const match of folded.matchAll(ADDRESS_IN_TEXT)) {
    const [whole, written = "", domainWritten = ""] = match;
    if (!opensAddress(folded.slice(0, match.index))) continue;
    if (folded.startsWith("@", match.index + whole.length)) continue;
    // `https://user:pass@host`: credentials in a link, not an address.
    if ((folded.slice(0, match.index).split(/\s/).pop() ?? "").includes("://")) continue;
    // Sentence punctuation after the address is not part of it.
    const domain = domainWritten.replace(/[.-]+$/, "");
    const rest = folded.slice(match.index + written.length + 1 + domain.length);
    let local = written;
    const lead = /^[^\p{L}\p{N}\p{M}.]*/u.exec(written)?.[0] ?? "";
    const closing = [...lead]
      .reverse()
      .map((char) => WRAPPERS[char] ?? "\0")
      .join("");
    if (lead && rest.startsWith(closing)) local = written.slice(lead.length);
    else if (rest.startsWith("_")) continue;
    if (!DOT_ATOM.test(local) || !DOMAIN.test(domain)) continue;
    found.push(normalize(`${local}@${domain}`));
  }
  return found;
}

export const NOTION_ID = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;

/** NFC, whitespace collapsed, case kept. */
export function collapse(value: string): string {
  return value.normalize("NFC").replace(/\s+/g, " ").trim();
}

export function normalize(value: string): string {
  return collapse(value).toLowerCase();
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
  // The page as the Notion tools will resolve it (the id, or a URL's last id), never another id the
  // value also holds: a reference with two ids is unreadable, so it is asked about.
  const ids = value.match(new RegExp(NOTION_ID.source, "gi")) ?? [];
  const id = extractNotionId(value);
  if (ids.length > 1) return { ...unreadable(kind, field, value), display: value, raw: value };
  if (id)
    return { kind, field, display: value, key: id.replace(/-/g, "").toLowerCase(), form: "id", raw: value };
  if (ids.length > 0) return { ...unreadable(kind, field, value), display: value, raw: value };
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
  // Ids as the Slack tools read them: channels (C, G), direct messages (D), people (U, W).
  const id = mention?.[2] ?? (SLACK_CHANNEL_ID.test(value) || SLACK_USER_ID.test(value) ? value : undefined);
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
 * or a Notion id, and every link inside text. Each is a target of the argument it sits in
 * (`invite.emails`, `text`), so it is named only when the person typed it. Text that merely
 * contains an address is not a destination.
 */
export function strayTargetsOf(args: Record<string, unknown>, fields: readonly TargetField[]): Target[] {
  const recognised = new Set(fields.map(({ field }) => field));
  const found: Target[] = [];
  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === "string") {
      found.push(...strayTargets(path, value));
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (depth > 8) {
      // Nested deeper than Delegate reads (a toggle in a toggle in …): what it holds is unknown,
      // so it is a target the person is asked about, not one skipped.
      found.push(unreadable("notion-parent", path, value));
      return;
    }
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
  if (LINK.test(value)) return [linkTarget(field, value)];
  if (new RegExp(`^${NOTION_ID.source}$`, "i").test(value)) {
    const target = toTarget("notion-parent", field, value);
    return target ? [target] : [];
  }
  const parts = value.split(/[;,](?![^<]*>)/).map((part) => part.trim());
  if (parts.some((part) => part.includes("@")) && parts.every((part) => BARE_EMAIL.test(emailAddress(part))))
    return parts.flatMap((part) => toTarget("email", field, part) ?? []);
  // A link inside text is a destination too: Slack unfurls it and an HTML mail loads its images,
  // fetching it (and whatever a hostile read put in its query) with no one clicking. Direct tools
  // post plain text without unfurling; a hosted tool's handling is unknown, so it counts as typed.
  return [...value.matchAll(EMBEDDED_LINK)].map(([link]) =>
    linkTarget(field, link.replace(/[.,;:!?]+$/, "")),
  );
}

/**
 * A link as a destination: a Notion page's link is that page (by its id); any other counts only as
 * typed whole, query and all. The Notion id rule alone would let `https://evil.example/<page-id>?d=…`
 * pass for a page the person named.
 */
function linkTarget(field: string, link: string): Target {
  const notion = isNotionHost(link) ? toTarget("notion-parent", field, link) : undefined;
  if (notion && notion.form === "id") return notion;
  return { kind: "notion-parent", field, display: link, key: normalize(link), form: "id", raw: link };
}

function isNotionHost(link: string): boolean {
  try {
    const host = new URL(/^www\./i.test(link) ? `https://${link}` : link).hostname.toLowerCase();
    return /(^|\.)notion\.(so|site)$/.test(host);
  } catch {
    return false;
  }
}

/** A web link inside text, up to whitespace or the quote, bracket or angle that closes it. */
const EMBEDDED_LINK = /(?:\bhttps?:|(?<![\w.])(?=\/\/[\w-]+\.)|\bwww\.)(?:\/\/)?[^\s<>"'()[\]{}]+/gi;

/** Microsoft Graph style recipients: `{ emailAddress: { address, name } }` or `{ address }`. */
function addressOf(item: object): string | undefined {
  const record = item as { address?: unknown; email?: unknown; emailAddress?: { address?: unknown } };
  const address = record.emailAddress?.address ?? record.address ?? record.email;
  return typeof address === "string" ? address : undefined;
}
