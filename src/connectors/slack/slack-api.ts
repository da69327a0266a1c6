import { DelegateError, isDelegateError } from "../../errors.js";
import type { ProviderClient, ProviderFailure } from "../provider-client.js";
import { collectPages } from "../shared/paging.js";

/** The parts of Slack Web API objects the tools read. */
export interface SlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
  is_member?: boolean;
  is_archived?: boolean;
  num_members?: number;
  topic?: { value?: string };
  purpose?: { value?: string };
}

export interface SlackUser {
  id: string;
  name: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  profile?: { display_name?: string; real_name?: string; title?: string };
}

export interface SlackMessage {
  ts: string;
  user?: string;
  bot_id?: string;
  username?: string;
  bot_profile?: { name?: string };
  text?: string;
  thread_ts?: string;
  reply_count?: number;
}

interface Paged {
  response_metadata?: { next_cursor?: string };
}

const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "token_revoked",
  "token_expired",
  "account_inactive",
]);
const NOT_FOUND_ERRORS = new Set([
  "channel_not_found",
  "message_not_found",
  "user_not_found",
  "thread_not_found",
]);
const TRANSIENT_ERRORS = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * Slack answers most failures with HTTP 200 and `{ok:false,error}`; this maps them to the HTTP
 * status they mean. Non-2xx answers (Slack's HTTP 429 with Retry-After) are left to the
 * client's HTTP handling so the Retry-After header is honoured.
 */
export function interpretSlackBody(status: number, body: unknown): ProviderFailure | undefined {
  if (status < 200 || status >= 300) return undefined;
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (record.ok !== false) return undefined;
  const error = typeof record.error === "string" ? record.error : "unknown_error";
  if (TOKEN_ERRORS.has(error)) return { status: 401, message: error };
  if (error === "missing_scope") {
    const needed = typeof record.needed === "string" ? record.needed : undefined;
    return needed
      ? { status: 403, message: `missing_scope (needs ${needed})`, scope: needed }
      : { status: 403, message: error };
  }
  if (error === "ratelimited") return { status: 429, message: error };
  if (NOT_FOUND_ERRORS.has(error)) return { status: 404, message: error };
  if (TRANSIENT_ERRORS.has(error)) return { status: 503, message: error };
  return { status: 400, message: error };
}

/** Read methods take query parameters (Slack accepts JSON bodies only for write methods). */
export function slackGet<T>(
  http: ProviderClient,
  method: string,
  query: Record<string, string | number | undefined>,
) {
  return http.request<T & { ok: true }>({ method: "GET", path: `/api/${method}`, query });
}

export function slackPost<T>(http: ProviderClient, method: string, body: Record<string, unknown>) {
  return http.request<T & { ok: true }>({ method: "POST", path: `/api/${method}`, body });
}

/**
 * What Delegate takes for a Slack id, here and in the approval gate alike (anything else is a
 * name): the gate must read a reference exactly as the tool will resolve it.
 */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{8,}$/;
export const SLACK_USER_ID = /^[UW][A-Z0-9]{8,}$/;
const MAX_LIST_PAGES = 20;

/** Lists conversations the user can see, following cursors until `max` are collected. */
export async function listChannels(http: ProviderClient, max: number): Promise<SlackChannel[]> {
  try {
    return await collectChannels(http, max, "public_channel,private_channel");
  } catch (error) {
    // Private channels need `groups:read`; without it Slack refuses the mixed list, so fall
    // back to public channels rather than failing the whole listing.
    if (!isDelegateError(error, "PROVIDER_ERROR") || !/invalid_types|missing_scope/.test(error.message))
      throw error;
    return collectChannels(http, max, "public_channel");
  }
}

function collectChannels(http: ProviderClient, max: number, types: string): Promise<SlackChannel[]> {
  return slackList<"channels", SlackChannel>(http, "conversations.list", "channels", max, {
    types,
    exclude_archived: "true",
  });
}

/** Lists the workspace's people and bots, following cursors until `max` are collected. */
export function listUsers(http: ProviderClient, max: number): Promise<SlackUser[]> {
  // Slackbot is a built-in pseudo-user nobody means when they ask about colleagues.
  const keep = (user: SlackUser) => !user.deleted && user.id !== "USLACKBOT";
  return slackList<"members", SlackUser>(http, "users.list", "members", max, {}, keep);
}

/** A Slack list method's `key` items, read 200 a page until `max` are collected. */
async function slackList<K extends string, T>(
  http: ProviderClient,
  method: string,
  key: K,
  max: number,
  query: Record<string, string>,
  keep?: (item: T) => boolean,
): Promise<T[]> {
  const { items } = await collectPages<T, string>({
    max,
    maxPages: MAX_LIST_PAGES,
    ...(keep ? { keep } : {}),
    async fetchPage(cursor) {
      const answer = await slackGet<Partial<Record<K, T[]>> & Paged>(http, method, {
        ...query,
        limit: 200,
        cursor,
      });
      return { items: answer[key] ?? [], next: answer.response_metadata?.next_cursor || undefined };
    },
  });
  return items.slice(0, max);
}

/** Resolves `#name`, `name` or a channel id to the channel. */
export async function resolveChannel(http: ProviderClient, reference: string): Promise<SlackChannel> {
  const trimmed = reference.trim();
  const mention = /^<#([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(trimmed)?.[1];
  const id = mention ?? (SLACK_CHANNEL_ID.test(trimmed) ? trimmed : undefined);
  if (id) {
    const answer = await slackGet<{ channel: SlackChannel }>(http, "conversations.info", { channel: id });
    return answer.channel;
  }
  const name = trimmed.replace(/^#/, "").toLowerCase();
  const channels = await listChannels(http, 2000);
  const found = channels.find((channel) => channel.name.toLowerCase() === name);
  if (!found) {
    throw new DelegateError(
      "PROVIDER_ERROR",
      `Slack has no channel named #${name} that this account can see; call slack_list_channels to see channel names.`,
      { details: { connector: "slack", status: 404 } },
    );
  }
  return found;
}

/**
 * Resolves user ids to display names once per tool call. A lookup that fails for any reason but
 * a rejected token keeps the raw id, so a missing `users:read` scope never hides the messages.
 */
export class UserDirectory {
  readonly #http: ProviderClient;
  readonly #names = new Map<string, Promise<string>>();

  constructor(http: ProviderClient) {
    this.#http = http;
  }

  name(id: string): Promise<string> {
    let pending = this.#names.get(id);
    if (!pending) {
      pending = slackGet<{ user: SlackUser }>(this.#http, "users.info", { user: id }).then(
        (answer) => displayName(answer.user),
        (error: unknown) => {
          if (isDelegateError(error, "PROVIDER_TOKEN_REJECTED")) throw error;
          return id;
        },
      );
      this.#names.set(id, pending);
    }
    return pending;
  }

  /** The author of a message: a user's display name, or a bot's name. */
  async author(message: SlackMessage): Promise<string> {
    if (message.user) return this.name(message.user);
    return message.username ?? message.bot_profile?.name ?? message.bot_id ?? "unknown";
  }

  /** Slack's markup (`<@U1>`, `<#C1|name>`, `<url|label>`, `&amp;`) as readable text. */
  async render(text: string): Promise<string> {
    const ids = [...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((match) => match[1] as string);
    const names = new Map<string, string>();
    await Promise.all([...new Set(ids)].map(async (id) => names.set(id, await this.name(id))));
    return text
      .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${names.get(id) ?? id}`)
      .replace(/<#[A-Z0-9]+\|([^>]*)>/g, "#$1")
      .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, "@$1")
      .replace(/<!subteam\^[A-Z0-9]+\|([^>]*)>/g, "$1")
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, "$2 ($1)")
      .replace(/<(https?:[^>]+)>/g, "$1")
      .replace(/<mailto:[^|>]+\|([^>]+)>/g, "$1")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  }
}

export function displayName(user: SlackUser): string {
  return user.profile?.display_name || user.profile?.real_name || user.real_name || user.name;
}
