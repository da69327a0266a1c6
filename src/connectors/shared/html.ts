/**
 * HTML as plain text for the model, through `html-to-text` (block layout, links and lists) and
 * `entities` (the full HTML5 character-reference table, for text that is escaped but not HTML).
 */
import { decodeHTML } from "entities";
import { lazyRequire } from "../../lazy-require.js";

const htmlToTextPackage = lazyRequire<typeof import("html-to-text")>("html-to-text");

const HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

/** Mail lays pages out with tables: each cell reads as its own line rather than glued to the next. */
const CELLS = ["td", "th"].map((selector) => ({
  selector,
  format: "block",
  options: { leadingLineBreaks: 1, trailingLineBreaks: 1 },
}));

/** Mail layout: no wrapping, links as `label (url)`, no images (tracking pixels), bullets for lists. */
let converter: ((html: string) => string) | undefined;
function convert(html: string): string {
  converter ??= htmlToTextPackage().compile({
    wordwrap: false,
    selectors: [
      { selector: "a", options: { linkBrackets: ["(", ")"], hideLinkHrefIfSameAsText: true } },
      { selector: "img", format: "skip" },
      { selector: "ul", options: { itemPrefix: "• " } },
      ...HEADINGS,
      ...CELLS,
    ],
  });
  return converter(html);
}

/** Readable text from an HTML body: paragraphs and list items on their own lines, link targets kept. */
export function htmlToText(html: string): string {
  return convert(html)
    .replace(/\u00a0/g, " ")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** True when a text carries HTML markup (descriptions and bodies may be either). */
export function looksLikeHtml(text: string): boolean {
  return /<\/?[a-z][a-z0-9]*\b[^>]*>/i.test(text);
}

/** Decodes HTML character references in plain text, e.g. Gmail's HTML-escaped snippets. */
export function decodeEntities(text: string): string {
  return decodeHTML(text);
}
