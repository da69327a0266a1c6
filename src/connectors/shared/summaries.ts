/**
 * One-line summaries of what a write will do, for the person deciding on it: the action, every
 * recipient or place, the title and the size of the text. Arguments are shown as given; nothing
 * here is interpreted or shortened away that the person needs in order to decide.
 */
import { truncate } from "../../text.js";

export function words(text: string | undefined): string {
  const count = (text ?? "").split(/\s+/).filter(Boolean).length;
  return `${count} word${count === 1 ? "" : "s"}`;
}

function quoted(text: string | undefined, max = 60): string {
  return text ? ` — "${truncate(text, max).text}"` : "";
}

export function emailSummary(
  verb: string,
  input: {
    to: readonly string[];
    cc?: readonly string[] | undefined;
    bcc?: readonly string[] | undefined;
    subject?: string | undefined;
    body?: string | undefined;
  },
): string {
  const copies = [
    input.cc?.length ? `cc ${input.cc.join(", ")}` : "",
    input.bcc?.length ? `bcc ${input.bcc.join(", ")}` : "",
  ].filter(Boolean);
  return `${verb} to ${input.to.join(", ")}${copies.length ? ` (${copies.join("; ")})` : ""}${quoted(input.subject)} (${words(input.body)})`;
}

export function eventSummary(
  verb: string,
  input: {
    title?: string | undefined;
    event_id?: string | undefined;
    start?: string | undefined;
    attendees?: readonly string[] | undefined;
  },
): string {
  const what = input.title
    ? `"${truncate(input.title, 60).text}"`
    : input.event_id
      ? `event ${input.event_id}`
      : "an event";
  const when = input.start ? ` at ${input.start}` : "";
  const who = input.attendees?.length ? ` with ${input.attendees.join(", ")}` : "";
  return `${verb} ${what}${when}${who}`;
}

export function postSummary(channel: string, text: string, thread?: string): string {
  return `Post to ${channel}${thread ? " (in a thread)" : ""}${quoted(text)} (${words(text)})`;
}
