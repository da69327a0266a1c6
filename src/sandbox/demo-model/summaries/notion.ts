import { field, listIn, stringIn } from "../plan.js";
import { clip, truncate } from "../text.js";
import { bulletList, plural, type Summarizer, titleById } from "./common.js";

const notionSearch: Summarizer = (outcome, env) => {
  const query = stringIn(outcome.args, "query");
  const results = listIn(outcome.data, "results", "pages", "items");
  if (!results.length) return `I found nothing in Notion${query ? ` matching "${query}"` : ""}.`;
  const lines = results.map((result) => {
    const type = stringIn(result, "type", "object");
    const url = stringIn(result, "url");
    return `${stringIn(result, "title", "name") ?? "(untitled)"}${type ? ` (${type})` : ""}${url ? ` — ${url}` : ""}`;
  });
  return `Notion results${query ? ` for "${query}"` : ""}:\n${bulletList(lines, env)}`;
};

function pageContent(data: unknown): string {
  const content = field(data, "content");
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((block) => (typeof block === "string" ? block : (stringIn(block, "text", "content") ?? "")))
      .filter(Boolean)
      .join("\n");
  }
  return stringIn(data, "text", "markdown") ?? "";
}

const notionPage: Summarizer = (outcome) => {
  const title = stringIn(outcome.data, "title") ?? "the page";
  const content = pageContent(outcome.data).trim();
  return `Here's "${title}" from Notion:\n\n${clip(content, 1200) || "(the page is empty)"}`;
};

const notionCreated: Summarizer = (outcome) => {
  const title = stringIn(outcome.data, "title") ?? stringIn(outcome.args, "title") ?? "the page";
  const url = stringIn(outcome.data, "url");
  return `Created the Notion page "${title}"${url ? ` — ${url}` : ""}.`;
};

const notionAppended: Summarizer = (outcome, env) => {
  const title = titleById(env, outcome.args.page_id) ?? stringIn(outcome.data, "title") ?? "the page";
  const content = stringIn(outcome.args, "content") ?? "";
  return `Added to "${title}" in Notion: "${truncate(content, 200)}".`;
};

const notionQuery: Summarizer = (outcome, env) => {
  const database = titleById(env, outcome.args.database_id) ?? "the database";
  const property = stringIn(outcome.args, "filter_property");
  const equals = stringIn(outcome.args, "equals");
  const filter = property && equals ? ` with ${property} = ${equals}` : "";
  const rows = listIn(outcome.data, "results", "rows", "pages", "items");
  if (!rows.length) return `Nothing in "${database}"${filter}.`;
  const lines = rows.map((row) => {
    const properties = field(row, "properties");
    const title =
      stringIn(row, "title", "name", "Name") ??
      stringIn(properties, "Name", "Title", "title") ??
      "(untitled)";
    const status = stringIn(row, "status", "Status") ?? stringIn(properties, "Status", "status");
    const owner = stringIn(row, "owner", "Owner") ?? stringIn(properties, "Owner", "owner");
    const details = [filter ? "" : status, owner].filter(Boolean).join(", ");
    return `${title}${details ? ` — ${details}` : ""}`;
  });
  return `${plural(rows.length, "item")} in "${database}"${filter}:\n${bulletList(lines, env)}`;
};

export const notionSummarizers: Record<string, Summarizer> = {
  notion_search: notionSearch,
  notion_get_page: notionPage,
  notion_create_page: notionCreated,
  notion_append_to_page: notionAppended,
  notion_query_database: notionQuery,
};
