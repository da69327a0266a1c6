import { DelegateError, isDelegateError } from "../../errors.js";
import { clip } from "../../text.js";
import { type ConnectorDefinition, connectorTool } from "../connector-tool.js";
import type { ProviderClient } from "../provider-client.js";
import { words } from "../shared/summaries.js";
import { formatInZoneOrUtc as formatInZone } from "../shared/time.js";
import { markdownToBlocks } from "./markdown.js";
import {
  appendChildren,
  databaseTitle,
  interpretNotionBody,
  listChildren,
  type NotionDatabase,
  type NotionList,
  type NotionPage,
  pageTitle,
  resolveId,
  search,
} from "./notion-api.js";
import { type BlockNode, renderBlocks, simplifyProperties } from "./render.js";
import {
  appendToPageSchema,
  createPageSchema,
  getPageSchema,
  queryDatabaseSchema,
  searchSchema,
} from "./schemas.js";

const MAX_BLOCKS = 300;
const MAX_DEPTH = 3;
const MAX_CONTENT = 12_000;

/** Types whose children are separate pages, not part of this page's text. */
const OPAQUE_CHILDREN = new Set(["child_page", "child_database"]);

function edited(value: string | undefined, timeZone: string): { last_edited?: string } {
  if (!value) return {};
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? {} : { last_edited: formatInZone(date, timeZone) };
}

/** Reads a page's blocks depth-first, sequentially (Notion allows ~3 requests a second). */
async function loadTree(
  http: ProviderClient,
  blockId: string,
  depth: number,
  budget: { left: number; truncated: boolean },
): Promise<BlockNode[]> {
  const { blocks, more } = await listChildren(http, blockId, budget.left);
  budget.left -= blocks.length;
  if (more) budget.truncated = true;
  const nodes: BlockNode[] = [];
  for (const block of blocks) {
    const node: BlockNode = { block };
    if (block.has_children && !OPAQUE_CHILDREN.has(block.type)) {
      if (depth < MAX_DEPTH && budget.left > 0)
        node.children = await loadTree(http, block.id, depth + 1, budget);
      else budget.truncated = true;
    }
    nodes.push(node);
  }
  return nodes;
}

const searchTool = connectorTool({
  name: "notion_search",
  description:
    "Search the Notion pages and databases shared with Delegate by title; without a query, list the most recently edited ones.",
  schema: searchSchema,
  effect: "read",
  async run(input, { http, timeZone }) {
    const answer = await search(http, {
      ...(input.query ? { query: input.query } : {}),
      ...(input.filter ? { filter: input.filter } : {}),
      pageSize: input.page_size ?? 10,
    });
    return {
      results: answer.results
        .filter((result) => !(result as { archived?: boolean; in_trash?: boolean }).archived)
        .map((result) => ({
          id: result.id,
          type: result.object,
          title: result.object === "database" ? databaseTitle(result) : pageTitle(result),
          ...(result.url ? { url: result.url } : {}),
          ...edited(result.last_edited_time, timeZone),
        })),
      ...(answer.has_more ? { has_more: true } : {}),
    };
  },
});

const getPageTool = connectorTool({
  name: "notion_get_page",
  description:
    "Read a Notion page: its title, properties and content as Markdown-like text (child pages are listed with their ids).",
  schema: getPageSchema,
  effect: "read",
  async run(input, { http, timeZone }) {
    const id = await resolveId(http, input.page_id, "page");
    const page = await http.request<NotionPage>({ method: "GET", path: `/v1/pages/${id}` });
    const budget = { left: MAX_BLOCKS, truncated: false };
    const tree = await loadTree(http, page.id, 1, budget);
    let content = renderBlocks(tree).join("\n");
    if (content.length > MAX_CONTENT) {
      content = clip(content, MAX_CONTENT);
      budget.truncated = true;
    }
    const properties = simplifyProperties(page.properties);
    return {
      id: page.id,
      title: pageTitle(page),
      ...(page.url ? { url: page.url } : {}),
      ...edited(page.last_edited_time, timeZone),
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      content,
      ...(budget.truncated ? { truncated: true } : {}),
    };
  },
});

const createPageTool = connectorTool({
  name: "notion_create_page",
  description: "Create a new Notion page under an existing page, with optional Markdown-like content.",
  schema: createPageSchema,
  effect: "write",
  targets: [{ field: "parent_page_id", kind: "notion-parent" }],
  summarize: (input) =>
    `Create the Notion page "${input.title}" under ${input.parent_page_id}${input.content ? ` (${words(input.content)})` : ""}`,
  async run(input, { http }) {
    const parent = await resolveId(http, input.parent_page_id, "page", { exact: true });
    const blocks = input.content ? markdownToBlocks(input.content) : [];
    const page = await http.request<NotionPage>({
      method: "POST",
      path: "/v1/pages",
      body: {
        parent: { page_id: parent },
        properties: { title: { title: [{ type: "text", text: { content: input.title } }] } },
        ...(blocks.length > 0 ? { children: blocks.slice(0, 100) } : {}),
      },
    });
    const result = { id: page.id, ...(page.url ? { url: page.url } : {}), title: pageTitle(page) };
    if (blocks.length <= 100) return result;
    // The page exists now; report a partial append instead of failing, so nobody retries the
    // whole call and creates a second page.
    try {
      await appendChildren(http, page.id, blocks.slice(100));
      return result;
    } catch (error) {
      // A rejected token too: after a reconnection the whole call would run again, and create
      // a second page.
      if (!isDelegateError(error)) throw error;
      return {
        ...result,
        content_incomplete: true,
        note: `Only the first 100 blocks were added: ${error.message}`,
      };
    }
  },
});

const appendToPageTool = connectorTool({
  name: "notion_append_to_page",
  description:
    "Add Markdown-like content to the end of an existing Notion page (for notes, action items, updates).",
  schema: appendToPageSchema,
  effect: "write",
  targets: [{ field: "page_id", kind: "notion-parent" }],
  summarize: (input) => `Append to the Notion page ${input.page_id} (${words(input.content)})`,
  async run(input, { http }) {
    const id = await resolveId(http, input.page_id, "page", { exact: true });
    const blocks = markdownToBlocks(input.content);
    if (blocks.length === 0) {
      throw new DelegateError("TOOL_FAILED", "The content has no text to add to the page.");
    }
    return { page_id: id, appended_blocks: await appendChildren(http, id, blocks) };
  },
});

/** Builds a Notion filter for `property` equal to `value`, using the database's schema. */
function propertyFilter(database: NotionDatabase, wanted: string, value: string): Record<string, unknown> {
  const entries = Object.entries(database.properties);
  const entry =
    entries.find(([name]) => name === wanted) ??
    entries.find(([name]) => name.toLowerCase() === wanted.toLowerCase());
  if (!entry) {
    throw new DelegateError(
      "TOOL_FAILED",
      `The "${databaseTitle(database)}" database has no property "${wanted}"; its properties are: ${entries.map(([name]) => name).join(", ")}.`,
    );
  }
  const [name, property] = entry;
  const option = () => {
    const options = (property[property.type] as { options?: { name: string }[] } | undefined)?.options ?? [];
    const found = options.find((candidate) => candidate.name.toLowerCase() === value.toLowerCase());
    if (!found && options.length > 0) {
      throw new DelegateError(
        "TOOL_FAILED",
        `"${name}" has no option "${value}"; its options are: ${options.map((candidate) => candidate.name).join(", ")}.`,
      );
    }
    return found?.name ?? value;
  };
  switch (property.type) {
    case "title":
    case "rich_text":
    case "url":
    case "email":
    case "phone_number":
      return { property: name, [property.type]: { contains: value } };
    case "select":
    case "status":
      return { property: name, [property.type]: { equals: option() } };
    case "multi_select":
      return { property: name, multi_select: { contains: option() } };
    case "checkbox":
      return { property: name, checkbox: { equals: /^(true|yes|checked|done|1)$/i.test(value) } };
    case "number": {
      const number = Number(value);
      if (Number.isNaN(number))
        throw new DelegateError("TOOL_FAILED", `"${name}" is a number property; "${value}" is not a number.`);
      return { property: name, number: { equals: number } };
    }
    case "date":
      return { property: name, date: { equals: value } };
    default:
      throw new DelegateError(
        "TOOL_FAILED",
        `Filtering on "${name}" (a ${property.type} property) is not supported.`,
      );
  }
}

const queryDatabaseTool = connectorTool({
  name: "notion_query_database",
  description:
    'List the rows of a Notion database (e.g. "Projects") with their properties, optionally only those where one property equals a value.',
  schema: queryDatabaseSchema,
  effect: "read",
  async run(input, { http }) {
    if ((input.filter_property === undefined) !== (input.equals === undefined)) {
      throw new DelegateError("TOOL_FAILED", "Give filter_property and equals together, or neither.");
    }
    const id = await resolveId(http, input.database_id, "database");
    const database = await http.request<NotionDatabase>({ method: "GET", path: `/v1/databases/${id}` });
    const filter =
      input.filter_property !== undefined && input.equals !== undefined
        ? propertyFilter(database, input.filter_property, input.equals)
        : undefined;
    const answer = await http.request<NotionList<NotionPage>>({
      method: "POST",
      path: `/v1/databases/${database.id}/query`,
      body: { ...(filter ? { filter } : {}), page_size: input.page_size ?? 25 },
    });
    return {
      database: databaseTitle(database),
      results: answer.results.map((page) => ({
        id: page.id,
        title: pageTitle(page),
        ...(page.url ? { url: page.url } : {}),
        properties: simplifyProperties(page.properties),
      })),
      ...(answer.has_more ? { has_more: true } : {}),
    };
  },
});

export const notionConnector: ConnectorDefinition = {
  id: "notion",
  defaultBaseUrl: "https://api.notion.com",
  // Notion refuses requests without an API version.
  headers: { "Notion-Version": "2022-06-28" },
  interpretBody: interpretNotionBody,
  tools: [searchTool, getPageTool, createPageTool, appendToPageTool, queryDatabaseTool],
};
