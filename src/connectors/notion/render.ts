import type { NotionBlock, NotionPropertyValue, RichText } from "./notion-api.js";

export interface BlockNode {
  block: NotionBlock;
  children?: BlockNode[];
}

/** Rich text as Markdown-ish text, keeping emphasis, code and links a reader would notice. */
export function richTextToMarkdown(richText: readonly RichText[] | undefined): string {
  return (richText ?? [])
    .map((part) => {
      let text = part.plain_text ?? part.text?.content ?? "";
      if (!text.trim()) return text;
      const a = part.annotations ?? {};
      if (a.code) text = `\`${text}\``;
      if (a.bold) text = `**${text}**`;
      if (a.italic) text = `*${text}*`;
      if (a.strikethrough) text = `~~${text}~~`;
      const href = part.href ?? part.text?.link?.url;
      return href ? `[${text}](${href})` : text;
    })
    .join("");
}

function textOf(block: NotionBlock): string {
  const data = block[block.type] as { rich_text?: RichText[] } | undefined;
  return richTextToMarkdown(data?.rich_text);
}

/** Renders a block tree as lines of Markdown-like text; nested blocks are indented. */
export function renderBlocks(nodes: readonly BlockNode[], indent = ""): string[] {
  const lines: string[] = [];
  let number = 0;
  for (const node of nodes) {
    const { block } = node;
    number = block.type === "numbered_list_item" ? number + 1 : 0;
    const line = renderBlock(block, number);
    if (line !== undefined) {
      lines.push(
        ...line
          .split("\n")
          .map((part, i) =>
            i === 0 ? indent + part : `${indent}${block.type === "code" ? "" : "  "}${part}`,
          ),
      );
    }
    if (node.children?.length) lines.push(...renderBlocks(node.children, `${indent}  `));
  }
  return lines;
}

function renderBlock(block: NotionBlock, number: number): string | undefined {
  const data = (block[block.type] ?? {}) as Record<string, unknown>;
  switch (block.type) {
    case "paragraph":
      return textOf(block);
    case "heading_1":
      return `# ${textOf(block)}`;
    case "heading_2":
      return `## ${textOf(block)}`;
    case "heading_3":
      return `### ${textOf(block)}`;
    case "bulleted_list_item":
      return `- ${textOf(block)}`;
    case "numbered_list_item":
      return `${number}. ${textOf(block)}`;
    case "to_do":
      return `[${data.checked ? "x" : " "}] ${textOf(block)}`;
    case "quote":
      return `> ${textOf(block)}`;
    case "callout": {
      const icon = (data.icon as { emoji?: string } | undefined)?.emoji;
      return `> ${icon ? `${icon} ` : ""}${textOf(block)}`;
    }
    case "toggle":
      return `▸ ${textOf(block)}`;
    case "code": {
      const language =
        typeof data.language === "string" && data.language !== "plain text" ? data.language : "";
      const code = ((data.rich_text as RichText[] | undefined) ?? [])
        .map((part) => part.plain_text ?? "")
        .join("");
      return `\`\`\`${language}\n${code}\n\`\`\``;
    }
    case "divider":
      return "---";
    case "child_page":
      return `📄 ${String(data.title ?? "Untitled")} (page id: ${block.id})`;
    case "child_database":
      return `🗃️ ${String(data.title ?? "Untitled")} (database id: ${block.id})`;
    case "bookmark":
    case "embed":
    case "link_preview":
      return typeof data.url === "string" ? data.url : undefined;
    case "image":
    case "file":
    case "pdf":
    case "video": {
      const caption = richTextToMarkdown(data.caption as RichText[] | undefined);
      return `[${block.type}${caption ? `: ${caption}` : ""}]`;
    }
    case "equation":
      return typeof data.expression === "string" ? `$${data.expression}$` : undefined;
    case "table_row":
      return `| ${((data.cells as RichText[][] | undefined) ?? []).map((cell) => richTextToMarkdown(cell)).join(" | ")} |`;
    default:
      // Layout-only blocks (columns, tables, synced blocks) carry their text in children.
      return undefined;
  }
}

function names(items: unknown): string[] {
  return Array.isArray(items)
    ? items
        .map((item) => (item as { name?: string; id?: string }).name ?? (item as { id?: string }).id ?? "")
        .filter(Boolean)
    : [];
}

/** One property value in its simplest useful form; undefined when empty. */
export function simplifyProperty(property: NotionPropertyValue): unknown {
  const value = property[property.type];
  switch (property.type) {
    case "title":
    case "rich_text": {
      const text = ((value as RichText[] | undefined) ?? []).map((part) => part.plain_text ?? "").join("");
      return text || undefined;
    }
    case "select":
    case "status":
      return (value as { name?: string } | null)?.name;
    case "multi_select":
    case "people": {
      const list = names(value);
      return list.length > 0 ? list : undefined;
    }
    case "date": {
      const date = value as { start?: string; end?: string | null } | null;
      if (!date?.start) return undefined;
      return date.end ? `${date.start} → ${date.end}` : date.start;
    }
    case "checkbox":
      return Boolean(value);
    case "number":
    case "url":
    case "email":
    case "phone_number":
    case "created_time":
    case "last_edited_time":
      return value ?? undefined;
    case "created_by":
    case "last_edited_by":
      return (value as { name?: string; id?: string } | null)?.name ?? (value as { id?: string } | null)?.id;
    case "relation": {
      const ids = Array.isArray(value) ? value.map((item) => (item as { id: string }).id) : [];
      return ids.length > 0 ? ids : undefined;
    }
    case "formula": {
      const formula = value as { type?: string; [key: string]: unknown } | null;
      if (!formula?.type) return undefined;
      const result = formula[formula.type];
      return typeof result === "object" && result !== null
        ? (result as { start?: string }).start
        : (result ?? undefined);
    }
    case "unique_id": {
      const id = value as { prefix?: string | null; number?: number } | null;
      return id?.number === undefined ? undefined : `${id.prefix ? `${id.prefix}-` : ""}${id.number}`;
    }
    case "files": {
      const list = names(value);
      return list.length > 0 ? list : undefined;
    }
    default:
      return undefined;
  }
}

/** Every non-title property with a value, simplified, keyed by property name. */
export function simplifyProperties(properties: Record<string, NotionPropertyValue>): Record<string, unknown> {
  const simple: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (property.type === "title") continue;
    const value = simplifyProperty(property);
    if (value !== undefined) simple[name] = value;
  }
  return simple;
}
