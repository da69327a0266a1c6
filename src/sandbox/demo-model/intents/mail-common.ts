import { listIn, type Matcher, plan, type Reply, stringIn, text } from "../plan.js";
import { capitalize, findEmails, singularizeWord, stripArticles, truncate, unquote } from "../text.js";

/** How one mail provider names its tools and arguments; Gmail and Outlook share the phrasing. */
export interface MailProvider {
  label: string;
  searchTool: string;
  getTool: string;
  sendTool: string;
  draftTool?: string;
  searchArgs(search: {
    text?: string;
    from?: string;
    unread?: boolean;
    max: number;
  }): Record<string, unknown>;
}

export interface ComposedEmail {
  to: string[];
  cc?: string[];
  subject: string;
  body: string;
}

/** Parses "<recipients> [about <subject>] saying <body>". */
export function parseComposition(rest: string): ComposedEmail | { problem: string } {
  const full =
    /^(.+?)(?:\s+(?:about|regarding|re:?|with\s+(?:the\s+)?subject)\s+(.+?))?\s+(?:saying|that\s+says|to\s+say|with\s+(?:the\s+)?(?:body|message|text))\s*:?\s+(.+)$/i.exec(
      rest,
    );
  const subjectOnly = full ? undefined : /^(.+?)\s+(?:about|regarding)\s+(.+)$/i.exec(rest);
  const recipients = full?.[1] ?? subjectOnly?.[1] ?? rest;
  const [toPart = "", ccPart = ""] = recipients.split(/\s+(?:and\s+)?cc:?\s+/i);
  const to = findEmails(toPart);
  if (!to.length) {
    return {
      problem: `I need an email address to write to — the offline demo model doesn't look up contacts. For example: "email sam@example.com about lunch saying see you at noon".`,
    };
  }
  if (!full) {
    return {
      problem: `What should the email say? For example: "email ${to[0]} about ${subjectOnly?.[2] ?? "lunch"} saying see you at noon".`,
    };
  }
  const body = capitalize(unquote(full[3] ?? ""));
  const subject = full[2] ? capitalize(unquote(full[2])) : capitalize(truncate(body, 60));
  const cc = findEmails(ccPart);
  return cc.length ? { to, cc, subject, body } : { to, subject, body };
}

const COMPOSE_VERB =
  /^(?:send\s+(?:an?\s+)?(?:e-?mail|mail|message)\s+to|e-?mail|mail|write\s+(?:an?\s+)?(?:e-?mail\s+)?to)\s+(.+)$/i;
const DRAFT_VERB =
  /^(?:draft|prepare|create|write)\s+(?:an?\s+)?(?:draft|draft\s+e-?mail|e-?mail\s+draft|draft\s+message)?\s*(?:e-?mail\s+)?to\s+(.+)$/i;
const DRAFT_START = /^(?:draft\b|(?:prepare|create|write)\s+(?:an?\s+)?(?:e-?mail\s+)?draft\b)/i;

function composeArgs(email: ComposedEmail): Record<string, unknown> {
  return { to: email.to, ...(email.cc ? { cc: email.cc } : {}), subject: email.subject, body: email.body };
}

/** "email x@y about … saying …" and "draft an email to x@y about … saying …". */
export function composeMatchers(provider: MailProvider): Matcher[] {
  const draft: Matcher = (request) => {
    if (!provider.draftTool || !DRAFT_START.test(request)) return null;
    const rest = DRAFT_VERB.exec(request)?.[1];
    if (!rest) return null;
    const email = parseComposition(rest);
    if ("problem" in email) return text(email.problem);
    return plan(`I'll save a draft to ${email.to.join(", ")} in ${provider.label}; it won't be sent.`, [
      { name: provider.draftTool, args: composeArgs(email) },
    ]);
  };
  const send: Matcher = (request) => {
    if (DRAFT_START.test(request)) return null;
    const rest = COMPOSE_VERB.exec(request)?.[1];
    // "send a message to #general" is for Slack.
    if (!rest || rest.startsWith("#")) return null;
    const email = parseComposition(rest);
    if ("problem" in email) return text(email.problem);
    return plan(`I'll send the email to ${email.to.join(", ")} from ${provider.label}.`, [
      { name: provider.sendTool, args: composeArgs(email) },
    ]);
  };
  return [draft, send];
}

/** "Dana" → "dana"; an address stays an address. */
function senderToken(raw: string): string {
  const email = findEmails(raw)[0];
  if (email) return email.toLowerCase();
  return (stripArticles(unquote(raw)).split(/\s+/)[0] ?? raw).toLowerCase();
}

function displaySender(raw: string): string {
  const email = findEmails(raw)[0];
  return email ?? capitalize(senderToken(raw));
}

/** Reading: the latest email from someone, unread mail, searches. */
export function readMatchers(provider: MailProvider): Matcher[] {
  const latestFrom: Matcher = (request) => {
    const match =
      /^(?:read|show|open|get|what(?:'s|\s+is)|find)\s+(?:me\s+)?(?:the\s+|my\s+)?(?:latest|last|newest|most\s+recent)\s+(?:e-?mail|mail|message)\s+from\s+(.+)$/i.exec(
        request,
      );
    if (!match?.[1]) return null;
    const who = displaySender(match[1]);
    return plan(
      `Looking for the latest email from ${who} in ${provider.label}.`,
      [
        {
          name: provider.searchTool,
          args: provider.searchArgs({ from: senderToken(match[1]), max: 1 }),
          quiet: true,
        },
      ],
      (outcomes): Reply => {
        const found = outcomes.find((outcome) => outcome.name === provider.searchTool && outcome.ok);
        const first = listIn(found?.data, "messages", "items", "value")[0];
        const id = stringIn(first, "id", "message_id");
        if (!id) return text(`I didn't find any email from ${who} in your ${provider.label}.`);
        return plan("Opening it.", [{ name: provider.getTool, args: { message_id: id } }]);
      },
    );
  };
  const unread: Matcher = (request) => {
    const mailWord = /\b(?:e-?mails?|mail|inbox|messages?)\b/i.test(request);
    const unreadAsked = /\bunread\b/i.test(request) && mailWord;
    const check = /^(?:check|show|read)\s+(?:me\s+)?(?:my\s+)?(?:new\s+)?(?:e-?mails?|mail|inbox)$/i.test(
      request,
    );
    const anyNew = /^(?:do\s+i\s+have\s+any|any)\s+new\s+(?:e-?mails?|mail|messages)$/i.test(request);
    if (!unreadAsked && !check && !anyNew) return null;
    return plan(`Let me check your unread ${provider.label} messages.`, [
      { name: provider.searchTool, args: provider.searchArgs({ unread: true, max: 10 }) },
    ]);
  };
  const search: Matcher = (request) => {
    const match =
      /^(?:search|look|dig)\s+(?:through\s+|in\s+)?(?:my\s+)?(?:e-?mails?|mail|inbox|mailbox)\s+for\s+(.+)$/i.exec(
        request,
      ) ??
      /^find\s+(?:my\s+|the\s+|any\s+)?(?:e-?mails?|mails?|messages)\s+(?:about|mentioning|with|on|regarding|containing)\s+(.+)$/i.exec(
        request,
      );
    if (!match?.[1]) return null;
    const query = singularizeWord(stripArticles(unquote(match[1])));
    return plan(`Searching your ${provider.label} for "${query}".`, [
      { name: provider.searchTool, args: provider.searchArgs({ text: query, max: 10 }) },
    ]);
  };
  const fromSomeone: Matcher = (request) => {
    const match =
      /^(?:show|find|list|get|search)\s+(?:me\s+)?(?:my\s+|the\s+|all\s+)?(?:e-?mails?|mails?|messages)\s+from\s+(.+)$/i.exec(
        request,
      );
    if (!match?.[1]) return null;
    return plan(`Searching your ${provider.label} for email from ${displaySender(match[1])}.`, [
      { name: provider.searchTool, args: provider.searchArgs({ from: senderToken(match[1]), max: 10 }) },
    ]);
  };
  return [latestFrom, unread, search, fromSomeone];
}
