import { isRecord, type ProviderHttpRequest, type ProviderHttpResponse } from "../provider-emulator.js";
import { knownZone, rfc3339 } from "../zoned-time.js";
import { type CalendarState, isOwner, startMs } from "./calendar.js";
import { badRequest, parseError, parseRfc3339 } from "./calendar-wire.js";

/** POST /freeBusy: the owner's busy blocks (opaque, not declined) merged, per requested calendar. */
export function freeBusy(request: ProviderHttpRequest, state: CalendarState): ProviderHttpResponse {
  const body = request.body;
  if (!isRecord(body)) return parseError();
  const fields = body as { timeMin?: unknown; timeMax?: unknown; timeZone?: unknown; items?: unknown };
  if (fields.timeMin === undefined) return badRequest("Missing timeMin parameter.", "required");
  if (fields.timeMax === undefined) return badRequest("Missing timeMax parameter.", "required");
  const timeMin = typeof fields.timeMin === "string" ? parseRfc3339(fields.timeMin) : undefined;
  const timeMax = typeof fields.timeMax === "string" ? parseRfc3339(fields.timeMax) : undefined;
  if (timeMin === undefined || timeMax === undefined) return badRequest();
  if (timeMax <= timeMin) return badRequest("The specified time range is empty.", "timeRangeEmpty");
  let zone: string | undefined;
  if (fields.timeZone !== undefined) {
    if (typeof fields.timeZone !== "string" || !knownZone(fields.timeZone)) {
      return badRequest("Invalid time zone definition.", "invalid");
    }
    zone = fields.timeZone;
  }
  const format = (at: number) => rfc3339(at, zone);
  const items = Array.isArray(fields.items) ? fields.items : [];
  const calendarsOut: Record<string, unknown> = {};
  for (const item of items) {
    const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
    if (typeof id !== "string") return badRequest("Invalid value for: items", "invalid");
    if (id !== "primary" && id.toLowerCase() !== state.owner.email) {
      calendarsOut[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
      continue;
    }
    const blocks = [...state.events.values()]
      .filter((event) => event.transparency !== "transparent")
      .filter((event) => {
        const self = event.attendees.find((attendee) => isOwner(attendee.email, state));
        return self?.responseStatus !== "declined";
      })
      .map((event) => ({ start: startMs(event.start, state), end: startMs(event.end, state) }))
      .filter((block) => block.end > timeMin && block.start < timeMax)
      .map((block) => ({ start: Math.max(block.start, timeMin), end: Math.min(block.end, timeMax) }))
      .sort((a, b) => a.start - b.start);
    const merged: { start: number; end: number }[] = [];
    for (const block of blocks) {
      const last = merged.at(-1);
      if (last && block.start <= last.end) last.end = Math.max(last.end, block.end);
      else merged.push({ ...block });
    }
    calendarsOut[id] = {
      busy: merged.map((block) => ({ start: format(block.start), end: format(block.end) })),
    };
  }
  return {
    status: 200,
    body: {
      kind: "calendar#freeBusy",
      timeMin: new Date(timeMin).toISOString(),
      timeMax: new Date(timeMax).toISOString(),
      calendars: calendarsOut,
    },
  };
}
