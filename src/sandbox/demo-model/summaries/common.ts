import { formatDay, formatTime, parseWhen, sameDate } from "../dates.js";
import { readEvents } from "../events.js";
import { type DemoContext, field, listIn, type Outcome, stringIn } from "../plan.js";

/** "user" writes to the person; "share" writes a post for others (a Slack summary). */
export type Audience = "user" | "share";

export interface Env {
  context: DemoContext;
  /** Every outcome of the turn, to find titles of things a later call refers to by id. */
  turn: readonly Outcome[];
  audience: Audience;
}

export type Summarizer = (outcome: Outcome, env: Env) => string;

const MAX_LINES = 10;

export function bulletList(lines: readonly string[], env: Env): string {
  const bullet = env.audience === "user" ? "- " : "• ";
  const shown = lines.slice(0, MAX_LINES).map((line) => `${bullet}${line}`);
  if (lines.length > MAX_LINES) shown.push(`${bullet}…and ${lines.length - MAX_LINES} more`);
  return shown.join("\n");
}

export const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;

/** "Dana Lee <dana@example.com>" → "Dana Lee"; objects in Google or Graph shape too. */
export function personName(value: unknown): string {
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

export function recipients(value: unknown): string {
  if (Array.isArray(value)) return value.map(personName).join(", ");
  return typeof value === "string" ? value : "the recipients";
}

export function shortDate(value: unknown, env: Env): string | undefined {
  const when = parseWhen(value, env.context.timeZone);
  if (!when) return undefined;
  if (sameDate(when.date, env.context.today) && when.time) return formatTime(when.time);
  return formatDay(when.date);
}

/** The title of an event, page or database a call refers to by id, from earlier results of the turn. */
export function titleById(env: Env, id: unknown): string | undefined {
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

export function eventById(env: Env, id: unknown) {
  for (const outcome of env.turn) {
    if (!outcome.ok) continue;
    const event = readEvents(outcome.data, env.context.timeZone).find((candidate) => candidate.id === id);
    if (event) return event;
  }
  return undefined;
}
