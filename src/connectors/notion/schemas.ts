import { z } from "zod";

const pageRef = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(500)
    .describe(`${what}: a Notion page id, a notion.so URL, or the page's exact title (found by search).`);

const markdownContent = z
  .string()
  .max(50_000)
  .describe(
    'Markdown-like text: "# h1", "## h2", "### h3", "- bullet", "1. numbered", "[ ] todo" / "[x] done", "> quote", "---", ``` code ```, plain paragraphs; **bold**, *italic*, `code`, [link](https://…).',
  );

export const searchSchema = z.object({
  query: z
    .string()
    .trim()
    .max(500)
    .optional()
    .describe("Words in the title to look for; omit to list recently edited pages and databases."),
  filter: z.enum(["page", "database"]).optional().describe("Only return pages or only databases."),
  page_size: z.number().int().min(1).max(50).optional().describe("Maximum number of results (default 10)."),
});

export const getPageSchema = z.object({
  page_id: pageRef("The page to read"),
});

export const createPageSchema = z.object({
  parent_page_id: pageRef("The page to create the new page under"),
  title: z.string().trim().min(1).max(2_000).describe("Title of the new page."),
  content: markdownContent.optional(),
});

export const appendToPageSchema = z.object({
  page_id: pageRef("The page to add content to"),
  content: markdownContent.refine((text) => text.trim().length > 0, "content must not be empty"),
});

export const queryDatabaseSchema = z.object({
  database_id: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .describe('The database: a Notion database id, a notion.so URL, or its exact title (e.g. "Projects").'),
  filter_property: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('Name of the property to filter on, e.g. "Status" or "Owner"; give together with equals.'),
  equals: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe(
      'Value the property must have, e.g. "In progress". Select options match case-insensitively; text properties match when they contain the value.',
    ),
  page_size: z.number().int().min(1).max(100).optional().describe("Maximum number of rows (default 25)."),
});
