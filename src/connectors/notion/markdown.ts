/**
 * Turns the Markdown-like text a model writes into Notion block objects: headings (#, ##, ###),
 * bullets (- or *), numbered items (1.), to-dos ([ ] / [x], optionally after "- "), quotes (>),
 * dividers (---), fenced code, and paragraphs; inline **bold**, *italic*, `code`, ~~strike~~ and
 * [links](https://…) become annotations.
 */

interface TextObject {
  type: "text";
  text: { content: string; link?: { url: string } };
  annotations?: { bold?: boolean; italic?: boolean; strikethrough?: boolean; code?: boolean };
}

export type BlockInput = { object: "block"; type: string } & Record<string, unknown>;

/** Notion rejects text objects longer than 2,000 characters. */
const MAX_TEXT = 2_000;

const CODE_LANGUAGES = new Set([
  "bash",
  "c",
  "c#",
  "c++",
  "css",
  "diff",
  "docker",
  "go",
  "graphql",
  "html",
  "java",
  "javascript",
  "json",
  "kotlin",
  "markdown",
  "plain text",
  "python",
  "ruby",
  "rust",
  "shell",
  "sql",
  "swift",
  "typescript",
  "xml",
  "yaml",
]);

const LANGUAGE_ALIASES: Record<string, string> = {
  js: "javascript",
  ts: "typescript",
  py: "python",
  sh: "shell",
  zsh: "shell",
  yml: "yaml",
  md: "markdown",
  cpp: "c++",
  cs: "c#",
  rb: "ruby",
  text: "plain text",
  txt: "plain text",
};

export function markdownToBlocks(content: string): BlockInput[] {
  const blocks: BlockInput[] = [];
  const lines = content.replace(/\r\n?/g, "\n").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const fence = /^\s*```\s*([\w#+ -]*)\s*$/.exec(line);
    if (fence) {
      const code: string[] = [];
      index++;
      while (index < lines.length && !/^\s*```\s*$/.test(lines[index] ?? "")) code.push(lines[index++] ?? "");
      blocks.push(codeBlock(code.join("\n"), fence[1] ?? ""));
      continue;
    }
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (trimmed.startsWith(">")) {
      // Consecutive quote lines form one quote block, as in Markdown.
      const quoted = [trimmed.replace(/^>\s?/, "")];
      while (/^\s*>/.test(lines[index + 1] ?? ""))
        quoted.push((lines[++index] ?? "").trim().replace(/^>\s?/, ""));
      blocks.push(textBlock("quote", quoted.join("\n")));
      continue;
    }
    blocks.push(lineBlock(trimmed));
  }
  return blocks;
}

function lineBlock(line: string): BlockInput {
  const heading = /^(#{1,6})\s+(.*)$/.exec(line);
  if (heading) return textBlock(`heading_${Math.min(heading[1]?.length ?? 1, 3)}`, heading[2] ?? "");
  if (/^(-{3,}|\*{3,}|_{3,})$/.test(line)) return { object: "block", type: "divider", divider: {} };
  const todo = /^(?:[-*+]\s+)?\[([ xX])\]\s*(.*)$/.exec(line);
  if (todo) return textBlock("to_do", todo[2] ?? "", { checked: todo[1] !== " " });
  const bullet = /^[-*+•]\s+(.*)$/.exec(line);
  if (bullet) return textBlock("bulleted_list_item", bullet[1] ?? "");
  const numbered = /^\d+[.)]\s+(.*)$/.exec(line);
  if (numbered) return textBlock("numbered_list_item", numbered[1] ?? "");
  return textBlock("paragraph", line);
}

function textBlock(type: string, text: string, extra: Record<string, unknown> = {}): BlockInput {
  return { object: "block", type, [type]: { rich_text: inlineToRichText(text), ...extra } };
}

function codeBlock(code: string, language: string): BlockInput {
  const wanted = language.trim().toLowerCase();
  const resolved = LANGUAGE_ALIASES[wanted] ?? (CODE_LANGUAGES.has(wanted) ? wanted : "plain text");
  return { object: "block", type: "code", code: { rich_text: plainRichText(code), language: resolved } };
}

const INLINE =
  /\*\*([^*]+)\*\*|`([^`]+)`|~~([^~]+)~~|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])|(?<![\w_])_([^_\s][^_]*?)_(?![\w_])/g;

export function inlineToRichText(text: string): TextObject[] {
  const parts: TextObject[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const start = match.index ?? 0;
    if (start > last) parts.push(...plainRichText(text.slice(last, start)));
    const [, bold, code, strike, linkText, url, italicStar, italicUnderscore] = match;
    if (bold !== undefined) parts.push(...plainRichText(bold, { bold: true }));
    else if (code !== undefined) parts.push(...plainRichText(code, { code: true }));
    else if (strike !== undefined) parts.push(...plainRichText(strike, { strikethrough: true }));
    else if (linkText !== undefined && url !== undefined) parts.push(...plainRichText(linkText, {}, url));
    else parts.push(...plainRichText(italicStar ?? italicUnderscore ?? "", { italic: true }));
    last = start + match[0].length;
  }
  if (last < text.length) parts.push(...plainRichText(text.slice(last)));
  return parts;
}

function plainRichText(
  text: string,
  annotations: TextObject["annotations"] = {},
  url?: string,
): TextObject[] {
  const parts: TextObject[] = [];
  for (let start = 0; start < text.length; start += MAX_TEXT) {
    parts.push({
      type: "text",
      text: { content: text.slice(start, start + MAX_TEXT), ...(url ? { link: { url } } : {}) },
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    });
  }
  return parts;
}
