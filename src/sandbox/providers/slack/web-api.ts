/**
 * Slack Web API conventions: HTTP 200 with `{ok:false,error}` for failures, arguments from the
 * query string, a JSON body or a form body, cursor paging, and channel visibility.
 */
import { offsetCursor, readOffsetCursor } from "../offset-cursor.js";
import type { ProviderHttpRequest, ProviderHttpResponse } from "../provider-emulator.js";
import type { SlackSeed, SlackSeedChannel } from "./slack-seed.js";

export type Params = Map<string, string>;
export type Workspace = SlackSeed;

/** One Web API method, e.g. `conversations.list`, and the scope it needs (none for some). */
export interface SlackMethod {
  scope?: string;
  run(workspace: Workspace, params: Params): ProviderHttpResponse;
}

/** The emulator's clock: the time, and message timestamps that never repeat. */
export interface SlackClock {
  now: () => Date;
  nextTs: () => string;
}

const MAX_LIMIT = 1000;

export function ok(body: Record<string, unknown>): ProviderHttpResponse {
  return { status: 200, body: { ok: true, ...body } };
}

export function fail(error: string, extra: Record<string, unknown> = {}): ProviderHttpResponse {
  return { status: 200, body: { ok: false, error, ...extra } };
}

/** Slack takes arguments from the query string, a JSON body, or a form-encoded body. */
export function readParams(request: ProviderHttpRequest): Params {
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

export function canSee(ws: Workspace, channel: SlackSeedChannel): boolean {
  return !channel.is_private || channel.members.includes(ws.me);
}

/** Finds a visible channel by id or (for chat.postMessage) by `#name`; private channels stay hidden to non-members. */
export function findChannel(ws: Workspace, reference: string | undefined): SlackSeedChannel | undefined {
  if (!reference) return undefined;
  const name = reference.replace(/^#/, "");
  const channel = ws.channels.find((c) => c.id === reference || c.name === name);
  return channel && canSee(ws, channel) ? channel : undefined;
}

/** A page by `limit` (0 means the method's default) and `cursor`; `next` is "" on the last page. */
export function paginate<T>(
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
    const decoded = readOffsetCursor(cursor, "base64");
    if (decoded === undefined) return { error: "invalid_cursor" };
    offset = decoded;
  }
  const end = offset + effective;
  const next = end < items.length ? offsetCursor(end, "base64") : "";
  return { items: items.slice(offset, end), next };
}
