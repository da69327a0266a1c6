import { isDelegateError } from "../../errors.js";
import { truncate } from "../../text.js";
import { type ConnectorDefinition, connectorTool } from "../connector-tool.js";
import type { ProviderClient } from "../provider-client.js";
import { postSummary } from "../shared/summaries.js";
import { slackTsToIso } from "./format.js";
import {
  listChannelsSchema,
  listUsersSchema,
  postMessageSchema,
  readChannelSchema,
  searchMessagesSchema,
} from "./schemas.js";
import {
  displayName,
  interpretSlackBody,
  listChannels,
  listUsers,
  resolveChannel,
  type SlackMessage,
  slackGet,
  slackPost,
  UserDirectory,
} from "./slack-api.js";

const MAX_TEXT = 2_000;

async function renderMessage(message: SlackMessage, users: UserDirectory, timeZone: string) {
  const { text, truncated } = truncate(await users.render(message.text ?? ""), MAX_TEXT);
  const time = slackTsToIso(message.ts, timeZone);
  return {
    ts: message.ts,
    ...(time ? { time } : {}),
    user: await users.author(message),
    text,
    ...(message.thread_ts && message.thread_ts !== message.ts ? { thread_ts: message.thread_ts } : {}),
    ...(message.reply_count ? { reply_count: message.reply_count } : {}),
    ...(truncated ? { truncated: true } : {}),
  };
}

/** Best effort: the message is already posted, so a failed permalink look-up must not fail the call. */
async function permalink(http: ProviderClient, channel: string, ts: string): Promise<string | undefined> {
  try {
    const answer = await slackGet<{ permalink?: string }>(http, "chat.getPermalink", {
      channel,
      message_ts: ts,
    });
    return answer.permalink;
  } catch (error) {
    if (isDelegateError(error)) return undefined;
    throw error;
  }
}

const listChannelsTool = connectorTool({
  name: "slack_list_channels",
  description:
    "List the Slack channels the user can see, with topic, member count and whether the user is a member.",
  schema: listChannelsSchema,
  effect: "read",
  async run(input, { http }) {
    const channels = await listChannels(http, input.limit ?? 100);
    return {
      channels: channels.map((channel) => ({
        id: channel.id,
        name: channel.name,
        ...(channel.topic?.value ? { topic: channel.topic.value } : {}),
        members: channel.num_members ?? 0,
        is_private: channel.is_private ?? false,
        is_member: channel.is_member ?? false,
      })),
    };
  },
});

const readChannelTool = connectorTool({
  name: "slack_read_channel",
  description:
    "Read the most recent messages of a Slack channel (oldest first), or the replies of one thread when thread_ts is given.",
  schema: readChannelSchema,
  effect: "read",
  async run(input, { http, timeZone }) {
    const channel = await resolveChannel(http, input.channel);
    const answer = await slackGet<{ messages?: SlackMessage[]; has_more?: boolean }>(
      http,
      input.thread_ts ? "conversations.replies" : "conversations.history",
      { channel: channel.id, ts: input.thread_ts, limit: input.limit ?? 20 },
    );
    const listed = answer.messages ?? [];
    // Slack returns history newest first (a thread's replies oldest first); a conversation reads
    // better oldest first.
    const messages = input.thread_ts ? listed : [...listed].reverse();
    const users = new UserDirectory(http);
    return {
      channel: { id: channel.id, name: channel.name },
      ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
      messages: await Promise.all(messages.map((message) => renderMessage(message, users, timeZone))),
      ...(answer.has_more ? { has_more: true } : {}),
    };
  },
});

const postMessageTool = connectorTool({
  name: "slack_post_message",
  description: "Post a message to a Slack channel as the user, or reply in a thread when thread_ts is given.",
  schema: postMessageSchema,
  effect: "write",
  targets: [{ field: "channel", kind: "slack-conversation" }],
  summarize: (input) => postSummary(input.channel, input.text, input.thread_ts),
  async run(input, { http }) {
    // Resolve first so a wrong channel name fails before anything is posted.
    const channel = await resolveChannel(http, input.channel);
    const answer = await slackPost<{ channel: string; ts: string }>(http, "chat.postMessage", {
      channel: channel.id,
      text: input.text,
      // Slack would fetch every URL in the text to preview it: a link an injected text got into
      // the message must not make Slack call it (and the preview must not show the person's data).
      unfurl_links: false,
      unfurl_media: false,
      ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
    });
    const link = await permalink(http, answer.channel, answer.ts);
    return {
      channel: answer.channel,
      channel_name: `#${channel.name}`,
      ts: answer.ts,
      ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
      ...(link ? { permalink: link } : {}),
    };
  },
});

interface SearchMatch extends SlackMessage {
  channel?: { id?: string; name?: string };
  permalink?: string;
}

const searchMessagesTool = connectorTool({
  name: "slack_search_messages",
  description:
    'Search Slack messages the user can see, newest first; supports free text and modifiers like "in:#channel" and "from:@name".',
  schema: searchMessagesSchema,
  effect: "read",
  async run(input, { http, timeZone }) {
    const answer = await slackGet<{ messages?: { total?: number; matches?: SearchMatch[] } }>(
      http,
      "search.messages",
      {
        query: input.query,
        count: input.count ?? 20,
        sort: "timestamp",
        sort_dir: "desc",
      },
    );
    const users = new UserDirectory(http);
    const matches = answer.messages?.matches ?? [];
    return {
      total: answer.messages?.total ?? matches.length,
      matches: await Promise.all(
        matches.map(async (match) => {
          const rendered = await renderMessage(match, users, timeZone);
          return {
            channel: match.channel?.name ? `#${match.channel.name}` : (match.channel?.id ?? "unknown"),
            user: rendered.user,
            text: rendered.text,
            ts: match.ts,
            ...(rendered.time ? { time: rendered.time } : {}),
            ...(match.permalink ? { permalink: match.permalink } : {}),
            ...(rendered.truncated ? { truncated: true } : {}),
          };
        }),
      ),
    };
  },
});

const listUsersTool = connectorTool({
  name: "slack_list_users",
  description: "List the people (and bots) in the Slack workspace with their names and job titles.",
  schema: listUsersSchema,
  effect: "read",
  async run(input, { http }) {
    const users = await listUsers(http, input.limit ?? 100);
    return {
      users: users.map((user) => ({
        id: user.id,
        name: user.name,
        real_name: user.real_name || user.profile?.real_name || displayName(user),
        ...(user.profile?.title ? { title: user.profile.title } : {}),
        is_bot: user.is_bot ?? false,
      })),
    };
  },
});

export const slackConnector: ConnectorDefinition = {
  id: "slack",
  defaultBaseUrl: "https://slack.com",
  interpretBody: interpretSlackBody,
  tools: [listChannelsTool, readChannelTool, postMessageTool, searchMessagesTool, listUsersTool],
};
