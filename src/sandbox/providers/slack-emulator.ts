import { addHostileSlack } from "./hostile-seeds.js";
import type { ProviderEmulator, ProviderHttpRequest, ProviderHttpResponse } from "./provider-emulator.js";
import {
  createSlackSeed,
  type SlackSeed,
  type SlackSeedChannel,
  type SlackSeedMessage,
  type SlackSeedUser,
} from "./slack-seed.js";

/**
 * A stand-in for the Slack Web API methods Delegate's Slack tools call. Like Slack, it answers
 * HTTP 200 with `{ok:false,error}` for failures, reads arguments from the query string, a JSON
 * body or a form body, and keeps one seeded workspace per end user.
 */
export interface SlackEmulator extends ProviderEmulator {
  /** A read-only snapshot of one user's workspace, for tests. */
  inspect(identifier: string): SlackInspection;
}

export interface SlackInspection {
  me: string;
  users: readonly SlackSeedUser[];
  channels: readonly SlackSeedChannel[];
  /** Messages of a channel (id or name), oldest first, thread replies included. */
  messages(channel: string): readonly SlackSeedMessage[];
}

export interface SlackEmulatorOptions {
  now?: () => Date;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

type Params = Map<string, string>;
type Workspace = SlackSeed;

interface Method {
  scope?: string;
  run(workspace: Workspace, params: Params): ProviderHttpResponse;
}

const MAX_LIMIT = 1000;

export function createSlackEmulator(options: SlackEmulatorOptions = {}): SlackEmulator {
  const now = options.now ?? (() => new Date());
  const workspaces = new Map<string, Workspace>();
  let lastTs = 0;

  const workspaceFor = (identifier: string): Workspace => {
    let workspace = workspaces.get(identifier);
    if (!workspace) {
      workspace = createSlackSeed(now());
      if (options.injections) addHostileSlack(workspace, now());
      workspaces.set(identifier, workspace);
    }
    return workspace;
  };

  // Slack timestamps are unique per channel; a monotonically increasing clock keeps them so
  // even when two posts land in the same microsecond.
  const nextTs = (): string => {
    const micros = Math.max(now().getTime() * 1000, lastTs + 1);
    lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
  };

  const methods: Record<string, Method> = {
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
        return ok({
          messages: page.items.map((m) => messageObject(ws, m)),
          has_more: page.next !== "",
          pin_count: 0,
          response_metadata: { next_cursor: page.next },
        });
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
        return ok({
          messages: page.items.map((m) => messageObject(ws, m)),
          has_more: page.next !== "",
          response_metadata: { next_cursor: page.next },
        });
      },
    },
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
          ts: nextTs(),
          user: ws.me,
          text,
          ...(root ? { thread_ts: root } : {}),
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
    "search.messages": {
      scope: "search:read",
      run(ws, params) {
        const query = params.get("query")?.trim();
        if (!query) return fail("no_query");
        const count = Math.min(Math.max(Number(params.get("count") ?? 20) || 20, 1), 100);
        const page = Math.max(Number(params.get("page") ?? 1) || 1, 1);
        const ascending = params.get("sort_dir") === "asc";
        const found = search(ws, query, now()).sort(
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
    "users.list": {
      scope: "users:read",
      run(ws, params) {
        const page = paginate(ws.users, params, 200);
        if ("error" in page) return fail(page.error);
        return ok({
          members: page.items.map((u) => userObject(ws, u)),
          cache_ts: Math.floor(now().getTime() / 1000),
          response_metadata: { next_cursor: page.next },
        });
      },
    },
    "users.info": {
      scope: "users:read",
      run(ws, params) {
        const user = ws.users.find((u) => u.id === params.get("user"));
        if (!user) return fail("user_not_found");
        return ok({ user: userObject(ws, user) });
      },
    },
  };

  const methodOf = (path: string) => path.replace(/^\/api\//, "");

  return {
    connector: "slack",
    pathPrefixes: ["/api/"],
    unauthorized: () => fail("invalid_auth"),
    insufficientScope: (scope) => fail("missing_scope", { needed: scope, provided: "" }),
    requiredScope: (request) => methods[methodOf(request.path)]?.scope,
    handle(request: ProviderHttpRequest): ProviderHttpResponse {
      const method = methods[methodOf(request.path)];
      if (!method) return { status: 404, body: { ok: false, error: "unknown_method" } };
      if (request.method !== "GET" && request.method !== "POST") {
        return { status: 405, body: { ok: false, error: "method_not_supported" } };
      }
      return method.run(workspaceFor(request.grant.identifier), readParams(request));
    },
    inspect(identifier) {
      const ws = workspaceFor(identifier);
      return {
        me: ws.me,
        users: structuredClone(ws.users),
        channels: structuredClone(ws.channels),
        messages(reference: string) {
          const name = reference.replace(/^#/, "");
          const channel = ws.channels.find((c) => c.id === reference || c.name === name);
          return structuredClone(ws.messages.filter((m) => m.channel === channel?.id));
        },
      };
    },
  };
}

function ok(body: Record<string, unknown>): ProviderHttpResponse {
  return { status: 200, body: { ok: true, ...body } };
}

function fail(error: string, extra: Record<string, unknown> = {}): ProviderHttpResponse {
  return { status: 200, body: { ok: false, error, ...extra } };
}

/** Slack takes arguments from the query string, a JSON body, or a form-encoded body. */
function readParams(request: ProviderHttpRequest): Params {
  const params: Params = new Map(request.query);
  const body = request.body;
  if (typeof body === "string") {
    for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  } else if (typeof body === "object" && body !== null) {
    for (const [key, value] of Object.entries(body)) {
      if (value === undefined || value === null) continue;
      params.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
  }
  return params;
}

function canSee(ws: Workspace, channel: SlackSeedChannel): boolean {
  return !channel.is_private || channel.members.includes(ws.me);
}

/** Finds a visible channel by id or (for chat.postMessage) by `#name`; private channels stay hidden to non-members. */
function findChannel(ws: Workspace, reference: string | undefined): SlackSeedChannel | undefined {
  if (!reference) return undefined;
  const name = reference.replace(/^#/, "");
  const channel = ws.channels.find((c) => c.id === reference || c.name === name);
  return channel && canSee(ws, channel) ? channel : undefined;
}

function paginate<T>(
  items: readonly T[],
  params: Params,
  defaultLimit: number,
): { items: T[]; next: string } | { error: string } {
  const rawLimit = params.get("limit");
  const limit = rawLimit === undefined || rawLimit === "" ? defaultLimit : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) return { error: "invalid_limit" };
  const effective = limit === 0 ? defaultLimit : limit;
  let offset = 0;
  const cursor = params.get("cursor");
  if (cursor) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"))?.[1];
    if (decoded === undefined) return { error: "invalid_cursor" };
    offset = Number(decoded);
  }
  const end = offset + effective;
  const next = end < items.length ? Buffer.from(`offset:${end}`).toString("base64") : "";
  return { items: items.slice(offset, end), next };
}

function channelObject(ws: Workspace, channel: SlackSeedChannel) {
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.is_private,
    is_group: channel.is_private,
    is_im: false,
    is_mpim: false,
    is_private: channel.is_private,
    is_archived: false,
    is_general: channel.name === "general",
    is_shared: false,
    is_member: channel.members.includes(ws.me),
    created: channel.created,
    creator: channel.creator,
    num_members: channel.members.length,
    topic: { value: channel.topic, creator: channel.creator, last_set: channel.created },
    purpose: { value: channel.purpose, creator: channel.creator, last_set: channel.created },
  };
}

function messageObject(ws: Workspace, message: SlackSeedMessage) {
  const base: Record<string, unknown> = {
    type: "message",
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: ws.team.id,
  };
  if (message.bot_id) base.bot_id = message.bot_id;
  if (message.thread_ts && message.thread_ts !== message.ts) {
    const parent = ws.messages.find((m) => m.ts === message.thread_ts);
    base.thread_ts = message.thread_ts;
    if (parent) base.parent_user_id = parent.user;
    return base;
  }
  const replies = ws.messages.filter((m) => m.thread_ts === message.ts && m.ts !== message.ts);
  if (replies.length > 0) {
    base.thread_ts = message.ts;
    base.reply_count = replies.length;
    base.reply_users_count = new Set(replies.map((m) => m.user)).size;
    base.reply_users = [...new Set(replies.map((m) => m.user))];
    base.latest_reply = replies.reduce((latest, m) => (Number(m.ts) > Number(latest) ? m.ts : latest), "0");
  }
  return base;
}

function userObject(ws: Workspace, user: SlackSeedUser) {
  return {
    id: user.id,
    team_id: ws.team.id,
    name: user.name,
    deleted: false,
    real_name: user.real_name,
    tz: user.tz,
    is_admin: user.id === ws.me,
    is_bot: user.is_bot,
    is_app_user: false,
    profile: {
      title: user.title,
      real_name: user.real_name,
      real_name_normalized: user.real_name,
      display_name: user.display_name,
      display_name_normalized: user.display_name,
      ...(user.bot_id ? { bot_id: user.bot_id } : {}),
      team: ws.team.id,
    },
  };
}

function permalinkFor(ws: Workspace, message: SlackSeedMessage): string {
  const base = `https://${ws.team.domain}.slack.com/archives/${message.channel}/p${message.ts.replace(".", "")}`;
  return message.thread_ts && message.thread_ts !== message.ts
    ? `${base}?thread_ts=${message.thread_ts}&cid=${message.channel}`
    : base;
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
