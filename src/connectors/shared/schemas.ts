import { z } from "zod";
import { isIsoDateTime } from "./time.js";

/** How calendar tools describe times to the model. */
export const ISO_HINT =
  "ISO 8601 date-time such as 2025-06-12T14:00 (no offset = the user's time zone) or a date such as 2025-06-12";

export function isoDateTime(description: string) {
  return z
    .string()
    .trim()
    .refine(isIsoDateTime, { message: `must be an ${ISO_HINT}` })
    .describe(description);
}

/** An optional free-text search or filter argument. */
export const searchText = (description: string) =>
  z.string().trim().min(1).max(200).optional().describe(description);

export const emailList = (description: string) => z.array(z.email()).max(100).describe(description);

/** An event's start plus either its end or its length: shared by the calendar tools. */
export const eventTiming = {
  start: isoDateTime(`When the event starts (${ISO_HINT}). A bare date creates an all-day event.`),
  end: isoDateTime(
    "When the event ends; for all-day events the last day (inclusive). Give end or duration_minutes, not both.",
  ).optional(),
  duration_minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional()
    .describe("Length in minutes when end is not given (default 30)."),
};

/** An event id argument, pointing the model at the tool that lists them. */
export const eventIdArgument = (listTool: string) =>
  z.string().trim().min(1).max(1024).describe(`The event's id, as returned by ${listTool}.`);

/** A new event's timing (`eventTiming`), with end and duration_minutes exclusive of each other. */
export function withEventTiming<T extends z.ZodRawShape>(fields: T) {
  return z
    .object({ ...fields, ...eventTiming })
    .refine(
      ({ end, duration_minutes }: { end?: unknown; duration_minutes?: unknown }) =>
        end === undefined || duration_minutes === undefined,
      {
        message: "give either end or duration_minutes, not both",
        path: ["duration_minutes"],
      },
    );
}

/** The new start and end of an event being changed. */
export const eventMove = {
  start: isoDateTime(
    `New start (${ISO_HINT}). Without end, the event keeps its length. A bare date makes it all-day.`,
  ).optional(),
  end: isoDateTime("New end; for all-day events the last day (inclusive).").optional(),
};

/** An update schema that refuses a call changing nothing (every field but the id is optional). */
export function eventUpdate<T extends z.ZodRawShape>(fields: T) {
  return z
    .object({ ...fields, ...eventMove })
    .refine(
      (input) => Object.entries(input).some(([key, value]) => key !== "event_id" && value !== undefined),
      { message: "give at least one field to change" },
    );
}

/** `max_results` for an event list. */
export const maxEvents = z
  .number()
  .int()
  .min(1)
  .max(50)
  .default(25)
  .describe("Maximum number of events to return (1–50, default 25).");
