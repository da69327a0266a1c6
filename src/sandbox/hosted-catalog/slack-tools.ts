import { annotations, CREATE, READ, type ToolSpec } from "./catalog-support.js";
import { boolean, integer, objectSchema, string, stringEnum } from "./json-schema.js";

interface SlackMessage {
  ts: string;
  user?: string;
  text?: string;
  thread_ts?: string;
  reply_count?: number;
}

interface SlackPage {
  response_metadata?: { next_cursor?: string };
}

const channel = string("Channel id (C…) or name, e.g. #team");
const cursor = string("Cursor from a previous call's next_cursor");

export const slackTools: ToolSpec[] = [
  {
    name: "slack_send_message",
    description: "Send a message to a Slack channel (by channel id or #name), optionally in a thread.",
    input: objectSchema(
      {
        channel,
        text: string("Message text"),
        thread_ts: string("Timestamp of the parent message, to reply in its thread"),
      },
      ["channel", "text"],
    ),
    annotations: annotations("Send Slack message", CREATE),
    async run(input, api) {
      const threadTs = input.string("thread_ts");
      const result = (await api("/api/chat.postMessage", {
        method: "POST",
        body: {
          channel: input.required("channel").replace(/^#/, ""),
          text: input.required("text"),
          ...(threadTs && { thread_ts: threadTs }),
        },
      })) as { channel?: string; ts?: string };
      return { ok: true, channel: result.channel, ts: result.ts };
    },
  },
  {
    name: "slack_list_channels",
    description: "List the Slack channels in the user's workspace that the user can see.",
    input: objectSchema({
      limit: integer("Channels per page (1-1000)", 1, 1000),
      cursor,
      types: string("Comma-separated: public_channel (default), private_channel"),
      exclude_archived: boolean("Leave out archived channels"),
    }),
    annotations: annotations("List Slack channels", READ),
    async run(input, api) {
      const result = (await api("/api/conversations.list", {
        query: {
          limit: input.number("limit") ?? 100,
          cursor: input.string("cursor"),
          types: input.string("types"),
          exclude_archived: input.boolean("exclude_archived"),
        },
      })) as SlackPage & {
        channels?: {
          id: string;
          name: string;
          is_private?: boolean;
          is_member?: boolean;
          num_members?: number;
          topic?: { value?: string };
          purpose?: { value?: string };
        }[];
      };
      return {
        channels: (result.channels ?? []).map((c) => ({
          id: c.id,
          name: c.name,
          is_private: c.is_private ?? false,
          is_member: c.is_member ?? false,
          num_members: c.num_members,
          topic: c.topic?.value,
          purpose: c.purpose?.value,
        })),
        ...nextCursor(result),
      };
    },
  },
  {
    name: "slack_fetch_conversation_history",
    description: "Fetch the latest messages of a Slack channel, newest first.",
    input: objectSchema(
      {
        channel,
        limit: integer("Messages per page (1-1000)", 1, 1000),
        cursor,
        oldest: string("Only messages after this Unix timestamp"),
        latest: string("Only messages before this Unix timestamp"),
      },
      ["channel"],
    ),
    annotations: annotations("Fetch conversation history", READ),
    async run(input, api) {
      const result = (await api("/api/conversations.history", {
        query: {
          channel: input.required("channel"),
          limit: input.number("limit") ?? 20,
          cursor: input.string("cursor"),
          oldest: input.string("oldest"),
          latest: input.string("latest"),
        },
      })) as SlackPage & { messages?: SlackMessage[]; has_more?: boolean };
      return {
        messages: (result.messages ?? []).map((m) => ({
          ts: m.ts,
          user: m.user,
          text: m.text,
          ...(m.thread_ts && { thread_ts: m.thread_ts }),
          ...(m.reply_count && { reply_count: m.reply_count }),
        })),
        has_more: result.has_more ?? false,
        ...nextCursor(result),
      };
    },
  },
  {
    name: "slack_search_messages",
    description:
      "Search Slack messages the user can see. Supports in:#channel, from:@name, before:/after: dates and quoted phrases.",
    input: objectSchema(
      {
        query: string("Search query"),
        count: integer("Results per page (1-100)", 1, 100),
        page: integer("Page number, from 1", 1),
        sort: stringEnum(["timestamp", "score"], "Sort field"),
        sort_dir: stringEnum(["asc", "desc"], "Sort direction (default desc)"),
      },
      ["query"],
    ),
    annotations: annotations("Search Slack messages", READ),
    async run(input, api) {
      const result = (await api("/api/search.messages", {
        query: {
          query: input.required("query"),
          count: input.number("count"),
          page: input.number("page"),
          sort: input.string("sort"),
          sort_dir: input.string("sort_dir"),
        },
      })) as {
        messages?: {
          total?: number;
          paging?: { page?: number; pages?: number };
          matches?: (SlackMessage & {
            username?: string;
            permalink?: string;
            channel?: { id: string; name: string };
          })[];
        };
      };
      const found = result.messages;
      return {
        total: found?.total ?? 0,
        page: found?.paging?.page ?? 1,
        pages: found?.paging?.pages ?? 1,
        matches: (found?.matches ?? []).map((m) => ({
          ts: m.ts,
          user: m.user,
          username: m.username,
          text: m.text,
          channel: m.channel ? { id: m.channel.id, name: m.channel.name } : undefined,
          permalink: m.permalink,
        })),
      };
    },
  },
  {
    name: "slack_list_users",
    description: "List the members of the user's Slack workspace.",
    input: objectSchema({ limit: integer("Users per page (1-1000)", 1, 1000), cursor }),
    annotations: annotations("List Slack users", READ),
    async run(input, api) {
      const result = (await api("/api/users.list", {
        query: { limit: input.number("limit"), cursor: input.string("cursor") },
      })) as SlackPage & {
        members?: {
          id: string;
          name: string;
          real_name?: string;
          tz?: string;
          is_bot?: boolean;
          profile?: { display_name?: string; title?: string };
        }[];
      };
      return {
        members: (result.members ?? []).map((u) => ({
          id: u.id,
          name: u.name,
          real_name: u.real_name,
          display_name: u.profile?.display_name,
          title: u.profile?.title,
          tz: u.tz,
          is_bot: u.is_bot ?? false,
        })),
        ...nextCursor(result),
      };
    },
  },
];

function nextCursor(page: SlackPage): { next_cursor?: string } {
  const next = page.response_metadata?.next_cursor;
  return next ? { next_cursor: next } : {};
}
