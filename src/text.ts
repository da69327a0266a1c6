/** Text helpers shared by Delegate's core (connectors, CLI, agent). The sandbox keeps its own. */

const CONJUNCTION = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

/** "Gmail", "Gmail and Slack", "Gmail, Slack, and Notion"; repeated names are said once. */
export function joinNames(names: Iterable<string>): string {
  return CONJUNCTION.format([...new Set(names)]);
}

/**
 * Cuts a text to at most `max` characters, ellipsis included, so one item cannot flood a context
 * or a line. The cut falls on a space when one is near the end, so no word is split in half.
 */
export function truncate(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const hard = Math.max(0, max - 1);
  const space = text.lastIndexOf(" ", hard);
  const end = space > hard * 0.8 ? space : hard;
  return { text: `${text.slice(0, end).trimEnd()}…`, truncated: true };
}

/**
 * A text as one line of at most `max` characters: every run of whitespace (line breaks included)
 * becomes one space, and the rest is cut by `truncate`. For logs and summaries, never for what a
 * person wrote to the model.
 */
export function oneLine(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, " ").trim(), max).text;
}
