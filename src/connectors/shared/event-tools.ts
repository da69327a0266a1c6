/**
 * What the Google Calendar and Outlook event tools have in common, declared once so the two
 * cannot drift apart: what the approvals gate knows of each kind of event write (its effect, the
 * event and the people it names, its one-line summary) and the shape of an event listing.
 */
import type { z } from "zod";
import { type AnyObjectSchema, type ConnectorToolSpec, connectorTool } from "../connector-tool.js";
import type { Effect, TargetField } from "../tool-traits.js";
import { eventSummary } from "./summaries.js";
import { formatInZone, type TimeRange } from "./time.js";

/** An event write's arguments, as far as its summary reads them. */
type EventWriteSchema = AnyObjectSchema & z.ZodType<Parameters<typeof eventSummary>[1]>;

/** What a connector declares of an event write; the kind of write adds the rest. */
type EventWriteSpec<S extends EventWriteSchema> = Pick<
  ConnectorToolSpec<S>,
  "name" | "description" | "schema" | "run"
>;

const INVITEES: TargetField = { field: "attendees", kind: "email" };
const EVENT: TargetField = { field: "event_id", kind: "calendar-event" };

/**
 * The approval traits of each kind of event write: creating invites the attendees; changing
 * overwrites the event and may invite or drop attendees; deleting cancels it for everyone.
 */
const EVENT_WRITES = {
  create: { effect: "write", targets: [INVITEES], verb: "Create event" },
  update: { effect: "destructive", targets: [EVENT, INVITEES], verb: "Change" },
  delete: { effect: "destructive", targets: [EVENT], verb: "Delete" },
} as const satisfies Record<string, { effect: Effect; targets: readonly TargetField[]; verb: string }>;

/** A calendar connector's event write, with the traits of its kind. */
export function eventWriteTool<S extends EventWriteSchema>(
  kind: keyof typeof EVENT_WRITES,
  spec: EventWriteSpec<S>,
) {
  const { effect, targets, verb } = EVENT_WRITES[kind];
  return connectorTool({ ...spec, effect, targets, summarize: (input) => eventSummary(verb, input) });
}

/** Whether a change needs the event as it is: a move keeps its length, a guest list its guests. */
export function changesTimeOrGuests(input: {
  start?: string | undefined;
  end?: string | undefined;
  attendees?: readonly string[] | undefined;
}): boolean {
  return input.start !== undefined || input.end !== undefined || input.attendees !== undefined;
}

/** An event listing: the window it covers in the user's zone, its events, and whether more exist. */
export function eventListing(range: TimeRange, timeZone: string, events: readonly unknown[], more: boolean) {
  return {
    time_zone: timeZone,
    from: formatInZone(range.start, timeZone),
    to: formatInZone(range.end, timeZone),
    events,
    ...(more ? { more: true } : {}),
  };
}
