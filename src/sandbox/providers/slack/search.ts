/** search.messages, with the parts of Slack's search syntax people type. */
import { permalinkFor } from "./objects.js";
import type { SlackSeedChannel, SlackSeedMessage } from "./slack-seed.js";
import { canSee, fail, ok, type SlackClock, type SlackMethod, type Workspace } from "./web-api.js";

export function searchMethods(clock: SlackClock): Record<string, SlackMethod> {
  return {
    "search.messages": {
      scope: "search:read",
      run(ws, params) {
        const query = params.get("query")?.trim();
        if (!query) return fail("no_query");
        const count = Math.min(Math.max(Number(params.get("count") ?? 20) || 20, 1), 100);
        const page = Math.max(Number(params.get("page") ?? 1) || 1, 1);
        const ascending = params.get("sort_dir") === "asc";
        const found = search(ws, query, clock.now()).sort(
          (a, b) => (Number(a.ts) - Number(b.ts)) * (ascending ? 1 : -1),
        );
        const matches = found.slice((page - 1) * count, page * count).map((m) => {
          const channel = ws.channels.find((c) => c.id === m.channel) as SlackSeedChannel;
          const author = ws.users.find((u) => u.id === m.user);
          return {
            iid: `${m.channel}-${m.ts}`,
            team: ws.team.id,
            type: "message",
            user: m.user,
            username: author?.name ?? m.user,
            ts: m.ts,
            text: m.text,
            permalink: permalinkFor(ws, m),
            channel: {
              id: channel.id,
              name: channel.name,
              is_channel: !channel.is_private,
              is_group: false,
              is_im: false,
              is_mpim: false,
              is_private: channel.is_private,
              is_shared: false,
            },
          };
        });
        const pages = Math.max(1, Math.ceil(found.length / count));
        return ok({
          query,
          messages: {
            total: found.length,
            matches,
            paging: { count, total: found.length, page, pages },
            pagination: {
              total_count: found.length,
              page,
              per_page: count,
              page_count: pages,
              first: Math.min(found.length, (page - 1) * count + 1),
              last: Math.min(found.length, page * count),
            },
          },
        });
      },
    },
  };
}

/**
 * A small subset of Slack's search syntax: `in:#channel` (or `in:<#C1|name>`), `from:@name`
 * (handle, display name or first name; `from:me`), `before:`/`after:`/`on:` dates, quoted
 * phrases, and free words that must all appear in the text.
 */
function search(ws: Workspace, query: string, now: Date): SlackSeedMessage[] {
  const tokens = query.match(/"[^"]*"|\S+/g) ?? [];
  const channelFilters: string[] = [];
  const userFilters: string[] = [];
  const words: string[] = [];
  let after = Number.NEGATIVE_INFINITY;
  let before = Number.POSITIVE_INFINITY;
  for (const token of tokens) {
    const [, key, value = ""] = /^(in|from|before|after|on|during):(.*)$/i.exec(token) ?? [];
    if (!key) {
      words.push(token.replace(/^"|"$/g, "").toLowerCase());
      continue;
    }
    const cleaned = value.replace(
      /^<[#@]([A-Z0-9]+)(?:\|([^>]*))?>$/,
      (_, id: string, label?: string) => label || id,
    );
    const lower = key.toLowerCase();
    if (lower === "in") {
      channelFilters.push(cleaned.replace(/^#/, "").toLowerCase());
      continue;
    }
    if (lower === "from") {
      userFilters.push(cleaned.replace(/^@/, "").toLowerCase());
      continue;
    }
    // Dates are whole UTC days; an unparseable date is ignored rather than matching nothing.
    const day = dayStart(cleaned, now);
    if (day === undefined) continue;
    if (lower === "before") before = Math.min(before, day);
    else if (lower === "after") after = Math.max(after, day + 86_400);
    else {
      after = Math.max(after, day);
      before = Math.min(before, day + 86_400);
    }
  }
  const channelMatches = (message: SlackSeedMessage) => {
    if (channelFilters.length === 0) return true;
    const channel = ws.channels.find((c) => c.id === message.channel);
    return channelFilters.some((f) => f === channel?.name || f === channel?.id.toLowerCase());
  };
  const userMatches = (message: SlackSeedMessage) => {
    if (userFilters.length === 0) return true;
    const user = ws.users.find((u) => u.id === message.user);
    if (!user) return false;
    const names = [
      user.name,
      user.real_name,
      user.display_name,
      user.real_name.split(" ")[0] ?? "",
      user.id,
    ].map((n) => n.toLowerCase());
    return userFilters.some((f) => (f === "me" ? user.id === ws.me : names.includes(f)));
  };
  return ws.messages.filter((message) => {
    const channel = ws.channels.find((c) => c.id === message.channel);
    if (!channel || !canSee(ws, channel)) return false;
    const seconds = Number(message.ts);
    if (!(seconds >= after && seconds < before)) return false;
    const text = message.text.toLowerCase();
    return channelMatches(message) && userMatches(message) && words.every((word) => text.includes(word));
  });
}

/** Start of a UTC day in seconds for `YYYY-MM-DD`, `today` or `yesterday`. */
function dayStart(value: string, now: Date): number | undefined {
  const today = Math.floor(now.getTime() / 86_400_000) * 86_400;
  if (value.toLowerCase() === "today") return today;
  if (value.toLowerCase() === "yesterday") return today - 86_400;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : Math.floor(parsed / 1000);
}
