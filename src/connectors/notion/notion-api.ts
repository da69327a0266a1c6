import { DelegateError, isDelegateError } from "../../errors.js";
import type { ProviderClient, ProviderFailure } from "../provider-client.js";
import { collectPages } from "../shared/paging.js";

/** The parts of Notion API objects the tools read (API version 2022-06-28). */
export interface RichText {
  type?: string;
  plain_text?: string;
  href?: string | null;
  text?: { content: string; link?: { url: string } | null };
  annotations?: Partial<Record<"bold" | "italic" | "strikethrough" | "underline" | "code", boolean>>;
}

export interface NotionPropertyValue {
  id?: string;
  type: string;
  [key: string]: unknown;
}

export interface NotionPage {
  object: "page";
  id: string;
  url?: string;
  last_edited_time?: string;
  archived?: boolean;
  in_trash?: boolean;
  parent?: { type: string; page_id?: string; database_id?: string };
  properties: Record<string, NotionPropertyValue>;
}

export interface NotionDatabase {
  object: "database";
  id: string;
  url?: string;
  title?: RichText[];
  last_edited_time?: string;
  properties: Record<string, NotionPropertyValue & { name?: string }>;
}

export interface NotionBlock {
  object?: "block";
  id: string;
  type: string;
  has_children?: boolean;
  [key: string]: unknown;
}

export interface NotionList<T> {
  object: "list";
  results: T[];
  next_cursor: string | null;
  has_more: boolean;
}

/**
 * Notion reports a missing capability as 403 `restricted_resource`. The client only learns the
 * scope from a `www-authenticate` header, which Notion does not send, so read it from the
 * message when Notion (or the sandbox) names the capability there.
 */
export function interpretNotionBody(status: number, body: unknown): ProviderFailure | undefined {
  if (status !== 403 || typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (record.code !== "restricted_resource") return undefined;
  const message = typeof record.message === "string" ? record.message : "restricted_resource";
  const scope = /\b(read_content|update_content|insert_content|read_comments|insert_comments)\b/.exec(
    message,
  )?.[1];
  return scope ? { status: 403, message, scope } : { status: 403, message };
}

/** Formats a 32-hex id as Notion's dashed UUID. */
function dashed(hex: string): string {
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id in a Notion id (dashed or not) or a Notion URL; undefined for anything else, such as a title. */
export function extractNotionId(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(trimmed)) {
    return dashed(trimmed.replace(/-/g, ""));
  }
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  const path = trimmed.split(/[?#]/)[0] ?? "";
  // URLs end in "Title-Words-<32 hex>"; take the last run of 32 hex digits.
  const match = /([0-9a-f]{32})\/?$/i.exec(path);
  return match?.[1] ? dashed(match[1]) : undefined;
}

export function plainText(richText: readonly RichText[] | undefined): string {
  return (richText ?? []).map((part) => part.plain_text ?? part.text?.content ?? "").join("");
}

export function pageTitle(page: NotionPage): string {
  const title = Object.values(page.properties ?? {}).find((property) => property.type === "title");
  return plainText(title?.title as RichText[] | undefined) || "Untitled";
}

export function databaseTitle(database: NotionDatabase): string {
  return plainText(database.title) || "Untitled";
}

export interface SearchOptions {
  query?: string;
  filter?: "page" | "database";
  pageSize?: number;
}

export function search(http: ProviderClient, options: SearchOptions) {
  return http.request<NotionList<NotionPage | NotionDatabase>>({
    method: "POST",
    path: "/v1/search",
    body: {
      ...(options.query ? { query: options.query } : {}),
      ...(options.filter ? { filter: { property: "object", value: options.filter } } : {}),
      // Without a query there is no relevance, so recency is the useful order.
      ...(options.query ? {} : { sort: { direction: "descending", timestamp: "last_edited_time" } }),
      page_size: options.pageSize ?? 20,
    },
  });
}

/**
 * Resolves what the model passed as a page or database: an id, a Notion URL, or a title (found
 * by search, exact title first). Titles let a request like "add this to Meeting Notes" work in
 * one call.
 *
 * For a write (`exact`), a title must be the page's whole title (case and spacing aside) and only
 * one page may carry it: the approval gate counted the title the person typed, so the write must
 * land on a page with exactly that title, never on one that merely contains it ("the") or on an
 * outsider's page titled like the real one.
 */
export async function resolveId(
  http: ProviderClient,
  reference: string,
  kind: "page" | "database",
  options: { exact?: boolean } = {},
): Promise<string> {
  const id = extractNotionId(reference);
  if (id) return id;
  const wanted = titleKey(reference);
  const answer = await search(http, { query: reference.trim(), filter: kind, pageSize: 20 });
  const titled = answer.results
    .filter((result) => !(result as { archived?: boolean; in_trash?: boolean }).archived)
    .map((result) => ({
      id: result.id,
      title: titleKey(result.object === "database" ? databaseTitle(result) : pageTitle(result)),
    }));
  const exact = titled.filter((result) => result.title === wanted);
  if (options.exact && new Set(exact.map((result) => result.id)).size > 1) {
    throw new DelegateError(
      "TOOL_FAILED",
      `More than one Notion ${kind} is titled "${reference.trim()}" (${exact.map((result) => result.id).join(", ")}); ask the person which one, then pass its id.`,
    );
  }
  const found =
    exact[0] ?? (options.exact ? undefined : titled.find((result) => result.title.includes(wanted)));
  if (!found) {
    throw new DelegateError(
      "PROVIDER_ERROR",
      `Notion has no ${kind} titled exactly "${reference.trim()}" shared with this connection; call notion_search to find it.`,
      { details: { connector: "notion", status: 404 } },
    );
  }
  return found.id;
}

function titleKey(title: string): string {
  return title.normalize("NFC").replace(/\s+/g, " ").trim().toLowerCase();
}

/** All children of a block or page, following cursors up to `max` blocks. */
export async function listChildren(
  http: ProviderClient,
  blockId: string,
  max: number,
): Promise<{ blocks: NotionBlock[]; more: boolean }> {
  const { items, next } = await collectPages<NotionBlock, string>({
    max,
    async fetchPage(cursor, wanted) {
      const answer = await http.request<NotionList<NotionBlock>>({
        method: "GET",
        path: `/v1/blocks/${blockId}/children`,
        query: { page_size: Math.min(100, wanted), start_cursor: cursor },
      });
      return { items: answer.results, next: (answer.has_more && answer.next_cursor) || undefined };
    },
  });
  return { blocks: items, more: next !== undefined };
}

/** Notion accepts at most 100 children per request. */
export async function appendChildren(
  http: ProviderClient,
  blockId: string,
  children: readonly object[],
): Promise<number> {
  let appended = 0;
  for (let start = 0; start < children.length; start += 100) {
    try {
      const answer = await http.request<NotionList<NotionBlock>>({
        method: "PATCH",
        path: `/v1/blocks/${blockId}/children`,
        body: { children: children.slice(start, start + 100) },
      });
      appended += answer.results.length;
    } catch (error) {
      if (appended === 0 || !isDelegateError(error)) throw error;
      // Some blocks are in: a rejected token must not make the whole call run again after a
      // reconnection (those blocks would be added twice), so it is a plain failure now.
      throw new DelegateError(
        "PROVIDER_ERROR",
        `Only ${appended} of ${children.length} blocks were added, then Notion said: ${error.message}`,
        { cause: error },
      );
    }
  }
  return appended;
}
