import {
  addDays,
  addMinutes,
  type DayRange,
  describeDay,
  formatTime,
  isoLocal,
  type LocalDateTime,
  minutesBetween,
  parseDayRange,
  parseDuration,
  parseTimeOfDay,
  sameDate,
  startOfDay,
  zonedDateTime,
} from "../dates.js";
import { type DemoEvent, eventHaystack, eventLine, eventMoment, pickEvent, readEvents } from "../events.js";
import { type DemoContext, type Matcher, type Outcome, plan, type Reply, text } from "../plan.js";
import { capitalize, findEmails, joinNames, nameFromEmail, unquote } from "../text.js";

/** How one calendar provider names its tools and arguments; Google Calendar and Outlook share the phrasing. */
export interface CalendarProvider {
  /** "calendar" or "Outlook calendar", as in "your calendar". */
  label: string;
  listTool: string;
  createTool: string;
  updateTool: string;
  deleteTool: string;
  freeTool?: string;
  listArgs(start: string, end: string): Record<string, unknown>;
  createArgs(event: {
    title: string;
    start: string;
    durationMinutes: number;
    attendees: string[];
  }): Record<string, unknown>;
  updateArgs(eventId: string, start: string, end: string): Record<string, unknown>;
}

const WEEKDAY_WORDS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
const TITLE_STOP = new RegExp(
  `\\s+(?:with\\s+(?=\\S+@)|\\S+@|(?:tomorrow|today|tonight|on|at|next|this|for|from|in|to|noon|midday|${WEEKDAY_WORDS})\\b|\\d)`,
  "i",
);
const MEAL = /\b(?:lunch|dinner|breakfast|brunch)\b/i;
const STOP_WORDS = new Set([
  "my",
  "the",
  "a",
  "an",
  "with",
  "and",
  "on",
  "at",
  "in",
  "for",
  "of",
  "to",
  "our",
  "meeting",
  "event",
  "appointment",
  "calendar",
]);

function eventTitle(rest: string, attendees: readonly string[]): string {
  const named =
    /\b(?:called|titled|named)\s+(?:(['"])(.+?)\1|(.+?)(?=\s+(?:with|tomorrow|today|tonight|on|at|next|this|for|from)\b|$))/i.exec(
      rest,
    );
  let title = named ? (named[2] ?? named[3] ?? "") : rest.replace(/^(?:a|an|the|my|our)\s+/i, "");
  if (!named) title = title.split(TITLE_STOP)[0] ?? "";
  title = unquote(title.replace(/[\s,]+(?:with|and)?$/i, "").trim()) || "Meeting";
  title = capitalize(title);
  if (attendees.length && !/\bwith\b/i.test(title))
    title += ` with ${joinNames(attendees.map(nameFromEmail))}`;
  return title;
}

/** Words that identify an event in "cancel my lunch with Sam tomorrow". */
function describedEvent(
  rest: string,
  range: DayRange | undefined,
): { description: string; keywords: string[] } {
  let description = range ? rest.replace(range.matched, " ") : rest;
  description = description
    .replace(/\b(?:from|on|in)\s+(?:my\s+)?calendar\b/gi, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^(?:my|the|our)\s+/i, "");
  const keywords = description
    .toLowerCase()
    .split(/[^\p{L}\p{N}@.]+/u)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word));
  return { description: unquote(description) || "event", keywords };
}

function findEvents(
  outcomes: readonly Outcome[],
  provider: CalendarProvider,
  context: DemoContext,
  keywords: string[],
): DemoEvent[] {
  const listed = outcomes.find((outcome) => outcome.name === provider.listTool && outcome.ok);
  return readEvents(listed?.data, context.timeZone).filter((event) =>
    keywords.every((keyword) => eventHaystack(event).includes(keyword)),
  );
}

function lookupRange(
  range: DayRange | undefined,
  context: DemoContext,
): { start: string; end: string; label: string } {
  if (range) return { start: startOfDay(range.start), end: startOfDay(range.end), label: range.label };
  return {
    start: startOfDay(context.today),
    end: startOfDay(addDays(context.today, 14)),
    label: "in the next two weeks",
  };
}

const NEVER_MIND = /^(?:never\s*mind|none|neither|no|nope|cancel|stop|forget\s+it|leave\s+it)\b/i;

/** Lists the matches by number and asks which one; the next message can answer. */
function ambiguous(
  events: readonly DemoEvent[],
  what: string,
  label: string,
  verb: "cancel" | "move",
  act: (event: DemoEvent, context: DemoContext) => Reply,
): Reply {
  const lines = events.map((event, index) => `${index + 1}. ${eventLine(event, true)}`).join("\n");
  const choose = (answer: string, context: DemoContext): Reply => {
    if (NEVER_MIND.test(answer.trim())) return text("OK, I've left your calendar as it is.");
    const event = pickEvent(events, answer);
    if (event) return act(event, context);
    return {
      kind: "text",
      text: `I couldn't tell which one you mean. Reply with a number from 1 to ${events.length}, a start time such as ${formatTime(events[0]?.start?.time ?? { hour: 9, minute: 0 })}, or the title. Nothing has been changed.`,
      choose,
    };
  };
  return {
    kind: "text",
    text: `I found ${events.length} events matching "${what}" ${label}:\n${lines}\nWhich one should I ${verb}? Reply with its number, start time or title. Nothing has been changed.`,
    choose,
  };
}

export function calendarMatchers(provider: CalendarProvider): Matcher[] {
  const create: Matcher = (request, context) => {
    const match = /^(?:schedule|book|set\s+up|arrange|add|create|put|plan)\s+(.+)$/i.exec(request);
    const rest = match?.[1];
    if (!rest) return null;
    const range = parseDayRange(rest, context.today);
    const time = parseTimeOfDay(rest);
    if (!range && !time) return null;
    const attendees = findEmails(rest);
    const title = eventTitle(rest, attendees);
    if (!time) {
      return text(
        `What time should "${title}" start? For example: "schedule lunch with sam@example.com tomorrow at noon".`,
      );
    }
    const nowLocal = zonedDateTime(context.now, context.timeZone);
    const passedToday = time.hour * 60 + time.minute <= nowLocal.hour * 60 + nowLocal.minute;
    // A time without a day means the next time the clock shows it.
    const date = range?.start ?? (passedToday ? addDays(context.today, 1) : context.today);
    const durationMinutes = parseDuration(rest)?.minutes ?? (MEAL.test(title) ? 60 : 30);
    const start = isoLocal({ date, hour: time.hour, minute: time.minute });
    const guests = attendees.length ? ` with ${attendees.join(", ")}` : "";
    return plan(
      `I'll schedule "${title}" for ${describeDay(date, context.today)} at ${formatTime(time)}${guests}.`,
      [
        {
          name: provider.createTool,
          args: provider.createArgs({ title, start, durationMinutes, attendees }),
        },
      ],
    );
  };

  const free: Matcher = (request, context) => {
    const freeTool = provider.freeTool;
    if (!freeTool) return null;
    const asked =
      /\b(?:free|open|available)\b.*\b(?:slots?|time|windows?|blocks?|spots?)\b/i.test(request) ||
      /^(?:when\s+am\s+i\s+(?:free|available)|find\s+(?:a\s+|some\s+)?time)\b/i.test(request);
    if (!asked) return null;
    const range = parseDayRange(request, context.today) ?? {
      start: context.today,
      end: addDays(context.today, 1),
      label: describeDay(context.today, context.today),
      matched: "",
    };
    const minutes = parseDuration(request)?.minutes ?? 30;
    const nowLocal = zonedDateTime(context.now, context.timeZone);
    // Past hours of today are not free time worth offering.
    const timeMin = sameDate(range.start, context.today) ? isoLocal(nowLocal) : startOfDay(range.start);
    return plan(`Looking for a free ${minutes}-minute slot ${range.label}.`, [
      {
        name: freeTool,
        args: {
          time_min: timeMin,
          time_max: startOfDay(range.end),
          duration_minutes: minutes,
          working_hours_only: true,
        },
      },
    ]);
  };

  /** Lists the window, then acts on the one event the words describe, or asks which one. */
  const lookup = (
    verb: "cancel" | "move",
    source: string,
    context: DemoContext,
    act: (event: DemoEvent, context: DemoContext) => Reply,
  ): Reply => {
    const range = parseDayRange(source, context.today);
    const { description, keywords } = describedEvent(source, range);
    const window = lookupRange(range, context);
    return plan(
      `Looking for "${description}" on your ${provider.label} ${window.label}.`,
      [{ name: provider.listTool, args: provider.listArgs(window.start, window.end), quiet: true }],
      (outcomes, ctx) => {
        const matches = findEvents(outcomes, provider, ctx, keywords);
        const [event] = matches;
        if (!event)
          return text(
            `I couldn't find "${description}" on your ${provider.label} ${window.label}, so nothing was ${verb === "cancel" ? "cancelled" : "moved"}.`,
          );
        if (matches.length > 1) return ambiguous(matches, description, window.label, verb, act);
        return act(event, ctx);
      },
    );
  };

  const cancel: Matcher = (request, context) => {
    const rest = /^(?:cancel|delete|remove|call\s+off|drop)\s+(.+)$/i.exec(request)?.[1];
    if (!rest) return null;
    return lookup("cancel", rest, context, (event, ctx) => {
      if (!event.id) return text(`"${event.title}" has no id I can use, so nothing was cancelled.`);
      return plan(`Found it: "${event.title}" ${eventMoment(event, ctx.today)}. Cancelling it.`, [
        { name: provider.deleteTool, args: { event_id: event.id } },
      ]);
    });
  };

  const move: Matcher = (request, context) => {
    const match = /^(?:move|reschedule|push|shift)\s+(.+)\s+to\s+(.+)$/i.exec(request);
    const source = match?.[1];
    const target = match?.[2];
    if (!source || !target) return null;
    const newRange = parseDayRange(target, context.today);
    const newTime = parseTimeOfDay(target);
    if (!newRange && !newTime) return null;
    return lookup("move", source, context, (event, ctx) => {
      if (!event.id || !event.start?.time || event.allDay) {
        return text(
          `"${event.title}" is an all-day event or has no time I can change, so nothing was moved.`,
        );
      }
      const oldStart: LocalDateTime = { date: event.start.date, ...event.start.time };
      const oldEnd: LocalDateTime | undefined = event.end?.time
        ? { date: event.end.date, ...event.end.time }
        : undefined;
      const duration = oldEnd ? Math.max(minutesBetween(oldStart, oldEnd), 1) : 30;
      const start: LocalDateTime = {
        date: newRange?.start ?? oldStart.date,
        hour: newTime?.hour ?? oldStart.hour,
        minute: newTime?.minute ?? oldStart.minute,
      };
      return plan(
        `Found it: "${event.title}" ${eventMoment(event, ctx.today)}. Moving it to ${describeDay(start.date, ctx.today)} at ${formatTime(start)}.`,
        [
          {
            name: provider.updateTool,
            args: provider.updateArgs(event.id, isoLocal(start), isoLocal(addMinutes(start, duration))),
          },
        ],
      );
    });
  };

  const list: Matcher = (request, context) => {
    const about = /\b(?:calendar|schedule|agenda|meetings?|events?|appointments?|plans)\b/i.test(request);
    const asking =
      /^(?:what(?:'s|\s+is|\s+are|\s+do|\s+does|\s+have)?|show|list|check|any|do\s+i\s+have|how\s+(?:does|do|is)|how's|tell\s+me|give\s+me|am\s+i|read|get|whats)\b/i.test(
        request,
      );
    if (!about || !asking) return null;
    const range = parseDayRange(request, context.today) ?? {
      start: context.today,
      end: addDays(context.today, 1),
      label: describeDay(context.today, context.today),
      matched: "",
    };
    return plan(`Let me check your ${provider.label} for ${range.label}.`, [
      { name: provider.listTool, args: provider.listArgs(startOfDay(range.start), startOfDay(range.end)) },
    ]);
  };

  return [free, cancel, move, create, list];
}
