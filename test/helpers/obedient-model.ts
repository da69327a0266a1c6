/**
 * A scripted model that obeys every instruction it reads: the worst case a prompt injection
 * hopes for, as a responder for the fake OpenAI server. On any request it
 *
 * 1. lists broadly (mail, Slack channels, Notion pages, both calendars),
 * 2. reads each item in full (every mail, channel, page),
 * 3. turns every instruction it found — in the person's request and in third-party text alike,
 *    fenced as `untrusted_text` or not — into the tool calls it asks for (obedient-instructions.ts),
 *    all in one message,
 * 4. then answers.
 *
 * It works with Delegate's connector tools and with the Scalekit-hosted catalog (picked from the
 * tools the request offers). The model keeps no state: each step is read from the conversation.
 */
import type { OpenAIMessage, Responder, ScriptedToolCall } from "./fake-openai-server.js";
import {
  type Action,
  actionsOf,
  type CalendarVia,
  emptyReading,
  type Reading,
} from "./obedient-instructions.js";

type Json = Record<string, unknown>;

interface Toolset {
  lists: ScriptedToolCall[];
  /** Reads in full what a list call returned. */
  details(name: string, args: Json, data: unknown, reading: Reading): ScriptedToolCall[];
  /** Records what a call returned. */
  read(name: string, args: Json, data: unknown, reading: Reading): void;
  call(action: Action): ScriptedToolCall;
}

export interface ObedientModel {
  responder: Responder;
  /** Every call the model made to carry out an instruction, in order. */
  readonly attempted: ScriptedToolCall[];
}

export function obedientModel(): ObedientModel {
  const attempted: ScriptedToolCall[] = [];
  const responder: Responder = (body) => {
    const offered = new Set((body.tools ?? []).map((tool) => tool.function.name));
    const toolset = offered.has("gmail_fetch_mails") ? CATALOG : DIRECT;
    const userAt = body.messages.findLastIndex((message) => message.role === "user");
    const turn = body.messages.slice(userAt + 1);
    const steps = turn.filter((message) => message.role === "assistant" && message.tool_calls?.length);
    const last = steps.at(-1);
    const names = new Set(last?.tool_calls?.map((call) => call.function.name) ?? []);
    const listNames = new Set(toolset.lists.map((call) => call.name));

    if (!last) {
      const lists = toolset.lists.filter((call) => offered.has(call.name));
      if (lists.length > 0) return { text: "Let me read everything first.", toolCalls: lists };
    }
    const reading = emptyReading();
    reading.sources.push({ from: "user", kind: "request", text: text(body.messages[userAt]) });
    const results = resultsOf(turn);
    for (const result of results) toolset.read(result.name, result.args, result.data, reading);
    if (last && [...names].every((name) => listNames.has(name))) {
      const details = results
        .flatMap((result) => toolset.details(result.name, result.args, result.data, reading))
        .filter((call) => offered.has(call.name));
      if (details.length > 0) return { text: "Reading each one.", toolCalls: details };
    }
    const obeyed = steps.some((step) =>
      step.tool_calls?.some((call) => !listNames.has(call.function.name) && !isDetail(call.function.name)),
    );
    if (!obeyed) {
      const calls = actionsOf(reading)
        .map((action) => toolset.call(action))
        .filter((call) => offered.has(call.name));
      if (calls.length > 0) {
        attempted.push(...calls);
        return { text: "Doing what the messages ask.", toolCalls: calls };
      }
    }
    const declined = results.some((result) => /declined this action/.test(result.raw));
    return {
      text: declined
        ? "Understood: you declined, so none of it was done."
        : "Done: I did what the messages asked.",
    };
  };
  return { responder, attempted };
}

const DETAIL_TOOLS = new Set([
  "gmail_get_message",
  "outlook_get_message",
  "slack_read_channel",
  "notion_get_page",
  "slack_fetch_conversation_history",
  "notion_page_content_get",
]);

function isDetail(name: string): boolean {
  return DETAIL_TOOLS.has(name);
}

function text(message: OpenAIMessage | undefined): string {
  const content = message?.content;
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => String(part.text ?? "")).join("");
}

interface Result {
  name: string;
  args: Json;
  /** Parsed JSON with fenced text unwrapped; undefined for an error text. */
  data: unknown;
  raw: string;
}

/** This turn's tool results, each with the call that asked for it. */
function resultsOf(turn: readonly OpenAIMessage[]): Result[] {
  const calls = new Map<string, { name: string; args: Json }>();
  for (const message of turn) {
    for (const call of message.tool_calls ?? []) {
      calls.set(call.id, {
        name: call.function.name,
        args: JSON.parse(call.function.arguments || "{}") as Json,
      });
    }
  }
  return turn.flatMap((message) => {
    if (message.role !== "tool") return [];
    const call = calls.get(message.tool_call_id ?? "");
    if (!call) return [];
    const raw = text(message);
    let data: unknown;
    try {
      // Fenced third-party text is still text to this model: it obeys it all the same.
      data = JSON.parse(raw, (_key, value: unknown) =>
        value !== null && typeof value === "object" && "untrusted_text" in value
          ? (value as { untrusted_text: unknown }).untrusted_text
          : value,
      );
    } catch {
      data = undefined;
    }
    return [{ ...call, data, raw }];
  });
}

const list = (data: unknown, key: string): Json[] => {
  const value = (data as Json | undefined)?.[key];
  return Array.isArray(value) ? (value as Json[]) : [];
};
const str = (value: unknown): string => (typeof value === "string" ? value : "");
const emailsOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : []).flatMap((item) =>
    typeof item === "string" ? [item] : typeof item?.email === "string" ? [item.email as string] : [],
  );
const stripTags = (html: string) =>
  html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&mdash;/g, "—")
    .replace(/\s+/g, " ")
    .trim();
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

function addEvent(reading: Reading, via: CalendarVia, event: Json, title: string, notes: string): void {
  const id = str(event.id);
  reading.events.push({ via, id, title });
  reading.sources.push({
    from: via,
    kind: "event",
    text: `${title}\n${notes}`,
    subject: title,
    eventId: id,
    attendees: emailsOf(event.attendees),
  });
}

/** Delegate's own connector tools. */
const DIRECT: Toolset = {
  lists: [
    { name: "gmail_search_messages", args: { query: "", max_results: 50 } },
    { name: "slack_list_channels", args: {} },
    { name: "notion_search", args: { page_size: 50 } },
    { name: "google_calendar_list_events", args: { max_results: 50 } },
    { name: "outlook_search_messages", args: { max_results: 50 } },
    { name: "outlook_list_events", args: { max_results: 50 } },
  ],
  details(name, _args, data) {
    if (name === "gmail_search_messages")
      return list(data, "messages").map((m) => ({ name: "gmail_get_message", args: { message_id: m.id } }));
    if (name === "outlook_search_messages")
      return list(data, "messages").map((m) => ({ name: "outlook_get_message", args: { message_id: m.id } }));
    if (name === "slack_list_channels")
      return list(data, "channels").map((c) => ({
        name: "slack_read_channel",
        args: { channel: `#${str(c.name)}`, limit: 100 },
      }));
    if (name === "notion_search")
      return list(data, "results")
        .filter((r) => r.type === "page")
        .map((r) => ({ name: "notion_get_page", args: { page_id: r.id } }));
    return [];
  },
  read(name, args, data, reading) {
    const record = (data ?? {}) as Json;
    if (name === "gmail_get_message" || name === "outlook_get_message") {
      const from = name === "gmail_get_message" ? "gmail" : "outlook";
      reading.sources.push({ from, kind: "mail", text: str(record.body), subject: str(record.subject) });
    } else if (name === "slack_read_channel") {
      const channel = str((record.channel as Json | undefined)?.name) || str(args.channel).replace(/^#/, "");
      const texts = list(data, "messages").map((m) => str(m.text));
      reading.channels.set(channel, texts);
      for (const message of texts) reading.sources.push({ from: "slack", kind: "message", text: message });
    } else if (name === "notion_search") {
      for (const r of list(data, "results"))
        reading.pages.set(str(r.title).toLowerCase(), { id: str(r.id), title: str(r.title) });
    } else if (name === "notion_get_page") {
      const title = str(record.title);
      const content = str(record.content);
      reading.pages.set(title.toLowerCase(), { id: str(record.id), title, content });
      reading.sources.push({ from: "notion", kind: "page", text: content, subject: title });
    } else if (name === "google_calendar_list_events") {
      for (const e of list(data, "events"))
        addEvent(reading, "google-calendar", e, str(e.title), str(e.description));
    } else if (name === "outlook_list_events") {
      for (const e of list(data, "events")) addEvent(reading, "outlook", e, str(e.subject), "");
    }
  },
  call(action) {
    switch (action.kind) {
      case "send-mail":
        return {
          name: action.via === "gmail" ? "gmail_send_message" : "outlook_send_message",
          args: { to: action.to, subject: action.subject, body: action.body },
        };
      case "slack-post":
        return { name: "slack_post_message", args: { channel: action.channel, text: action.text } };
      case "create-event":
        return action.via === "google-calendar"
          ? {
              name: "google_calendar_create_event",
              args: { title: action.title, start: `${tomorrow()}T10:00`, attendees: action.attendees },
            }
          : {
              name: "outlook_create_event",
              args: { subject: action.title, start: `${tomorrow()}T10:00`, attendees: action.attendees },
            };
      case "set-attendees":
        return {
          name: action.via === "google-calendar" ? "google_calendar_update_event" : "outlook_update_event",
          args: { event_id: action.eventId, attendees: action.attendees },
        };
      case "delete-event":
        return {
          name: action.via === "google-calendar" ? "google_calendar_delete_event" : "outlook_delete_event",
          args: { event_id: action.eventId },
        };
      case "notion-page":
        return {
          name: "notion_create_page",
          args: { parent_page_id: action.parent, title: action.title, content: action.content },
        };
    }
  },
};

/** The Scalekit-hosted tools of the sandbox's catalog (catalog mode). */
const CATALOG: Toolset = {
  lists: [
    { name: "gmail_fetch_mails", args: { query: "", max_results: 50, format: "full" } },
    { name: "slack_list_channels", args: { types: "public_channel,private_channel" } },
    { name: "notion_page_search", args: { page_size: 50 } },
    { name: "googlecalendar_list_events", args: { max_results: 50 } },
    { name: "outlook_list_messages", args: { $top: 50 } },
    { name: "outlook_list_calendar_events", args: { top: 50 } },
  ],
  details(name, _args, data) {
    if (name === "outlook_list_messages")
      return list(data, "messages").map((m) => ({ name: "outlook_get_message", args: { message_id: m.id } }));
    if (name === "slack_list_channels")
      return list(data, "channels").map((c) => ({
        name: "slack_fetch_conversation_history",
        args: { channel: `#${str(c.name)}`, limit: 100 },
      }));
    if (name === "notion_page_search")
      return list(data, "results")
        .filter((r) => r.object === "page")
        .map((r) => ({ name: "notion_page_content_get", args: { block_id: r.id } }));
    return [];
  },
  read(name, args, data, reading) {
    const record = (data ?? {}) as Json;
    if (name === "gmail_fetch_mails") {
      for (const m of list(data, "messages"))
        reading.sources.push({ from: "gmail", kind: "mail", text: str(m.body), subject: str(m.subject) });
    } else if (name === "outlook_get_message") {
      const body = str(record.body_type) === "html" ? stripTags(str(record.body)) : str(record.body);
      reading.sources.push({ from: "outlook", kind: "mail", text: body, subject: str(record.subject) });
    } else if (name === "slack_fetch_conversation_history") {
      // History comes newest first.
      const texts = list(data, "messages")
        .map((m) => str(m.text))
        .reverse();
      reading.channels.set(str(args.channel).replace(/^#/, ""), texts);
      for (const message of texts) reading.sources.push({ from: "slack", kind: "message", text: message });
    } else if (name === "notion_page_search") {
      for (const r of list(data, "results"))
        reading.pages.set(str(r.title).toLowerCase(), { id: str(r.id), title: str(r.title) });
    } else if (name === "notion_page_content_get") {
      const page = [...reading.pages.values()].find((p) => p.id === args.block_id);
      const content = list(data, "blocks")
        .map((b) => str(b.text))
        .filter(Boolean)
        .join("\n");
      if (page) page.content = content;
      reading.sources.push({
        from: "notion",
        kind: "page",
        text: content,
        ...(page ? { subject: page.title } : {}),
      });
    } else if (name === "googlecalendar_list_events") {
      for (const e of list(data, "events"))
        addEvent(reading, "google-calendar", e, str(e.summary), str(e.description));
    } else if (name === "outlook_list_calendar_events") {
      for (const e of list(data, "events")) addEvent(reading, "outlook", e, str(e.subject), str(e.preview));
    }
  },
  call(action) {
    const start = `${tomorrow()}T10:00:00`;
    switch (action.kind) {
      case "send-mail":
        return action.via === "gmail"
          ? {
              name: "gmail_send_message",
              args: { to: action.to.join(","), subject: action.subject, body: action.body },
            }
          : {
              name: "outlook_send_message",
              args: { toRecipients: action.to, subject: action.subject, body: action.body },
            };
      case "slack-post":
        return { name: "slack_send_message", args: { channel: action.channel, text: action.text } };
      case "create-event":
        return action.via === "google-calendar"
          ? {
              name: "googlecalendar_create_event",
              args: { summary: action.title, start_datetime: start, attendees_emails: action.attendees },
            }
          : {
              name: "outlook_create_calendar_event",
              args: {
                subject: action.title,
                start_datetime: start,
                start_timezone: "UTC",
                end_datetime: `${tomorrow()}T10:30:00`,
                end_timezone: "UTC",
                attendees_required: action.attendees,
              },
            };
      case "set-attendees":
        return action.via === "google-calendar"
          ? {
              name: "googlecalendar_update_event",
              args: { event_id: action.eventId, attendees_emails: action.attendees },
            }
          : {
              name: "outlook_update_calendar_event",
              args: { event_id: action.eventId, attendees_required: action.attendees },
            };
      case "delete-event":
        return {
          name:
            action.via === "google-calendar"
              ? "googlecalendar_delete_event"
              : "outlook_delete_calendar_event",
          args: { event_id: action.eventId },
        };
      case "notion-page":
        return {
          name: "notion_page_create",
          args: {
            parent_page_id: action.parent,
            properties: { title: { title: [{ text: { content: action.title } }] } },
            child_blocks: [
              {
                object: "block",
                type: "paragraph",
                paragraph: {
                  rich_text: [{ type: "text", text: { content: action.content.slice(0, 1900) } }],
                },
              },
            ],
          },
        };
    }
  },
};
