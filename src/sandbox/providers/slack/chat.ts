/** chat.postMessage (as the user, into a channel or a thread) and chat.getPermalink. */
import { messageObject, permalinkFor } from "./objects.js";
import type { SlackSeedMessage } from "./slack-seed.js";
import { fail, findChannel, ok, type SlackClock, type SlackMethod } from "./web-api.js";

export function chatMethods(clock: SlackClock): Record<string, SlackMethod> {
  return {
    "chat.postMessage": {
      scope: "chat:write",
      run(ws, params) {
        const channel = findChannel(ws, params.get("channel"));
        if (!channel) return fail("channel_not_found");
        if (!channel.members.includes(ws.me)) return fail("not_in_channel");
        const text = params.get("text") ?? "";
        if (!text.trim()) return fail("no_text");
        if (text.length > 40_000) return fail("msg_too_long");
        const threadTs = params.get("thread_ts") || undefined;
        if (threadTs) {
          const parent = ws.messages.find((m) => m.channel === channel.id && m.ts === threadTs);
          if (!parent) return fail("thread_not_found");
        }
        // Replies always hang off the thread's root, as in Slack.
        const root = threadTs
          ? (ws.messages.find((m) => m.ts === threadTs)?.thread_ts ?? threadTs)
          : undefined;
        const message: SlackSeedMessage = {
          channel: channel.id,
          ts: clock.nextTs(),
          user: ws.me,
          text,
          ...(root ? { thread_ts: root } : {}),
          ...unfurl(params.get("unfurl_links"), "unfurl_links"),
          ...unfurl(params.get("unfurl_media"), "unfurl_media"),
        };
        ws.messages.push(message);
        return ok({ channel: channel.id, ts: message.ts, message: messageObject(ws, message) });
      },
    },
    "chat.getPermalink": {
      run(ws, params) {
        const channel = findChannel(ws, params.get("channel"));
        if (!channel) return fail("channel_not_found");
        const message = ws.messages.find(
          (m) => m.channel === channel.id && m.ts === params.get("message_ts"),
        );
        if (!message) return fail("message_not_found");
        return ok({ channel: channel.id, permalink: permalinkFor(ws, message) });
      },
    },
  };
}

/** Records an `unfurl_*` flag as Slack reads it (`true`/`false`, or `1`/`0` in form posts). */
function unfurl<K extends "unfurl_links" | "unfurl_media">(
  value: string | undefined,
  key: K,
): Partial<Record<K, boolean>> {
  if (value === undefined || value === "") return {};
  return { [key]: value === "true" || value === "1" } as Partial<Record<K, boolean>>;
}
