import {
  addDays,
  describeDay,
  formatDay,
  formatTime,
  minutesBetween,
  type PlainDate,
  parseWhen,
} from "../dates.js";
import { eventLine, eventMoment, readEvents } from "../events.js";
import { field, listIn, stringIn } from "../plan.js";
import { bulletList, type Env, eventById, plural, recipients, type Summarizer, titleById } from "./common.js";

function rangeLabel(minValue: unknown, maxValue: unknown, env: Env): { label: string; multiDay: boolean } {
  const min = parseWhen(minValue, env.context.timeZone);
  const max = parseWhen(maxValue, env.context.timeZone);
  if (!min) return { label: "the requested time", multiDay: true };
  if (!max) return { label: `from ${describeDay(min.date, env.context.today)}`, multiDay: true };
  // An exclusive midnight end belongs to the day before.
  const endsAtMidnight = !max.time || (max.time.hour === 0 && max.time.minute === 0);
  const lastDay: PlainDate = endsAtMidnight ? addDays(max.date, -1) : max.date;
  const midnight = (date: PlainDate) => ({ date, hour: 0, minute: 0 });
  if (minutesBetween(midnight(min.date), midnight(lastDay)) <= 0) {
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
  const { label, multiDay } = rangeLabel(outcome.args.time_min, outcome.args.time_max, env);
  const minutes =
    typeof outcome.args.duration_minutes === "number" ? `${outcome.args.duration_minutes}-minute ` : "";
  const zone = stringIn(outcome.data, "time_zone") ?? env.context.timeZone;
  const slots = listIn(outcome.data, "slots", "free").map((slot) => {
    const start = parseWhen(slot.start, zone);
    const end = parseWhen(slot.end, zone);
    const from = start?.time ? formatTime(start.time) : "?";
    const to = end?.time ? formatTime(end.time) : "?";
    return `${multiDay && start ? `${formatDay(start.date)} ` : ""}${from}–${to}`;
  });
  if (!slots.length) return `I found no free ${minutes}slot ${label}.`;
  return `Free ${minutes}slots ${label}:\n${bulletList(slots, env)}`;
};

export const calendarSummarizers: Record<string, Summarizer> = {
  google_calendar_list_events: eventList,
  google_calendar_create_event: eventCreated,
  google_calendar_update_event: eventUpdated,
  google_calendar_delete_event: eventDeleted,
  google_calendar_find_free_time: freeTime,
  outlook_list_events: eventList,
  outlook_create_event: eventCreated,
  outlook_update_event: eventUpdated,
  outlook_delete_event: eventDeleted,
};
