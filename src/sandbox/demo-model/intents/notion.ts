import {
  type FollowUp,
  firstMatch,
  listIn,
  type Matcher,
  type Outcome,
  plan,
  type Reply,
  stringIn,
  text,
} from "../plan.js";
import { capitalize, unquote } from "../text.js";

/** Documented requests the offline demo model understands for Notion. */
export const examples: string[] = [
  "find my roadmap in Notion",
  "show the Team Handbook page in Notion",
  "add a note to Meeting Notes in Notion saying ship the beta on Friday",
  "which projects are in progress in Notion",
  "create a Notion page called Launch Plan under Team Handbook",
];

const IN_NOTION = "\\s+(?:in|on|from)\\s+notion";
const OWNER = "(?:the\\s+|my\\s+|our\\s+)?";

interface Found {
  id: string;
  title: string;
}

/** The search result that best matches a name: exact title, then containing it, then the first of the type. */
function bestResult(
  outcomes: readonly Outcome[],
  type: "page" | "database",
  name: string,
): Found | undefined {
  const search = outcomes.find((outcome) => outcome.name === "notion_search" && outcome.ok);
  const wanted = name.toLowerCase();
  const results = listIn(search?.data, "results", "pages", "items")
    .map((record) => ({
      id: stringIn(record, "id") ?? "",
      type: stringIn(record, "type", "object"),
      title: stringIn(record, "title", "name") ?? "",
    }))
    .filter((result) => result.id && (!result.type || result.type === type));
  return (
    results.find((result) => result.title.toLowerCase() === wanted) ??
    results.find((result) => result.title.toLowerCase().includes(wanted)) ??
    results[0]
  );
}

/** Search for a page or database by name, then act on the best match. */
function findThen(
  type: "page" | "database",
  name: string,
  lead: string,
  act: (found: Found) => Reply,
): Reply {
  const next: FollowUp = (outcomes) => {
    const found = bestResult(outcomes, type, name);
    return found ? act(found) : text(`I couldn't find a Notion ${type} called "${name}".`);
  };
  return plan(lead, [{ name: "notion_search", args: { query: name, filter: type }, quiet: true }], next);
}

const createPage: Matcher = (request) => {
  const match = new RegExp(
    `^(?:create|make|add|start)\\s+(?:a\\s+)?(?:new\\s+)?(?:notion\\s+)?page\\s+(?:called|titled|named)\\s+(.+?)(?:\\s+(?:under|in|inside|beneath)\\s+${OWNER}(.+?))?(?:${IN_NOTION})?(?:\\s+(?:saying|with)\\s+(.+))?$`,
    "i",
  ).exec(request);
  if (!match?.[1] || !/\bnotion\b/i.test(request)) return null;
  const title = unquote(match[1]);
  const parent = match[2] ? unquote(match[2]) : undefined;
  const content = match[3] ? capitalize(unquote(match[3])) : undefined;
  if (!parent || /^notion$/i.test(parent)) {
    return text(
      `Which page should "${title}" go under? For example: "create a Notion page called ${title} under Team Handbook".`,
    );
  }
  return findThen("page", parent, `Looking for the "${parent}" page in Notion.`, (found) =>
    plan(`Creating "${title}" under "${found.title || parent}".`, [
      {
        name: "notion_create_page",
        args: { parent_page_id: found.id, title, ...(content ? { content } : {}) },
      },
    ]),
  );
};

const append: Matcher = (request) => {
  const saying = new RegExp(
    `^(?:add|append|write|jot|put)\\s+(?:down\\s+)?(?:a\\s+note|a\\s+line|an?\\s+entry|a\\s+to-?do|a\\s+bullet|this|that)?\\s*(?:to|in|on|into)\\s+${OWNER}(.+?)(?:\\s+page)?${IN_NOTION}\\s*(?:saying|that\\s+says|with|:)\\s*(.+)$`,
    "i",
  ).exec(request);
  const quoted = new RegExp(
    `^(?:add|append|write|put)\\s+(['"])(.+)\\1\\s+(?:to|in|on|into)\\s+${OWNER}(.+?)(?:\\s+page)?${IN_NOTION}$`,
    "i",
  ).exec(request);
  const page = saying?.[1] ?? quoted?.[3];
  const raw = saying?.[2] ?? quoted?.[2];
  if (!page || !raw) return null;
  const content = capitalize(unquote(raw));
  return findThen("page", page, `Looking for the "${page}" page in Notion.`, (found) =>
    plan(`Adding your note to "${found.title || page}".`, [
      { name: "notion_append_to_page", args: { page_id: found.id, content } },
    ]),
  );
};

const whichWithStatus: Matcher = (request) => {
  const match = new RegExp(
    `^(?:which|what)\\s+(.+?)\\s+(?:are|is)\\s+(?:currently\\s+|still\\s+)?(.+?)${IN_NOTION}$`,
    "i",
  ).exec(request);
  const things = match?.[1];
  const status = match?.[2];
  if (!things || !status) return null;
  const database = capitalize(things.replace(/^(?:my|our|the)\s+/i, ""));
  const equals = capitalize(status);
  return findThen("database", database, `Looking for your ${database} database in Notion.`, (found) =>
    plan(`Checking which ${things} are ${status}.`, [
      { name: "notion_query_database", args: { database_id: found.id, filter_property: "Status", equals } },
    ]),
  );
};

const listDatabase: Matcher = (request) => {
  const match = new RegExp(
    `^(?:show|list|open)\\s+(?:me\\s+)?(?:all\\s+)?${OWNER}(.+?)\\s+database${IN_NOTION}$`,
    "i",
  ).exec(request);
  const name = match?.[1];
  if (!name) return null;
  const database = capitalize(name);
  return findThen("database", database, `Looking for your ${database} database in Notion.`, (found) =>
    plan(`Reading "${found.title || database}".`, [
      { name: "notion_query_database", args: { database_id: found.id } },
    ]),
  );
};

const showPage: Matcher = (request) => {
  const match = new RegExp(
    `^(?:show|open|read|get|display|pull\\s+up)\\s+(?:me\\s+)?${OWNER}(.+?)(?:\\s+page)?${IN_NOTION}$`,
    "i",
  ).exec(request);
  const name = match?.[1] ? unquote(match[1]) : undefined;
  if (!name) return null;
  return findThen("page", name, `Looking for the "${name}" page in Notion.`, (found) =>
    plan(`Opening "${found.title || name}".`, [{ name: "notion_get_page", args: { page_id: found.id } }]),
  );
};

const find: Matcher = (request) => {
  const match =
    new RegExp(
      `^(?:find|search\\s+for|look\\s+up|look\\s+for|where(?:'s|\\s+is))\\s+${OWNER}(.+?)${IN_NOTION}$`,
      "i",
    ).exec(request) ?? /^search\s+(?:in\s+)?notion\s+for\s+(.+)$/i.exec(request);
  const query = match?.[1] ? unquote(match[1]) : undefined;
  if (!query) return null;
  return plan(`Searching Notion for "${query}".`, [{ name: "notion_search", args: { query } }]);
};

export const matchers: Matcher[] = [
  (request, context) => {
    if (!/\bnotion\b/i.test(request)) return null;
    return firstMatch([createPage, append, whichWithStatus, listDatabase, showPage, find], request, context);
  },
];
