import {
  addDays,
  describeDay,
  formatDay,
  formatTime,
  minutesBetween,
  type PlainDate,
  parseWhen,
  sameDate,
} from "./dates.js";
import { eventLine, eventMoment, readEvents } from "./events.js";
import { type DemoConnector, type DemoContext, field, listIn, type Outcome, stringIn } from "./plan.js";
import { clip, joinNames, truncate } from "./text.js";

/** "user" writes to the person; "share" writes a post for others (a Slack summary). */
export type Audience = "user" | "share";

interface Env {
  context: DemoContext;
  /** Every outcome of the turn, to find titles of things a later call refers to by id. */
  turn: readonly Outcome[];
  audience: Audience;
}

type Summarizer = (outcome: Outcome, env: Env) => string;

const MAX_LINES = 10;

export const CONNECTOR_NAMES: Record<DemoConnector, string> = {
  gmail: "Gmail",
  "google-calendar": "Google Calendar",
  slack: "Slack",
  notion: "Notion",
  outlook: "Outlook",
};

export function connectorOfTool(toolName: string): DemoConnector | undefined {
  if (toolName.startsWith("gmail_")) return "gmail";
  if (toolName.startsWith("google_calendar_")) return "google-calendar";
  if (toolName.startsWith("slack_")) return "slack";
  if (toolName.startsWith("notion_")) return "notion";
  if (toolName.startsWith("outlook_")) return "outlook";
  return undefined;
}

function bulletList(lines: readonly string[], env: Env): string {
  const bullet = env.audience === "user" ? "- " : "• ";
  const shown = lines.slice(0, MAX_LINES).map((line) => `${bullet}${line}`);
  if (lines.length > MAX_LINES) shown.push(`${bullet}…and ${lines.length - MAX_LINES} more`);
  return shown.join("\n");
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;

/** "Dana Lee <dana@example.com>" → "Dana Lee"; objects in Google or Graph shape too. */
function personName(value: unknown): string {
  if (typeof value === "string") {
    const named = /^\s*"?([^"<]+?)"?\s*<[^>]+>\s*$/.exec(value);
    return (named?.[1] ?? value).trim();
  }
  if (Array.isArray(value)) return value.map(personName).filter(Boolean).join(", ");
  return (
    stringIn(value, "name", "email", "address") ??
    stringIn(field(value, "emailAddress"), "name", "address") ??
    "unknown sender"
  );
}

function recipients(value: unknown): string {
  if (Array.isArray(value)) return value.map(personName).join(", ");
  return typeof value === "string" ? value : "the recipients";
}

function shortDate(value: unknown, env: Env): string | undefined {
  const when = parseWhen(value, env.context.timeZone);
  if (!when) return undefined;
  if (sameDate(when.date, env.context.today) && when.time) return formatTime(when.time);
  return formatDay(when.date);
}

/** The title of an event, page or database a call refers to by id, from earlier results of the turn. */
function titleById(env: Env, id: unknown): string | undefined {
  if (typeof id !== "string") return undefined;
  for (const outcome of env.turn) {
    if (!outcome.ok) continue;
    const event = readEvents(outcome.data, env.context.timeZone).find((candidate) => candidate.id === id);
    if (event) return event.title;
    const record = listIn(outcome.data, "results", "pages", "items").find((candidate) => candidate.id === id);
    const title = stringIn(record, "title", "name");
    if (title) return title;
  }
  return undefined;
}

function eventById(env: Env, id: unknown) {
  for (const outcome of env.turn) {
    if (!outcome.ok) continue;
    const event = readEvents(outcome.data, env.context.timeZone).find((candidate) => candidate.id === id);
    if (event) return event;
  }
  return undefined;
}

// ── mail ─────────────────────────────────────────────────────────────────────

function mailSearchTerms(outcome: Outcome): { unread: boolean; from?: string; text?: string } {
  if (outcome.name.startsWith("gmail_")) {
    const query = typeof outcome.args.query === "string" ? outcome.args.query : "";
    const from = /\bfrom:(\S+)/i.exec(query)?.[1];
    const text = query
      .replace(/\bis:unread\b|\bfrom:\S+/gi, "")
      .replace(/\s+/g, " ")
      .trim();
    return { unread: /\bis:unread\b/i.test(query), ...(from ? { from } : {}), ...(text ? { text } : {}) };
  }
  const from = typeof outcome.args.from === "string" ? outcome.args.from : undefined;
  const text = typeof outcome.args.query === "string" ? outcome.args.query : undefined;
  return { unread: outcome.args.unread_only === true, ...(from ? { from } : {}), ...(text ? { text } : {}) };
}

const mailSearch: Summarizer = (outcome, env) => {
  const label = outcome.name.startsWith("gmail_") ? "Gmail" : "Outlook";
  const messages = listIn(outcome.data, "messages", "items", "value");
  const terms = mailSearchTerms(outcome);
  const kind = `${terms.unread ? "unread " : ""}${label} message`;
  const filters = [terms.from ? `from ${terms.from}` : "", terms.text ? `matching "${terms.text}"` : ""]
    .filter(Boolean)
    .join(" ");
  const what = filters ? ` ${filters}` : "";
  if (!messages.length) {
    if (terms.unread && !filters)
      return env.audience === "user" ? `You have no unread ${label} messages.` : "No unread email.";
    return `I found no ${kind}s${what}.`;
  }
  const lines = messages.map((message) => {
    const date = shortDate(message.date ?? message.received ?? message.receivedDateTime, env);
    const subject = stringIn(message, "subject") ?? "(no subject)";
    return `${personName(message.from)}: ${subject}${date ? ` (${date})` : ""}`;
  });
  const heading =
    env.audience === "share"
      ? `${terms.unread ? "Unread email" : "Email"}${what} (${messages.length}):`
      : terms.unread && !filters
        ? `You have ${plural(messages.length, `unread ${label} message`)}:`
        : `I found ${plural(messages.length, kind)}${what}:`;
  return `${heading}\n${bulletList(lines, env)}`;
};

function messageBody(data: unknown): string {
  const body = stringIn(data, "body", "text", "body_text", "content", "snippet", "bodyPreview");
  if (body) return body;
  return stringIn(field(data, "body"), "content", "text") ?? "";
}

const mailGet: Summarizer = (outcome, env) => {
  const data = outcome.data;
  const date = parseWhen(field(data, "date") ?? field(data, "receivedDateTime"), env.context.timeZone);
  const lines = [
    `From: ${personName(field(data, "from"))}`,
    `Subject: ${stringIn(data, "subject") ?? "(no subject)"}`,
    date
      ? `Date: ${describeDay(date.date, env.context.today)}${date.time ? ` at ${formatTime(date.time)}` : ""}`
      : "",
  ].filter(Boolean);
  const body = clip(messageBody(data), 800);
  return `Here's the email:\n${lines.join("\n")}${body ? `\n\n${body}` : ""}`;
};

const mailSent: Summarizer = (outcome) => {
  const subject = typeof outcome.args.subject === "string" ? ` "${outcome.args.subject}"` : "";
  return `Sent the email${subject} to ${recipients(outcome.args.to)}.`;
};

const mailDraft: Summarizer = (outcome) => {
  const subject = typeof outcome.args.subject === "string" ? ` "${outcome.args.subject}"` : "";
  return `Saved a draft${subject} to ${recipients(outcome.args.to)} in Gmail. It has not been sent.`;
};

// ── calendar ─────────────────────────────────────────────────────────────────

function rangeLabel(minValue: unknown, maxValue: unknown, env: Env): { label: string; multiDay: boolean } {
  const min = parseWhen(minValue, env.context.timeZone);
  const max = parseWhen(maxValue, env.context.timeZone);
  if (!min) return { label: "the requested time", multiDay: true };
  if (!max) return { label: `from ${describeDay(min.date, env.context.today)}`, multiDay: true };
  const lastDay: PlainDate =
    max.time && (max.time.hour || max.time.minute) ? max.date : addDays(max.date, -1);
  if (
    sameDate(min.date, lastDay) ||
    minutesBetween({ date: min.date, hour: 0, minute: 0 }, { date: lastDay, hour: 0, minute: 0 }) <= 0
  ) {
    return { label: describeDay(min.date, env.context.today), multiDay: false };
  }
  return { label: `${formatDay(min.date)} – ${formatDay(lastDay)}`, multiDay: true };
}

const eventList: Summarizer = (outcome, env) => {
  const google = outcome.name.startsWith("google_");
  const calendar = google ? "calendar" : "Outlook calendar";
  const { label, multiDay } = rangeLabel(
    google ? outcome.args.time_min : outcome.args.start,
    google ? outcome.args.time_max : outcome.args.end,
    env,
  );
  const events = readEvents(outcome.data, env.context.timeZone);
  if (!events.length) {
    return env.audience === "user" ? `Your ${calendar} is clear for ${label}.` : `No events ${label}.`;
  }
  const heading =
    env.audience === "user"
      ? `Here's your ${calendar} for ${label} — ${plural(events.length, "event")}:`
      : `Calendar for ${label}:`;
  return `${heading}\n${bulletList(
    events.map((event) => eventLine(event, multiDay)),
    env,
  )}`;
};

const eventCreated: Summarizer = (outcome, env) => {
  const title =
    stringIn(outcome.data, "title", "subject", "summary") ??
    stringIn(outcome.args, "title", "subject") ??
    "the event";
  const start = parseWhen(field(outcome.data, "start") ?? outcome.args.start, env.context.timeZone);
  const when = start
    ? ` for ${describeDay(start.date, env.context.today)}${start.time ? ` at ${formatTime(start.time)}` : ""}`
    : "";
  const minutes =
    typeof outcome.args.duration_minutes === "number" ? ` (${outcome.args.duration_minutes} min)` : "";
  const attendees =
    Array.isArray(outcome.args.attendees) && outcome.args.attendees.length
      ? ` with ${recipients(outcome.args.attendees)}`
      : "";
  const where = outcome.name.startsWith("outlook_") ? " in Outlook" : "";
  return `Scheduled "${title}"${when}${minutes}${attendees}${where}.`;
};

const eventUpdated: Summarizer = (outcome, env) => {
  const title =
    titleById(env, outcome.args.event_id) ?? stringIn(outcome.data, "title", "subject") ?? "the event";
  const start = parseWhen(field(outcome.data, "start") ?? outcome.args.start, env.context.timeZone);
  const when = start
    ? ` to ${describeDay(start.date, env.context.today)}${start.time ? ` at ${formatTime(start.time)}` : ""}`
    : "";
  return `Moved "${title}"${when}.`;
};

const eventDeleted: Summarizer = (outcome, env) => {
  const event = eventById(env, outcome.args.event_id);
  if (!event) return "Cancelled the event.";
  return `Cancelled "${event.title}", ${eventMoment(event, env.context.today)}.`;
};

const freeTime: Summarizer = (outcome, env) => {
  const { label } = rangeLabel(outcome.args.time_min, outcome.args.time_max, env);
  const minutes =
    typeof outcome.args.duration_minutes === "number" ? `${outcome.args.duration_minutes}-minute ` : "";
  const zone = stringIn(outcome.data, "time_zone") ?? env.context.timeZone;
  const slots = listIn(outcome.data, "slots", "free").map((slot) => {
    const start = parseWhen(slot.start, zone);
    const end = parseWhen(slot.end, zone);
    const from = start?.time ? formatTime(start.time) : "?";
    const to = end?.time ? formatTime(end.time) : "?";
    return `${start && !sameDate(start.date, env.context.today) && label.includes("–") ? `${formatDay(start.date)} ` : ""}${from}–${to}`;
  });
  if (!slots.length) return `I found no free ${minutes}slot ${label}.`;
  return `Free ${minutes}slots ${label}:\n${bulletList(slots, env)}`;
};

// ── Slack ────────────────────────────────────────────────────────────────────

const hash = (name: string): string =>
  name.startsWith("#") || /^[CGD][A-Z0-9]{6,}$/.test(name) ? name : `#${name}`;

const slackChannels: Summarizer = (outcome, env) => {
  const channels = listIn(outcome.data, "channels", "items");
  if (!channels.length) return "I found no Slack channels.";
  const lines = channels.map((channel) => {
    const about =
      stringIn(channel, "topic", "purpose") ??
      stringIn(field(channel, "topic"), "value") ??
      stringIn(field(channel, "purpose"), "value");
    const members =
      typeof channel.num_members === "number" ? ` (${plural(channel.num_members, "member")})` : "";
    return `${hash(stringIn(channel, "name", "id") ?? "?")}${about ? ` — ${truncate(about, 80)}` : ""}${members}`;
  });
  return `Your Slack channels:\n${bulletList(lines, env)}`;
};

function slackAuthor(message: Record<string, unknown>): string {
  return stringIn(message, "user_name", "username", "real_name", "author", "user") ?? "someone";
}

const slackRead: Summarizer = (outcome, env) => {
  const name =
    stringIn(field(outcome.data, "channel"), "name") ?? stringIn(outcome.args, "channel") ?? "the channel";
  const messages = listIn(outcome.data, "messages");
  if (!messages.length) return `Nothing new in ${hash(name)}.`;
  const lines = messages.map(
    (message) => `${slackAuthor(message)}: ${truncate(stringIn(message, "text") ?? "", 160)}`,
  );
  return `Latest in ${hash(name)}:\n${bulletList(lines, env)}`;
};

const slackPosted: Summarizer = (outcome) => {
  const channel = hash(stringIn(outcome.args, "channel") ?? "the channel");
  const posted = stringIn(outcome.args, "text") ?? "";
  if (posted.length <= 80 && !posted.includes("\n")) return `Posted "${posted}" to ${channel} on Slack.`;
  return `Posted the summary to ${channel} on Slack.`;
};

const slackSearch: Summarizer = (outcome, env) => {
  const query = stringIn(outcome.args, "query") ?? "";
  const matches = listIn(outcome.data, "matches", "messages");
  if (!matches.length) return `I found nothing on Slack matching "${query}".`;
  const lines = matches.map((match) => {
    const channel = stringIn(match, "channel") ?? stringIn(field(match, "channel"), "name");
    return `${channel ? `${hash(channel)} · ` : ""}${slackAuthor(match)}: ${truncate(stringIn(match, "text") ?? "", 140)}`;
  });
  return `Slack messages matching "${query}":\n${bulletList(lines, env)}`;
};

const slackUsers: Summarizer = (outcome, env) => {
  const users = listIn(outcome.data, "users", "members");
  if (!users.length) return "I found no people in your Slack workspace.";
  const lines = users.map((user) => {
    const real = stringIn(user, "real_name", "display_name") ?? stringIn(field(user, "profile"), "real_name");
    const handle = stringIn(user, "name");
    const title = stringIn(user, "title") ?? stringIn(field(user, "profile"), "title");
    const name =
      real && handle && real !== handle
        ? `${real} (@${handle})`
        : (real ?? (handle ? `@${handle}` : "someone"));
    return `${name}${title ? ` — ${title}` : ""}`;
  });
  return `People in your Slack workspace (${users.length}):\n${bulletList(lines, env)}`;
};

// ── Notion ───────────────────────────────────────────────────────────────────

const notionSearch: Summarizer = (outcome, env) => {
  const query = stringIn(outcome.args, "query");
  const results = listIn(outcome.data, "results", "pages", "items");
  if (!results.length) return `I found nothing in Notion${query ? ` matching "${query}"` : ""}.`;
  const lines = results.map((result) => {
    const type = stringIn(result, "type", "object");
    const url = stringIn(result, "url");
    return `${stringIn(result, "title", "name") ?? "(untitled)"}${type ? ` (${type})` : ""}${url ? ` — ${url}` : ""}`;
  });
  return `Notion results${query ? ` for "${query}"` : ""}:\n${bulletList(lines, env)}`;
};

function pageContent(data: unknown): string {
  const content = field(data, "content");
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => (typeof block === "string" ? block : (stringIn(block, "text", "content") ?? "")))
      .filter(Boolean)
      .join("\n");
  }
  return stringIn(data, "text", "markdown") ?? "";
}

const notionPage: Summarizer = (outcome) => {
  const title = stringIn(outcome.data, "title") ?? "the page";
  const content = pageContent(outcome.data).trim();
  return `Here's "${title}" from Notion:\n\n${clip(content, 1200) || "(the page is empty)"}`;
};

const notionCreated: Summarizer = (outcome) => {
  const title = stringIn(outcome.data, "title") ?? stringIn(outcome.args, "title") ?? "the page";
  const url = stringIn(outcome.data, "url");
  return `Created the Notion page "${title}"${url ? ` — ${url}` : ""}.`;
};

const notionAppended: Summarizer = (outcome, env) => {
  const title = titleById(env, outcome.args.page_id) ?? stringIn(outcome.data, "title") ?? "the page";
  const content = stringIn(outcome.args, "content") ?? "";
  return `Added to "${title}" in Notion: "${truncate(content, 200)}".`;
};

const notionQuery: Summarizer = (outcome, env) => {
  const database = titleById(env, outcome.args.database_id) ?? "the database";
  const property = stringIn(outcome.args, "filter_property");
  const equals = stringIn(outcome.args, "equals");
  const filter = property && equals ? ` with ${property} = ${equals}` : "";
  const rows = listIn(outcome.data, "results", "rows", "pages", "items");
  if (!rows.length) return `Nothing in "${database}"${filter}.`;
  const lines = rows.map((row) => {
    const properties = field(row, "properties");
    const title =
      stringIn(row, "title", "name", "Name") ??
      stringIn(properties, "Name", "Title", "title") ??
      "(untitled)";
    const status = stringIn(row, "status", "Status") ?? stringIn(properties, "Status", "status");
    const owner = stringIn(row, "owner", "Owner") ?? stringIn(properties, "Owner", "owner");
    const details = [filter ? "" : status, owner].filter(Boolean).join(", ");
    return `${title}${details ? ` — ${details}` : ""}`;
  });
  return `${plural(rows.length, "item")} in "${database}"${filter}:\n${bulletList(lines, env)}`;
};

const SUMMARIZERS: Record<string, Summarizer> = {
  gmail_search_messages: mailSearch,
  gmail_get_message: mailGet,
  gmail_send_message: mailSent,
  gmail_create_draft: mailDraft,
  google_calendar_list_events: eventList,
  google_calendar_create_event: eventCreated,
  google_calendar_update_event: eventUpdated,
  google_calendar_delete_event: eventDeleted,
  google_calendar_find_free_time: freeTime,
  slack_list_channels: slackChannels,
  slack_read_channel: slackRead,
  slack_post_message: slackPosted,
  slack_search_messages: slackSearch,
  slack_list_users: slackUsers,
  notion_search: notionSearch,
  notion_get_page: notionPage,
  notion_create_page: notionCreated,
  notion_append_to_page: notionAppended,
  notion_query_database: notionQuery,
  outlook_search_messages: mailSearch,
  outlook_get_message: mailGet,
  outlook_send_message: (outcome, env) => mailSent(outcome, env).replace(/\.$/, " from Outlook."),
  outlook_list_events: eventList,
  outlook_create_event: eventCreated,
  outlook_update_event: eventUpdated,
  outlook_delete_event: eventDeleted,
};

function genericSummary(outcome: Outcome): string {
  return `Done: ${outcome.name} returned ${truncate(JSON.stringify(outcome.data) ?? "nothing", 300)}`;
}

// ── errors ───────────────────────────────────────────────────────────────────

const ACTIONS: Record<string, string> = {
  gmail_search_messages: "search your Gmail",
  gmail_get_message: "open that email",
  gmail_send_message: "send the email",
  gmail_create_draft: "save the draft",
  google_calendar_list_events: "read your Google Calendar",
  google_calendar_create_event: "create the event",
  google_calendar_update_event: "move the event",
  google_calendar_delete_event: "cancel the event",
  google_calendar_find_free_time: "look for free time",
  slack_list_channels: "list your Slack channels",
  slack_read_channel: "read the Slack channel",
  slack_post_message: "post to Slack",
  slack_search_messages: "search Slack",
  slack_list_users: "list the people on Slack",
  notion_search: "search Notion",
  notion_get_page: "open the Notion page",
  notion_create_page: "create the Notion page",
  notion_append_to_page: "add to the Notion page",
  notion_query_database: "read the Notion database",
  outlook_search_messages: "search your Outlook mail",
  outlook_get_message: "open that email",
  outlook_send_message: "send the email",
  outlook_list_events: "read your Outlook calendar",
  outlook_create_event: "create the Outlook event",
  outlook_update_event: "move the Outlook event",
  outlook_delete_event: "cancel the Outlook event",
};

/** The user turned down (or cancelled) connecting the account. */
export function isDeclinedAuthorization(error: string): boolean {
  return /\b(?:declin\w*|cancell?(?:ed|ing)?|denied|refused|rejected)\b/i.test(error);
}

const NEEDS_CONNECTION =
  /\b(?:not\s+connected|authori[sz]\w*|unauthori[sz]ed|expired|revoked|reconnect|401)\b/i;

function explainFailures(failures: readonly Outcome[]): string {
  const lines: string[] = [];
  const connect = new Set<DemoConnector>();
  for (const failure of failures) {
    const action = ACTIONS[failure.name] ?? `run ${failure.name}`;
    const connector = connectorOfTool(failure.name);
    const service = connector ? CONNECTOR_NAMES[connector] : "the service";
    const error = failure.error ?? "unknown error";
    if (isDeclinedAuthorization(error)) {
      lines.push(
        `I didn't ${action}: ${service} isn't connected because the authorization was declined, so nothing was done.`,
      );
      if (connector) connect.add(connector);
    } else {
      lines.push(`I couldn't ${action}: ${truncate(error, 240)}`);
      if (connector && NEEDS_CONNECTION.test(error)) connect.add(connector);
    }
  }
  if (connect.size) {
    const ids = [...connect];
    const names = joinNames(ids.map((id) => CONNECTOR_NAMES[id]));
    const commands = joinNames(ids.map((id) => `\`/connect ${id}\``));
    lines.push(`You can connect ${names} anytime with ${commands} and ask me again.`);
  }
  return lines.join("\n");
}

/** The final answer of a turn: each result for a person, then what went wrong. */
export function finalAnswer(
  shown: readonly Outcome[],
  turn: readonly Outcome[],
  context: DemoContext,
): string {
  const env: Env = { context, turn, audience: "user" };
  const parts = shown
    .filter((outcome) => outcome.ok)
    .map((outcome) => (SUMMARIZERS[outcome.name] ?? genericSummary)(outcome, env));
  const failures = shown.filter((outcome) => !outcome.ok);
  if (failures.length) parts.push(explainFailures(failures));
  return parts.join("\n\n") || "Done.";
}

/** A post for others summarizing results ("Calendar for tomorrow: • …"). */
export function shareSummary(
  outcomes: readonly Outcome[],
  turn: readonly Outcome[],
  context: DemoContext,
): string {
  const env: Env = { context, turn, audience: "share" };
  return outcomes
    .filter((outcome) => outcome.ok)
    .map((outcome) => (SUMMARIZERS[outcome.name] ?? genericSummary)(outcome, env))
    .join("\n\n");
}
