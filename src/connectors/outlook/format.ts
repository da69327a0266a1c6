import { truncate } from "../../text.js";
import { htmlToText } from "../shared/html.js";
import { addDays, formatInZone } from "../shared/time.js";
import type { GraphEvent, GraphMessage, GraphRecipient } from "./api.js";
import { parseGraphDateTime } from "./graph-time.js";

export const PREVIEW_LIMIT = 200;
export const BODY_LIMIT = 6_000;

/** `Name <address>`, or whichever of the two is known. */
export function formatRecipient(recipient: GraphRecipient | null | undefined): string | undefined {
  const name = recipient?.emailAddress?.name?.trim();
  const address = recipient?.emailAddress?.address?.trim();
  if (name && address && name.toLowerCase() !== address.toLowerCase()) return `${name} <${address}>`;
  return address || name || undefined;
}

function recipients(list: readonly GraphRecipient[] | undefined): string[] {
  return (list ?? []).map(formatRecipient).filter((value): value is string => value !== undefined);
}

function received(message: GraphMessage, timeZone: string): string | undefined {
  const stamp = message.receivedDateTime ?? message.sentDateTime;
  if (!stamp) return undefined;
  const instant = new Date(stamp);
  return Number.isNaN(instant.getTime()) ? stamp : formatInZone(instant, timeZone);
}

export interface CompactMessage {
  id: string;
  conversation_id?: string;
  from?: string;
  to: string[];
  subject: string;
  received?: string;
  preview?: string;
  unread: boolean;
  importance?: "high";
  has_attachments?: true;
}

export function compactMessage(message: GraphMessage, timeZone: string): CompactMessage {
  const from = formatRecipient(message.from);
  const when = received(message, timeZone);
  const preview = message.bodyPreview?.replace(/\s+/g, " ").trim();
  // Key order reads naturally for a model: who, what, when, then flags.
  return {
    id: message.id,
    ...(message.conversationId ? { conversation_id: message.conversationId } : {}),
    ...(from ? { from } : {}),
    to: recipients(message.toRecipients),
    subject: message.subject?.trim() || "(no subject)",
    ...(when ? { received: when } : {}),
    ...(preview ? { preview: truncate(preview, PREVIEW_LIMIT).text } : {}),
    unread: message.isRead === false,
    ...(message.importance === "high" ? { importance: "high" as const } : {}),
    ...(message.hasAttachments ? { has_attachments: true as const } : {}),
  };
}

export interface DetailedMessage extends CompactMessage {
  cc?: string[];
  body: string;
  truncated?: true;
  web_link?: string;
}

export function detailedMessage(message: GraphMessage, timeZone: string): DetailedMessage {
  const { preview: _preview, ...base } = compactMessage(message, timeZone);
  const content = message.body?.content ?? message.bodyPreview ?? "";
  const text = message.body?.contentType?.toLowerCase() === "html" ? htmlToText(content) : content.trim();
  const body = truncate(text, BODY_LIMIT);
  const detailed: DetailedMessage = { ...base, body: body.text };
  const cc = recipients(message.ccRecipients);
  if (cc.length > 0) detailed.cc = cc;
  if (body.truncated) detailed.truncated = true;
  if (message.webLink) detailed.web_link = message.webLink;
  return detailed;
}

export interface CompactEvent {
  id: string;
  subject: string;
  /** ISO with the user's offset; a bare date for all-day events. */
  start: string;
  /** ISO with the user's offset; for all-day events the last day (inclusive). */
  end: string;
  all_day?: true;
  location?: string;
  attendees?: string[];
  online_meeting_url?: string;
  organizer?: string;
  cancelled?: true;
  web_link?: string;
}

export function compactEvent(event: GraphEvent, timeZone: string): CompactEvent {
  const start = parseGraphDateTime(event.start);
  const end = parseGraphDateTime(event.end);
  const compact: CompactEvent = event.isAllDay
    ? {
        id: event.id,
        subject: event.subject?.trim() || "(no subject)",
        // All-day events are floating dates at midnight; Graph's end is the exclusive next day.
        start: event.start.dateTime.slice(0, 10),
        end: addDays(event.end.dateTime.slice(0, 10), -1),
        all_day: true,
      }
    : {
        id: event.id,
        subject: event.subject?.trim() || "(no subject)",
        start: start ? formatInZone(start, timeZone) : event.start.dateTime,
        end: end ? formatInZone(end, timeZone) : event.end.dateTime,
      };
  const location = event.location?.displayName?.trim();
  if (location) compact.location = location;
  const attendees = (event.attendees ?? [])
    .map((attendee) => attendee.emailAddress?.address)
    .filter((address): address is string => Boolean(address));
  if (attendees.length > 0) compact.attendees = attendees;
  const joinUrl = event.onlineMeeting?.joinUrl ?? event.onlineMeetingUrl ?? undefined;
  if (joinUrl) compact.online_meeting_url = joinUrl;
  const organizer = formatRecipient(event.organizer);
  if (organizer) compact.organizer = organizer;
  if (event.isCancelled) compact.cancelled = true;
  if (event.webLink) compact.web_link = event.webLink;
  return compact;
}
