import { describeDay, formatTime, parseWhen } from "../dates.js";
import { field, listIn, type Outcome, stringIn } from "../plan.js";
import { clip } from "../text.js";
import { bulletList, personName, plural, recipients, type Summarizer, shortDate } from "./common.js";

function mailSearchTerms(outcome: Outcome): { unread: boolean; from?: string; text?: string } {
  if (outcome.name.startsWith("gmail_")) {
    const query = typeof outcome.args.query === "string" ? outcome.args.query : "";
    const from = /\bfrom:(\S+)/i.exec(query)?.[1];
    const text = query
      .replace(/\bis:unread\b|\bfrom:\S+/gi, "")
      .replace(/\s+/g, " ")
      .trim();
    return { unread: /\bis:unread\b/i.test(query), ...(from ? { from } : {}), ...(text ? { text } : {}) };
  }
  const from = typeof outcome.args.from === "string" ? outcome.args.from : undefined;
  const text = typeof outcome.args.query === "string" ? outcome.args.query : undefined;
  return { unread: outcome.args.unread_only === true, ...(from ? { from } : {}), ...(text ? { text } : {}) };
}

const mailSearch: Summarizer = (outcome, env) => {
  const label = outcome.name.startsWith("gmail_") ? "Gmail" : "Outlook";
  const messages = listIn(outcome.data, "messages", "items", "value");
  const terms = mailSearchTerms(outcome);
  const kind = `${terms.unread ? "unread " : ""}${label} message`;
  const filters = [terms.from ? `from ${terms.from}` : "", terms.text ? `matching "${terms.text}"` : ""]
    .filter(Boolean)
    .join(" ");
  const what = filters ? ` ${filters}` : "";
  if (!messages.length) {
    if (terms.unread && !filters)
      return env.audience === "user" ? `You have no unread ${label} messages.` : "No unread email.";
    return `I found no ${kind}s${what}.`;
  }
  const lines = messages.map((message) => {
    const date = shortDate(message.date ?? message.received ?? message.receivedDateTime, env);
    const subject = stringIn(message, "subject") ?? "(no subject)";
    return `${personName(message.from)}: ${subject}${date ? ` (${date})` : ""}`;
  });
  const heading =
    env.audience === "share"
      ? `${terms.unread ? "Unread email" : "Email"}${what} (${messages.length}):`
      : terms.unread && !filters
        ? `You have ${plural(messages.length, `unread ${label} message`)}:`
        : `I found ${plural(messages.length, kind)}${what}:`;
  return `${heading}\n${bulletList(lines, env)}`;
};

function messageBody(data: unknown): string {
  const body = stringIn(data, "body", "text", "body_text", "content", "snippet", "bodyPreview");
  if (body) return body;
  return stringIn(field(data, "body"), "content", "text") ?? "";
}

const mailGet: Summarizer = (outcome, env) => {
  const data = outcome.data;
  const date = parseWhen(field(data, "date") ?? field(data, "receivedDateTime"), env.context.timeZone);
  const lines = [
    `From: ${personName(field(data, "from"))}`,
    `Subject: ${stringIn(data, "subject") ?? "(no subject)"}`,
    date
      ? `Date: ${describeDay(date.date, env.context.today)}${date.time ? ` at ${formatTime(date.time)}` : ""}`
      : "",
  ].filter(Boolean);
  const body = clip(messageBody(data), 800);
  return `Here's the email:\n${lines.join("\n")}${body ? `\n\n${body}` : ""}`;
};

const mailSent: Summarizer = (outcome) => {
  const subject = typeof outcome.args.subject === "string" ? ` "${outcome.args.subject}"` : "";
  return `Sent the email${subject} to ${recipients(outcome.args.to)}.`;
};

const mailDraft: Summarizer = (outcome) => {
  const subject = typeof outcome.args.subject === "string" ? ` "${outcome.args.subject}"` : "";
  return `Saved a draft${subject} to ${recipients(outcome.args.to)} in Gmail. It has not been sent.`;
};

export const mailSummarizers: Record<string, Summarizer> = {
  gmail_search_messages: mailSearch,
  gmail_get_message: mailGet,
  gmail_send_message: mailSent,
  gmail_create_draft: mailDraft,
  outlook_search_messages: mailSearch,
  outlook_get_message: mailGet,
  outlook_send_message: (outcome, env) => mailSent(outcome, env).replace(/\.$/, " from Outlook."),
};
