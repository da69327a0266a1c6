import { annotations, CREATE, READ, type ToolSpec } from "./catalog-support.js";
import { integer, object, objectArray, objectSchema, string, stringEnum } from "./json-schema.js";
import { invalidInput } from "./tool-input.js";

interface RichText {
  plain_text?: string;
}

interface NotionPage {
  object: string;
  id: string;
  url?: string;
  created_time?: string;
  last_edited_time?: string;
  archived?: boolean;
  parent?: Record<string, unknown>;
  properties?: Record<string, { type?: string; title?: RichText[] } & Record<string, unknown>>;
  title?: RichText[];
}

interface NotionList<T> {
  results?: T[];
  next_cursor?: string | null;
  has_more?: boolean;
}

const pageSize = integer("Results per page (1-100)", 1, 100);
const startCursor = string("Cursor from a previous call's next_cursor");

export const notionTools: ToolSpec[] = [
  {
    name: "notion_page_search",
    description: "Search pages and databases in the user's Notion workspace by title.",
    input: objectSchema({
      query: string("Text to look for in titles; empty lists everything"),
      page_size: pageSize,
      start_cursor: startCursor,
      sort_direction: stringEnum(["ascending", "descending"], "By last edit"),
      sort_timestamp: stringEnum(["last_edited_time"], "Sort field"),
    }),
    annotations: annotations("Search Notion pages", READ),
    async run(input, api) {
      const direction = input.string("sort_direction");
      const cursor = input.string("start_cursor");
      const result = (await api("/v1/search", {
        method: "POST",
        body: {
          query: input.string("query") ?? "",
          page_size: input.number("page_size") ?? 10,
          ...(cursor && { start_cursor: cursor }),
          ...(direction && {
            sort: { direction, timestamp: input.string("sort_timestamp") ?? "last_edited_time" },
          }),
        },
      })) as NotionList<NotionPage>;
      return { results: (result.results ?? []).map(summarize), ...more(result) };
    },
  },
  {
    name: "notion_page_get",
    description: "Get a Notion page's title, properties and parent (not its content).",
    input: objectSchema({ page_id: string("The page id") }, ["page_id"]),
    annotations: annotations("Get Notion page", READ),
    async run(input, api) {
      const page = (await api(`/v1/pages/${encodeURIComponent(input.required("page_id"))}`)) as NotionPage;
      return { ...summarize(page), parent: page.parent, properties: page.properties ?? {} };
    },
  },
  {
    name: "notion_page_create",
    description:
      'Create a Notion page under a parent page (parent_page_id) or in a database (database_id). Give the title as properties: {"title": {"title": [{"text": {"content": "My page"}}]}}.',
    input: objectSchema(
      {
        parent_page_id: string("Id of the parent page"),
        database_id: string("Id of the parent database (instead of parent_page_id)"),
        properties: object("Page properties in Notion's format; must include the title"),
        child_blocks: objectArray("Content blocks in Notion's format"),
        icon: object('Icon, e.g. {"type": "emoji", "emoji": "📝"}'),
        cover: object('Cover image, e.g. {"type": "external", "external": {"url": "…"}}'),
      },
      ["properties"],
    ),
    annotations: annotations("Create Notion page", CREATE),
    async run(input, api) {
      const parentPage = input.string("parent_page_id");
      const database = input.string("database_id");
      if ((parentPage === undefined) === (database === undefined)) {
        throw invalidInput('Give exactly one of "parent_page_id" and "database_id".');
      }
      const children = input.array("child_blocks");
      const icon = input.object("icon");
      const cover = input.object("cover");
      const page = (await api("/v1/pages", {
        method: "POST",
        body: {
          parent: parentPage !== undefined ? { page_id: parentPage } : { database_id: database },
          properties: input.object("properties") ?? {},
          ...(children && { children }),
          ...(icon && { icon }),
          ...(cover && { cover }),
        },
      })) as NotionPage;
      return summarize(page);
    },
  },
  {
    name: "notion_page_content_get",
    description: "Get the content blocks of a Notion page (or of any block with children).",
    input: objectSchema(
      { block_id: string("The page or block id"), page_size: pageSize, start_cursor: startCursor },
      ["block_id"],
    ),
    annotations: annotations("Get Notion page content", READ),
    async run(input, api) {
      const result = (await api(`/v1/blocks/${encodeURIComponent(input.required("block_id"))}/children`, {
        query: { page_size: input.number("page_size"), start_cursor: input.string("start_cursor") },
      })) as NotionList<NotionBlock>;
      return { blocks: (result.results ?? []).map(summarizeBlock), ...more(result) };
    },
  },
  {
    // Notion's "append block children" (PATCH /v1/blocks/{id}/children), named like Scalekit's
    // other Notion tools (object, verb, object: `notion_database_insert_row`). The page the blocks
    // go under is `parent_page_id`, as in notion_page_create: it is the write's target.
    name: "notion_page_append_blocks",
    description:
      'Append content blocks to the end of an existing Notion page (or after one of its blocks). Give the blocks in Notion\'s format, e.g. [{"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Notes"}}]}}].',
    input: objectSchema(
      {
        parent_page_id: string(
          "Id of the page to add the blocks to (a block that takes children also works)",
        ),
        child_blocks: {
          ...objectArray("Content blocks in Notion's format (1-100)"),
          minItems: 1,
          maxItems: 100,
        },
        after: string("Id of an existing child block to insert the new blocks after; default the end"),
      },
      ["parent_page_id", "child_blocks"],
    ),
    annotations: annotations("Append blocks to Notion page", CREATE),
    async run(input, api) {
      const parent = input.required("parent_page_id");
      const children = input.array("child_blocks") ?? [];
      if (children.length === 0 || children.length > 100) {
        throw invalidInput('"child_blocks" must hold 1 to 100 blocks.');
      }
      const after = input.string("after");
      const result = (await api(`/v1/blocks/${encodeURIComponent(parent)}/children`, {
        method: "PATCH",
        body: { children, ...(after && { after }) },
      })) as NotionList<NotionBlock>;
      const blocks = (result.results ?? []).map(summarizeBlock);
      return { parent_page_id: parent, appended: blocks.length, blocks };
    },
  },
  {
    name: "notion_database_query",
    description: "Query the rows of a Notion database, with Notion's filter and sorts objects.",
    input: objectSchema(
      {
        database_id: string("The database id"),
        filter: object("A Notion filter object"),
        sorts: objectArray("Notion sort objects"),
        page_size: pageSize,
        start_cursor: startCursor,
      },
      ["database_id"],
    ),
    annotations: annotations("Query Notion database", READ),
    async run(input, api) {
      const filter = input.object("filter");
      const sorts = input.array("sorts");
      const cursor = input.string("start_cursor");
      const size = input.number("page_size");
      const id = input.required("database_id");
      const result = (await api(`/v1/databases/${encodeURIComponent(id)}/query`, {
        method: "POST",
        body: {
          ...(filter && { filter }),
          ...(sorts && { sorts }),
          ...(cursor && { start_cursor: cursor }),
          ...(size !== undefined && { page_size: size }),
        },
      })) as NotionList<NotionPage>;
      return {
        results: (result.results ?? []).map((row) => ({
          ...summarize(row),
          properties: row.properties ?? {},
        })),
        ...more(result),
      };
    },
  },
];

type NotionBlock = { id: string; type: string; has_children?: boolean } & Record<string, unknown>;

function summarizeBlock(block: NotionBlock) {
  return {
    id: block.id,
    type: block.type,
    text: blockText(block[block.type]),
    has_children: block.has_children ?? false,
  };
}

function summarize(page: NotionPage) {
  return {
    id: page.id,
    object: page.object,
    title: titleOf(page),
    url: page.url,
    last_edited_time: page.last_edited_time,
  };
}

/** A page's title property, or a database's title (its title property is a schema, not text). */
function titleOf(page: NotionPage): string {
  const property = Object.values(page.properties ?? {}).find((value) => value.type === "title");
  return plain(Array.isArray(property?.title) ? property.title : (page.title ?? []));
}

function blockText(content: unknown): string {
  const richText = (content as { rich_text?: RichText[] } | undefined)?.rich_text;
  return plain(richText ?? []);
}

function plain(texts: readonly RichText[]): string {
  return texts.map((text) => text.plain_text ?? "").join("");
}

function more(list: NotionList<unknown>): { next_cursor?: string; has_more: boolean } {
  return { has_more: list.has_more ?? false, ...(list.next_cursor ? { next_cursor: list.next_cursor } : {}) };
}
