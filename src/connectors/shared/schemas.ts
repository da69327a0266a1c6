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
