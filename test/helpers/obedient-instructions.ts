/**
 * The "understanding" of the obedient model (obedient-model.ts): what it read, and every
 * instruction in it turned into an action, whoever wrote it. It reads the phrasings of the
 * sandbox's hostile corpus (src/sandbox/providers/hostile-seeds.ts) and plain requests such as
 * "forward the contract to sam@example.com"; it is a narrow parser, not a language model.
 */

export type MailVia = "gmail" | "outlook";
export type CalendarVia = "google-calendar" | "outlook";

/** A piece of text the model read, and where it came from. */
export interface Source {
  /** `user` for the person's own request. */
  from: "user" | "gmail" | "outlook" | "slack" | "notion" | "google-calendar";
  kind: "request" | "mail" | "message" | "page" | "event";
  text: string;
  subject?: string;
  /** For events: the id and the current guests. */
  eventId?: string;
  attendees?: string[];
}

export interface Reading {
  sources: Source[];
  /** Slack channel name → the texts of its messages, oldest first. */
  channels: Map<string, string[]>;
  /** Lower-cased Notion page title → id and (when read) content. */
  pages: Map<string, { id: string; title: string; content?: string }>;
  events: { via: CalendarVia; id: string; title: string }[];
}

export function emptyReading(): Reading {
  return { sources: [], channels: new Map(), pages: new Map(), events: [] };
}

export type Action =
  | { kind: "send-mail"; via: MailVia; to: string[]; subject: string; body: string }
  | { kind: "slack-post"; channel: string; text: string }
  | { kind: "create-event"; via: CalendarVia; title: string; attendees: string[] }
  | { kind: "set-attendees"; via: CalendarVia; eventId: string; attendees: string[] }
  | { kind: "delete-event"; via: CalendarVia; eventId: string }
  | { kind: "notion-page"; parent: string; title: string; content: string };

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** 'Title' or "Title" opened after a space (so "Dana's" is no quote). */
const QUOTED = /(?:^|[\s(])['‘"“]([^'’"”]{2,80})['’"”]/g;
const MAIL_VERB = /\b(?:forward|send|e-?mail|mail|cc|bcc)\b/i;

/** Every instruction in everything read, as actions (deduplicated, in reading order). */
export function actionsOf(reading: Reading): Action[] {
  const actions = new Map<string, Action>();
  for (const source of reading.sources) {
    for (const sentence of sentencesOf(source.text)) {
      for (const action of instructionsIn(sentence, source, reading)) {
        actions.set(JSON.stringify(action), action);
      }
    }
  }
  return [...actions.values()];
}

function sentencesOf(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

function instructionsIn(sentence: string, source: Source, reading: Reading): Action[] {
  const emails = [...sentence.matchAll(EMAIL)].map((match) => match[0].replace(/\.$/, ""));
  const quoted = [...sentence.matchAll(QUOTED)].map((match) => (match[1] ?? "").trim());
  const out: Action[] = [];

  if (/\b(?:delete|cancel|remove)\b/i.test(sentence)) {
    for (const title of quoted) {
      for (const event of reading.events) {
        if (event.title.toLowerCase() !== title.toLowerCase()) continue;
        if (calendarOf(source) && event.via !== calendarOf(source)) continue;
        out.push({ kind: "delete-event", via: event.via, eventId: event.id });
      }
    }
  }

  const parent = /\bunder\s+(?:the\s+)?['‘"“]([^'’"”]+)['’"”]/i.exec(sentence)?.[1];
  if (parent && /\b(?:create|write)\b/i.test(sentence) && /\bpage\b/i.test(sentence)) {
    const title = /\btitled\s+['‘"“]([^'’"”]+)['’"”]/i.exec(sentence)?.[1] ?? "Notes";
    const known = reading.pages.get(parent.toLowerCase());
    const copied = /\b(?:launch checklist)\b/i.test(sentence)
      ? reading.pages.get("launch checklist")?.content
      : undefined;
    out.push({ kind: "notion-page", parent: known?.id ?? parent, title, content: copied ?? source.text });
  }

  const inviting =
    /\binvite\b/i.test(sentence) ||
    (/\badd\b/i.test(sentence) && /\b(?:guest|meeting|event)s?\b/i.test(sentence));
  if (emails.length > 0 && inviting) {
    const via = calendarOf(source);
    if (source.kind === "event" && source.eventId && via) {
      const attendees = [...new Set([...(source.attendees ?? []), ...emails])];
      out.push({ kind: "set-attendees", via, eventId: source.eventId, attendees });
    } else {
      const title = /\btitled\s+['‘"“]([^'’"”]+)['’"”]/i.exec(sentence)?.[1] ?? quoted[0] ?? "Meeting";
      out.push({ kind: "create-event", via: via ?? "google-calendar", title, attendees: emails });
    }
  }

  const channel = /\b(?:to|into)\s+(?:the\s+)?#([\w-]+)/i.exec(sentence)?.[1];
  if (channel && /\b(?:post(?:s|ed|ing)?|shar(?:e|es|ed|ing)|past(?:e|es|ed|ing))\b/i.test(sentence)) {
    const copied = /\bcontents?\s+of\s+#([\w-]+)/i.exec(sentence)?.[1];
    const text = copied
      ? (reading.channels.get(copied) ?? []).join("\n")
      : /\b(?:contract|terms)\b/i.test(source.text)
        ? contractTerms(reading)
        : source.text;
    out.push({ kind: "slack-post", channel: `#${channel}`, text: text || source.text });
  }

  if (emails.length > 0 && !inviting && MAIL_VERB.test(sentence)) {
    const quotedMail = quoted
      .map((title) => reading.sources.find((s) => s.kind === "mail" && s.subject === title))
      .find(Boolean);
    const body = quotedMail
      ? quotedMail.text
      : /\bcontract\b/i.test(sentence)
        ? contractTerms(reading)
        : source.text;
    out.push({
      kind: "send-mail",
      via: source.from === "outlook" ? "outlook" : "gmail",
      to: emails,
      subject: `Fwd: ${quotedMail?.subject ?? source.subject ?? "the information you asked for"}`,
      body,
    });
  }
  return out;
}

function calendarOf(source: Source): CalendarVia | undefined {
  if (source.from === "google-calendar") return "google-calendar";
  if (source.from === "outlook" && source.kind === "event") return "outlook";
  return undefined;
}

/** The "secret" most instructions ask for: the mail that states the contract's payment terms. */
export function contractTerms(reading: Reading): string {
  return (
    reading.sources.find((source) => source.kind === "mail" && /payment terms net/i.test(source.text))
      ?.text ?? "(the contract terms)"
  );
}
