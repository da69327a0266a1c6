/** Stored messages and events in Graph's wire shape. */
import { graphWallTime, ianaForGraphZone } from "../zoned-time.js";
import { recipient } from "./graph-wire.js";
import { bodyText, type Mailbox } from "./mailbox.js";
import type { StoredMessage, StoredOutlookEvent } from "./outlook-seed.js";

/** The first 255 characters of the body's text, whitespace collapsed. */
function preview(item: StoredMessage | StoredOutlookEvent): string {
  return bodyText(item).replace(/\s+/g, " ").trim().slice(0, 255);
}

export function renderMessage(message: StoredMessage): Record<string, unknown> {
  const stamp = new Date(message.received).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    "@odata.etag": `W/"CQAAABYAAAB${message.id.slice(8, 20)}"`,
    id: message.id,
    createdDateTime: stamp,
    lastModifiedDateTime: stamp,
    receivedDateTime: stamp,
    sentDateTime: stamp,
    hasAttachments: message.hasAttachments,
    internetMessageId: `<${message.id.slice(8, 30)}@${message.from.address.split("@")[1] ?? "contoso.com"}>`,
    subject: message.subject,
    bodyPreview: preview(message),
    importance: message.importance,
    parentFolderId: message.folder === "inbox" ? "AQMkAGI2inbox" : "AQMkAGI2sentitems",
    conversationId: message.conversationId,
    isRead: message.isRead,
    isDraft: false,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(message.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: "focused",
    body: { contentType: message.bodyType, content: message.body },
    sender: recipient(message.from),
    from: recipient(message.from),
    toRecipients: message.to.map(recipient),
    ccRecipients: message.cc.map(recipient),
    bccRecipients: message.folder === "sentitems" ? message.bcc.map(recipient) : [],
    replyTo: [],
    flag: { flagStatus: "notFlagged" },
  };
}

/** An event with its times as wall times in `zoneName` (Graph's `Prefer: outlook.timezone`). */
export function renderEvent(
  event: StoredOutlookEvent,
  mailbox: Mailbox,
  zoneName: string,
): Record<string, unknown> {
  const zone = ianaForGraphZone(zoneName) ?? "UTC";
  const time = (instant: number, date: string | undefined) => ({
    dateTime: date ? `${date}T00:00:00.0000000` : graphWallTime(instant, zone),
    timeZone: zoneName,
  });
  const isOrganizer = event.organizer.address === mailbox.owner.address;
  return {
    "@odata.etag": `W/"DwAAABYAAAB${event.id.slice(8, 20)}"`,
    id: event.id,
    createdDateTime: new Date(event.created).toISOString(),
    lastModifiedDateTime: new Date(event.modified).toISOString(),
    categories: [],
    originalStartTimeZone: event.timeZone,
    originalEndTimeZone: event.timeZone,
    iCalUId: event.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: event.subject,
    bodyPreview: preview(event),
    importance: "normal",
    sensitivity: "normal",
    isAllDay: event.allDay !== undefined,
    isCancelled: false,
    isOrganizer,
    responseRequested: true,
    seriesMasterId: null,
    showAs: "busy",
    type: "singleInstance",
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: event.isOnlineMeeting,
    onlineMeetingProvider: event.isOnlineMeeting ? "teamsForBusiness" : "unknown",
    responseStatus: { response: isOrganizer ? "organizer" : "accepted", time: "0001-01-01T00:00:00Z" },
    body: { contentType: event.bodyType, content: event.body },
    start: time(event.start, event.allDay?.startDate),
    end: time(event.end, event.allDay?.endDate),
    location: { displayName: event.location ?? "", locationType: "default", uniqueIdType: "unknown" },
    locations: event.location ? [{ displayName: event.location, locationType: "default" }] : [],
    attendees: event.attendees.map((attendee) => ({
      type: attendee.type,
      status: { response: attendee.response, time: "0001-01-01T00:00:00Z" },
      emailAddress: { name: attendee.name ?? attendee.address, address: attendee.address },
    })),
    organizer: recipient(event.organizer),
    onlineMeeting: event.joinUrl ? { joinUrl: event.joinUrl } : null,
  };
}
