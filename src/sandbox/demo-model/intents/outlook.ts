import { firstMatch, type Matcher } from "../plan.js";
import { type CalendarProvider, calendarMatchers } from "./calendar-common.js";
import { composeMatchers, type MailProvider, readMatchers } from "./mail-common.js";

/** Documented requests the offline demo model understands for Outlook mail and calendar. */
export const examples: string[] = [
  "show my unread Outlook mail",
  "read the latest Outlook email from Morgan",
  "send an Outlook email to morgan@contoso.com about the report saying it's ready",
  "what meetings do I have in Outlook this week",
  "schedule a sync in Outlook tomorrow at 3pm with morgan@contoso.com",
  "move my sync with Morgan in Outlook tomorrow to 4pm",
  "cancel my sync with Morgan in Outlook tomorrow",
];

const outlookMail: MailProvider = {
  label: "Outlook",
  searchTool: "outlook_search_messages",
  getTool: "outlook_get_message",
  sendTool: "outlook_send_message",
  searchArgs: ({ text, from, unread, max }) => ({
    ...(text ? { query: text } : {}),
    ...(from ? { from } : {}),
    ...(unread ? { unread_only: true } : {}),
    max_results: max,
  }),
};

const outlookCalendar: CalendarProvider = {
  label: "Outlook calendar",
  listTool: "outlook_list_events",
  createTool: "outlook_create_event",
  updateTool: "outlook_update_event",
  deleteTool: "outlook_delete_event",
  listArgs: (start, end) => ({ start, end }),
  createArgs: ({ title, start, durationMinutes, attendees }) => ({
    subject: title,
    start,
    duration_minutes: durationMinutes,
    ...(attendees.length ? { attendees } : {}),
  }),
  updateArgs: (eventId, start, end) => ({ event_id: eventId, start, end }),
};

/** "in Outlook", "an Outlook email", "Outlook calendar" → the same request without the product name. */
function withoutOutlook(request: string): string {
  return request
    .replace(/^(search|look|dig)\s+(?:through\s+|in\s+)?(?:my\s+)?outlook\b/i, "$1 my mail")
    .replace(/\boutlook\s+(?=(?:mail|e-?mails?|messages?|inbox|calendar|meetings?|events?)\b)/gi, "")
    .replace(/\s+(?:in|on|from|via|using|with|through)\s+(?:my\s+)?outlook\b/gi, "")
    .replace(/\boutlook\b\s*:?\s*/gi, "")
    .replace(/\s+/g, " ")
    .trim();
}

// Writing first, then calendar (its verbs are specific), then reading mail.
const all = [
  ...composeMatchers(outlookMail),
  ...calendarMatchers(outlookCalendar),
  ...readMatchers(outlookMail),
];

export const matchers: Matcher[] = [
  (request, context) =>
    /\boutlook\b/i.test(request) ? firstMatch(all, withoutOutlook(request), context) : null,
];
