/** conversations.list, .info, .history and .replies. */
import type { ProviderHttpResponse } from "../provider-emulator.js";
import { channelObject, messageObject } from "./objects.js";
import type { SlackSeedMessage } from "./slack-seed.js";
import { canSee, fail, findChannel, ok, paginate, type SlackMethod, type Workspace } from "./web-api.js";

export function conversationMethods(): Record<string, SlackMethod> {
  return {
    "conversations.list": {
      scope: "channels:read",
      run(ws, params) {
        const types = (params.get("types") || "public_channel").split(",").map((type) => type.trim());
        if (types.some((type) => !["public_channel", "private_channel", "mpim", "im"].includes(type))) {
          return fail("invalid_types");
        }
        const visible = ws.channels.filter(
          (channel) =>
            (channel.is_private ? types.includes("private_channel") : types.includes("public_channel")) &&
            canSee(ws, channel),
        );
        const page = paginate(visible, params, 100);
        if ("error" in page) return fail(page.error);
        return ok({
          channels: page.items.map((c) => channelObject(ws, c)),
          response_metadata: { next_cursor: page.next },
        });
      },
    },
    "conversations.info": {
      scope: "channels:read",
      run(ws, params) {
        const channel = findChannel(ws, params.get("channel"));
        if (!channel) return fail("channel_not_found");
        return ok({ channel: channelObject(ws, channel) });
      },
    },
    "conversations.history": {
      scope: "channels:history",
      run(ws, params) {
        const channel = findChannel(ws, params.get("channel"));
        if (!channel) return fail("channel_not_found");
        const oldest = Number(params.get("oldest") ?? 0);
        const latest = Number(params.get("latest") ?? Number.POSITIVE_INFINITY);
        const top = ws.messages
          .filter((m) => m.channel === channel.id && (!m.thread_ts || m.thread_ts === m.ts))
          .filter((m) => Number(m.ts) > oldest && Number(m.ts) < latest)
          .sort((a, b) => Number(b.ts) - Number(a.ts));
        const page = paginate(top, params, 100);
        if ("error" in page) return fail(page.error);
        return messagePage(ws, page, { pin_count: 0 });
      },
    },
    "conversations.replies": {
      scope: "channels:history",
      run(ws, params) {
        const channel = findChannel(ws, params.get("channel"));
        if (!channel) return fail("channel_not_found");
        const ts = params.get("ts");
        const parent = ws.messages.find((m) => m.channel === channel.id && m.ts === ts);
        if (!parent) return fail("thread_not_found");
        const thread = ws.messages
          .filter((m) => m.channel === channel.id && (m.ts === parent.ts || m.thread_ts === parent.ts))
          .sort((a, b) => Number(a.ts) - Number(b.ts));
        const page = paginate(thread, params, 1000);
        if ("error" in page) return fail(page.error);
        return messagePage(ws, page);
      },
    },
  };
}

/** A page of a channel's history or of a thread, as both methods answer it. */
function messagePage(
  ws: Workspace,
  page: { items: SlackSeedMessage[]; next: string },
  extra: Record<string, unknown> = {},
): ProviderHttpResponse {
  return ok({
    messages: page.items.map((m) => messageObject(ws, m)),
    has_more: page.next !== "",
    ...extra,
    response_metadata: { next_cursor: page.next },
  });
}
