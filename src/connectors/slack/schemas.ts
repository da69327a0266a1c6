import { z } from "zod";

const channelRef = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('Channel as "#name" (e.g. "#engineering") or a channel id (e.g. "C04ENGINEER").');

const slackTs = z
  .string()
  .trim()
  .regex(/^\d{9,11}\.\d{1,6}$/, 'a Slack message timestamp such as "1718000000.000100"');

export const listChannelsSchema = z.object({
  limit: z
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .describe("Maximum number of channels to return (default 100)."),
});

export const readChannelSchema = z.object({
  channel: channelRef,
  limit: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe("How many of the most recent messages to return (default 20)."),
  thread_ts: slackTs
    .optional()
    .describe(
      "Read the replies of this thread (the parent message's ts) instead of the channel's latest messages.",
    ),
});

export const postMessageSchema = z.object({
  channel: channelRef,
  text: z
    .string()
    .min(1)
    .max(40_000)
    .describe("The message text; Slack markdown (*bold*, _italic_, `code`) is allowed."),
  thread_ts: slackTs
    .optional()
    .describe("Reply in the thread of this parent message ts instead of posting to the channel."),
});

export const searchMessagesSchema = z.object({
  query: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .describe(
      'Slack search query: free text plus modifiers such as "in:#launch", "from:@sam", "after:2025-01-31".',
    ),
  count: z
    .number()
    .int()
    .min(1)
    .max(50)
    .optional()
    .describe("Maximum number of matches to return (default 20)."),
});

export const listUsersSchema = z.object({
  limit: z
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .describe("Maximum number of people to return (default 100)."),
});
