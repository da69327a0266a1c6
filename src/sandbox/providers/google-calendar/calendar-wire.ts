/** Google Calendar's request conventions: its 400s and 404, RFC 3339 bounds, the response zone. */
import { googleError, type ProviderHttpResponse } from "../provider-emulator.js";
import { knownZone, readStamp } from "../zoned-time.js";
import type { CalendarState } from "./calendar.js";

export type Result<T> = { ok: T } | { error: ProviderHttpResponse };

export function badRequest(message = "Bad Request", reason = "badRequest"): ProviderHttpResponse {
  return googleError(400, message, reason);
}

/** A body that is not a JSON object. */
export const parseError = (): ProviderHttpResponse => badRequest("Parse Error", "parseError");

export const notFound = (): ProviderHttpResponse => googleError(404, "Not Found", "notFound");

/** An RFC 3339 timestamp, which Google requires to carry an offset. */
export function parseRfc3339(text: string): number | undefined {
  const stamp = readStamp(text);
  return stamp?.kind === "exact" ? stamp.epochMs : undefined;
}

/** The zone event times are written in: `timeZone` from the query, else the calendar's. */
export function responseZone(query: URLSearchParams, state: CalendarState): Result<string> {
  const zone = query.get("timeZone");
  if (zone === null) return { ok: state.timeZone };
  return knownZone(zone) ? { ok: zone } : { error: badRequest("Invalid time zone definition.", "invalid") };
}
