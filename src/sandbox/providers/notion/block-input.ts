/**
 * Validates the blocks and rich text a client sends (page children, appended children) and
 * fills in what Notion fills in, with Notion's validation messages.
 */
import { validation } from "./notion-wire.js";
import { DEFAULT_ANNOTATIONS, type NotionRichText } from "./workspace.js";

/** Block types that may have children appended. */
export const PARENT_BLOCKS = new Set([
  "paragraph",
  "bulleted_list_item",
  "numbered_list_item",
  "to_do",
  "quote",
  "callout",
  "toggle",
]);
const TEXT_BLOCKS = new Set([...PARENT_BLOCKS, "heading_1", "heading_2", "heading_3", "code"]);

export interface NormalizedBlock {
  type: string;
  data: Record<string, unknown>;
  children: NormalizedBlock[];
}

export function normalizeRichText(input: unknown, field: string): NotionRichText[] {
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

export function normalizeBlock(input: unknown, field: string, depth: number): NormalizedBlock {
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
