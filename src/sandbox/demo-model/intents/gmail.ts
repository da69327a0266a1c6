import type { Matcher } from "../plan.js";
import { firstMatch } from "../plan.js";
import { mailAsksMatcher } from "./mail-asks.js";
import { type MailProvider, composeMatchers as mailCompose, readMatchers } from "./mail-common.js";

/** Documented requests the offline demo model understands for Gmail. */
export const examples: string[] = [
  "show my unread email",
  "search my email for invoices",
  "read the latest email from Dana",
  "email sam@example.com about lunch saying see you at noon",
  "draft an email to sam@example.com about the offsite saying here is the agenda",
];

/** Gmail search syntax: `is:unread`, `from:dana`, free text. */
const gmail: MailProvider = {
  label: "Gmail",
  searchTool: "gmail_search_messages",
  getTool: "gmail_get_message",
  sendTool: "gmail_send_message",
  draftTool: "gmail_create_draft",
  searchArgs: ({ text, from, unread, max }) => ({
    query: [unread ? "is:unread" : "", from ? `from:${from}` : "", text ?? ""].filter(Boolean).join(" "),
    max_results: max,
  }),
};

/** "in Gmail", "Gmail inbox" and a bare "gmail" become plain mail words. */
function withoutGmail(request: string, foreign: RegExp): string | null {
  if (foreign.test(request)) return null;
  return request
    .replace(/\s+(?:in|on|from|via|using|with|through)\s+(?:my\s+)?gmail\b/gi, "")
    .replace(/\bgmail\s+(?=(?:mail|e-?mails?|messages?|inbox)\b)/gi, "")
    .replace(/\bgmail\b/gi, "email");
}

const compose = mailCompose(gmail);
// "do what the latest email from Morgan asks" (prompt-injection demo; not in the examples above).
const read = [mailAsksMatcher(gmail), ...readMatchers(gmail)];

/** Writing mail goes first: a body may mention words that other connectors react to. */
export const composeMatchers: Matcher[] = [
  (request, context) => {
    // A body may mention Slack or Notion; only an Outlook request belongs elsewhere.
    const cleaned = withoutGmail(request, /\boutlook\b/i);
    return cleaned === null ? null : firstMatch(compose, cleaned, context);
  },
];

export const matchers: Matcher[] = [
  (request, context) => {
    const cleaned = withoutGmail(request, /\b(?:outlook|slack|notion)\b/i);
    return cleaned === null ? null : firstMatch(read, cleaned, context);
  },
];
