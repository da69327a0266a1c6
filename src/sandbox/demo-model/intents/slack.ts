import { type Matcher, plan, text } from "../plan.js";
import { singularizeWord, stripArticles, unquote } from "../text.js";

/** Documented requests the offline demo model understands for Slack. */
export const examples: string[] = [
  "list my Slack channels",
  "what's new in #engineering",
  "post 'deploy is done' to #team on Slack",
  "search Slack for launch",
  "who is on Slack",
];

const CHANNEL = "(#[\\w.-]+)";
const ON_SLACK = "(?:\\s+(?:on|in|via)\\s+slack)?";
const SHARE_OBJECT =
  "(?:it|that|this|them|those|these|(?:a|the)\\s+summary(?:\\s+of\\s+(?:it|that|them|this))?)";
const SHARE = new RegExp(
  `^(?:and\\s+)?(?:then\\s+)?(?:post|send|share|put|forward)\\s+${SHARE_OBJECT}\\s+(?:to|in|on|with)\\s+${CHANNEL}${ON_SLACK}$`,
  "i",
);

/**
 * "post it to #team": a request that needs the result of the clause before it. Returns the
 * channel, or undefined when the request is not of that form.
 */
export function matchShare(request: string): string | undefined {
  return SHARE.exec(request)?.[1];
}

const post: Matcher = (request) => {
  const quoted = new RegExp(
    `^(?:post|send|say|write|share)\\s+(?:a\\s+message\\s+)?(['"])(.+)\\1\\s+(?:to|in|on)\\s+${CHANNEL}${ON_SLACK}$`,
    "i",
  ).exec(request);
  const saying = new RegExp(
    `^(?:post|send|write)\\s+(?:a\\s+)?(?:slack\\s+)?message\\s+(?:to|in)\\s+${CHANNEL}${ON_SLACK}\\s+(?:saying|that\\s+says)\\s+(.+)$`,
    "i",
  ).exec(request);
  const tell = new RegExp(`^(?:tell|let)\\s+${CHANNEL}\\s+(?:know\\s+)?(?:that\\s+)?(.+)$`, "i").exec(
    request,
  );
  const plain = new RegExp(`^(?:post|say)\\s+(.+?)\\s+(?:to|in)\\s+${CHANNEL}${ON_SLACK}$`, "i").exec(
    request,
  );
  const channel = quoted?.[3] ?? saying?.[1] ?? tell?.[1] ?? plain?.[2];
  const message = quoted?.[2] ?? saying?.[2] ?? tell?.[2] ?? plain?.[1];
  if (!channel || !message) return null;
  const body = unquote(message);
  return plan(`I'll post "${body}" to ${channel} on Slack.`, [
    { name: "slack_post_message", args: { channel, text: body } },
  ]);
};

const listChannels: Matcher = (request) => {
  const asked =
    (/\bslack\b/i.test(request) && /\bchannels\b/i.test(request)) ||
    /^(?:list|show|what\s+are)\s+(?:me\s+)?(?:my\s+|the\s+|all\s+)?channels$/i.test(request);
  if (!asked) return null;
  return plan("Let me list your Slack channels.", [{ name: "slack_list_channels", args: {} }]);
};

const readChannel: Matcher = (request) => {
  const match = new RegExp(
    `^(?:what'?s\\s+(?:new|happening|going\\s+on|up)|whats\\s+new|catch\\s+me\\s+up|read|show|check|anything\\s+new|summari[sz]e|what\\s+happened)\\b.*?${CHANNEL}`,
    "i",
  ).exec(request);
  const channel = match?.[1];
  if (!channel) return null;
  return plan(`Let me read the latest messages in ${channel}.`, [
    { name: "slack_read_channel", args: { channel, limit: 10 } },
  ]);
};

const search: Matcher = (request) => {
  const match =
    /^(?:search|look)\s+(?:through\s+|in\s+)?slack\s+for\s+(.+)$/i.exec(request) ??
    /^(?:search|look)\s+(?:for\s+)?(.+?)\s+(?:in|on)\s+slack$/i.exec(request);
  const raw = match?.[1];
  if (!raw) return null;
  const query = singularizeWord(stripArticles(unquote(raw)));
  return plan(`Searching Slack for "${query}".`, [
    { name: "slack_search_messages", args: { query, count: 10 } },
  ]);
};

const listUsers: Matcher = (request) => {
  const asked =
    /\bwho(?:'s|\s+is|\s+are)\s+(?:on|in)\s+(?:our\s+|the\s+|my\s+)?slack\b/i.test(request) ||
    /\bslack\s+(?:users|members|people|team\s+members|workspace\s+members)\b/i.test(request) ||
    /^(?:list|show)\s+(?:me\s+)?(?:the\s+|all\s+)?(?:users|members|people)\s+(?:on|in)\s+slack$/i.test(
      request,
    );
  if (!asked) return null;
  return plan("Let me list the people in your Slack workspace.", [{ name: "slack_list_users", args: {} }]);
};

const shareAlone: Matcher = (request) => {
  const channel = matchShare(request);
  if (!channel) return null;
  return text(
    `Post what to ${channel}? Ask for something and say "post it to ${channel}" in the same request, e.g. "what's on my calendar tomorrow? post it to ${channel} on Slack".`,
  );
};

// "post it" alone first, then posting: a message text may contain words the readers react to.
export const matchers: Matcher[] = [shareAlone, post, listUsers, listChannels, search, readChannel];
