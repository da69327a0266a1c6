import { field, listIn, stringIn } from "../plan.js";
import { truncate } from "../text.js";
import { bulletList, plural, type Summarizer } from "./common.js";

const hash = (name: string): string =>
  name.startsWith("#") || /^[CGD][A-Z0-9]{6,}$/.test(name) ? name : `#${name}`;

const slackChannels: Summarizer = (outcome, env) => {
  const channels = listIn(outcome.data, "channels", "items");
  if (!channels.length) return "I found no Slack channels.";
  const lines = channels.map((channel) => {
    const about =
      stringIn(channel, "topic", "purpose") ??
      stringIn(field(channel, "topic"), "value") ??
      stringIn(field(channel, "purpose"), "value");
    const members =
      typeof channel.num_members === "number" ? ` (${plural(channel.num_members, "member")})` : "";
    return `${hash(stringIn(channel, "name", "id") ?? "?")}${about ? ` — ${truncate(about, 80)}` : ""}${members}`;
  });
  return `Your Slack channels:\n${bulletList(lines, env)}`;
};

function slackAuthor(message: Record<string, unknown>): string {
  return stringIn(message, "user_name", "username", "real_name", "author", "user") ?? "someone";
}

const slackRead: Summarizer = (outcome, env) => {
  const name =
    stringIn(field(outcome.data, "channel"), "name") ?? stringIn(outcome.args, "channel") ?? "the channel";
  const messages = listIn(outcome.data, "messages");
  if (!messages.length) return `Nothing new in ${hash(name)}.`;
  const lines = messages.map(
    (message) => `${slackAuthor(message)}: ${truncate(stringIn(message, "text") ?? "", 160)}`,
  );
  return `Latest in ${hash(name)}:\n${bulletList(lines, env)}`;
};

const slackPosted: Summarizer = (outcome) => {
  const channel = hash(stringIn(outcome.args, "channel") ?? "the channel");
  const posted = stringIn(outcome.args, "text") ?? "";
  if (posted.length <= 80 && !posted.includes("\n")) return `Posted "${posted}" to ${channel} on Slack.`;
  return `Posted the summary to ${channel} on Slack.`;
};

const slackSearch: Summarizer = (outcome, env) => {
  const query = stringIn(outcome.args, "query") ?? "";
  const matches = listIn(outcome.data, "matches", "messages");
  if (!matches.length) return `I found nothing on Slack matching "${query}".`;
  const lines = matches.map((match) => {
    const channel = stringIn(match, "channel") ?? stringIn(field(match, "channel"), "name");
    return `${channel ? `${hash(channel)} · ` : ""}${slackAuthor(match)}: ${truncate(stringIn(match, "text") ?? "", 140)}`;
  });
  return `Slack messages matching "${query}":\n${bulletList(lines, env)}`;
};

const slackUsers: Summarizer = (outcome, env) => {
  const users = listIn(outcome.data, "users", "members");
  if (!users.length) return "I found no people in your Slack workspace.";
  const lines = users.map((user) => {
    const real = stringIn(user, "real_name", "display_name") ?? stringIn(field(user, "profile"), "real_name");
    const handle = stringIn(user, "name");
    const title = stringIn(user, "title") ?? stringIn(field(user, "profile"), "title");
    const name =
      real && handle && real !== handle
        ? `${real} (@${handle})`
        : (real ?? (handle ? `@${handle}` : "someone"));
    return `${name}${title ? ` — ${title}` : ""}`;
  });
  return `People in your Slack workspace (${users.length}):\n${bulletList(lines, env)}`;
};

export const slackSummarizers: Record<string, Summarizer> = {
  slack_list_channels: slackChannels,
  slack_read_channel: slackRead,
  slack_post_message: slackPosted,
  slack_search_messages: slackSearch,
  slack_list_users: slackUsers,
};
