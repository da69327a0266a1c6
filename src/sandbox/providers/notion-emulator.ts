import { randomUUID } from "node:crypto";
import { addHostileNotion } from "./hostile-seeds.js";
import {
  createNotionSeed,
  type NotionParent,
  type NotionRichText,
  type NotionWorkspace,
  type StoredBlock,
  type StoredDatabase,
  type StoredPage,
} from "./notion-seed.js";
import type { ProviderEmulator, ProviderHttpRequest, ProviderHttpResponse } from "./provider-emulator.js";

/**
 * A stand-in for the Notion API (version 2022-06-28) endpoints Delegate's Notion tools call:
 * search, pages, block children and database queries, with Notion's error shape
 * `{object:"error", status, code, message}` and one seeded workspace per end user. It accepts a
 * `Notion-Version` header but does not require one.
 */
export interface NotionEmulator extends ProviderEmulator {
  /** A read-only view of one user's workspace, for tests. */
  inspect(identifier: string): NotionInspection;
}

export interface NotionInspection {
  pages: { id: string; title: string; parent: NotionParent; archived: boolean }[];
  databases: { id: string; title: string }[];
  /** The direct children of a page or block, simplified. */
  children(id: string): { id: string; type: string; text: string; checked?: boolean }[];
}

export interface NotionEmulatorOptions {
  now?: () => Date;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

/** Block types that may have children appended. */
const PARENT_BLOCKS = new Set([
  "paragraph",
  "bulleted_list_item",
  "numbered_list_item",
  "to_do",
  "quote",
  "callout",
  "toggle",
]);
const TEXT_BLOCKS = new Set([...PARENT_BLOCKS, "heading_1", "heading_2", "heading_3", "code"]);

class NotionFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new NotionFailure(400, "validation_error", message);
const notFound = (kind: string, id: string) =>
  new NotionFailure(
    404,
    "object_not_found",
    `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
  );

function notionError(status: number, code: string, message: string): ProviderHttpResponse {
  return { status, body: { object: "error", status, code, message, request_id: randomUUID() } };
}

const CAPABILITIES: Record<string, string> = {
  read_content: "read content",
  update_content: "update content",
  insert_content: "insert content",
};

export function createNotionEmulator(options: NotionEmulatorOptions = {}): NotionEmulator {
  const now = options.now ?? (() => new Date());
  const workspaces = new Map<string, NotionWorkspace>();

  const workspaceFor = (identifier: string): NotionWorkspace => {
    let ws = workspaces.get(identifier);
    if (!ws) {
      ws = createNotionSeed(now());
      if (options.injections) addHostileNotion(ws, now());
      workspaces.set(identifier, ws);
    }
    return ws;
  };

  /** Notion stores edit times rounded down to the minute. */
  const timestamp = () => new Date(Math.floor(now().getTime() / 60_000) * 60_000).toISOString();

  const route = (ws: NotionWorkspace, request: ProviderHttpRequest): ProviderHttpResponse => {
    const segments = request.path
      .replace(/^\/v1\//, "")
      .replace(/\/+$/, "")
      .split("/");
    const [collection, rawId, sub] = segments;
    const method = request.method;
    if (collection === "search" && segments.length === 1 && method === "POST")
      return search(ws, body(request));
    if (collection === "pages" && segments.length === 1 && method === "POST")
      return createPage(ws, body(request));
    if (collection === "pages" && segments.length === 2 && method === "GET") {
      const id = uuid(rawId, "page_id");
      const page = ws.pages.get(id);
      if (!page) {
        if (ws.databases.has(id)) {
          throw validation(
            `Provided ID ${id} is a database, not a page. Use the retrieve database API instead.`,
          );
        }
        throw notFound("page", id);
      }
      return json(pageObject(ws, page));
    }
    if (collection === "blocks" && segments.length === 3 && sub === "children") {
      const id = uuid(rawId, "block_id");
      if (method === "GET") return listChildren(ws, id, request.query);
      if (method === "PATCH") return appendChildren(ws, id, body(request));
    }
    if (collection === "databases" && segments.length === 2 && method === "GET") {
      const id = uuid(rawId, "database_id");
      const database = ws.databases.get(id);
      if (!database) throw notFound("database", id);
      return json(databaseObject(ws, database));
    }
    if (collection === "databases" && segments.length === 3 && sub === "query" && method === "POST") {
      return queryDatabase(ws, uuid(rawId, "database_id"), body(request));
    }
    throw new NotionFailure(400, "invalid_request_url", "Invalid request URL.");
  };

  function search(ws: NotionWorkspace, input: Record<string, unknown>): ProviderHttpResponse {
    const query = optionalString(input.query, "body.query")?.trim().toLowerCase() ?? "";
    const filter = input.filter as { property?: unknown; value?: unknown } | undefined;
    if (
      filter !== undefined &&
      (filter?.property !== "object" || (filter.value !== "page" && filter.value !== "database"))
    ) {
      throw validation('body failed validation: body.filter.value should be "page" or "database".');
    }
    const sort = input.sort as { direction?: unknown; timestamp?: unknown } | undefined;
    if (
      sort !== undefined &&
      (sort?.timestamp !== "last_edited_time" ||
        !["ascending", "descending"].includes(String(sort.direction)))
    ) {
      throw validation('body failed validation: body.sort.timestamp should be "last_edited_time".');
    }
    const candidates: { title: string; edited: string; object: () => Record<string, unknown> }[] = [];
    if (filter?.value !== "database") {
      for (const page of ws.pages.values()) {
        if (!page.archived)
          candidates.push({
            title: pageTitle(page),
            edited: page.last_edited_time,
            object: () => pageObject(ws, page),
          });
      }
    }
    if (filter?.value !== "page") {
      for (const database of ws.databases.values()) {
        candidates.push({
          title: plain(database.title),
          edited: database.last_edited_time,
          object: () => databaseObject(ws, database),
        });
      }
    }
    const words = query.split(/\s+/).filter(Boolean);
    const rank = (title: string) => {
      const lower = title.toLowerCase();
      return lower === query ? 0 : lower.startsWith(query) ? 1 : 2;
    };
    const matched = candidates.filter((c) => words.every((word) => c.title.toLowerCase().includes(word)));
    matched.sort((a, b) => {
      if (sort)
        return (
          (a.edited < b.edited ? -1 : a.edited > b.edited ? 1 : 0) * (sort.direction === "ascending" ? 1 : -1)
        );
      return rank(a.title) - rank(b.title) || (a.edited < b.edited ? 1 : a.edited > b.edited ? -1 : 0);
    });
    const objects = matched.map((c) => c.object());
    return json({
      ...paginate(objects, input.page_size, input.start_cursor),
      type: "page_or_database",
      page_or_database: {},
    });
  }

  function createPage(ws: NotionWorkspace, input: Record<string, unknown>): ProviderHttpResponse {
    const parentInput = input.parent as Record<string, unknown> | undefined;
    if (typeof parentInput !== "object" || parentInput === null)
      throw validation("body failed validation: body.parent should be defined, instead was `undefined`.");
    if (typeof parentInput.page_id !== "string") {
      throw validation(
        "body failed validation: body.parent.page_id should be defined (this sandbox creates pages under pages only).",
      );
    }
    const parentId = uuid(parentInput.page_id, "body.parent.page_id");
    const parentPage = ws.pages.get(parentId);
    if (!parentPage) throw notFound("page", parentId);
    if (parentPage.archived)
      throw validation("Can't edit block that is archived. You must unarchive the block before editing.");
    const properties = input.properties as Record<string, unknown> | undefined;
    const titleProperty = (properties?.title ?? properties?.Name) as
      | Record<string, unknown>
      | unknown[]
      | undefined;
    const titleInput = Array.isArray(titleProperty)
      ? titleProperty
      : (titleProperty as { title?: unknown } | undefined)?.title;
    if (!Array.isArray(titleInput))
      throw validation(
        "body failed validation: body.properties.title should be defined, instead was `undefined`.",
      );
    const title = normalizeRichText(titleInput, "body.properties.title.title");
    const childrenInput = input.children ?? [];
    if (!Array.isArray(childrenInput))
      throw validation("body failed validation: body.children should be an array.");
    if (childrenInput.length > 100)
      throw validation(
        "body failed validation: body.children.length should be ≤ `100`, instead was `" +
          childrenInput.length +
          "`.",
      );
    const normalized = childrenInput.map((child, index) =>
      normalizeBlock(child, `body.children[${index}]`, 0),
    );
    const icon = (input.icon as { type?: string; emoji?: string } | undefined)?.emoji;

    const time = timestamp();
    const id = randomUUID();
    const parent: NotionParent = { type: "page_id", page_id: parentId };
    const page: StoredPage = {
      id,
      parent,
      properties: { title: { id: "title", type: "title", title } },
      icon: icon ? { type: "emoji", emoji: icon } : null,
      created_time: time,
      last_edited_time: time,
      archived: false,
    };
    ws.pages.set(id, page);
    ws.blocks.set(id, {
      id,
      parent,
      type: "child_page",
      data: { title: plain(title) },
      created_time: time,
      last_edited_time: time,
      archived: false,
    });
    ws.children.set(parentId, [...(ws.children.get(parentId) ?? []), id]);
    parentPage.last_edited_time = time;
    insertBlocks(ws, id, { type: "page_id", page_id: id }, normalized, undefined, time);
    return json(pageObject(ws, page));
  }

  function listChildren(ws: NotionWorkspace, id: string, query: URLSearchParams): ProviderHttpResponse {
    if (!ws.pages.has(id) && !ws.blocks.has(id)) throw notFound("block", id);
    const blocks = (ws.children.get(id) ?? [])
      .map((childId) => ws.blocks.get(childId))
      .filter((block): block is StoredBlock => block !== undefined && !block.archived)
      .map((block) => blockObject(ws, block));
    const pageSize = query.get("page_size");
    const page = paginate(
      blocks,
      pageSize === null ? undefined : Number(pageSize),
      query.get("start_cursor") ?? undefined,
    );
    return json({ ...page, type: "block", block: {} });
  }

  function appendChildren(
    ws: NotionWorkspace,
    id: string,
    input: Record<string, unknown>,
  ): ProviderHttpResponse {
    const page = ws.pages.get(id);
    const block = page ? undefined : ws.blocks.get(id);
    if (!page && !block) throw notFound("block", id);
    if (page?.archived || block?.archived)
      throw validation("Can't edit block that is archived. You must unarchive the block before editing.");
    if (block && !PARENT_BLOCKS.has(block.type))
      throw validation(`Block type ${block.type} does not support children.`);
    const children = input.children;
    if (!Array.isArray(children))
      throw validation("body failed validation: body.children should be defined, instead was `undefined`.");
    if (children.length === 0 || children.length > 100) {
      throw validation(
        `body failed validation: body.children.length should be between 1 and 100, instead was \`${children.length}\`.`,
      );
    }
    const after = optionalString(input.after, "body.after");
    const afterId = after === undefined ? undefined : uuid(after, "body.after");
    if (afterId && !(ws.children.get(id) ?? []).includes(afterId)) throw notFound("block", afterId);
    const normalized = children.map((child, index) => normalizeBlock(child, `body.children[${index}]`, 0));
    const time = timestamp();
    const parent: NotionParent = page ? { type: "page_id", page_id: id } : { type: "block_id", block_id: id };
    const created = insertBlocks(ws, id, parent, normalized, afterId, time);
    touch(ws, id, time);
    return json({
      object: "list",
      results: created.map((block) => blockObject(ws, block)),
      next_cursor: null,
      has_more: false,
      type: "block",
      block: {},
    });
  }

  function queryDatabase(
    ws: NotionWorkspace,
    id: string,
    input: Record<string, unknown>,
  ): ProviderHttpResponse {
    const database = ws.databases.get(id);
    if (!database) throw notFound("database", id);
    const rows = [...ws.pages.values()].filter(
      (page) => !page.archived && page.parent.type === "database_id" && page.parent.database_id === id,
    );
    const filter = input.filter as Record<string, unknown> | undefined;
    const matched =
      filter === undefined ? rows : rows.filter((row) => matchesFilter(database, row, filter, "body.filter"));
    const sorts = input.sorts;
    if (sorts !== undefined) {
      if (!Array.isArray(sorts)) throw validation("body failed validation: body.sorts should be an array.");
      matched.sort((a, b) => compareBySorts(database, a, b, sorts));
    } else {
      matched.sort((a, b) =>
        a.created_time < b.created_time ? 1 : a.created_time > b.created_time ? -1 : 0,
      );
    }
    const objects = matched.map((page) => pageObject(ws, page));
    return json({
      ...paginate(objects, input.page_size, input.start_cursor),
      type: "page_or_database",
      page_or_database: {},
    });
  }

  function insertBlocks(
    ws: NotionWorkspace,
    parentId: string,
    parent: NotionParent,
    inputs: NormalizedBlock[],
    after: string | undefined,
    time: string,
  ): StoredBlock[] {
    const siblings = ws.children.get(parentId) ?? [];
    let position = after === undefined ? siblings.length : siblings.indexOf(after) + 1;
    const created: StoredBlock[] = [];
    for (const input of inputs) {
      const block: StoredBlock = {
        id: randomUUID(),
        parent,
        type: input.type,
        data: input.data,
        created_time: time,
        last_edited_time: time,
        archived: false,
      };
      ws.blocks.set(block.id, block);
      siblings.splice(position++, 0, block.id);
      created.push(block);
      if (input.children.length > 0)
        insertBlocks(ws, block.id, { type: "block_id", block_id: block.id }, input.children, undefined, time);
    }
    ws.children.set(parentId, siblings);
    return created;
  }

  /** Editing a block edits the page it belongs to. */
  function touch(ws: NotionWorkspace, id: string, time: string): void {
    let current: string | undefined = id;
    for (let hops = 0; current && hops < 50; hops++) {
      const page = ws.pages.get(current);
      if (page) {
        page.last_edited_time = time;
        return;
      }
      const block = ws.blocks.get(current);
      if (!block) return;
      block.last_edited_time = time;
      current =
        block.parent.type === "page_id"
          ? block.parent.page_id
          : block.parent.type === "block_id"
            ? block.parent.block_id
            : undefined;
    }
  }

  return {
    connector: "notion",
    pathPrefixes: ["/v1/"],
    unauthorized: () => notionError(401, "unauthorized", "API token is invalid."),
    insufficientScope: (scope) =>
      notionError(
        403,
        "restricted_resource",
        `Insufficient permissions for this endpoint: the integration lacks the ${CAPABILITIES[scope] ?? scope} capability (${scope}).`,
      ),
    requiredScope(request) {
      if (request.method === "POST" && /^\/v1\/pages\/?$/.test(request.path)) return "insert_content";
      if (request.method === "PATCH" && /\/children\/?$/.test(request.path)) return "insert_content";
      if (request.method === "PATCH" || request.method === "DELETE") return "update_content";
      return "read_content";
    },
    handle(request) {
      try {
        return route(workspaceFor(request.grant.identifier), request);
      } catch (error) {
        if (error instanceof NotionFailure) return notionError(error.status, error.code, error.message);
        throw error;
      }
    },
    inspect(identifier) {
      const ws = workspaceFor(identifier);
      return {
        pages: [...ws.pages.values()].map((page) => ({
          id: page.id,
          title: pageTitle(page),
          parent: structuredClone(page.parent),
          archived: page.archived,
        })),
        databases: [...ws.databases.values()].map((database) => ({
          id: database.id,
          title: plain(database.title),
        })),
        children(id) {
          return (ws.children.get(id) ?? [])
            .map((childId) => ws.blocks.get(childId))
            .filter((block): block is StoredBlock => block !== undefined)
            .map((block) => ({
              id: block.id,
              type: block.type,
              text:
                block.type === "child_page"
                  ? String(block.data.title)
                  : plain(block.data.rich_text as NotionRichText[] | undefined),
              ...(block.type === "to_do" ? { checked: Boolean(block.data.checked) } : {}),
            }));
        },
      };
    },
  };
}

function json(body: Record<string, unknown>): ProviderHttpResponse {
  return { status: 200, body: { ...body, request_id: randomUUID() } };
}

function body(request: ProviderHttpRequest): Record<string, unknown> {
  if (request.body === undefined) return {};
  if (typeof request.body !== "object" || request.body === null || Array.isArray(request.body)) {
    throw new NotionFailure(400, "invalid_json", "Error parsing JSON body.");
  }
  return request.body as Record<string, unknown>;
}

/** Notion accepts ids with or without dashes. */
function uuid(raw: string | undefined, field: string): string {
  const compact = (raw ?? "").replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(compact)) {
    throw validation(
      `path failed validation: ${field} should be a valid uuid, instead was \`"${raw ?? ""}"\`.`,
    );
  }
  return `${compact.slice(0, 8)}-${compact.slice(8, 12)}-${compact.slice(12, 16)}-${compact.slice(16, 20)}-${compact.slice(20)}`;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw validation(`body failed validation: ${field} should be a string.`);
  return value;
}

function paginate(items: Record<string, unknown>[], rawSize: unknown, rawCursor: unknown) {
  const size = rawSize === undefined || rawSize === null ? 100 : Number(rawSize);
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw validation(
      `body failed validation: page_size should be a number between 1 and 100, instead was \`${String(rawSize)}\`.`,
    );
  }
  let start = 0;
  if (rawCursor !== undefined && rawCursor !== null && rawCursor !== "") {
    start = items.findIndex((item) => item.id === rawCursor);
    if (start < 0) throw validation("The start_cursor provided is invalid.");
  }
  const results = items.slice(start, start + size);
  const next = items[start + size];
  return {
    object: "list",
    results,
    next_cursor: next ? (next.id as string) : null,
    has_more: next !== undefined,
  };
}

function plain(richText: readonly NotionRichText[] | undefined): string {
  return (richText ?? []).map((part) => part.plain_text).join("");
}

function pageTitle(page: StoredPage): string {
  const title = Object.values(page.properties).find((property) => property.type === "title");
  return plain(title?.title as NotionRichText[] | undefined);
}

function slugUrl(title: string, id: string): string {
  const slug = title
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `https://www.notion.so/${slug ? `${slug}-` : ""}${id.replace(/-/g, "")}`;
}

function user(ws: NotionWorkspace) {
  return { object: "user", id: ws.userId };
}

function pageObject(ws: NotionWorkspace, page: StoredPage): Record<string, unknown> {
  return {
    object: "page",
    id: page.id,
    created_time: page.created_time,
    last_edited_time: page.last_edited_time,
    created_by: user(ws),
    last_edited_by: user(ws),
    cover: null,
    icon: page.icon,
    parent: page.parent,
    archived: page.archived,
    in_trash: page.archived,
    properties: structuredClone(page.properties),
    url: slugUrl(pageTitle(page), page.id),
    public_url: null,
  };
}

function databaseObject(ws: NotionWorkspace, database: StoredDatabase): Record<string, unknown> {
  return {
    object: "database",
    id: database.id,
    created_time: database.created_time,
    last_edited_time: database.last_edited_time,
    created_by: user(ws),
    last_edited_by: user(ws),
    title: structuredClone(database.title),
    description: [],
    icon: database.icon,
    cover: null,
    properties: structuredClone(database.properties),
    parent: database.parent,
    url: slugUrl("", database.id),
    public_url: null,
    archived: false,
    in_trash: false,
    is_inline: false,
  };
}

function blockObject(ws: NotionWorkspace, block: StoredBlock): Record<string, unknown> {
  const hasChildren =
    block.type === "child_page"
      ? (ws.children.get(block.id)?.length ?? 0) > 0
      : (ws.children.get(block.id) ?? []).some((id) => !ws.blocks.get(id)?.archived);
  return {
    object: "block",
    id: block.id,
    parent: block.parent,
    created_time: block.created_time,
    last_edited_time: block.last_edited_time,
    created_by: user(ws),
    last_edited_by: user(ws),
    has_children: hasChildren,
    archived: block.archived,
    in_trash: block.archived,
    type: block.type,
    [block.type]: structuredClone(block.data),
  };
}

interface NormalizedBlock {
  type: string;
  data: Record<string, unknown>;
  children: NormalizedBlock[];
}

const DEFAULT_ANNOTATIONS = {
  bold: false,
  italic: false,
  strikethrough: false,
  underline: false,
  code: false,
  color: "default",
};

function normalizeRichText(input: unknown, field: string): NotionRichText[] {
  if (!Array.isArray(input)) throw validation(`body failed validation: ${field} should be an array.`);
  if (input.length > 100) throw validation(`body failed validation: ${field}.length should be ≤ \`100\`.`);
  return input.map((item, index) => {
    const part = item as {
      type?: unknown;
      text?: { content?: unknown; link?: { url?: unknown } | null };
      annotations?: Record<string, unknown>;
    };
    if (
      typeof part !== "object" ||
      part === null ||
      (part.type !== undefined && part.type !== "text") ||
      typeof part.text?.content !== "string"
    ) {
      throw validation(
        `body failed validation: ${field}[${index}].text should be defined, instead was \`undefined\`.`,
      );
    }
    const content = part.text.content;
    if (content.length > 2000) {
      throw validation(
        `body failed validation: ${field}[${index}].text.content.length should be ≤ \`2000\`, instead was \`${content.length}\`.`,
      );
    }
    const url = part.text.link?.url;
    if (url !== undefined && (typeof url !== "string" || !/^https?:\/\//.test(url))) {
      throw validation(`body failed validation: ${field}[${index}].text.link.url should be a valid URL.`);
    }
    const annotations = { ...DEFAULT_ANNOTATIONS };
    for (const key of Object.keys(DEFAULT_ANNOTATIONS) as (keyof typeof DEFAULT_ANNOTATIONS)[]) {
      const value = part.annotations?.[key];
      if (value !== undefined) (annotations as Record<string, unknown>)[key] = value;
    }
    return {
      type: "text",
      text: { content, link: typeof url === "string" ? { url } : null },
      annotations,
      plain_text: content,
      href: typeof url === "string" ? url : null,
    };
  });
}

function normalizeBlock(input: unknown, field: string, depth: number): NormalizedBlock {
  if (typeof input !== "object" || input === null)
    throw validation(`body failed validation: ${field} should be an object.`);
  const record = input as Record<string, unknown>;
  const type =
    typeof record.type === "string"
      ? record.type
      : Object.keys(record).find((key) => TEXT_BLOCKS.has(key) || key === "divider");
  if (!type || !(TEXT_BLOCKS.has(type) || type === "divider")) {
    throw validation(
      `body failed validation: ${field}.type should be a supported block type, instead was \`${String(record.type)}\`.`,
    );
  }
  const content = record[type];
  if (typeof content !== "object" || content === null)
    throw validation(
      `body failed validation: ${field}.${type} should be defined, instead was \`undefined\`.`,
    );
  const source = content as Record<string, unknown>;
  if (type === "divider") return { type, data: {}, children: [] };
  const data: Record<string, unknown> = {
    rich_text: normalizeRichText(source.rich_text, `${field}.${type}.rich_text`),
  };
  if (type === "code") {
    if (typeof source.language !== "string")
      throw validation(`body failed validation: ${field}.code.language should be defined.`);
    data.language = source.language;
    data.caption = [];
  } else {
    data.color = typeof source.color === "string" ? source.color : "default";
  }
  if (type === "to_do") data.checked = source.checked === true;
  if (type.startsWith("heading_")) data.is_toggleable = source.is_toggleable === true;
  if (type === "callout") data.icon = source.icon ?? { type: "emoji", emoji: "💡" };
  const nested = source.children ?? [];
  if (!Array.isArray(nested))
    throw validation(`body failed validation: ${field}.${type}.children should be an array.`);
  if (nested.length > 0 && depth >= 1)
    throw validation(`body failed validation: ${field}.${type}.children: nesting is limited to two levels.`);
  return {
    type,
    data,
    children: nested.map((child, index) =>
      normalizeBlock(child, `${field}.${type}.children[${index}]`, depth + 1),
    ),
  };
}

/** Evaluates the subset of Notion's filter language used against the seeded property types. */
function matchesFilter(
  database: StoredDatabase,
  page: StoredPage,
  filter: Record<string, unknown>,
  field: string,
): boolean {
  if (Array.isArray(filter.and))
    return filter.and.every((f, i) =>
      matchesFilter(database, page, f as Record<string, unknown>, `${field}.and[${i}]`),
    );
  if (Array.isArray(filter.or))
    return filter.or.some((f, i) =>
      matchesFilter(database, page, f as Record<string, unknown>, `${field}.or[${i}]`),
    );
  const name = filter.property;
  if (typeof name !== "string")
    throw validation(`body failed validation: ${field}.property should be defined.`);
  const entry = Object.entries(database.properties).find(
    ([key, schema]) => key === name || schema.id === name,
  );
  if (!entry) throw validation(`Could not find property with name or id: ${name}`);
  const [key, schema] = entry;
  const type = String(schema.type);
  const condition = filter[type] as Record<string, unknown> | undefined;
  if (typeof condition !== "object" || condition === null) {
    throw validation(`body failed validation: ${field}.${type} should be defined for a ${type} property.`);
  }
  const value = page.properties[key];
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  switch (type) {
    case "title":
    case "rich_text": {
      const text = plain(value?.[type] as NotionRichText[] | undefined);
      const target = String(operand ?? "");
      switch (operator) {
        case "equals":
          return text === target;
        case "does_not_equal":
          return text !== target;
        case "contains":
          return text.toLowerCase().includes(target.toLowerCase());
        case "does_not_contain":
          return !text.toLowerCase().includes(target.toLowerCase());
        case "starts_with":
          return text.toLowerCase().startsWith(target.toLowerCase());
        case "ends_with":
          return text.toLowerCase().endsWith(target.toLowerCase());
        case "is_empty":
          return text === "";
        case "is_not_empty":
          return text !== "";
      }
      break;
    }
    case "select": {
      const selected = (value?.select as { name?: string } | null | undefined)?.name;
      switch (operator) {
        case "equals":
          return selected === operand;
        case "does_not_equal":
          return selected !== operand;
        case "is_empty":
          return selected === undefined;
        case "is_not_empty":
          return selected !== undefined;
      }
      break;
    }
    case "date": {
      const start = (value?.date as { start?: string } | null | undefined)?.start;
      const day = start?.slice(0, 10);
      const target = typeof operand === "string" ? operand.slice(0, 10) : "";
      if (operator === "is_empty") return day === undefined;
      if (operator === "is_not_empty") return day !== undefined;
      if (day === undefined) return false;
      switch (operator) {
        case "equals":
          return day === target;
        case "before":
          return day < target;
        case "after":
          return day > target;
        case "on_or_before":
          return day <= target;
        case "on_or_after":
          return day >= target;
      }
      break;
    }
  }
  throw validation(
    `body failed validation: ${field}.${type}.${String(operator)} is not a supported filter condition.`,
  );
}

function compareBySorts(database: StoredDatabase, a: StoredPage, b: StoredPage, sorts: unknown[]): number {
  for (const sort of sorts) {
    const { property, timestamp, direction } = sort as {
      property?: string;
      timestamp?: string;
      direction?: string;
    };
    const factor = direction === "descending" ? -1 : 1;
    let left = "";
    let right = "";
    if (timestamp === "created_time" || timestamp === "last_edited_time") {
      left = a[timestamp];
      right = b[timestamp];
    } else if (property && database.properties[property]) {
      left = sortKey(a.properties[property]);
      right = sortKey(b.properties[property]);
    } else {
      throw validation(`Could not find sort property with name or id: ${String(property ?? timestamp)}`);
    }
    if (left !== right) return (left < right ? -1 : 1) * factor;
  }
  return 0;
}

function sortKey(value: Record<string, unknown> | undefined): string {
  if (!value) return "";
  const data = value[String(value.type)];
  if (Array.isArray(data)) return plain(data as NotionRichText[]);
  if (typeof data === "object" && data !== null)
    return String(
      (data as { name?: string; start?: string }).name ?? (data as { start?: string }).start ?? "",
    );
  return String(data ?? "");
}
