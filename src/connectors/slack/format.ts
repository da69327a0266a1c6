import { formatInZoneOrUtc } from "../shared/time.js";

/** A Slack message timestamp (`"1718000000.000100"`) as an ISO time in the user's zone. */
export function slackTsToIso(ts: string, timeZone: string): string | undefined {
  const seconds = Number(ts);
  return Number.isFinite(seconds) ? formatInZoneOrUtc(new Date(seconds * 1000), timeZone) : undefined;
}
