import { Code } from "@connectrpc/connect";
import type { ConnectionNames } from "../connectors/registry.js";
import { type HostedTool, HostedToolError } from "./scalekit/index.js";

/**
 * A small catalog of Scalekit-hosted tools, with Scalekit's names and input shapes, for the
 * sandbox. Like Scalekit, each tool calls the provider's API with the user's live token; here
 * that API is the sandbox's provider emulator, so the tools see the same seeded data.
 */
export function createHostedCatalog(providerUrl: string, names: ConnectionNames): HostedTool[] {
  const call = async (
    accessToken: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<unknown> => {
    const response = await fetch(`${providerUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : {};
    const slackError =
      (parsed as { ok?: boolean; error?: string }).ok === false
        ? (parsed as { error?: string }).error
        : undefined;
    if (response.status === 401 || slackError === "invalid_auth" || slackError === "token_revoked") {
      throw new HostedToolError(
        Code.Unauthenticated,
        "UNAUTHORIZED",
        "The provider rejected the access token.",
      );
    }
    if (response.status === 404 || slackError?.endsWith("_not_found")) {
      throw new HostedToolError(Code.NotFound, "NOT_FOUND", `Not found: ${slackError ?? path}`);
    }
    if (response.status === 429)
      throw new HostedToolError(Code.ResourceExhausted, "RATE_LIMITED", "Rate limited by the provider.");
    if (!response.ok || slackError) {
      throw new HostedToolError(
        Code.InvalidArgument,
        "PROVIDER_ERROR",
        `The provider refused the request: ${slackError ?? response.status}`,
      );
    }
    return parsed;
  };
  const object = (properties: Record<string, unknown>, required: string[] = []) => ({
    type: "object",
    properties,
    required,
    additionalProperties: false,
  });

  return [
    {
      connection: names.gmail,
      provider: "GMAIL",
      definition: {
        name: "gmail_fetch_mails",
        description:
          "Fetch emails from the user's Gmail inbox, optionally filtered with a Gmail search query.",
        input_schema: object({
          query: { type: "string", description: "Gmail search query, e.g. is:unread or from:dana" },
          max_results: {
            type: "integer",
            description: "How many emails to return (1-50)",
            minimum: 1,
            maximum: 50,
          },
        }),
        annotations: { read_only_hint: true },
      },
      async execute({ accessToken, params }) {
        const query = new URLSearchParams({
          q: String(params.query ?? ""),
          maxResults: String(params.max_results ?? 10),
        });
        const list = (await call(accessToken, "GET", `/gmail/v1/users/me/messages?${query}`)) as {
          messages?: { id: string }[];
        };
        const messages = await Promise.all(
          (list.messages ?? []).map(async ({ id }) => {
            const message = (await call(
              accessToken,
              "GET",
              `/gmail/v1/users/me/messages/${id}?format=metadata`,
            )) as {
              snippet?: string;
              payload?: { headers?: { name: string; value: string }[] };
            };
            const header = (name: string) =>
              message.payload?.headers?.find((h) => h.name.toLowerCase() === name)?.value;
            return {
              id,
              from: header("from"),
              subject: header("subject"),
              date: header("date"),
              snippet: message.snippet,
            };
          }),
        );
        return { messages };
      },
    },
    {
      connection: names["google-calendar"],
      provider: "GOOGLECALENDAR",
      definition: {
        name: "googlecalendar_list_events",
        description: "List events from the user's primary Google Calendar in a time range.",
        input_schema: object({
          time_min: { type: "string", description: "RFC 3339 lower bound, e.g. 2026-11-26T00:00:00Z" },
          time_max: { type: "string", description: "RFC 3339 upper bound" },
          max_results: { type: "integer", minimum: 1, maximum: 50 },
        }),
        annotations: { read_only_hint: true },
      },
      async execute({ accessToken, params }) {
        const now = new Date();
        const query = new URLSearchParams({
          timeMin: String(params.time_min ?? now.toISOString()),
          timeMax: String(params.time_max ?? new Date(now.getTime() + 7 * 86_400_000).toISOString()),
          singleEvents: "true",
          orderBy: "startTime",
          maxResults: String(params.max_results ?? 25),
        });
        const list = (await call(accessToken, "GET", `/calendar/v3/calendars/primary/events?${query}`)) as {
          items?: { id: string; summary?: string; start?: unknown; end?: unknown; location?: string }[];
        };
        return {
          events: (list.items ?? []).map((item) => ({
            id: item.id,
            summary: item.summary,
            start: item.start,
            end: item.end,
            location: item.location,
          })),
        };
      },
    },
    {
      connection: names.slack,
      provider: "SLACK",
      definition: {
        name: "slack_send_message",
        description: "Send a message to a Slack channel (by channel id or #name).",
        input_schema: object(
          {
            channel: { type: "string", description: "Channel id or #name" },
            text: { type: "string", description: "Message text" },
          },
          ["channel", "text"],
        ),
        annotations: { destructive_hint: false, read_only_hint: false },
      },
      async execute({ accessToken, params }) {
        const result = (await call(accessToken, "POST", "/api/chat.postMessage", {
          channel: String(params.channel ?? "").replace(/^#/, ""),
          text: params.text,
        })) as { channel?: string; ts?: string };
        return { ok: true, channel: result.channel, ts: result.ts };
      },
    },
    {
      connection: names.slack,
      provider: "SLACK",
      definition: {
        name: "slack_list_channels",
        description: "List the Slack channels in the user's workspace.",
        input_schema: object({ limit: { type: "integer", minimum: 1, maximum: 200 } }),
        annotations: { read_only_hint: true },
      },
      async execute({ accessToken, params }) {
        const result = (await call(
          accessToken,
          "GET",
          `/api/conversations.list?limit=${Number(params.limit ?? 100)}`,
        )) as {
          channels?: { id: string; name: string }[];
        };
        return {
          channels: (result.channels ?? []).map((channel) => ({ id: channel.id, name: channel.name })),
        };
      },
    },
    {
      connection: names.notion,
      provider: "NOTION",
      definition: {
        name: "notion_page_search",
        description: "Search pages in the user's Notion workspace by title.",
        input_schema: object({
          query: { type: "string" },
          page_size: { type: "integer", minimum: 1, maximum: 50 },
        }),
        annotations: { read_only_hint: true },
      },
      async execute({ accessToken, params }) {
        const result = (await call(accessToken, "POST", "/v1/search", {
          query: params.query ?? "",
          page_size: params.page_size ?? 10,
        })) as { results?: { id: string; object: string; url?: string }[] };
        return {
          results: (result.results ?? []).map((item) => ({
            id: item.id,
            object: item.object,
            url: item.url,
          })),
        };
      },
    },
  ];
}
